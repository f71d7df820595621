"""Parser for Web of Science plain-text exports (``savedrecs.txt``, ``*.isi``, ``*.ciw``).

The file starts with ``FN Clarivate Analytics Web of Science`` (or ``FN Thomson
Reuters Web of Science``) and ``VR 1.0``; each record runs from a ``PT`` line to
an ``ER`` line, and the file ends with ``EF``. A field is a two-character tag at
the start of a line, a space and its value; a value continues on lines indented
by three spaces (one author, one cited reference per line; a title wraps).

Fields read: ``TI`` title and ``AB`` abstract (wrapped lines joined with
spaces), ``AF`` (else ``AU``) authors, one per line (``"Last, First"`` ->
``"First Last"``), ``PY`` year, ``PD``/``EA`` date, ``DI`` doi, ``SO`` venue,
``DE`` author keywords and ``ID`` Keywords Plus (``;``-separated) as keywords,
``UT`` accession number (``WOS:000123456700001``) with every other field in
``meta["original"]``.

A record that ends without ``ER`` (the next ``PT``, or the end of the file) is
kept, with a warning naming its line, when its title and abstract were followed
by another field; otherwise it may be cut short and becomes a dropped record. A
record with a line that is neither a field nor a continuation, a second ``TI``
(two records ran together) or bytes not valid in the encoding is dropped with
its reason. Tag lines outside any record form a record of their own (its ``PT``
line was lost), reported and dropped; other text outside records is listed in
``FileReport.skipped``.
"""

from __future__ import annotations

import datetime as dt
import re

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.decoding import TEXT_BREAK_RE
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.tagged import (
    Field,
    Line,
    Record,
    Syntax,
    iter_items,
    raw_record,
    settle,
)
from landscape.ingest.formats.text import (
    compact,
    name_first_last,
    normalise_doi,
    split_list,
    to_year,
)

NAME = "wos"
SYNTAX = Syntax(re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$"), "   ")
_HEADER_RE = re.compile(r"^FN (?:Clarivate Analytics |Thomson Reuters |Clarivate )?Web of Science")
_ONCE = ("PT", "TI", "AB", "PY", "UT", "SO", "DI")
_FILE_TAGS = ("FN", "VR", "EF")
_BOUNDS = frozenset(("PT", "ER", *_FILE_TAGS))  # tags that start, end or interrupt a record


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like a Web of Science plain-text export.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; ``.isi``/``.ciw`` accept any file with ``PT`` and ``TI`` lines.

    Returns:
        True for an ``FN ... Web of Science`` header, or a ``VR 1.0`` line followed
        by ``PT`` records, or (with a WoS file name) tag lines of a record.
    """
    text = data[:20000].decode("utf-8", errors="replace").lstrip("\ufeff")
    head = TEXT_BREAK_RE.sub("\n", text)  # "^" of re.M only follows "\n"
    lines = head.splitlines()
    if lines and _HEADER_RE.match(lines[0]):
        return True
    if re.search(r"^VR 1\.0\s*$", head, re.M) and re.search(r"^PT [A-Z]\s*$", head, re.M):
        return True
    named = name.lower().removesuffix(".gz").endswith((".isi", ".ciw"))
    # A file without its header (cut out, or records pasted together): a PT line
    # opening a record with the tags that every record has.
    tags = {m.group(1) for m in map(SYNTAX.tag.match, lines) if m}
    if re.search(r"^PT [A-Z]\s*$", head, re.M) and {"TI", "ER"} <= tags:
        return True
    return named and {"PT", "TI"} <= tags


def _authors(record: Record) -> list[str]:
    names = record.get("AF") or record.get("AU")
    if names is None:
        return []
    return [name_first_last(v.strip()) for v in names.values if v.strip()]


def _keywords(record: Record) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for tag in ("DE", "ID"):
        for value in split_list(record.text(tag) or ""):
            if value.lower() not in seen:
                seen.add(value.lower())
                out.append(value)
    return out


def _date(value: str | None, year: int | None) -> str | None:
    """``PD`` (``"MAR 5"``, ``"MAR"``, with ``PY``) or ``EA`` (``"MAR 2019"``) as ISO."""
    if not value:
        return None
    text = " ".join([value.strip().title(), str(year)] if year else [value.strip().title()])
    for fmt, iso in (("%b %d %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m")):
        try:
            return dt.datetime.strptime(text, fmt).strftime(iso)
        except ValueError:
            continue
    return None  # a season ("SPR"), a range ("JAN-FEB"): the year is PY's


def _record(record: Record, source: str, problem: str | None, code: str | None) -> RawRecord:
    year = to_year(record.text("PY"))
    meta = compact(
        {
            "authors": _authors(record),
            "year": year,
            "date": _date(record.text("PD"), year) or _date(record.text("EA"), None),
            "venue": record.text("SO"),
            "doi": normalise_doi(record.text("DI")),
            "keywords": _keywords(record),
            "original": record.original(),
        }
    )
    return raw_record(record, source, record.text("TI"), meta, problem, code)


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a Web of Science plain-text export.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per ``PT`` line (and per run of tag
        lines outside any record), in file order.

    Raises:
        InputError: The file is empty or holds no record.
    """
    opts = options or FormatOptions()
    report = FileReport(source, NAME)
    records: list[RawRecord] = []
    current: Record | None = None
    orphan = False

    def close(ended: str | None) -> None:
        nonlocal current, orphan
        assert current is not None
        problem, code = settle(current, ended, _ONCE, "PT", orphan)
        if ended and not problem:
            report.warnings.append(
                f"{source}: record at line {current.line} has no ER line ({ended}); "
                "it is complete and kept"
            )
        records.append(_record(current, source, problem, code))
        current, orphan = None, False

    for item, bad in iter_items(data, source, opts.encoding, SYNTAX):
        if current is not None and type(item) is Field and item.tag not in _BOUNDS:
            current.add(item, bad)  # the common case: the next field of the record
            continue
        if isinstance(item, Line):
            if current is not None and item.text:
                current.add(item, bad)
            elif item.text:
                why = f"line {item.line} is not valid text" if bad else "text outside any record"
                report.skipped.append((item.line, item.text[:80], why))
            continue
        if item.tag == "PT" and current is not None:
            close(f"the next PT starts at line {item.line}")
        if item.tag == "PT":
            current = Record.start(item, bad)
        elif current is not None and item.tag == "ER":
            current.bad_bytes = current.bad_bytes or bad
            close(None)
        elif current is not None and item.tag not in _FILE_TAGS:
            current.add(item, bad)
        elif current is not None:  # FN/VR/EF inside a record: its ER was lost
            close(f"line {item.line} is {item.tag}")
            _skip_file_tag(item, report)
        elif item.tag in _FILE_TAGS or item.tag == "ER":
            _skip_file_tag(item, report)
        else:
            # A tag line outside any record: a record whose PT line was lost.
            current, orphan = Record.start(item, bad), True
    if current is not None:
        close("the file ends without its ER line")
    if not records:
        raise InputError(f"{source}: no Web of Science record (no 'PT ' line) found")
    return records, report


def _skip_file_tag(item: Field, report: FileReport) -> None:
    what = {"FN": "export header", "VR": "export header", "EF": "end of file"}
    report.skipped.append(
        (item.line, f"{item.tag} {item.text()}".strip()[:80], what.get(item.tag, "stray ER"))
    )
