"""Parser for CSL-JSON, as Zotero, Mendeley and other reference managers export it.

A file (often ``*.csl.json`` or ``*.json``) is a JSON list of items, or one item.
An item has a CSL ``type`` (``article-journal``, ``paper-conference``, ...),
``title``, ``abstract``, ``DOI``, ``URL``, ``container-title``, ``author``
(``given``/``family``, or ``literal``), ``issued`` (``{"date-parts": [[2020, 5]]}``,
``{"raw": "2020"}`` or ``{"literal": "Spring 2020"}``) and ``keyword`` (one string,
comma-separated). Titles may hold CSL's rich-text markup (``<i>``, ``<sup>``):
it is removed when records are staged, like every format's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from landscape.ingest.formats.base import FileReport, RawRecord, parse_whole
from landscape.ingest.formats.csl import csl_date, csl_names, first_text
from landscape.ingest.formats.jsondoc import JsonItem, json_head, stream_records
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import compact, normalise_doi, split_list

NAME = "csl_json"
# Keys of the CSL data model that no other supported JSON format writes.
_KEYS_RE = re.compile(
    r'"(?:issued|container-title|container-title-short|date-parts|citation-key|title-short'
    r'|collection-title|publisher-place|number-of-pages|event-title|original-date)"\s*:'
)
_TYPE_RE = re.compile(
    r'"type"\s*:\s*"(?:article-journal|article-magazine|article-newspaper|paper-conference'
    r'|entry-encyclopedia|entry-dictionary|post-weblog|personal_communication)"'
)
_TITLE_RE = re.compile(r'"title"\s*:')
_DATES = ("issued", "published-print", "published-online")


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like CSL-JSON.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; a JSON name accepts a head whose first line is damaged
            (the keys decide, as several formats are JSON).

    Returns:
        True for JSON with a ``title`` key and keys (``issued``,
        ``container-title``, ``date-parts``, ...) or a ``type`` value of the CSL
        data model.
    """
    head = json_head(data, name)
    if head is None or not _TITLE_RE.search(head):
        return False
    return bool(_KEYS_RE.search(head) or _TYPE_RE.search(head))


def record_from(item: JsonItem, source: str) -> RawRecord:
    """Build the record of one CSL item.

    Args:
        item: The item as read (or why it could not be read).
        source: The file's path.

    Returns:
        The raw record; ``problem`` is set for an unreadable item.
    """
    obj = item.obj
    if obj is None:
        return item.record(source)
    year = date = None
    for key in _DATES:
        year, date = csl_date(obj.get(key))
        if year is not None:
            break
    meta = compact(
        {
            "authors": csl_names(obj.get("author")),
            "year": year,
            "date": date,
            "venue": first_text(obj.get("container-title")),
            "doi": normalise_doi(obj.get("DOI") or obj.get("doi")),
            "url": first_text(obj.get("URL")),
            "keywords": split_list(obj.get("keyword")),
            "original": obj,
        }
    )
    return item.record(source, first_text(obj.get("title")), first_text(obj.get("abstract")), meta)


def parse_stream(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None = None,
    report: FileReport | None = None,
) -> Iterator[RawRecord]:
    """Read items from a binary stream (see :func:`.jsondoc.stream_records`).

    ``report`` is unused: this format reports nothing besides records.
    """
    return stream_records(stream, source, options, record_from, list_keys=())


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a CSL-JSON file.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per item, in file order.

    Raises:
        InputError: The file is empty or holds no JSON object.
    """
    return parse_whole(parse_stream, NAME, data, source, options)
