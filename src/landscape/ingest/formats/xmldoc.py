"""Reading the records of a large XML export one element at a time.

An export such as a PubMed ``PubmedArticleSet`` is a wrapper element around
thousands of record elements. The file is read line by line: the bytes of each
record element (from its start tag to its end tag, found by name) are cut out
and parsed on their own with expat, so memory is bounded by the largest record
and a record that is not well formed spoils only itself: the records after it
are read as usual.

Parsing each record alone is also what makes the reader safe: the document type
declaration of the file (PubMed files name a DTD) lies outside every record and
is never parsed, so no entity is ever defined, let alone expanded (no "billion
laughs", no external entity). HTML entity names (``&nbsp;``), which XML does not
know without a DTD, are turned into the characters they name.

Damage is reported, never passed over: a record whose end tag is missing when
the next record or the end of the file comes, an end tag whose start tag was
lost, an XML error, bytes that are not valid in the encoding or characters XML
does not allow; text outside the records (other than markup) is listed as
skipped lines.
"""

from __future__ import annotations

import codecs
import html.entities
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat as expat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport
from landscape.ingest.formats.decoding import (
    BOM_UTF8,
    Chain,
    iter_raw_lines,
    open_utf8,
    read_exactly,
)

_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DECLARATION_RE = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_ENTITY_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = {"lt", "gt", "amp", "apos", "quot"}
_BOMS = (BOM_UTF8, b"\xff\xfe", b"\xfe\xff")
# Markup that may surround the records: declaration, doctype, comments, tags.
_MARKUP_RE = re.compile(
    rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>|</?[A-Za-z_][\w:.-]*(?:\s[^<>]*)?/?>"
)
#: At most this many lines outside the records are listed as skipped per file.
MAX_SKIPPED = 1000


def text(element: ET.Element) -> str:
    """All text inside an element, inline markup flattened (``x<sup>2</sup>`` is ``x2``).

    Runs of whitespace (line breaks and indentation included) become one space.
    """
    return " ".join("".join(element.itertext()).split())


def value(element: ET.Element | None, path: str) -> str | None:
    """:func:`text` of the first element at ``path`` (``"Journal/Title"``), or ``None``.

    ``None`` too when ``element`` is ``None`` or the text is blank.
    """
    found = element.find(path) if element is not None else None
    return (text(found) or None) if found is not None else None


@dataclass
class XmlItem:
    """One record element read from a file, or why it could not be read.

    Attributes:
        line: 1-based line where the element starts (its start tag).
        tag: The record element's name, or ``None`` when its start tag was lost.
        node: The element, or ``None`` when it could not be parsed.
        problem: Why the record is unusable, or ``None``.
        code: ``problem_code`` for ``problem``.
    """

    line: int
    tag: str | None
    node: ET.Element | None
    problem: str | None = None
    code: str | None = None


@dataclass
class _Gap:
    """What lies between two records: markup, blank lines, or damage."""

    first: int = 0  # first line with anything but whitespace
    last: int = 0
    orphan: int = 0  # line of an end tag whose start tag was lost
    lines: list[tuple[int, str]] = field(default_factory=list)  # text that is not markup

    def add(self, line: int, piece: bytes, orphan: bool) -> None:
        if not piece.strip():
            return
        self.first = self.first or line
        self.last = line
        self.orphan = self.orphan or (line if orphan else 0)
        rest = _MARKUP_RE.sub(b" ", piece).strip()
        if rest and len(self.lines) < MAX_SKIPPED:
            self.lines.append((line, rest.decode("utf-8", errors="replace")[:80]))


def _declared_encoding(first_line: bytes, encoding: str, has_bom: bool, source: str) -> str:
    """The encoding to read with: a BOM, then a non-UTF-8 setting, then the declaration."""
    if has_bom or encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return encoding
    found = _DECLARATION_RE.match(first_line)
    if not found:
        return encoding
    declared = found.group(1).decode("ascii")
    if declared.lower().startswith(("utf-16", "utf-32", "ucs")):
        return encoding  # without a BOM the bytes are not UTF-16: the declaration is wrong
    try:
        codecs.lookup(declared)
    except LookupError:
        why = f"unknown encoding {declared!r}"
        raise InputError(f"{source}: cannot decode the XML ({why})") from None
    return declared


def _html_entities(text: str) -> str:
    """Replace HTML entity names XML does not define by the characters they name."""

    def name(match: re.Match[str]) -> str:
        known = match.group(1) in _XML_ENTITIES
        chars = None if known else html.entities.html5.get(match.group(1) + ";")
        return "".join(f"&#{ord(c)};" for c in chars) if chars else match.group()

    return _ENTITY_RE.sub(name, text) if "&" in text else text


