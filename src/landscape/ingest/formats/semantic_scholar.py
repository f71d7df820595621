"""Parser for Semantic Scholar Graph API papers.

A file is a search/bulk page (``{"total": ..., "data": [paper, ...]}``), a JSON
list (the ``/paper/batch`` answer, where an id that was not found is ``null``),
or one paper per line (the datasets API). Keys are matched case-insensitively,
because the datasets spell them in lower case (``externalids``,
``publicationdate``). Fields read: ``paperId``, ``title``, ``abstract``,
``year``, ``venue`` (or ``publicationVenue.name``/``journal.name``),
``publicationDate``, ``authors[].name``, ``externalIds.DOI``/``ArXiv``,
``fieldsOfStudy`` (or ``s2FieldsOfStudy[].category``), ``url``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from landscape.ingest.formats.base import FileReport, RawRecord, parse_whole
from landscape.ingest.formats.jsondoc import JsonItem, json_head, stream_records
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import (
    compact,
    normalise_doi,
    parse_date,
    split_list,
    strip_arxiv_version,
    to_year,
)

NAME = "semantic_scholar"
_MARKERS = ('"paperid"', '"externalids"', '"fieldsofstudy"', '"s2fieldsofstudy"', '"corpusid"')


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like Semantic Scholar papers.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; a JSON name accepts a head whose first line is damaged
            (the keys decide, as several formats are JSON).

    Returns:
        True for JSON whose head holds keys only Semantic Scholar uses.
    """
    head = json_head(data, name)
    if head is None:
        return False
    text = head.lower()
    return any(marker in text for marker in _MARKERS)


def _lower(obj: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in obj.items()} if isinstance(obj, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def record_from(item: JsonItem, source: str) -> RawRecord:
    """Build the record of one paper.

    Args:
        item: The paper as read (or why it could not be read).
        source: The file's path.

    Returns:
        The raw record; ``problem`` is set for an unreadable or ``null`` entry.
    """
    if item.obj is None:
        return item.record(source)
    paper = _lower(item.obj)
    ids = _lower(paper.get("externalids"))
    year, date = parse_date(paper.get("publicationdate"))
    venue = (
        _text(paper.get("venue"))
        or _text(_lower(paper.get("publicationvenue")).get("name"))
        or _text(_lower(paper.get("journal")).get("name"))
    )
    authors = paper.get("authors")
    found = (_text(_lower(a).get("name")) for a in (authors if isinstance(authors, list) else []))
    names = [name for name in found if name]
    fields = split_list(paper.get("fieldsofstudy"))
    s2_fields = paper.get("s2fieldsofstudy")
    for entry in s2_fields if isinstance(s2_fields, list) else []:
        category = _text(_lower(entry).get("category"))
        if category and category not in fields:
            fields.append(category)
    arxiv = ids.get("arxiv")
    meta = compact(
        {
            "authors": names,
            "year": to_year(paper.get("year")) or year,
            "date": date,
            "venue": venue,
            "doi": normalise_doi(ids.get("doi")),
            "arxiv_id": strip_arxiv_version(arxiv) if isinstance(arxiv, str) else None,
            "url": _text(paper.get("url")),
            "categories": fields,
            "original": item.obj,
        }
    )
    title, abstract = _text(paper.get("title")), _text(paper.get("abstract"))
    return item.record(source, title, abstract, meta)


def parse_stream(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None = None,
    report: FileReport | None = None,
) -> Iterator[RawRecord]:
    """Read papers from a binary stream (see :func:`.jsondoc.stream_records`).

    ``report`` is unused: this format reports nothing besides records.
    """
    return stream_records(stream, source, options, record_from, list_keys=("data",))


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a file of Semantic Scholar papers.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per paper, in file order.

    Raises:
        InputError: The file is empty or holds no JSON object.
    """
    return parse_whole(parse_stream, NAME, data, source, options)
