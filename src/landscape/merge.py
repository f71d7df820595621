"""From raw records to one row per paper, with a ledger row per record.

Each record is cleaned (:mod:`landscape.clean`) and validated; valid records are
grouped by :func:`landscape.dedup.find_duplicates`; each group becomes one corpus
row that keeps the richest value of each field and the union of sources. The
ledger says what became of every record: ``kept``, ``duplicate`` (with the rule,
score and the record it matched) or ``dropped`` (with a reason).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from landscape.clean import clean_text, make_doc_id, title_key, word_count
from landscape.config import IngestConfig
from landscape.dedup import DedupOptions, find_duplicates
from landscape.formats.base import RawRecord

LEDGER_COLUMNS = [
    "record", "source", "line", "locator", "status", "doc_id", "reason_code", "reason",
    "rule", "score", "matched_record", "raw_title", "raw_abstract", "original", "notes",
]  # fmt: skip
CORPUS_COLUMNS = [
    "doc_id", "title", "abstract", "authors", "year", "date", "venue", "doi", "arxiv_id",
    "url", "keywords", "categories", "sources", "source_files", "n_sources",
]  # fmt: skip
_LIST_FIELDS = ("authors", "keywords", "categories")
_TEXT_FIELDS = ("date", "venue", "doi", "arxiv_id", "url")


def doc_id_for(doi: str | None, arxiv_id: str | None, key: str) -> str:
    """A paper's id: from its DOI, else its arXiv id, else its title key."""
    if doi:
        return make_doc_id("doi", doi)
    if arxiv_id:
        return make_doc_id("arxiv", arxiv_id)
    return make_doc_id("title", key)


def _source_entry(rec: RawRecord) -> dict[str, Any]:
    return {
        "file": rec.source,
        "line": rec.line,
        "locator": rec.locator or f"line {rec.line}",
        "listing_date": rec.meta.get("listing_date"),
    }


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


def _original(rec: RawRecord) -> str | None:
    orig = rec.meta.get("original")
    return json.dumps(orig, ensure_ascii=False, sort_keys=True, default=str) if orig else None


