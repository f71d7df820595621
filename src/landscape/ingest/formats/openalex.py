"""Parser for OpenAlex works (API pages, JSON lists, or JSON Lines snapshots).

A file is a ``{"meta": ..., "results": [work, ...]}`` API page, a JSON list of
works, or one work per line. OpenAlex does not ship abstracts as text but as an
``abstract_inverted_index`` (``{"word": [position, ...]}``), rebuilt here into
text in word order. Titles and abstracts may hold HTML/JATS tags and entities:
they are passed on as found (the ledger keeps them) and removed when records are
staged (:func:`landscape.ingest.clean.clean_prose`).
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
    strip_arxiv_version,
    to_year,
)

NAME = "openalex"
_MARKERS = ('"abstract_inverted_index"', '"https://openalex.org/', '"authorships"')


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like OpenAlex works.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; a JSON name accepts a head whose first line is damaged
            (the keys decide, as several formats are JSON).

    Returns:
        True for JSON whose head holds keys only OpenAlex uses.
    """
    head = json_head(data, name)
    if head is None:
        return False
    text = head
    return any(marker in text for marker in _MARKERS)


def rebuild_abstract(index: Any) -> str | None:
    """Turn an inverted index into text.

    Args:
        index: ``{word: [position, ...]}`` as OpenAlex stores it.

    Returns:
        The words joined by spaces in position order; ``None`` for an empty or
        missing index.

    Raises:
        ValueError: ``index`` is not a mapping of words to integer positions.
    """
    if index is None or index == {}:
        return None
    if not isinstance(index, dict):
        raise ValueError("abstract_inverted_index is not an object")
    placed: list[tuple[int, str]] = []
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in positions
        ):
            raise ValueError(f"abstract_inverted_index entry {word!r} has no integer positions")
        placed.extend((p, word) for p in positions)
    placed.sort(key=lambda pair: pair[0])
    return " ".join(word for _, word in placed) or None


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _names(items: Any, *path: str) -> list[str]:
    if not isinstance(items, list):
        return []
    found = (_get(item, *path) if path else item for item in items)
    return [str(name) for name in found if isinstance(name, str) and name.strip()]


def record_from(item: JsonItem, source: str) -> RawRecord:
    """Build the record of one OpenAlex work.

    Args:
        item: The work as read (or why it could not be read).
        source: The file's path.

    Returns:
        The raw record; ``problem`` is set for an unreadable work or a malformed
        inverted index.
    """
    obj = item.obj
    if obj is None:
        return item.record(source)
    problem, code = item.problem, item.code
    try:
        abstract = rebuild_abstract(obj.get("abstract_inverted_index"))
    except ValueError as exc:
        abstract = None
        problem = problem or f"{item.locator}: {exc}"
        code = code or "malformed-record"
    if abstract is None and isinstance(obj.get("abstract"), str):
        abstract = obj["abstract"]
    title = obj.get("title") or obj.get("display_name")
    year, date = parse_date(obj.get("publication_date"))
    arxiv = _get(obj, "ids", "arxiv")
    venue = _get(obj, "primary_location", "source", "display_name") or _get(
        obj, "host_venue", "display_name"
    )
    doi = normalise_doi(obj.get("doi")) or normalise_doi(_get(obj, "ids", "doi"))
    categories = [*_names(obj.get("topics"), "display_name")]
    categories += [c for c in _names(obj.get("concepts"), "display_name") if c not in categories]
    keywords = _names(obj.get("keywords"), "display_name") or _names(obj.get("keywords"))
    url = _get(obj, "primary_location", "landing_page_url")
    meta = compact(
        {
            "authors": _names(obj.get("authorships"), "author", "display_name"),
            "year": to_year(obj.get("publication_year")) or year,
            "date": date,
            "venue": venue if isinstance(venue, str) else None,
            "doi": doi,
            "arxiv_id": strip_arxiv_version(arxiv) if isinstance(arxiv, str) else None,
            "url": url if isinstance(url, str) else None,
            "keywords": keywords,
            "categories": categories,
            "original": obj,
        }
    )
    return item.record(
        source,
        title if isinstance(title, str) else None,
        abstract,
        meta,
        problem=problem,
        code=code,
    )


def parse_stream(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None = None,
    report: FileReport | None = None,
) -> Iterator[RawRecord]:
    """Read works from a binary stream (see :func:`.jsondoc.stream_records`).

    ``report`` is unused: this format reports nothing besides records.
    """
    return stream_records(stream, source, options, record_from, list_keys=("results",))


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a file of OpenAlex works.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per work, in file order.

    Raises:
        InputError: The file is empty or holds no JSON object.
    """
    return parse_whole(parse_stream, NAME, data, source, options)
