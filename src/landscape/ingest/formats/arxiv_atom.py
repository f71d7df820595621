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

import bisect
import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field
from typing import Any

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.decoding import BOM_UTF8, line_starts
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import (
    compact,
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


_DECLARATION_RE = re.compile(rb"^(<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._-]*)([\"'])")
_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ENTRY_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?entry[\s>/]")
_TAG_END_RE = re.compile(rb">")
_LINE_BREAK_RE = re.compile(rb"\r\n|\r|\n")


class _UnsafeXML(Exception):
    """Raised from an expat handler to stop at a DTD or entity declaration."""


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    text: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    end_line: int = 0

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
        entry.value("title"),
        entry.value("summary"),
        meta,
        locator=locator,
    )
    if "/api/errors" in raw_id:  # the API answers a bad query with an error entry
        record.problem = f"arXiv API error entry at line {entry.line}: {record.abstract}"
        record.problem_code = "malformed-record"
    return record


def _decode(data: bytes, source: str, encoding: str) -> tuple[str, str]:
    """The document as text, and the encoding it was read with.

    A BOM decides, then a non-UTF-8 ``encoding`` setting, then the XML declaration.
    Undecodable bytes become lone surrogates (flagged by :func:`_sanitise`).
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.startswith(BOM_UTF8):
        data, declared = data[3:], "utf-8"
    else:
        found = _DECLARATION_RE.match(data)
        declared = found.group(2).decode("ascii") if found else "utf-8"
    if encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        declared = encoding
    try:
        return data.decode(declared, errors="surrogateescape"), declared
    except LookupError:
        raise InputError(
            f"{source}: cannot decode the XML (unknown encoding {declared!r})"
        ) from None


def _sanitise(text: str, encoding: str) -> tuple[str, dict[int, str]]:
    """Replace what XML cannot hold (bad bytes, NUL, control characters) with U+FFFD.

    Returns:
        The text, and for each line that held such a character what it was.
    """
    bad: dict[int, str] = {}
    if not _ILLEGAL_RE.search(text):
        return text, bad
    starts = line_starts(text)
    for found in _ILLEGAL_RE.finditer(text):
        line = bisect.bisect_right(starts, found.start()) + 1
        illegal = found.group() < "\ud800"
        what = (
            "characters XML does not allow" if illegal else f"bytes that are not valid {encoding}"
        )
        bad.setdefault(line, what)
    return _ILLEGAL_RE.sub("\ufffd", text), bad


class _Run:
    """One expat pass over (part of) the document, collecting entries as they close."""

    def __init__(self, source: str, line_base: int, first: bool) -> None:
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.source, self.line_base, self.first = source, line_base, first
        self.entries: list[_Node] = []
        self.stack: list[_Node] = []
        self.depth = 0
        self.root_at: int | None = None
        p = self.parser
        p.StartElementHandler, p.EndElementHandler = self.start, self.end
        p.CharacterDataHandler = self.text
        p.StartDoctypeDeclHandler = p.EntityDeclHandler = self.refuse

    def line(self) -> int:
        return self.parser.CurrentLineNumber + self.line_base

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _short(name)
        if self.root_at is None:
            self.root_at = self.parser.CurrentByteIndex
            if self.first and tag != "feed":
                raise InputError(f"{self.source}: not an Atom feed (root element <{tag}>)")
        if self.stack or (tag == "entry" and self.depth == 1):
            node = _Node(tag, attrs, self.line())
            if self.stack:
                self.stack[-1].children.append(node)
            self.stack.append(node)
        self.depth += 1

    def end(self, name: str) -> None:
        self.depth -= 1
        if self.stack:
            node = self.stack.pop()
            node.end_line = self.line()
            if not self.stack:
                self.entries.append(node)

    def text(self, chunk: str) -> None:
        if self.stack:
            self.stack[-1].text.append(chunk)

    @staticmethod
    def refuse(*_: Any) -> None:
        raise _UnsafeXML


def _flag(record: RawRecord, entry: _Node, bad: dict[int, str], bad_lines: list[int]) -> None:
    """Mark a record whose entry spans a line that held bad bytes or characters."""
    k = bisect.bisect_left(bad_lines, entry.line)
    if k < len(bad_lines) and bad_lines[k] <= entry.end_line:
        line = bad_lines[k]
        record.problem = f"entry at line {entry.line} holds {bad[line]} (line {line})"
        record.problem_code = "invalid-encoding"


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse an arXiv API Atom feed.

    Bytes that are not valid in the document's encoding, and characters XML does
    not allow (NUL, control characters), make only their entry a dropped record
    (``invalid-encoding``). After any other XML error, reading resumes at the
    next ``<entry>``: the broken part is one ``malformed-record`` record and the
    entries after it are kept.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: ``encoding``, when not UTF-8, overrides the XML declaration.

    Returns:
        ``(records, report)``: one record per complete entry, plus one record with
        ``problem`` for each broken part or a cut-off end (``truncated`` or
        ``malformed-record``), or a refused DTD (``unsafe-xml``).

    Raises:
        InputError: The file is not XML or its root is not an Atom ``<feed>``.
    """
    opts = options or FormatOptions()
    report = FileReport(source, NAME)
    text, encoding = _decode(data, source, opts.encoding)
    text, bad = _sanitise(text, encoding)
    bad_lines = sorted(bad)
    # Now UTF-8 whatever it was: the declaration must say so.
    buf = _DECLARATION_RE.sub(rb"\g<1>UTF-8\g<3>", text.encode("utf-8"), count=1)
    records: list[RawRecord] = []
    root_tag = b""
    at, line_base = 0, 0
    while True:
        run = _Run(source, line_base, first=not root_tag)
        chunk = root_tag + buf[at:] if root_tag else buf
        error: expat.ExpatError | None = None
        try:
            run.parser.Parse(chunk, True)
        except _UnsafeXML:
            line = run.line()
            why = f"line {line}: XML document type/entity declarations are refused (unsafe XML)"
            records += [_record(entry, source) for entry in run.entries]
            records.append(
                RawRecord(source, line, None, None, {}, why, "unsafe-xml", [], f"line {line}")
            )
            return records, report
        except (LookupError, ValueError, UnicodeError) as exc:  # declared encoding not usable
            raise InputError(f"{source}: cannot decode the XML ({exc})") from None
        except expat.ExpatError as exc:
            error = exc
        for entry in run.entries:
            record = _record(entry, source)
            _flag(record, entry, bad, bad_lines)
            records.append(record)
        if not root_tag:
            if run.root_at is None:
                message = expat.errors.messages.get(error.code, str(error)) if error else "empty"
                where = f" at line {error.lineno}" if error else ""
                raise InputError(f"{source}: not XML ({message}{where})")
            found = _TAG_END_RE.search(buf, run.root_at)
            end = found.end() if found else len(buf)
            root_tag = _LINE_BREAK_RE.sub(b" ", buf[run.root_at : end])
        if error is None:
            return records, report
        offset = len(root_tag) if at else 0
        failed_at = at + max(run.parser.ErrorByteIndex - offset, 0)
        line = run.stack[0].line if run.stack else error.lineno + line_base
        title = run.stack[0].value("title") if run.stack else None
        message = expat.errors.messages.get(error.code, str(error))
        if error.code in _CUT_CODES:
            if run.stack:  # cut inside an entry
                why = f"entry at line {line} is cut off: the document ends at line {run.line()}"
                records.append(
                    RawRecord(source, line, title, None, {}, why, "truncated", [], f"line {line}")
                )
            else:  # cut between entries: no entry is lost
                report.warnings.append(
                    f"{source}: document ends at line {run.line()} before </feed>"
                )
            return records, report
        resume = _ENTRY_RE.search(buf, max(failed_at, at + 1))
        error_line = error.lineno + line_base
        if resume is None:
            why = f"XML error at line {error_line} ({message}); unread from line {line} on"
        else:
            line_base = len(_LINE_BREAK_RE.findall(buf, 0, resume.start()))
            why = f"XML error at line {error_line} ({message}); lines {line} to {line_base} skipped"
        records.append(
            RawRecord(source, line, title, None, {}, why, "malformed-record", [], f"line {line}")
        )
        if resume is None:
            return records, report
        at = resume.start()
