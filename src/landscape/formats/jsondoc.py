"""Reading JSON documents and JSON Lines into objects with their lines.

Shared by the JSON-based formats (OpenAlex, Semantic Scholar, arXiv snapshot):
they differ in fields, not in how a file holds its records.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

from landscape.errors import InputError
from landscape.formats.text import decode_document, decode_lines, scrub

# A JSON escape of a lone surrogate decodes to text that cannot be written as UTF-8.
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")


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


def load_json_items(
    data: bytes, source: str, encoding: str, list_keys: tuple[str, ...] = ("results", "data")
) -> list[JsonItem]:
    """Read the objects of a JSON list, a ``{key: [...]}`` page, one object, or JSON Lines.

    A list that is cut off keeps its complete items and ends with one ``truncated``
    item; a bad line of JSON Lines becomes a ``malformed-record`` item and the
    other lines are kept.

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
                if isinstance(doc.get(key), list):
                    # Locate the list in the text so that its items get lines.
                    found = re.search(rf'"{key}"\s*:\s*\[', text)
                    if found:
                        return _array_items(text, found.end() - 1, source, encoding, bad)
                    return [
                        _item(0, f"record {n}", obj, encoding, check)
                        for n, obj in enumerate(doc[key], start=1)
                    ]
            return [_item(1, "record 1", doc, encoding, check)]
        if not _is_json_object(text[start:].split("\n", 1)[0]):
            # Neither one document nor JSON Lines: a page cut off; keep the
            # complete items of its list.
            for key in list_keys:
                found = re.search(rf'"{key}"\s*:\s*\[', text)
                if found:
                    return _array_items(text, found.end() - 1, source, encoding, bad)
    return _lines_items(data, source, encoding)


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
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


def _array_items(
    text: str, pos: int, source: str, encoding: str, bad: str | None
) -> list[JsonItem]:
    newlines = [m.start() for m in re.finditer("\n", text)]
    check = bad is not None or bool(_SURROGATE_ESCAPE_RE.search(text))
    decoder = json.JSONDecoder()
    items: list[JsonItem] = []
    i = pos + 1
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        line = bisect.bisect_left(newlines, i) + 1
        where = f"record {len(items) + 1} (line {line})"
        if i >= len(text):
            why = f"{source} ends at line {line} inside the JSON list (file cut off?)"
            items.append(JsonItem(line, where, None, why, "truncated"))
            break
        if text[i] == "]":
            break
        try:
            obj, end = decoder.raw_decode(text, i)
        except (ValueError, RecursionError) as exc:
            msg = getattr(exc, "msg", type(exc).__name__)
            cut = msg.startswith("Unterminated") or getattr(exc, "pos", 0) >= len(text.rstrip())
            if cut:
                last = len(newlines) + 1
                why = f"{where} is cut off: {source} ends at line {last} inside it"
            else:
                at = f", line {exc.lineno} column {exc.colno}" if hasattr(exc, "lineno") else ""
                why = f"{where} is not valid JSON ({msg}{at}); the rest of the list is unreadable"
            items.append(
                JsonItem(line, where, None, why, "truncated" if cut else "malformed-record")
            )
            break
        items.append(_item(line, where, obj, encoding, check))
        i = end
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if text[i : i + 1] == ",":
            i += 1
        elif text[i : i + 1] != "]":
            line = bisect.bisect_left(newlines, i) + 1
            where = f"record {len(items) + 1} (line {line})"
            cut = i >= len(text)
            why = (
                f"{source} ends at line {line} inside the JSON list (file cut off?)"
                if cut
                else f"expected ',' or ']' at line {line}; the rest of the list is unreadable"
            )
            items.append(
                JsonItem(line, where, None, why, "truncated" if cut else "malformed-record")
            )
            break
    return items


def _lines_items(data: bytes, source: str, encoding: str) -> list[JsonItem]:
    items: list[JsonItem] = []
    first_error = None
    for no, line, problem in decode_lines(data, source, encoding):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            why = f"line {no} is not valid JSON ({getattr(exc, 'msg', type(exc).__name__)})"
            first_error = first_error or why
            items.append(JsonItem(no, f"line {no}", None, problem or why, "malformed-record"))
            continue
        item = _item(no, f"line {no}", obj, encoding, bool(_SURROGATE_ESCAPE_RE.search(line)))
        if problem and item.problem is None:
            item.problem, item.code = problem, "invalid-encoding"
        items.append(item)
    if not any(item.obj is not None for item in items):
        raise InputError(f"{source}: not JSON or JSON Lines ({first_error or 'no JSON objects'})")
    return items
