"""Parser for PubMed MEDLINE exports (``*.nbib``, ``*.medline``, ``pubmed-*.txt``).

Each record starts with a ``PMID- `` line; records are separated by blank lines.
A field is a tag of up to four characters, padded with spaces to four, then
``- `` and its value (``TI  - ``, ``LID - ``, ``PMID- ``); a value continues on
lines indented by six spaces. Tags such as ``FAU``, ``MH`` or ``AID`` repeat,
one value each.

Fields read: ``TI`` (else ``BTI``) title, with the brackets of a translated
title (``[Title in English].``) removed; ``AB`` abstract (wrapped lines joined
with spaces); ``DP`` year and date (``2019 Mar 5`` -> 2019, ``2019-03-05``);
DOI from ``LID``/``AID`` values marked ``[doi]`` only; ``MH`` MeSH headings
(the descriptor, without ``*`` and ``/qualifier``) and ``OT`` other terms as
keywords; ``JT`` (else ``TA``) venue; ``FAU`` (else ``AU``) authors
(``"Last, First"`` -> ``"First Last"``); ``PMID`` kept in ``meta["original"]``
with every other field, and as the PubMed ``url``.

A record whose title or abstract is its last field at the end of the file may
be cut short and is dropped; a record with a line that is neither a field nor a
continuation, a second ``TI`` or ``AB`` (two records ran together), or bytes not
valid in the encoding is dropped with its reason. Tag lines outside any record
form a record of their own (its ``PMID`` line was lost), reported and dropped.
"""

from __future__ import annotations

import datetime as dt
import re

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.decoding import TEXT_BREAK_RE
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.tagged import Line, Record, Syntax, iter_items, raw_record, settle
from landscape.ingest.formats.text import compact, name_first_last, normalise_doi, to_year

NAME = "medline"
# The tag and its padding fill four characters, then "-" and a space.
SYNTAX = Syntax(
    re.compile(r"^(?=[A-Z][A-Z0-9 ]{3}-(?: |$))([A-Z][A-Z0-9]{1,3}) *-(?: (.*))?$"), " " * 6
)
_ONCE = ("PMID", "TI", "AB", "DP")
_PMID_RE = re.compile(r"^PMID- ?\d+\s*$", re.M)


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like a MEDLINE export.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; ``.nbib``/``.medline`` accept any MEDLINE tag lines.

    Returns:
        True when a line is ``PMID- <number>`` followed by other tag lines, or
        (with a MEDLINE file name) when there are MEDLINE tag lines.
    """
    text = data[:20000].decode("utf-8", errors="replace").lstrip("\ufeff")
    head = TEXT_BREAK_RE.sub("\n", text)  # "^" of re.M only follows "\n"
    tags = {m.group(1) for m in map(SYNTAX.tag.match, head.splitlines()) if m}
    if _PMID_RE.search(head) and len(tags - {"PMID"}) >= 1:
        return True
    named = name.lower().removesuffix(".gz").endswith((".nbib", ".medline"))
    return named and bool(tags & {"PMID", "TI", "AB"})


def _title(record: Record) -> str | None:
    """``TI`` (else ``BTI``), see :func:`unbracket_title`."""
    text = record.text("TI") or record.text("BTI")
    return unbracket_title(text) if text else None


def unbracket_title(text: str) -> str:
    """A title without the brackets PubMed puts around a translated title.

    Args:
        text: A PubMed title: ``"[Title in English]."`` for an article not in
            English, else the title as published.

    Returns:
        ``"Title in English."``; a title that merely starts and ends with brackets
        (``"[18F]FDG uptake [corrected]"``) is returned as is.
    """
    body = text.removesuffix(".")
    if not (body.startswith("[") and body.endswith("]")):
        return text
    depth = 0
    for k, ch in enumerate(body):
        depth += (ch == "[") - (ch == "]")
        if depth == 0 and k < len(body) - 1:
            return text  # "[18F]FDG uptake [corrected]": the first "[" closes early
    return body[1:-1] + text[len(body) :]


def _date(value: str | None) -> str | None:
    """``DP`` (``"2019 Mar 5"``, ``"2019 Mar"``, ``"2019"``) as ISO, else ``None``."""
    if not value:
        return None
    words = value.split()
    for n, fmt, iso in ((3, "%Y %b %d", "%Y-%m-%d"), (2, "%Y %b", "%Y-%m"), (1, "%Y", "%Y")):
        try:
            return dt.datetime.strptime(" ".join(words[:n]), fmt).strftime(iso)
        except ValueError:
            continue
    return None


def _doi(record: Record) -> str | None:
    for f in [*record.all("LID"), *record.all("AID")]:
        text = f.text()
        if text.endswith("[doi]"):
            doi = normalise_doi(text.removesuffix("[doi]").strip())
            if doi:
                return doi
    return None


def _keywords(record: Record) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for f in [*record.all("MH"), *record.all("OT")]:
        term = f.text().split("/")[0].strip().lstrip("*").strip() if f.tag == "MH" else f.text()
        if term and term.lower() not in seen:
            seen.add(term.lower())
            out.append(term)
    return out


def _authors(record: Record) -> list[str]:
    full = [name_first_last(f.text()) for f in record.all("FAU") if f.text()]
    return full or [f.text() for f in record.all("AU") if f.text()]


def _record(record: Record, source: str, problem: str | None, code: str | None) -> RawRecord:
    date = _date(record.text("DP"))
    pmid = record.text("PMID")
    pmid = pmid if pmid and pmid.isdigit() else None
    meta = compact(
        {
            "authors": _authors(record),
            "year": to_year(date[:4]) if date else to_year(record.text("DP")),
            "date": date if date and len(date) > 4 else None,
            "venue": record.text("JT") or record.text("TA"),
            "doi": _doi(record),
            "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
            "keywords": _keywords(record),
            "original": record.original(),
        }
    )
    return raw_record(record, source, _title(record), meta, problem, code)


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a MEDLINE export.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per ``PMID`` line (and per run of tag
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
        problem, code = settle(current, ended, _ONCE, "PMID", orphan)
        records.append(_record(current, source, problem, code))
        current, orphan = None, False

    items = iter_items(data, source, opts.encoding, SYNTAX)
    # The empty "line" after the file's last line break ends no record: a file cut
    # right after a line of an abstract must still look cut. So a blank line is
    # acted on only once another item follows it.
    blank = False
    for item, bad in items:
        if blank and current is not None:
            close(None)
        blank = False
        if isinstance(item, Line):
            if not item.text:
                blank = True
            elif current is not None:
                current.add(item, bad)
            else:
                why = f"line {item.line} is not valid text" if bad else "text outside any record"
                report.skipped.append((item.line, item.text[:80], why))
            continue
        if item.tag == "PMID" and current is not None:
            close(None)
        if current is None:
            current, orphan = Record.start(item, bad), item.tag != "PMID"
        else:
            current.add(item, bad)
    if current is not None:
        close("the file ends after it")
    if not records:
        raise InputError(f"{source}: no MEDLINE record (no 'PMID- ' line) found")
    return records, report
