"""Parser for the arXiv metadata snapshot (JSON Lines, one paper per line).

The snapshot (``arxiv-metadata-oai-snapshot.json``, distributed on Kaggle) holds
one object per line with ``id``, ``submitter``, ``authors`` (one string),
``authors_parsed`` (``[[last, first, suffix], ...]``), ``title``, ``abstract``,
``categories`` (space-separated, primary first), ``doi``, ``journal-ref``,
``versions`` (``[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]``)
and ``update_date``. Title and abstract keep their LaTeX (as arXiv shows them);
only author names are converted, since their accents are plain letters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from landscape.ingest.formats.base import FileReport, RawRecord, parse_whole
from landscape.ingest.formats.jsondoc import JsonItem, json_head, stream_records
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import (
    compact,
    latex_to_text,
    normalise_doi,
    parse_date,
    split_authors,
    split_list,
    strip_arxiv_version,
)

NAME = "arxiv_jsonl"
_MARKERS = ('"versions"', '"authors_parsed"', '"update_date"', '"submitter"')


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like arXiv snapshot JSON Lines.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; ``.jsonl``/``.json`` relaxes the check to an object
            with ``id``, ``abstract`` and ``categories``.

    Returns:
        True when the first object has the snapshot's keys.
    """
    head = json_head(data, name, starts="{")
    if head is None or '"abstract"' not in head:
        return False
    if any(marker in head for marker in _MARKERS):
        return True
    json_name = name.lower().removesuffix(".gz").endswith((".jsonl", ".json"))
    return json_name and '"id"' in head and '"categories"' in head


def _authors(obj: dict[str, Any]) -> list[str]:
    parsed = obj.get("authors_parsed")
    names: list[str] = []
    if isinstance(parsed, list):
        for parts in parsed:
            if isinstance(parts, list) and parts:
                last, first, suffix = ([*(str(p or "").strip() for p in parts), "", ""])[:3]
                names.append(" ".join(p for p in (first, last, suffix) if p))
    if not names:
        names = split_authors(obj.get("authors"))
    return [latex_to_text(n) or n for n in names if n]


def record_from(item: JsonItem, source: str) -> RawRecord:
    """Build the record of one snapshot line.

    Args:
        item: The object read from the line (or why it could not be read).
        source: The file's path.

    Returns:
        The raw record; ``problem`` is set when the line was unusable.
    """
    obj = item.obj
    if obj is None:
        return item.record(source)
    versions = obj.get("versions")
    created = None
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
    year, date = parse_date(created)
    if year is None:
        year, date = parse_date(obj.get("update_date"))
    raw_id = obj.get("id")
    arxiv_id = strip_arxiv_version(raw_id) if isinstance(raw_id, str | int | float) else None
    meta = compact(
        {
            "authors": _authors(obj),
            "year": year,
            "date": date,
            "venue": obj.get("journal-ref") if isinstance(obj.get("journal-ref"), str) else None,
            "doi": normalise_doi(obj.get("doi")),
            "arxiv_id": arxiv_id or None,
            "url": f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None,
            "categories": split_list(obj.get("categories"), whitespace=True),
            "original": obj,
        }
    )
    title, abstract = obj.get("title"), obj.get("abstract")
    return item.record(
        source,
        title if isinstance(title, str) else None,
        abstract if isinstance(abstract, str) else None,
        meta,
    )


def parse_stream(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None = None,
    report: FileReport | None = None,
) -> Iterator[RawRecord]:
    """Read records from a binary stream (see :func:`.jsondoc.stream_records`).

    ``report`` is unused: this format reports nothing besides records.
    """
    return stream_records(stream, source, options, record_from)


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse an arXiv metadata snapshot file.

    Args:
        data: The file's (decompressed) bytes.
        source: The file's path, used in records and messages.
        options: Only ``encoding`` is used.

    Returns:
        ``(records, report)``: one record per non-blank line, in file order; a
        line that is not a JSON object is a record with ``problem`` set.

    Raises:
        InputError: The file is empty or has no JSON object at all.
    """
    return parse_whole(parse_stream, NAME, data, source, options)
