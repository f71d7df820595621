"""From raw records to staged rows, and from a group of rows to one corpus row.

Each record is cleaned (:mod:`landscape.ingest.clean`) and validated as soon as it is
read (:func:`stage_records`): it is valid, or dropped with a reason; a record
without an abstract may still join a kept paper later. Valid records are grouped
by :mod:`landscape.ingest.dedup`; each group becomes one corpus row that keeps the
richest value of each field and the union of sources (:func:`merge_group`). The
ledger says what became of every record: ``kept``, ``duplicate`` (with the rule,
score and the record it matched) or ``dropped`` (with a reason); see
:mod:`landscape.ingest.ledger`. Titles and abstracts lose their markup here
(:func:`landscape.ingest.clean.clean_prose`), whatever the format; the ledger keeps
them as read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from landscape.config import IngestConfig
from landscape.ingest.clean import clean_prose, clean_text, make_doc_id, title_key, word_count
from landscape.ingest.formats.base import RawRecord
from landscape.ingest.formats.text import scrub, to_year
from landscape.ingest.staging import STAGE_SCHEMA

LEDGER_COLUMNS = [
    "record", "source", "line", "locator", "status", "doc_id", "reason_code", "reason",
    "rule", "score", "matched_record", "raw_title", "raw_abstract", "original", "notes",
]  # fmt: skip
CORPUS_COLUMNS = [
    "doc_id", "title", "abstract", "authors", "year", "date", "venue", "doi", "arxiv_id",
    "url", "keywords", "categories", "sources", "source_files", "n_sources", "has_abstract",
]  # fmt: skip
#: The ledger note of a paper kept without an abstract (``keep_title_only``).
TITLE_ONLY_NOTE = "no abstract: kept on its title alone (keep_title_only)"


def doc_id_for(doi: str | None, arxiv_id: str | None, key: str) -> str:
    """A paper's id: from its DOI, else its arXiv id, else its title key."""
    if doi:
        return make_doc_id("doi", doi)
    if arxiv_id:
        return make_doc_id("arxiv", arxiv_id)
    return make_doc_id("title", key)


def label_kind(value: Any) -> str:
    """The type of a label value: ``none``, ``bool``, ``int``, ``float``, ``str`` or ``json``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2**63) <= value < 2**63 else "json"
    if isinstance(value, float):
        return "float"
    return "str" if isinstance(value, str) else "json"


class Labels:
    """Label columns of tabular inputs: their names, and which records have which.

    Names are kept in order of first appearance over all records. A record's
    *shape* is the tuple of its ``(name, kind)`` pairs; shapes are few (about one
    per file), so records store a shape number instead of their label names.
    """

    def __init__(self) -> None:
        self.names: dict[str, None] = {}
        self.shapes: dict[tuple[tuple[str, str], ...], int] = {}
        self._known: dict[tuple[tuple[Any, ...], tuple[type, ...]], int] = {}

    def shape(self, labels: dict[str, Any]) -> int:
        """Note a record's labels; return its shape number."""
        types = tuple(map(type, labels.values()))
        # Records of one file share names and value types: look those up first
        # (not for ints, whose kind also depends on their size).
        fast = (tuple(labels), types)
        known = self._known.get(fast) if int not in types else None
        if known is not None:
            return known
        for name in labels:
            self.names.setdefault(str(name), None)
        key = tuple((str(name), label_kind(value)) for name, value in labels.items())
        number = self.shapes.setdefault(key, len(self.shapes))
        if int not in types:
            self._known[fast] = number
        return number

    def columns(self) -> dict[str, str]:
        """Label name -> corpus column name; a name already taken gets ``_label`` added."""
        taken = set(CORPUS_COLUMNS)
        out = {}
        for name in self.names:
            column = name
            while column in taken:
                column += "_label"
            taken.add(column)
            out[name] = column
        return out


@dataclass
class StagedBatch:
    """A batch of cleaned records and what dedup needs of them.

    Attributes:
        batch: One row per record (:data:`landscape.ingest.staging.STAGE_SCHEMA`).
        valid: Which records are valid (deduplicated, kept or merged).
        keys, dois, arxiv_ids, years, abstracts: Dedup inputs of the valid records.
        joinable: ``(index in batch, doi, arxiv_id, key)`` of records without an
            abstract that may join a kept paper.
        codes: Each record's drop reason code (``None``: valid).
        title_only: Index in batch of each valid record without an abstract
            (``keep_title_only``).
    """

    batch: pa.RecordBatch
    valid: np.ndarray
    keys: list[str] = field(default_factory=list)
    dois: list[str | None] = field(default_factory=list)
    arxiv_ids: list[str | None] = field(default_factory=list)
    years: list[int | None] = field(default_factory=list)
    abstracts: list[str] = field(default_factory=list)
    joinable: list[tuple[int, str | None, str | None, str]] = field(default_factory=list)
    codes: list[str | None] = field(default_factory=list)
    title_only: list[int] = field(default_factory=list)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _year(value: Any) -> int | None:
    if type(value) is int:
        return value if value and -(2**63) <= value < 2**63 else None
    return to_year(value) or None


