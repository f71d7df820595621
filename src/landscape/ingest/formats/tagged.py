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

import re
from dataclasses import dataclass, field
from typing import Any

from landscape.errors import InputError
from landscape.ingest.formats.base import RawRecord
from landscape.ingest.formats.decoding import decode_lines


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


@dataclass
class Field:
    """One tagged field: its tag, the line of its tag and its value lines."""

    tag: str
    line: int
    values: list[str]

    def text(self) -> str:
        """The value lines joined with spaces (a title or abstract that wraps)."""
        return " ".join(v.strip() for v in self.values if v.strip())


@dataclass
class Line:
    """A line that is not part of a field: blank, or stray (``text`` set)."""

    line: int
    text: str


@dataclass
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

    @classmethod
    def start(cls, first: Field, bad: str | None) -> Record:
        """A record whose first field is ``first`` (``bad``: its lines' bad bytes)."""
        return cls(first.line, [first], bad_bytes=bad, last=first.line + len(first.values) - 1)

    def add(self, item: Field | Line, bad: str | None) -> None:
        """Add the next field of the record, or a stray line inside it."""
        if isinstance(item, Field):
            self.fields.append(item)
            self.last = item.line + len(item.values) - 1
        else:
            self.stray.append(item)
            self.last = item.line
        self.bad_bytes = self.bad_bytes or bad

    def get(self, tag: str) -> Field | None:
        """The first field with ``tag``."""
        return next((f for f in self.fields if f.tag == tag), None)

    def text(self, tag: str) -> str | None:
        """The text of the first field with ``tag``, or ``None`` when empty or absent."""
        found = self.get(tag)
        return (found.text() or None) if found else None

    def all(self, tag: str) -> list[Field]:
        """Every field with ``tag``."""
        return [f for f in self.fields if f.tag == tag]

    def original(self) -> dict[str, list[str]]:
        """The fields as ``{tag: [value lines]}``, for audit (JSON-serialisable)."""
        out: dict[str, list[str]] = {}
        for f in self.fields:
            out.setdefault(f.tag, []).extend(v.strip() for v in f.values)
        return out


def read_items(
    data: bytes, source: str, encoding: str, syntax: Syntax
) -> list[tuple[Field | Line, str | None]]:
    """Group the lines of a file into fields, blank lines and stray lines.

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
        InputError: The file is empty or ``encoding`` is unknown.
    """
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise InputError(f"{source}: file is empty; nothing to read")
    items: list[tuple[Field | Line, str | None]] = []
    for no, raw, problem in decode_lines(data, source, encoding):
        text = raw.rstrip()
        last = items[-1] if items else None
        if not text.strip():
            items.append((Line(no, ""), problem))
        elif text.startswith(syntax.continuation) and last and isinstance(last[0], Field):
            last[0].values.append(text.strip())
            items[-1] = (last[0], last[1] or problem)
        elif match := syntax.tag.match(text):
            items.append((Field(match.group(1), no, [match.group(2) or ""]), problem))
        else:
            items.append((Line(no, text.strip()), problem))
    return items


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
