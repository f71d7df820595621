"""Lines of tagged database exports (Web of Science, MEDLINE) grouped into fields.

Both formats write one field per tag line (``TI Title`` in Web of Science,
``TI  - Title`` in MEDLINE) with long values continued on indented lines. The
two differ in how a tag line is spelled, how deep a continuation is indented and
where a record ends, so each format gives its own :class:`Syntax` and splits the
fields into records itself; this module does what is the same for both: it
turns decoded lines into :class:`Field` s (a tag with its value lines), blank
lines and stray lines (neither a tag nor a continuation), keeping line numbers
and bad bytes, and it says whether a record read is sound enough to keep.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from landscape.errors import InputError
from landscape.ingest.formats.base import RawRecord
from landscape.ingest.formats.decoding import (
    BOM_UTF8,
    LINE_BREAK_RE,
    TEXT_BREAK_RE,
    check_codec,
    iter_decoded_lines,
)

# Encodings in which a line break is always the byte it is in ASCII and no other
# byte sequence decodes to one, so that decoding a run of whole lines at once gives
# the text of each line exactly as decoding the lines one by one does.
_BLOCK_CODECS = frozenset({"utf-8", "ascii", "iso8859-1", "cp1252"})
_BLOCK = 1 << 20  # bytes decoded at once
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Syntax:
    """How one format spells its lines.

    Attributes:
        tag: Regular expression of a tag line: group 1 the tag, group 2 the value
            (which may be missing, as in ``ER``).
        continuation: Prefix of a continuation line (``"   "``, ``"      "``).
    """

    tag: re.Pattern[str]
    continuation: str


@dataclass(slots=True)
class Field:
    """One tagged field: its tag, the line of its tag and its value lines.

    The value lines are stripped of surrounding whitespace (as :func:`iter_items`
    reads them); the first is ``""`` for a tag line without a value.
    """

    tag: str
    line: int
    values: list[str]

    def text(self) -> str:
        """The value lines joined with spaces (a title or abstract that wraps)."""
        values = self.values
        return values[0] if len(values) == 1 else " ".join(filter(None, values))


@dataclass(slots=True)
class Line:
    """A line that is not part of a field: blank, or stray (``text`` set)."""

    line: int
    text: str


@dataclass(slots=True)
class Record:
    """The lines of one record while it is read.

    Attributes:
        line: Line where the record starts.
        fields: Its fields in file order.
        stray: Lines inside it that are neither a tag nor a continuation.
        bad_bytes: Why a line of it is not valid text, if one is not.
        last: Last line that belongs to it.
    """

    line: int
    fields: list[Field] = field(default_factory=list)
    stray: list[Line] = field(default_factory=list)
    bad_bytes: str | None = None
    last: int = 0
    # The first field of each tag, kept as fields are added (for get and text).
    _first: dict[str, Field] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for f in reversed(self.fields):
            self._first[f.tag] = f

    @classmethod
    def start(cls, first: Field, bad: str | None) -> Record:
        """A record whose first field is ``first`` (``bad``: its lines' bad bytes)."""
        return cls(first.line, [first], bad_bytes=bad, last=first.line + len(first.values) - 1)

    def add(self, item: Field | Line, bad: str | None) -> None:
        """Add the next field of the record, or a stray line inside it."""
        if isinstance(item, Field):
            self.fields.append(item)
            self._first.setdefault(item.tag, item)
            self.last = item.line + len(item.values) - 1
        else:
            self.stray.append(item)
            self.last = item.line
        self.bad_bytes = self.bad_bytes or bad

    def get(self, tag: str) -> Field | None:
        """The first field with ``tag``."""
        return self._first.get(tag)

    def text(self, tag: str) -> str | None:
        """The text of the first field with ``tag``, or ``None`` when empty or absent."""
        found = self._first.get(tag)
        return (found.text() or None) if found else None

    def all(self, tag: str) -> list[Field]:
        """Every field with ``tag``."""
        return [f for f in self.fields if f.tag == tag]

    def original(self) -> dict[str, list[str]]:
        """The fields as ``{tag: [value lines]}``, for audit (JSON-serialisable)."""
        out: dict[str, list[str]] = {}
        for f in self.fields:
            # The field's own list (it is read, never changed, once the record is
            # read); a repeated tag gets a new list, so no field's list changes.
            out[f.tag] = out[f.tag] + f.values if f.tag in out else f.values
        return out


def read_items(
    data: bytes, source: str, encoding: str, syntax: Syntax
) -> list[tuple[Field | Line, str | None]]:
    """All of :func:`iter_items` as a list."""
    return list(iter_items(data, source, encoding, syntax))


def iter_items(
    data: bytes, source: str, encoding: str, syntax: Syntax
) -> Iterator[tuple[Field | Line, str | None]]:
    """Group the lines of a file into fields, blank lines and stray lines.

    The file is decoded and grouped a block of lines at a time, so that only the
    items not yet consumed are held besides ``data``.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, for messages.
        encoding: Text encoding (a byte-order mark overrides it).
        syntax: The format's tag and continuation spelling.

    Returns:
        ``(item, bad_bytes)`` in file order: a :class:`Field` (continuation lines
        appended to it), or a :class:`Line` whose text is ``""`` for a blank line.
        ``bad_bytes`` names an undecodable byte of the item's lines.

    Raises:
        InputError: The file is empty or ``encoding`` is unknown (raised here, not
            when the items are read).
    """
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(f"{source}: file is empty; nothing to read")
    return _group(_line_blocks(data, source, encoding), syntax)


def _line_blocks(
    data: bytes, source: str, encoding: str
) -> Iterator[tuple[list[str], list[str | None] | None]]:
    """The decoded lines of ``data`` in blocks: ``(lines, problems)``.

    The lines, numbered from 1 across blocks, are those of
    :func:`~landscape.ingest.formats.decoding.iter_decoded_lines` (the same
    text, the same problem for a line with a bad byte); ``problems`` is ``None``
    for a block without one. Checks ``encoding`` before it returns.
    """
    if data[:2] in _UTF16_BOMS:  # transcoded to UTF-8 whatever ``encoding`` says
        return _generic_blocks(data, source, encoding)
    check_codec(source, encoding)
    if codecs.lookup(encoding).name not in _BLOCK_CODECS:
        return _generic_blocks(data, source, encoding)
    return _fast_blocks(data[3:] if data.startswith(BOM_UTF8) else data, encoding)


def _generic_blocks(
    data: bytes, source: str, encoding: str
) -> Iterator[tuple[list[str], list[str | None] | None]]:
    lines: list[str] = []
    problems: list[str | None] = []
    for _, text, problem in iter_decoded_lines(io.BytesIO(data), source, encoding):
        lines.append(text)
        problems.append(problem)
        if len(lines) >= 4096:
            yield lines, problems
            lines, problems = [], []
    yield lines, problems


def _fast_blocks(data: bytes, encoding: str) -> Iterator[tuple[list[str], list[str | None] | None]]:
    # Blocks end right after a "\n", so no line break is cut (a "\r\n" included).
    size = len(data)
    pos = no = 0
    while True:
        end = data.find(b"\n", pos + _BLOCK)
        end = size if end < 0 else end + 1
        chunk = data[pos:end]
        try:
            text = chunk.decode(encoding)
        except UnicodeDecodeError:
            lines, problems = _decode_each(chunk, encoding, no)
        else:
            lines = TEXT_BREAK_RE.split(text) if "\r" in text else text.split("\n")
            problems = None
        if end < size:
            lines.pop()  # the empty text after the block's last line break
            if problems is not None:
                problems.pop()
            yield lines, problems
            no += len(lines)
            pos = end
        else:
            yield lines, problems
            return


def _decode_each(chunk: bytes, encoding: str, before: int) -> tuple[list[str], list[str | None]]:
    """The lines of ``chunk`` decoded one by one (``before`` lines precede it)."""
    lines: list[str] = []
    problems: list[str | None] = []
    for no, raw in enumerate(LINE_BREAK_RE.split(chunk), start=before + 1):
        try:
            lines.append(raw.decode(encoding))
            problems.append(None)
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex().upper()
            why = f"line {no} is not valid {encoding} (byte 0x{bad} at column {exc.start + 1})"
            lines.append(raw.decode(encoding, errors="replace"))
            problems.append(why)
    return lines, problems


def _group(
    blocks: Iterable[tuple[list[str], list[str | None] | None]], syntax: Syntax
) -> Iterator[tuple[Field | Line, str | None]]:
    """The items of :func:`iter_items` from blocks of decoded lines."""
    match = syntax.tag.match
    continuation = syntax.continuation
    no = 0
    current: Field | None = None  # the field read last, while continuation lines may follow
    current_bad: str | None = None
    for lines, problems in blocks:
        for text, bad in zip(lines, problems or repeat(None, len(lines)), strict=True):
            no += 1
            text = text.rstrip()
            if current is not None:
                if text.startswith(continuation):  # (a blank line is "" by now)
                    current.values.append(text.lstrip())
                    current_bad = current_bad or bad
                    continue
                yield current, current_bad
                current = None
            if not text:
                yield Line(no, ""), bad
            elif found := match(text):
                value = found.group(2)
                current = Field(found.group(1), no, [value.lstrip() if value else ""])
                current_bad = bad
            else:
                yield Line(no, text.lstrip()), bad
    if current is not None:
        yield current, current_bad


def judge(
    record: Record, ended: str | None, once: tuple[str, ...]
) -> tuple[str | None, str | None]:
    """Whether a record read is sound, and why not.

    Args:
        record: The record.
        ended: ``None`` when the record ended properly; otherwise why it did not
            (``"the file ends without its ER line"``). Such a record is still sound
            when its title and abstract were followed by another field, so that
            neither can have been cut short.
        once: Tags that occur at most once in a record; a second one means two
            records ran together (their separator was lost).

    Returns:
        ``(problem, code)``, both ``None`` for a sound record.
    """
    where = f"record at line {record.line}"
    if record.bad_bytes:
        return record.bad_bytes, "invalid-encoding"
    if record.stray:
        first = record.stray[0]
        return (
            f"{where} is damaged: line {first.line} is neither a field nor a continuation "
            f"({first.text[:40]!r})",
            "malformed-record",
        )
    tags = [f.tag for f in record.fields]
    twice = next((t for t in once if tags.count(t) > 1), None)
    if twice:
        again = record.all(twice)[1].line
        return (
            f"{where} has a second {twice} field (line {again}): two records ran together",
            "malformed-record",
        )
    if ended and tags and tags[-1] in ("TI", "AB"):
        return f"{where} is cut off: {ended}, after its {tags[-1]} field", "truncated"
    return None, None


def settle(
    record: Record, ended: str | None, once: tuple[str, ...], first_tag: str, orphan: bool
) -> tuple[str | None, str | None]:
    """:func:`judge`, and an ``orphan`` record (its ``first_tag`` line lost) is malformed."""
    problem, code = judge(record, ended, once)
    if orphan and not problem:
        span = f"lines {record.line} to {record.last}"
        problem = f"record with no {first_tag} line ({span}): its first line is missing or damaged"
        code = "malformed-record"
    return problem, code


def raw_record(
    record: Record,
    source: str,
    title: str | None,
    meta: dict[str, Any],
    problem: str | None,
    code: str | None,
) -> RawRecord:
    """The :class:`RawRecord` of a record read: its AB field is the abstract."""
    return RawRecord(
        source,
        record.line,
        title,
        record.text("AB"),
        meta,
        problem,
        code if problem else None,
        [],
        f"line {record.line}",
    )
