"""What every parser returns: raw records with their locators, and file-level notes."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from landscape.ingest.formats.options import FormatOptions


@dataclass
class RawRecord:
    """One input record, as found in a source file, before cleaning.

    Attributes:
        source: Path of the source file, as given (POSIX separators).
        line: 1-based line where the record starts (the title line), or 0 when
            the format has no meaningful line (a Parquet row, a JSON array item).
        title: Raw title text, or ``None`` when the record has none.
        abstract: Raw abstract text, or ``None`` when the record has none.
        meta: Fields of the common schema found with the record, under these keys
            when present: ``authors`` (list of str), ``year`` (int), ``date``
            (ISO ``YYYY-MM-DD`` or ``YYYY-MM`` or ``YYYY``), ``venue`` (str),
            ``doi`` (normalised: lower case, no URL prefix), ``arxiv_id``
            (version stripped), ``url``, ``keywords`` (list of str),
            ``categories`` (list of str), ``listing_date`` (listing pages),
            ``labels`` (dict of label columns of tabular inputs, e.g.
            ``primary_category``), ``original`` (dict of the record's original
            fields, JSON-serialisable, kept for audit).
        locator: Where the record is, for people: ``"line 12"``, ``"record 5"``,
            ``"entry smith2020 (line 40)"``; defaults to ``"line N"``.
        problem: Why the record is unusable as read, or ``None``; a record with a
            problem becomes a ``dropped`` ledger row with this reason.
        problem_code: A short stable code for ``problem`` (``"no-abstract"``,
            ``"unplaced-line"``, ``"invalid-encoding"``), used in summaries.
        notes: Repairs made while reading (for example a stripped chrome prefix).
    """

    source: str
    line: int
    title: str | None
    abstract: str | None
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    problem_code: str | None = None
    notes: list[str] = field(default_factory=list)
    locator: str | None = None

    def where(self) -> str:
        """``source:locator`` for messages and the ledger."""
        return f"{self.source}:{self.locator or f'line {self.line}'}"


@dataclass
class FileReport:
    """What a parser saw in one file besides records.

    Attributes:
        source: Path of the file.
        format: Name of the format the file was read as.
        skipped: ``(line, text, why)`` for every line that was recognised as site
            chrome and skipped; they are not records, but nothing is skipped unseen.
        warnings: Human-readable warnings naming lines.
    """

    source: str
    format: str
    skipped: list[tuple[int, str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_whole(
    parse_stream: Callable[[BinaryIO, str, FormatOptions | None, FileReport], Iterator[RawRecord]],
    name: str,
    data: bytes,
    source: str,
    options: FormatOptions | None = None,
) -> tuple[list[RawRecord], FileReport]:
    """The ``parse`` of a format that streams: its ``parse_stream`` over the whole file.

    Args:
        parse_stream: The format's ``parse_stream(stream, source, options, report)``.
        name: The format's name, for the report.
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: The format options, or ``None`` for the defaults.

    Returns:
        ``(records, report)``: every record, in file order, and what the parser
        reported besides them.
    """
    report = FileReport(source, name)
    return list(parse_stream(io.BytesIO(data), source, options, report)), report
