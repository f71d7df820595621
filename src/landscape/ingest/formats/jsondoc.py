"""Reading JSON documents and JSON Lines into objects with their lines.

Shared by the JSON-based formats (OpenAlex, Semantic Scholar, arXiv snapshot,
Crossref, CSL-JSON): they differ in fields, not in how a file holds its records.

JSON Lines are read as a stream, line by line, so a file of any size is read with
memory bounded by its longest line. A JSON document (a list, or a page such as
``{"results": [...]}``) is read whole. A broken item of a list does not end the
list: reading resumes after it (its end is found by bracket depth outside strings),
so the items after it are kept.
"""

from __future__ import annotations

import bisect
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, BinaryIO

from landscape.errors import InputError
from landscape.ingest.formats.base import RawRecord
from landscape.ingest.formats.decoding import (
    TEXT_BREAK_RE,
    decode_document,
    iter_raw_lines,
    line_starts,
    open_utf8,
)
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import scrub

# A JSON escape of a lone surrogate decodes to text that cannot be written as UTF-8.
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
# Characters that matter when skipping over a broken value.
_STRUCTURE_RE = re.compile(r'[\\"{}\[\],\r\n]')
#: A file whose first this many non-blank lines hold no JSON object is not JSON Lines.
MAX_LEADING_BAD_LINES = 100_000
_JSON_NAMES = (".json", ".jsonl", ".ndjson")


def json_head(data: bytes, name: str, starts: str = "{[") -> str | None:
    """The decoded head of a file that looks like JSON, or ``None``.

    JSON starts with one of ``starts``. JSON Lines whose first line is damaged are
    still recognised: by a JSON file name, or by most of their first lines
    starting with ``{``. Callers then look for the keys of their format.

    Args:
        data: The head of the (decompressed, UTF-8) file.
        name: The file name, or ``""`` to decide on content alone.
        starts: The characters a document of the format may start with.
    """
    head = data[:20000].lstrip(b"\xef\xbb\xbf \t\r\n").decode("utf-8", errors="replace")
    if head[:1] and head[0] in starts:
        return head
    if name.lower().removesuffix(".gz").endswith(_JSON_NAMES):
        return head
    lines = [line.lstrip() for line in TEXT_BREAK_RE.split(head)[:20] if line.strip()]
    if len(lines) >= 2 and 2 * sum(line.startswith("{") for line in lines) > len(lines):
        return head
    return None


@dataclass
class JsonItem:
    """One object read from a JSON/JSON Lines file, or the reason none could be.

    Attributes:
        line: 1-based line where the object starts.
        locator: ``"line 12"`` (JSON Lines) or ``"record 5 (line 12)"`` (a list).
        obj: The object, or ``None`` when ``problem`` is set and nothing was read.
        problem: Why the item is unusable, or ``None``.
        code: ``problem_code`` for ``problem``.
    """

    line: int
    locator: str
    obj: dict[str, Any] | None
    problem: str | None = None
    code: str | None = None

    def record(
        self,
        source: str,
        title: str | None = None,
        abstract: str | None = None,
        meta: dict[str, Any] | None = None,
        problem: str | None = None,
        code: str | None = None,
    ) -> RawRecord:
        """The :class:`RawRecord` of this item.

        It has the item's line and locator, and the item's ``problem`` and
        ``code`` unless a ``problem`` is given.
        """
        if problem is None:
            problem, code = self.problem, self.code
        return RawRecord(
            source, self.line, title, abstract, meta or {}, problem, code, [], self.locator
        )


def iter_json_items(
    stream: BinaryIO,
    source: str,
    encoding: str,
    list_keys: tuple[str, ...] = ("results", "data"),
) -> Iterator[JsonItem]:
    """Read the objects of JSON Lines (streamed) or of a JSON document (read whole).

    A file whose first non-blank line is a JSON object and that has more lines is
    JSON Lines; anything else starting with ``[`` or ``{`` is one document (a list,
    a ``{key: [...]}`` page or one object; see :func:`load_json_items`).

    Args:
        stream: The file's bytes.
        source: The file's path, for messages.
        encoding: Text encoding.
        list_keys: Keys of a page object that hold the list of records.

    Yields:
        The items in file order.

    Raises:
        InputError: The file is empty or no line of it is a JSON object (raised
            before any item is yielded).
    """
    binary, encoding = open_utf8(stream, source, encoding)
    lines = iter_raw_lines(binary)
    head: list[bytes] = []
    nonblank: list[bytes] = []
    for raw in lines:
        head.append(raw)
        if raw.strip():
            nonblank.append(raw)
            if len(nonblank) == 2:
                break
    if not nonblank:
        raise InputError(f"{source}: file is empty; nothing to read")
    first = nonblank[0].lstrip()[:1]
    if first == b"[" or (
        first == b"{" and (len(nonblank) < 2 or not _is_json_object(nonblank[0], encoding))
    ):
        # Line breaks inside a JSON document are whitespace: joining with \n keeps
        # every line number.
        data = b"\n".join(chain(head, lines))
        yield from load_json_items(data, source, encoding, list_keys)
        return
    yield from _lines_items(enumerate(chain(head, lines), start=1), source, encoding)


