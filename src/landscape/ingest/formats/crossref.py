"""Parser for Crossref works (REST API answers, public data files, lists of works).

A file is an API answer for a query (``{"status": "ok", "message-type":
"work-list", "message": {"items": [work, ...]}}``), the answer for one DOI
(``{"message-type": "work", "message": work}``), a file of the Crossref public
data dump (``{"items": [...]}``), a JSON list of works, or one work per line.
Any other Crossref answer (``"message-type": "member"``, a validation failure)
is one record naming what it is, dropped.

Fields read: ``title`` (a list: its first entry, with the first ``subtitle``
after a colon), ``abstract`` (JATS: ``<jats:p>``, ``<jats:title>Abstract</jats:title>``,
``<jats:italic>``; passed on as found and turned into plain text when records are
staged, like every format's), ``DOI``, the year and date of ``issued`` (else
``published``, ``published-print``, ``published-online``; ``date-parts``),
``container-title`` (else ``short-container-title``) as venue, ``author``
(``given``/``family``, or ``name``), ``URL``, and ``subject`` as categories.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from landscape.ingest.formats.base import FileReport, RawRecord, parse_whole
from landscape.ingest.formats.csl import csl_date, csl_names, first_text
from landscape.ingest.formats.jsondoc import JsonItem, json_head, stream_records
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import compact, normalise_doi, split_list

NAME = "crossref"
# An API answer says what it holds; a bare work has keys only Crossref writes.
_MESSAGE_RE = re.compile(r'"message-type"\s*:\s*"work(?:-list)?"')
_KEYS_RE = re.compile(
    r'"(?:is-referenced-by-count|reference-count|references-count|content-domain'
    r'|short-container-title)"\s*:'
)
_DATES = ("issued", "published", "published-print", "published-online")


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like Crossref works.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; a JSON name accepts a head whose first line is damaged
            (the keys decide, as several formats are JSON).

    Returns:
        True for JSON with ``"message-type": "work"`` or ``"work-list"``, or with
        keys only Crossref writes (``is-referenced-by-count``, ``content-domain``).
    """
    head = json_head(data, name)
    return head is not None and bool(_MESSAGE_RE.search(head) or _KEYS_RE.search(head))


def _work(item: JsonItem) -> tuple[dict[str, Any] | None, str | None]:
    """The work of an item, unwrapping a one-work answer; else why there is none."""
    obj = item.obj
    if obj is None or "message-type" not in obj:
        return obj, None
    kind, message = obj.get("message-type"), obj.get("message")
    if kind == "work" and isinstance(message, dict):
        return message, None
    return None, f"{item.locator} is a Crossref {kind!r} answer with no works"


def _title(work: dict[str, Any]) -> str | None:
    title, subtitle = first_text(work.get("title")), first_text(work.get("subtitle"))
    if not title or not subtitle or subtitle.strip().lower() in title.lower():
        return title
    joint = " " if title.rstrip()[-1:] in ":?!." else ": "
    return f"{title.rstrip()}{joint}{subtitle.strip()}"


def record_from(item: JsonItem, source: str) -> RawRecord:
    """Build the record of one Crossref work.

    Args:
        item: The work as read (or why it could not be read).
        source: The file's path.

    Returns:
        The raw record; ``problem`` is set for an unreadable item or an answer
        that holds no work.
    """
    work, why = _work(item)
    if work is None:
        problem, code = (item.problem, item.code) if why is None else (why, "malformed-record")
        return item.record(source, problem=problem, code=code)
    year = date = None
    for key in _DATES:
        year, date = csl_date(work.get(key))
        if year is not None:
            break
    url = work.get("URL")
    meta = compact(
        {
            "authors": csl_names(work.get("author")),
            "year": year,
            "date": date,
            "venue": first_text(work.get("container-title"))
            or first_text(work.get("short-container-title")),
            "doi": normalise_doi(work.get("DOI")),
            "url": url if isinstance(url, str) else None,
            "categories": split_list(work.get("subject")),
            "original": work,
        }
    )
    abstract = first_text(work.get("abstract"))
    return item.record(source, _title(work), abstract, meta)


def parse_stream(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None = None,
    report: FileReport | None = None,
) -> Iterator[RawRecord]:
    """Read works from a binary stream (see :func:`.jsondoc.stream_records`).

    ``report`` is unused: this format reports nothing besides records.
    """
    keys = ("message.items", "items")
    return stream_records(stream, source, options, record_from, list_keys=keys)


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a file of Crossref works.

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