def build_corpus(
    records: Sequence[RawRecord], options: IngestConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean, validate and deduplicate raw records into a corpus and its ledger.

    The first record of each group (in read order) is the ``kept`` row. A merge
    keeps the longest abstract and title, the longest author list, the first
    year, DOI and arXiv id, the union of keywords, categories and sources, and
    the first value of each label. A record without an abstract that matches a
    kept paper by DOI, arXiv id or title is merged too (its source still counts)
    rather than dropped.

    Args:
        records: Raw records in read order.
        options: Cleaning and deduplication settings.

    Returns:
        ``(corpus, ledger)``: corpus columns :data:`CORPUS_COLUMNS` plus one column
        per label found in tabular inputs; ledger columns :data:`LEDGER_COLUMNS`.
    """
    rows: list[dict[str, Any]] = []
    valid: list[int] = []
    no_abstract: list[int] = []
    cleaned: list[dict[str, Any]] = []
    for i, rec in enumerate(records):
        title, abstract = clean_text(rec.title), clean_text(rec.abstract)
        meta = rec.meta
        info = {
            "title": title,
            "abstract": abstract,
            "key": title_key(title),
            "doi": meta.get("doi") or None,
            "arxiv_id": meta.get("arxiv_id") or None,
            "year": meta.get("year"),
        }
        cleaned.append(info)
        row = {
            "record": i, "source": rec.source, "line": rec.line,
            "locator": rec.locator or f"line {rec.line}", "status": "dropped", "doc_id": None,
            "reason_code": None, "reason": None, "rule": None, "score": None,
            "matched_record": None, "raw_title": rec.title, "raw_abstract": rec.abstract,
            "original": _original(rec), "notes": "; ".join(rec.notes) or None,
        }  # fmt: skip
        rows.append(row)
        if rec.problem is not None:
            row["reason_code"], row["reason"] = rec.problem_code or "unreadable", rec.problem
            if rec.problem_code == "no-abstract" and len(info["key"]) >= options.min_title_chars:
                no_abstract.append(i)
        elif len(info["key"]) < options.min_title_chars:
            row["reason_code"] = "empty-title"
            row["reason"] = f"title {title!r} is empty or too short after cleaning"
        elif not abstract:
            row["reason_code"] = "no-abstract"
            row["reason"] = f"{rec.where()}: record has no abstract"
            no_abstract.append(i)
        elif word_count(abstract) < options.min_abstract_words:
            row["reason_code"] = "abstract-too-short"
            row["reason"] = (
                f"abstract has {word_count(abstract)} words; "
                f"at least {options.min_abstract_words} are needed"
            )
        else:
            valid.append(i)

    dedup_opts = DedupOptions(
        title_threshold=options.title_threshold,
        max_year_gap=options.max_year_gap,
        abstract_threshold=options.abstract_threshold,
    )
    group, links = find_duplicates(
        [cleaned[i]["key"] for i in valid],
        [cleaned[i]["abstract"] for i in valid],
        [cleaned[i]["doi"] for i in valid],
        [cleaned[i]["arxiv_id"] for i in valid],
        [cleaned[i]["year"] for i in valid],
        dedup_opts,
    )
    members: dict[int, list[int]] = {}
    for local, root in enumerate(group.tolist()):
        members.setdefault(valid[root], []).append(valid[local])

    # Records without an abstract join a kept paper they match exactly.
    lookup: dict[tuple[str, str], int] = {}
    for first in members:
        for field in ("doi", "arxiv_id", "key"):
            if cleaned[first][field]:
                lookup.setdefault((field, cleaned[first][field]), first)
    extra: dict[int, list[int]] = {}
    for i in no_abstract:
        for field, rule in (
            ("doi", "exact-doi"),
            ("arxiv_id", "exact-arxiv"),
            ("key", "exact-title"),
        ):
            first = lookup.get((field, cleaned[i][field])) if cleaned[i][field] else None
            if first is not None:
                extra.setdefault(first, []).append(i)
                rows[i].update(
                    status="duplicate", reason_code="duplicate", rule=rule, score=1.0,
                    matched_record=first,
                    reason=f"no abstract here; same {field.replace('_', ' ')} as "
                    f"{records[first].where()}",
                )  # fmt: skip
                break

    out = []
    local_of = {g: k for k, g in enumerate(valid)}
    for first, group_members in members.items():
        everyone = sorted(group_members + extra.get(first, []))
        out.append(
            _merge(first, group_members, everyone, records, cleaned, rows, links, valid, local_of)
        )
    label_names = list(dict.fromkeys(k for r in records for k in (r.meta.get("labels") or {})))
    corpus = pd.DataFrame(out, columns=CORPUS_COLUMNS + label_names)
    corpus["year"] = corpus["year"].astype("Int64")
    ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    ledger["line"] = ledger["line"].astype("int64")
    ledger["matched_record"] = ledger["matched_record"].astype("Int64")
    ledger["score"] = ledger["score"].astype("float64")
    return corpus, ledger


def _merge(
    first: int,
    group_members: list[int],
    everyone: list[int],
    records: Sequence[RawRecord],
    cleaned: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    links: dict[int, Any],
    valid: list[int],
    local_of: dict[int, int],
) -> dict[str, Any]:
    """One corpus row for a group; updates the group's ledger rows."""
    group_members = sorted(group_members)
    metas = [records[j].meta for j in group_members]
    doi = next((cleaned[j]["doi"] for j in group_members if cleaned[j]["doi"]), None)
    arxiv = next((cleaned[j]["arxiv_id"] for j in group_members if cleaned[j]["arxiv_id"]), None)
    doc_id = doc_id_for(doi, arxiv, cleaned[first]["key"])
    for j in group_members:
        rows[j]["doc_id"] = doc_id
        if j == first:
            rows[j].update(status="kept", reason_code="kept", reason="first occurrence")
            continue
        link = links[local_of[j]]
        other = valid[link.other]
        rows[j].update(
            status="duplicate", reason_code="duplicate", rule=link.rule, score=link.score,
            matched_record=other,
            reason=f"{link.rule} (score {link.score:.3f}) with {records[other].where()}",
        )  # fmt: skip
    for j in everyone:
        rows[j]["doc_id"] = doc_id
    sources = [_source_entry(records[j]) for j in everyone]
    row: dict[str, Any] = {
        "doc_id": doc_id,
        "title": cleaned[first]["title"] or _richest([cleaned[j]["title"] for j in group_members]),
        "abstract": _richest([cleaned[j]["abstract"] for j in group_members]),
        "year": next((m.get("year") for m in metas if m.get("year")), None),
        "doi": doi,
        "arxiv_id": arxiv,
        "sources": sources,
        "source_files": list(dict.fromkeys(s["file"] for s in sources)),
        "n_sources": len(sources),
    }
    for f in ("date", "venue", "url"):
        row[f] = next((clean_text(str(m[f])) for m in metas if m.get(f)), None)
    row["authors"] = _richest([[clean_text(a) for a in m.get("authors") or []] for m in metas])
    row["authors"] = row["authors"] or []
    for f in ("keywords", "categories"):
        row[f] = _union([m.get(f) for m in metas])
    for m in metas:
        for name, value in (m.get("labels") or {}).items():
            if row.get(name) is None and value is not None:
                row[name] = value
    return row