def stream_records(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None,
    record_from: Callable[[JsonItem, str], RawRecord],
    list_keys: tuple[str, ...] = ("results", "data"),
) -> Iterator[RawRecord]:
    """The ``parse_stream`` of a JSON-based format: one record per item, in file order.

    JSON Lines are read line by line; a JSON document is read whole (see
    :func:`iter_json_items`).

    Args:
        stream: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.
        record_from: The format's conversion of one item to a record.
        list_keys: Keys of a page object that hold the list of records.

    Raises:
        InputError: The file is empty or holds no JSON object (before any record).
    """
    opts = options or FormatOptions()
    for item in iter_json_items(stream, source, opts.encoding, list_keys=list_keys):
        yield record_from(item, source)


def load_json_items(
    data: bytes, source: str, encoding: str, list_keys: tuple[str, ...] = ("results", "data")
) -> list[JsonItem]:
    """Read the objects of a JSON list, a ``{key: [...]}`` page, one object, or JSON Lines.

    A list that is cut off keeps its complete items and ends with one ``truncated``
    item; a broken item of a list is one ``malformed-record`` item and the items
    after it are kept; a bad line of JSON Lines becomes a ``malformed-record`` item
    and the other lines are kept.

    Args:
        data: The file's bytes.
        source: The file's path, for messages.
        encoding: Text encoding.
        list_keys: Keys of a page object that hold the list of records.

    Returns:
        The items in file order.

    Raises:
        InputError: The file is empty or no line of it is a JSON object.
    """
    text, bad = decode_document(data, source, encoding)
    start = len(text) - len(text.lstrip())
    if start == len(text):
        raise InputError(f"{source}: file is empty; nothing to read")
    if text[start] == "[":
        return _array_items(text, start, source, encoding, bad)
    if text[start] == "{":
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            doc = None
        check = bad is not None or bool(_SURROGATE_ESCAPE_RE.search(text))
        if isinstance(doc, dict):
            for key in list_keys:
                listed = _at(doc, key)
                if isinstance(listed, list):
                    # Locate the list in the text so that its items get lines.
                    at = _list_start(text, key)
                    if at is not None:
                        return _array_items(text, at, source, encoding, bad)
                    return [
                        _item(0, f"record {n}", obj, encoding, check)
                        for n, obj in enumerate(listed, start=1)
                    ]
            return [_item(1, "record 1", doc, encoding, check)]
        if not _is_json_object(TEXT_BREAK_RE.split(text[start:], 1)[0], encoding):
            # Neither one document nor JSON Lines: a page cut off or damaged; keep
            # the readable items of its list.
            for key in list_keys:
                at = _list_start(text, key)
                if at is not None:
                    return _array_items(text, at, source, encoding, bad)
    return list(_lines_items(enumerate(iter_raw_lines(io.BytesIO(data)), 1), source, encoding))


def _at(doc: dict[str, Any], key: str) -> Any:
    """The value at a dotted key (``"message.items"``), or ``None``."""
    value: Any = doc
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _list_start(text: str, key: str) -> int | None:
    """Where (the ``[``) the list at a dotted key starts in the text, or ``None``.

    Each part is looked for after the one before it (``"message": {`` then
    ``"items": [``), which finds the list of a page whose keys come in order.
    """
    *parents, last = key.split(".")
    pos = 0
    for part in parents:
        found = re.compile(rf'"{re.escape(part)}"\s*:\s*\{{').search(text, pos)
        if found is None:
            return None
        pos = found.end()
    found = re.compile(rf'"{re.escape(last)}"\s*:\s*\[').search(text, pos)
    return found.end() - 1 if found else None


def _is_json_object(line: str | bytes, encoding: str) -> bool:
    try:
        text = line.decode(encoding, errors="replace") if isinstance(line, bytes) else line
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def _item(line: int, locator: str, obj: Any, encoding: str, check: bool) -> JsonItem:
    if not isinstance(obj, dict):
        what = "null (no record)" if obj is None else f"a JSON {type(obj).__name__}"
        return JsonItem(
            line, locator, None, f"{locator} is {what}, not an object", "malformed-record"
        )
    if check:
        obj, found = scrub(obj)
        if found:
            why = f"{locator} holds text that is not valid {encoding} (replaced with U+FFFD)"
            return JsonItem(line, locator, obj, why, "invalid-encoding")
    return JsonItem(line, locator, obj)


