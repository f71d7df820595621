r"""Parser for BibTeX files, with bibtexparser 2.

Every ``@entry`` is a record. Fields read (names case-insensitive): ``title``,
``abstract``, ``author`` (split on ``and``, ``"Last, First"`` turned into
``"First Last"``), ``year``/``month``/``date``, ``doi``, ``keywords``,
``journal``/``journaltitle``/``booktitle`` (venue), ``eprint`` with
``archivePrefix``/``eprinttype`` arXiv (or ``arxivid``), ``primaryClass``,
``url``. LaTeX in values (``{\"o}``, ``\'{e}``, ``$\alpha$``) becomes Unicode.

bibtexparser keeps going after a broken entry and reports it as a failed block
with its line; that block becomes a record with ``problem`` set, and the good
entries around it are kept. An entry with a duplicate key or a duplicate field
is kept (the first value of a field wins) with a note.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import bibtexparser
from bibtexparser import model

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.decoding import TEXT_BREAK_RE, decode_document
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import (
    compact,
    latex_to_text,
    name_first_last,
    normalise_doi,
    parse_date,
    scrub,
    split_list,
    strip_arxiv_version,
    to_year,
)

# bibtexparser logs each broken block; every one becomes a record with its
# problem here, so its log lines would only repeat them on the terminal.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

NAME = "bibtex"
_ENTRY_RE = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]\s*[^\s,{}()]*\s*,", re.M)
# "@type{key," with anything (damage) in the type: where an entry starts, whatever its state.
_DAMAGED_ENTRY_RE = re.compile(r"@[^@{}()\r\n]*[{(]\s*[^\s,{}()]*\s*,")
_KEY_RE = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^\s,{}()]+)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like BibTeX.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; ``.bib`` accepts any text with an ``@``.

    Returns:
        True when a line starts an ``@type{key,`` entry.
    """
    head = data[:20000].decode("utf-8", errors="replace")
    if _ENTRY_RE.search(head):
        return True
    return name.lower().removesuffix(".gz").endswith((".bib", ".bibtex")) and "@" in head


def _reason(error: Exception) -> str:
    text = str(getattr(error, "abort_reason", None) or error).strip()
    return text.splitlines()[-1].strip() if text else type(error).__name__


def _month(value: str | None) -> int | None:
    text = (value or "").strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return _MONTHS.index(text[:3]) + 1 if text[:3] in _MONTHS else None


def _record(entry: model.Entry, line: int, source: str, notes: list[str]) -> RawRecord:
    fields: dict[str, Any] = {}
    for f in entry.fields:
        fields.setdefault(f.key.lower(), f.value if isinstance(f.value, str) else str(f.value))
    authors = [
        latex_to_text(name_first_last(name)) or name
        for name in re.split(r"\s+and\s+", fields.get("author", ""))
        if name.strip() and name.strip().lower() != "others"
    ]
    year, date = parse_date(fields.get("date"))
    year = to_year(fields.get("year")) or year
    month = _month(fields.get("month"))
    if year and not date:
        date = f"{year:04d}-{month:02d}" if month else f"{year:04d}"
    archive = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    arxiv = fields.get("eprint") if archive == "arxiv" else fields.get("arxivid")
    found = re.search(r"arXiv:\s*(\S+)", fields.get("journal", ""), re.I)
    arxiv = arxiv or (found.group(1) if found else None)
    venue = fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")
    original = {"ENTRYTYPE": entry.entry_type, "ID": entry.key, **fields}
    meta = compact(
        {
            "authors": authors,
            "year": year,
            "date": date,
            "venue": latex_to_text(venue),
            "doi": normalise_doi(fields.get("doi")),
            "arxiv_id": strip_arxiv_version(arxiv) if arxiv else None,
            "url": fields.get("url"),
            "keywords": split_list(latex_to_text(fields.get("keywords"))),
            "categories": split_list(fields.get("primaryclass")),
            "original": original,
        }
    )
    record = RawRecord(
        source,
        line,
        latex_to_text(fields.get("title")),
        latex_to_text(fields.get("abstract")),
        meta,
        notes=notes,
        locator=f"entry {entry.key} (line {line})",
    )
    fields_out, bad = scrub([record.title, record.abstract, record.meta, record.locator])
    record.title, record.abstract, record.meta, record.locator = fields_out
    if bad:
        record.problem = f"{record.locator} holds bytes that are not valid text"
        record.problem_code = "invalid-encoding"
    return record


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a BibTeX file.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per entry (or broken entry), in file
        order; text outside entries that holds an ``@`` is listed in
        ``report.skipped`` with a warning, as it may be an entry missing its brace.

    Raises:
        InputError: The file is empty or bibtexparser fails on it as a whole.
    """
    opts = options or FormatOptions()
    text, _ = decode_document(data, source, opts.encoding)
    # bibtexparser counts lines by \n only; a file with \r line ends is one "line".
    text = TEXT_BREAK_RE.sub("\n", text)
    if not text.strip():
        raise InputError(f"{source}: file is empty; nothing to read")
    try:
        library = bibtexparser.parse_string(text)
    except Exception as exc:  # bibtexparser reports bad entries as blocks; this is a bug guard
        raise InputError(f"{source}: BibTeX could not be read ({exc})") from None
    report = FileReport(source, NAME)
    records: list[RawRecord] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1  # bibtexparser counts lines from 0
        if isinstance(block, model.Entry):
            records.append(_record(block, line, source, []))
        elif isinstance(block, model.ParsingFailedBlock):
            inner = block.ignore_error_block
            why = _reason(block.error)
            if isinstance(inner, model.Entry) and isinstance(
                block, model.DuplicateBlockKeyBlock | model.DuplicateFieldKeyBlock
            ):
                records.append(_record(inner, line, source, [f"line {line}: {why}"]))
                continue
            found = _KEY_RE.search(block.raw or "")
            where = f"entry {scrub(found.group(1))[0]} (line {line})" if found else f"line {line}"
            problem = scrub(f"BibTeX {where} is broken: {why}")[0]
            records.append(
                RawRecord(source, line, None, None, {}, problem, "malformed-record", [], where)
            )
        elif isinstance(block, model.ImplicitComment) and "@" in (block.raw or ""):
            raw = block.raw or ""
            found = _DAMAGED_ENTRY_RE.search(raw)
            if found:
                # "@artXicle{key, ...": an entry whose start is damaged is a record
                # that could not be read, not a comment to skip.
                at = line + raw.count("\n", 0, found.start())
                snippet = scrub(raw[found.start() : found.start() + 60])[0]
                why = f"BibTeX line {at} starts an entry that cannot be read: {snippet!r}"
                records.append(
                    RawRecord(source, at, None, None, {}, why, "malformed-record", [], f"line {at}")
                )
                continue
            snippet = scrub(raw.strip()[:80])[0]
            report.skipped.append((line, snippet, "text outside any BibTeX entry"))
            report.warnings.append(f"{source}: line {line} has '@' outside any entry: {snippet!r}")
    return records, report
