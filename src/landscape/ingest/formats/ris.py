"""Parser for RIS files (EndNote, Zotero, Scopus, Web of Science exports).

A record runs from a ``TY  -`` line to an ``ER  -`` line. rispy alone would
silently merge a record that lacks its ``ER`` into the next one, so the file is
split into records here, line by line, and each record is parsed by rispy on
its own. That keeps every good record around a bad one and names the bad one's
line: a record cut short by the next ``TY`` or by the end of the file, or one
with no recognisable tag, becomes a record with ``problem`` set.

Fields read: ``TI``/``T1`` title, ``AB``/``N2`` abstract, ``AU``/``A1`` authors
(``"Last, First"`` -> ``"First Last"``), ``PY``/``Y1``/``DA`` year and date,
``DO`` doi, ``KW`` keywords, ``JO``/``JF``/``T2`` venue, ``UR`` url. Values may
hold LaTeX, which becomes Unicode. Lines outside any record (export headers,
junk) are listed in ``FileReport.skipped``.
"""

from __future__ import annotations

import re
from typing import Any

import rispy

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.decoding import decode_lines
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import (
    compact,
    latex_to_text,
    name_first_last,
    normalise_doi,
    parse_date,
    split_list,
)

NAME = "ris"
# Exporters vary the spacing ("TY - JOUR", "TY  -"); rispy wants exactly "XX  - ".
_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])\s{0,3}-(?:\s(.*)|)$")


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like RIS.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; ``.ris`` accepts text with any tag line.

    Returns:
        True when a line is a ``TY  -`` tag line.
    """
    head = data[:20000].decode("utf-8", errors="replace").lstrip("\ufeff")
    if re.search(r"^TY  - ", head, re.M):
        return True
    is_ris = name.lower().removesuffix(".gz").endswith(".ris")
    return is_ris and any(_TAG_RE.match(line) for line in head.splitlines())


def _first(entry: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _record(
    lines: list[tuple[int, str]], source: str, problem: str | None, code: str | None
) -> RawRecord:
    start = lines[0][0]
    tagged = []
    for _, text in lines:
        match = _TAG_RE.match(text)
        tagged.append(f"{match.group(1)}  - {match.group(2) or ''}" if match else text)
    try:
        entries = rispy.loads("\n".join([*tagged, "ER  - "]))
    except Exception as exc:  # rispy has no error contract; a crash marks the record broken
        entries, problem = [], problem or f"record at line {start} could not be read ({exc})"
    entry = entries[0] if entries else {}
    tags = [m.group(1) for m in map(_TAG_RE.match, [t for _, t in lines[1:]]) if m]
    if not problem and not tags:
        problem = f"record at line {start} has no RIS tag lines after TY"
    authors = [*entry.get("authors", []), *entry.get("first_authors", [])]
    year, date = parse_date(_first(entry, "date", "year", "publication_year"))
    year = year or parse_date(_first(entry, "year", "publication_year"))[0]
    urls = entry.get("urls") or []
    meta = compact(
        {
            "authors": [latex_to_text(name_first_last(a)) or a for a in authors if a.strip()],
            "year": year,
            "date": date,
            "venue": latex_to_text(
                _first(entry, "journal_name", "alternate_title3", "secondary_title")
            ),
            "doi": normalise_doi(_first(entry, "doi")),
            "url": urls[0] if urls else None,
            "keywords": [k for kw in entry.get("keywords", []) for k in split_list(kw)],
            "original": {k: v for k, v in entry.items() if k != "unknown_tag"}
            | ({"unknown_tag": dict(entry["unknown_tag"])} if "unknown_tag" in entry else {}),
        }
    )
    return RawRecord(
        source,
        start,
        latex_to_text(_first(entry, "title", "primary_title")),
        latex_to_text(_first(entry, "abstract", "notes_abstract")),
        meta,
        problem,
        (code or "malformed-record") if problem else None,
        [],
        f"line {start}",
    )


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a RIS file.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per ``TY`` line, in file order.

    Raises:
        InputError: The file is empty or has no ``TY`` line at all.
    """
    opts = options or FormatOptions()
    report = FileReport(source, NAME)
    records: list[RawRecord] = []
    current: list[tuple[int, str]] = []
    orphan = False  # the current record has tag lines but no TY line (damaged)
    bad_bytes: str | None = None

    def close(why: str | None, code: str | None) -> None:
        nonlocal current, bad_bytes, orphan
        if orphan:
            lines = f"lines {current[0][0]} to {current[-1][0]}"
            why = f"record with no TY line ({lines}): its type line is missing or damaged"
            code, current = "malformed-record", [(current[0][0], "TY  - GEN"), *current]
        if bad_bytes:
            why, code = bad_bytes, "invalid-encoding"
        records.append(_record(current, source, why, code))
        current, bad_bytes, orphan = [], None, False

    for no, text, problem in decode_lines(data, source, opts.encoding):
        match = _TAG_RE.match(text.strip())
        tag = match.group(1) if match else None
        if tag == "TY" and current:
            why = f"record at line {current[0][0]} has no ER line before the next TY (line {no})"
            close(why, "malformed-record")
        if tag == "TY":
            current, bad_bytes = [(no, text.strip())], problem
        elif current and tag == "ER":
            close(None, None)
        elif current:
            current.append((no, text.rstrip()))
            bad_bytes = bad_bytes or problem
        elif tag is not None and tag != "ER":
            # A tag line outside any record is a record whose TY line was lost: it
            # is reported as a record, not skipped as junk.
            current, bad_bytes, orphan = [(no, text.strip())], problem, True
        elif text.strip():
            report.skipped.append((no, text.strip()[:80], "text outside any RIS record"))
    if current:
        why = f"record at line {current[0][0]} is cut off: the file ends without its ER line"
        close(why, "truncated")
    if not records:
        raise InputError(f"{source}: no RIS record (no 'TY  - ' line) found")
    return records, report