def _strings(value: Any) -> list[str]:
    """A keyword/category list with repeats removed (a lone string is one item)."""
    if not value:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return list(dict.fromkeys(str(x) for x in items))


def _original(rec: RawRecord) -> str | None:
    orig = rec.meta.get("original")
    return json.dumps(orig, ensure_ascii=False, sort_keys=True, default=str) if orig else None


_COMMON = ["source", "line", "locator", "reason_code", "reason", "raw_title", "raw_abstract",
           "original", "notes", "listing_date"]  # fmt: skip
_CLEANED = ["title", "abstract", "key", "doi", "arxiv_id", "year", "date", "venue", "url",
            "authors", "keywords", "categories", "labels", "label_shape", "doc_id"]  # fmt: skip


def stage_records(
    records: Sequence[RawRecord], options: IngestConfig, labels: Labels
) -> StagedBatch:
    """Clean and validate a batch of raw records into staged rows.

    Titles and abstracts are cleaned by :func:`~landscape.ingest.clean.clean_prose`
    (markup removed); the raw text goes to the ledger. A record with a parser
    problem is dropped with that problem; then a title shorter than
    ``min_title_chars`` after cleaning (``empty-title``), no abstract
    (``no-abstract``; it may still join a kept paper by DOI, arXiv id or title),
    or fewer than ``min_abstract_words`` words (``abstract-too-short``). With
    ``keep_title_only``, a record without an abstract (also one a parser found
    without one) is valid instead, with an empty abstract and a ledger note.

    Args:
        records: Raw records in read order.
        options: Cleaning settings.
        labels: Where label names and shapes are noted.

    Returns:
        The staged batch (without its ``title_sig`` column, which dedup adds).
    """
    common: dict[str, list[Any]] = {name: [] for name in _COMMON}
    cleaned: dict[str, list[Any]] = {name: [] for name in _CLEANED}
    valid = np.zeros(len(records), dtype=bool)
    out = StagedBatch(pa.record_batch([], schema=pa.schema([])), valid)
    # This loop runs once per record of inputs with millions: columns are appended
    # to directly, and cleaned fields are kept for valid records only.
    source, line, locator, code_, reason_, raw_title, raw_abstract, original, notes, listed = (
        common.values()
    )
    title_, abstract_, key_, doi_, arxiv_, year_, date_, venue_, url_ = list(cleaned.values())[:9]
    authors_, keywords_, categories_, labels_, shape_, doc_id_ = list(cleaned.values())[9:]
    min_title, min_words = options.min_title_chars, options.min_abstract_words
    keep_title_only = options.keep_title_only
    for i, rec in enumerate(records):
        title, abstract = clean_prose(_text(rec.title)), clean_prose(_text(rec.abstract))
        meta = rec.meta
        key = title_key(title)
        doi, arxiv = _text(meta.get("doi") or None), _text(meta.get("arxiv_id") or None)
        rec_labels = meta.get("labels") or {}
        shape = labels.shape(rec_labels) if rec_labels else None
        code = reason = None
        rec_notes = rec.notes
        if rec.problem is not None:
            no_abstract = rec.problem_code == "no-abstract" and len(key) >= min_title
            if not (no_abstract and keep_title_only):
                code, reason = rec.problem_code or "unreadable", rec.problem
                if no_abstract:
                    out.joinable.append((i, doi, arxiv, key))
        elif len(key) < min_title:
            code = "empty-title"
            reason = f"title {title!r} is empty or too short after cleaning"
        elif not abstract:
            if not keep_title_only:
                code, reason = "no-abstract", f"{rec.where()}: record has no abstract"
                out.joinable.append((i, doi, arxiv, key))
        elif word_count(abstract) < min_words:
            code = "abstract-too-short"
            reason = f"abstract has {word_count(abstract)} words; at least {min_words} are needed"
        if code is None and not abstract:
            out.title_only.append(i)
            rec_notes = [*rec.notes, TITLE_ONLY_NOTE]
        source.append(rec.source)
        line.append(rec.line)
        locator.append(rec.locator or f"line {rec.line}")
        code_.append(code)
        reason_.append(reason)
        raw_title.append(_text(rec.title))
        raw_abstract.append(_text(rec.abstract))
        original.append(_original(rec))
        notes.append("; ".join(rec_notes) or None)
        listed.append(_text(meta.get("listing_date")))
        if code is not None:
            continue
        valid[i] = True
        title_.append(title)
        abstract_.append(abstract)
        key_.append(key)
        doi_.append(doi)
        arxiv_.append(arxiv)
        year_.append(_year(meta.get("year")))
        for f, column in (("date", date_), ("venue", venue_), ("url", url_)):
            column.append(clean_text(str(meta[f])) if meta.get(f) else None)
        authors_.append([clean_text(_text(a)) for a in meta.get("authors") or []])
        keywords_.append(_strings(meta.get("keywords")))
        categories_.append(_strings(meta.get("categories")))
        labels_.append(json.dumps(rec_labels, default=str) if rec_labels else None)
        shape_.append(shape)
        doc_id_.append(doc_id_for(doi, arxiv, key))
    out.keys, out.dois, out.arxiv_ids, out.years = key_, doi_, arxiv_, year_
    out.abstracts, out.codes = abstract_, code_
    out.batch = _record_batch(common, cleaned, valid)
    return out


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, kind)
    except UnicodeEncodeError:
        # Lone surrogates (undecodable bytes a parser let through) cannot be
        # stored as UTF-8: they become U+FFFD here rather than fail the file.
        return pa.array(scrub(values)[0], kind)