def _skip_value(text: str, i: int) -> int | None:
    """Where the (broken) value starting at ``i`` ends, or ``None`` if the text ends first.

    Brackets are counted outside strings; a line break ends a string too (JSON
    strings cannot hold one), which resynchronises after a stray quote. The end is
    just after the bracket that closes the value, or at a ``,``/``]``/``}`` at depth 0.
    When brackets do not balance, a ``,`` that ends a line followed by a line that
    starts the next object where this one started (same indentation) ends it:
    lists written one item per line, or pretty-printed, resynchronise there.
    """
    indent = text[max(text.rfind("\n", 0, i), text.rfind("\r", 0, i)) + 1 : i]
    next_item = None
    if not indent.strip():
        found = re.compile(r",[ \t]*(?:\r\n|\r|\n)" + re.escape(indent) + r"\{").search(text, i)
        next_item = found.start() if found else None
    end = _balanced_end(text, i)
    if next_item is not None and (end is None or end > next_item):
        return next_item
    return end


def _balanced_end(text: str, i: int) -> int | None:
    depth, in_string = 0, False
    k = i
    while True:
        found = _STRUCTURE_RE.search(text, k)
        if found is None:
            return None
        k, c = found.start(), found.group()
        if in_string:
            if c == "\\":
                k += 2
                continue
            in_string = c not in '"\r\n'
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            if depth == 0:
                return k
            depth -= 1
            if depth == 0:
                return k + 1
        elif c == "," and depth == 0:
            return k
        k += 1


def _array_items(
    text: str, pos: int, source: str, encoding: str, bad: str | None
) -> list[JsonItem]:
    starts = line_starts(text)
    check = bad is not None or bool(_SURROGATE_ESCAPE_RE.search(text))
    decoder = json.JSONDecoder()
    items: list[JsonItem] = []
    n = len(text)

    def line_of(k: int) -> int:
        return bisect.bisect_right(starts, k) + 1

    i = pos + 1
    while True:
        while i < n and text[i] in " \t\r\n,":  # separators, and stray commas
            i += 1
        line = line_of(i)
        where = f"record {len(items) + 1} (line {line})"
        if i >= n:
            why = f"{source} ends at line {line} inside the JSON list (file cut off?)"
            items.append(JsonItem(line, where, None, why, "truncated"))
            break
        if text[i] == "]":
            break
        try:
            obj, end = decoder.raw_decode(text, i)
        except (ValueError, RecursionError) as exc:
            msg = getattr(exc, "msg", type(exc).__name__)
            end = _skip_value(text, i)
            if end is None:
                why = f"{where} is cut off: {source} ends at line {line_of(n)} inside it"
                items.append(JsonItem(line, where, None, why, "truncated"))
                break
            end = max(end, i + 1)
            at = f", line {exc.lineno} column {exc.colno}" if hasattr(exc, "lineno") else ""
            why = f"{where} is not valid JSON ({msg}{at}); read on from line {line_of(end)}"
            items.append(JsonItem(line, where, None, why, "malformed-record"))
        else:
            items.append(_item(line, where, obj, encoding, check))
        i = end
    return items


def _lines_items(
    numbered: Iterator[tuple[int, bytes]], source: str, encoding: str
) -> Iterator[JsonItem]:
    """Items of JSON Lines; lines before the first object are held back until one is found."""
    held: list[JsonItem] = []
    found = False
    for no, raw in numbered:
        item = _line_item(no, raw, encoding)
        if item is None:
            continue
        if not found:
            if item.obj is None:
                held.append(item)
                if len(held) > MAX_LEADING_BAD_LINES:
                    break
                continue
            found = True
            yield from held
            held.clear()
        yield item
    if not found:
        first_error = held[0].problem if held else "no JSON objects"
        raise InputError(f"{source}: not JSON or JSON Lines ({first_error})")


def _line_item(no: int, raw: bytes, encoding: str) -> JsonItem | None:
    problem = None
    try:
        line = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1].hex().upper()
        problem = f"line {no} is not valid {encoding} (byte 0x{bad} at column {exc.start + 1})"
        line = raw.decode(encoding, errors="replace")
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError) as exc:
        why = f"line {no} is not valid JSON ({getattr(exc, 'msg', type(exc).__name__)})"
        return JsonItem(no, f"line {no}", None, problem or why, "malformed-record")
    item = _item(no, f"line {no}", obj, encoding, bool(_SURROGATE_ESCAPE_RE.search(line)))
    if problem and item.problem is None:
        item.problem, item.code = problem, "invalid-encoding"
    return item