def parse_element(data: bytes, line: int, encoding: str, tag: str) -> XmlItem:
    """Parse the bytes of one record element.

    Args:
        data: The element, from its start tag to its end tag.
        line: Line of the file where it starts.
        encoding: Text encoding of the file.
        tag: The element's name.

    Returns:
        The item; ``problem`` set for an XML error (``malformed-record``, no
        node) or for bytes or characters that are not valid (``invalid-encoding``,
        with the node, in which they are U+FFFD).
    """
    decoded = data.decode(encoding, errors="surrogateescape")
    problem = code = None
    bad = _ILLEGAL_RE.search(decoded)
    if bad:
        at = line + decoded.count("\n", 0, bad.start())
        what = (
            "characters XML does not allow"
            if bad.group() < "\ud800"
            else f"bytes that are not valid {encoding}"
        )
        problem, code = f"record at line {line} holds {what} (line {at})", "invalid-encoding"
        decoded = _ILLEGAL_RE.sub("\ufffd", decoded)
    # The element alone is the document: no DTD can be in it (a "<!DOCTYPE" or
    # "<!ENTITY" inside an element is an XML error), so no entity is ever defined.
    parser = ET.XMLParser(encoding="utf-8")
    try:
        parser.feed(_html_entities(decoded).encode("utf-8"))
        node = parser.close()
    except ET.ParseError as exc:
        message = expat.errors.messages.get(exc.code, str(exc))
        why = f"record at line {line}: XML error at line {exc.position[0] + line - 1} ({message})"
        return XmlItem(line, tag, None, why, "malformed-record")
    return XmlItem(line, tag, node, problem, code)


def iter_elements(
    stream: BinaryIO,
    source: str,
    encoding: str,
    tags: tuple[str, ...],
    report: FileReport,
) -> Iterator[XmlItem]:
    """Read the record elements of an XML file in file order.

    Args:
        stream: The file's (decompressed) bytes.
        source: The file's path, for messages.
        encoding: The configured text encoding (a BOM, then a setting other than
            UTF-8, then the XML declaration decides).
        tags: Names of the record elements (for example ``("PubmedArticle",)``);
            they must not nest.
        report: Receives the lines outside the records that hold text.

    Yields:
        One item per record element, and one (with ``problem``) per broken part:
        an element not closed before the next one (``malformed-record``) or
        before the end of the file (``truncated``), an end tag without its start
        tag (``malformed-record``).

    Raises:
        InputError: The encoding is unknown.
    """
    names = "|".join(map(re.escape, tags))
    tag_re = re.compile(rf"<(?:({names})(?=[\s/>]|$)|/({names})\s*>)".encode())
    head = read_exactly(stream, 4)
    has_bom = head.startswith(_BOMS)
    binary, encoding = open_utf8(Chain(head, stream), source, encoding)  # type: ignore[arg-type]
    gap = _Gap()
    current: tuple[str, int, list[bytes]] | None = None  # tag, start line, bytes
    no = 0

    def close_gap() -> Iterator[XmlItem]:
        nonlocal gap
        if gap.orphan:
            why = (
                f"lines {gap.first} to {gap.last}: a record whose start tag is lost "
                f"(end tag at line {gap.orphan}); not read"
            )
            yield XmlItem(gap.first, None, None, why, "malformed-record")
        else:
            report.skipped += [(n, t, "text outside any record") for n, t in gap.lines]
        gap = _Gap()

    for no, raw in enumerate(iter_raw_lines(binary), start=1):
        if no == 1:
            encoding = _declared_encoding(raw, encoding, has_bom, source)
        pos = 0
        for found in tag_re.finditer(raw):
            start_tag, end_tag = found.group(1), found.group(2)
            if current is None:
                if end_tag:
                    gap.add(no, raw[pos : found.end()], orphan=True)
                    pos = found.end()
                    continue
                gap.add(no, raw[pos : found.start()], orphan=False)
                yield from close_gap()
            elif start_tag:  # a record starts before the current one ended
                tag, line, _ = current
                why = f"record at line {line} has no </{tag}> before the next record (line {no})"
                yield XmlItem(line, tag, None, why, "malformed-record")
            elif end_tag.decode() == current[0]:
                current[2].append(raw[pos : found.end()])
                data = b"".join(current[2])
                yield parse_element(data, current[1], encoding, current[0])
                current, pos = None, found.end()
                continue
            else:
                continue  # a foreign end tag: the record's XML error will say so
            current, pos = (start_tag.decode(), no, []), found.start()
        if current is None:
            gap.add(no, raw[pos:], orphan=False)
        else:
            current[2].extend((raw[pos:], b"\n"))
    if current is not None:
        tag, line, _ = current
        why = f"record at line {line} is cut off: the file ends at line {no} before </{tag}>"
        yield XmlItem(line, tag, None, why, "truncated")
    yield from close_gap()