def _record_batch(
    common: dict[str, list[Any]], cleaned: dict[str, list[Any]], valid: np.ndarray
) -> pa.RecordBatch:
    arrays = [_array(values, STAGE_SCHEMA.field(name).type) for name, values in common.items()]
    # Cleaned fields exist for valid records only; the others get nulls.
    spread = None
    if not valid.all():
        positions = np.full(len(valid), -1, dtype=np.int64)
        positions[valid] = np.arange(int(valid.sum()))
        spread = pa.array(positions, mask=~valid)
    for name, values in cleaned.items():
        array = _array(values, STAGE_SCHEMA.field(name).type)
        arrays.append(array if spread is None else array.take(spread))
    names = [*common, *cleaned]
    return pa.record_batch(arrays, names=names).select(STAGE_SCHEMA.names[:-1])


def _richest(values: list[Any]) -> Any:
    """The longest non-empty value; ties go to the earliest record."""
    best = None
    for v in values:
        if v is None or v == "" or v == []:
            continue
        if best is None or len(str(v)) > len(str(best)):
            best = v
    return best


def _union(lists: list[list[str] | None]) -> list[str]:
    return list(dict.fromkeys(x for lst in lists if lst for x in lst))


def source_entry(row: dict[str, Any]) -> dict[str, Any]:
    """A corpus ``sources`` item for a staged row."""
    return {
        "file": row["source"],
        "line": row["line"],
        "locator": row["locator"],
        "listing_date": row["listing_date"],
    }


def merge_group(
    members: list[dict[str, Any]], everyone: list[dict[str, Any]], label_columns: dict[str, str]
) -> dict[str, Any]:
    """One corpus row for a group of records.

    The first record (in read order) gives the title; the merge keeps the longest
    abstract and author list, the first year, DOI, arXiv id, date, venue and url,
    the union of keywords, categories and sources, and the first value of each
    label. A record without an abstract that joined the group (by DOI, arXiv id or
    title) adds its source only.

    Args:
        members: Staged rows of the group's valid records, in read order.
        everyone: Staged rows of all its records (with those that joined), in order.
        label_columns: Label name -> corpus column name.

    Returns:
        The corpus row, by column name.
    """
    first = members[0]
    doi = next((m["doi"] for m in members if m["doi"]), None)
    arxiv = next((m["arxiv_id"] for m in members if m["arxiv_id"]), None)
    sources = [source_entry(row) for row in everyone]
    row: dict[str, Any] = {
        "doc_id": doc_id_for(doi, arxiv, first["key"]),
        "title": first["title"] or _richest([m["title"] for m in members]),
        "abstract": _richest([m["abstract"] for m in members]),
        "authors": _richest([m["authors"] for m in members]) or [],
        "year": next((m["year"] for m in members if m["year"]), None),
        "doi": doi,
        "arxiv_id": arxiv,
        "keywords": _union([m["keywords"] for m in members]),
        "categories": _union([m["categories"] for m in members]),
        "sources": sources,
        "source_files": list(dict.fromkeys(s["file"] for s in sources)),
        "n_sources": len(sources),
    }
    row["has_abstract"] = bool(row["abstract"])
    for f in ("date", "venue", "url"):
        row[f] = next((m[f] for m in members if m[f] is not None), None)
    for m in members:
        for name, value in (json.loads(m["labels"]) if m["labels"] else {}).items():
            column = label_columns[name]
            if row.get(column) is None and value is not None:
                row[column] = value
    return row
