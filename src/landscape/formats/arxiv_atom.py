"""Parser for arXiv API responses (Atom XML).

An answer of ``http://export.arxiv.org/api/query`` is an Atom ``<feed>`` of
``<entry>`` elements with ``id`` (``http://arxiv.org/abs/2101.00001v2``),
``title``, ``summary``, ``author/name``, ``published``, ``updated``,
``arxiv:primary_category``, ``category@term``, ``arxiv:doi``,
``arxiv:journal_ref`` and ``link`` elements.

The XML is read with expat directly, for two reasons: (1) a document type
declaration is refused as soon as it starts, so no entity (internal "billion
laughs" or external) is ever expanded; (2) entries are collected as they close,
with the line where each starts, so a document cut off mid-way keeps every
complete entry and reports the broken rest as one record naming its line.
"""

from __future__ import annotations

import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any

from landscape.errors import InputError
from landscape.formats.base import FileReport, RawRecord
from landscape.formats.options import FormatOptions
from landscape.formats.text import (
    compact,
    decode_document,
    html_to_text,
    normalise_doi,
    parse_date,
    strip_arxiv_version,
)

NAME = "arxiv_atom"
_NS = {"http://www.w3.org/2005/Atom": "", "http://arxiv.org/schemas/atom": "arxiv:"}
_CUT_CODES = {
    expat.errors.codes[msg]
    for msg in (
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_PARTIAL_CHAR,
        expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
}


class _UnsafeXML(Exception):
    """Raised from an expat handler to stop at a DTD or entity declaration."""


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    text: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    def find(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str) -> str | None:
        node = self.find(tag)
        return "".join(node.text).strip() or None if node is not None else None


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like an Atom feed.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; ``.xml``/``.atom`` accepts any XML document.

    Returns:
        True for XML with an Atom ``<feed>``, or XML named ``.xml``/``.atom``.
    """
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    if b"<feed" in head and b"http://www.w3.org/2005/Atom" in head:
        return True
    return name.lower().removesuffix(".gz").endswith((".xml", ".atom"))


def _short(name: str) -> str:
    uri, _, local = name.rpartition(" ")
    return _NS.get(uri, f"{{{uri}}}" if uri else "") + local


def _record(entry: _Node, source: str) -> RawRecord:
    raw_id = entry.value("id") or ""
    arxiv_id = strip_arxiv_version(raw_id) if raw_id else None
    primary = entry.find("arxiv:primary_category")
    categories = [primary.attrs.get("term", "")] if primary is not None else []
    categories += [c.attrs.get("term", "") for c in entry.findall("category")]
    categories = list(dict.fromkeys(c for c in categories if c))
    authors = [a.value("name") for a in entry.findall("author")]
    links = [dict(link.attrs) for link in entry.findall("link")]
    doi = entry.value("arxiv:doi") or next(
        (link.get("href") for link in links if link.get("title") == "doi"), None
    )
    url = next((link.get("href") for link in links if link.get("rel") == "alternate"), None)
    year, date = parse_date(entry.value("published"))
    original: dict[str, Any] = {
        "id": raw_id,
        "title": entry.value("title"),
        "summary": entry.value("summary"),
        "authors": authors,
        "published": entry.value("published"),
        "updated": entry.value("updated"),
        "primary_category": categories[0] if primary is not None and categories else None,
        "categories": categories,
        "doi": entry.value("arxiv:doi"),
        "journal_ref": entry.value("arxiv:journal_ref"),
        "comment": entry.value("arxiv:comment"),
        "links": links,
    }
    meta = compact(
        {
            "authors": [a for a in authors if a],
            "year": year,
            "date": date,
            "venue": entry.value("arxiv:journal_ref"),
            "doi": normalise_doi(doi),
            "arxiv_id": arxiv_id,
            "url": url or raw_id or None,
            "categories": categories,
            "original": compact(original),
        }
    )
    locator = f"entry {arxiv_id} (line {entry.line})" if arxiv_id else f"line {entry.line}"
    record = RawRecord(
        source,
        entry.line,
        html_to_text(entry.value("title")),
        html_to_text(entry.value("summary")),
        meta,
        locator=locator,
    )
    if "/api/errors" in raw_id:  # the API answers a bad query with an error entry
        record.problem = f"arXiv API error entry at line {entry.line}: {record.abstract}"
        record.problem_code = "malformed-record"
    return record


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse an arXiv API Atom feed.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: ``encoding``, when not UTF-8, overrides the XML declaration.

    Returns:
        ``(records, report)``: one record per complete entry, plus one record with
        ``problem`` for a cut-off or broken rest (``truncated`` or
        ``malformed-record``) or a refused DTD (``unsafe-xml``).

    Raises:
        InputError: The file is not XML or its root is not an Atom ``<feed>``.
    """
    opts = options or FormatOptions()
    report = FileReport(source, NAME)
    parser = expat.ParserCreate(namespace_separator=" ")
    entries: list[_Node] = []
    stack: list[_Node] = []
    depth = 0
    root: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        tag = _short(name)
        if not root:
            root.append(tag)
            if tag != "feed":
                raise InputError(f"{source}: not an Atom feed (root element <{tag}>)")
        if stack or (tag == "entry" and depth == 1):
            node = _Node(tag, attrs, parser.CurrentLineNumber)
            if stack:
                stack[-1].children.append(node)
            stack.append(node)
        depth += 1

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1
        if stack:
            node = stack.pop()
            if not stack:
                entries.append(node)

    def text(chunk: str) -> None:
        if stack:
            stack[-1].text.append(chunk)

    def refuse(*_: Any) -> None:
        raise _UnsafeXML

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    feed: bytes | str = data
    if opts.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        feed, _ = decode_document(data, source, opts.encoding)
    failure: RawRecord | None = None
    try:
        parser.Parse(feed, True)
    except _UnsafeXML:
        line = parser.CurrentLineNumber
        why = f"line {line}: XML document type/entity declarations are refused (unsafe XML)"
        return [
            RawRecord(source, line, None, None, {}, why, "unsafe-xml", [], f"line {line}")
        ], report
    except (LookupError, ValueError, UnicodeError) as exc:  # declared encoding not usable
        raise InputError(f"{source}: cannot decode the XML ({exc})") from None
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        if not root:
            raise InputError(f"{source}: not XML ({message} at line {exc.lineno})") from None
        cut = exc.code in _CUT_CODES
        if cut and not stack:  # cut between entries: no entry is lost
            report.warnings.append(f"{source}: document ends at line {exc.lineno} before </feed>")
        else:
            line = stack[0].line if stack else exc.lineno
            if cut:
                why = f"entry at line {line} is cut off: the document ends at line {exc.lineno}"
            else:
                why = f"XML error at line {exc.lineno} ({message}); unread from line {line} on"
            code = "truncated" if cut else "malformed-record"
            # The broken entry's title, if it got that far, helps find it in the ledger.
            title = stack[0].value("title") if stack else None
            failure = RawRecord(source, line, title, None, {}, why, code, [], f"line {line}")
    records = [_record(entry, source) for entry in entries]
    if failure is not None:
        records.append(failure)
    return records, report
