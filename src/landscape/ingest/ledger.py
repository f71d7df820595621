"""What became of every record: kept, duplicate (of which paper, by which rule) or dropped.

After every record is staged, :func:`plan` settles each one's fate from the dedup
groups: the first record of a group is ``kept``, the others are ``duplicate``, a
record without an abstract that matches a kept paper by DOI, arXiv id or title
joins it as a ``duplicate`` too, and the rest stay ``dropped`` with the reason
they were given when staged. Only groups of more than one record need their
records read back from the stage (to merge them); the plan stores their merged
corpus rows and the ledger fields of duplicates, and one status byte a record.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from landscape.ingest.dedup import DedupIndex
from landscape.ingest.merge import label_kind, merge_group
from landscape.ingest.staging import Stage

KEPT, DUPLICATE, DROPPED = 0, 1, 2
STATUS = ("kept", "duplicate", "dropped")
_MERGE_COLUMNS = [
    "source", "line", "locator", "listing_date", "title", "abstract", "key", "doi", "arxiv_id",
    "year", "date", "venue", "url", "authors", "keywords", "categories", "labels", "doc_id",
]  # fmt: skip
_JOIN_RULES = (("doi", "exact-doi"), ("arxiv_id", "exact-arxiv"), ("key", "exact-title"))


@dataclass(frozen=True)
class Duplicate:
    """Ledger fields of a record merged into a kept paper."""

    doc_id: str
    rule: str
    score: float
    matched: int
    reason: str


@dataclass
class Plan:
    """The fate of every record, and the corpus rows of merged groups.

    Attributes:
        status: One of :data:`KEPT`, :data:`DUPLICATE`, :data:`DROPPED` per record.
        duplicates: Ledger fields of each duplicate, by record index.
        merged: Corpus row of each group of more than one record, by the index of
            its kept record.
        dropped_by_reason: Dropped records by reason code.
        filled: Corpus columns that hold a value in some kept row.
        label_kinds: Kinds of the values of each label column among kept rows.
        label_gaps: Label columns missing from some kept row.
        title_only: Kept papers without an abstract (``keep_title_only``).
    """

    status: np.ndarray
    duplicates: dict[int, Duplicate] = field(default_factory=dict)
    merged: dict[int, dict[str, Any]] = field(default_factory=dict)
    dropped_by_reason: dict[str, int] = field(default_factory=dict)
    filled: set[str] = field(default_factory=set)
    label_kinds: dict[str, set[str]] = field(default_factory=dict)
    label_gaps: set[str] = field(default_factory=set)
    title_only: int = 0

    def count(self, status: int) -> int:
        """How many records have ``status``."""
        return int(np.count_nonzero(self.status == status))


def _where(row: dict[str, Any]) -> str:
    return f"{row['source']}:{row['locator']}"


def _joins(
    joinable: list[tuple[int, str | None, str | None, str]],
    roots: np.ndarray,
    index: DedupIndex,
    root_locals: np.ndarray,
) -> list[tuple[int, int, str, str]]:
    """``(record, root, field, rule)`` for each record without an abstract that joins a root.

    A record joins the first kept paper (in read order) with the same DOI, else
    arXiv id, else title key.
    """
    if not joinable or not len(roots):
        return []
    values = {
        "doi": index.column("doi", root_locals),
        "arxiv_id": index.column("arxiv_id", root_locals),
        "key": index.column("key", root_locals),
    }
    found = {}
    for k, (name, _) in enumerate(_JOIN_RULES):
        wanted = pa.array([j[k + 1] or None for j in joinable], pa.large_string())
        found[name] = pc.index_in(wanted, value_set=values[name], skip_nulls=True).to_pylist()
    out = []
    for n, (record, *_rest) in enumerate(joinable):
        for name, rule in _JOIN_RULES:
            hit = found[name][n]
            if hit is not None:
                out.append((record, int(roots[hit]), name, rule))
                break
    return out


def plan(
    stage: Stage,
    index: DedupIndex,
    valid: np.ndarray,
    codes: np.ndarray,
    code_names: list[str],
    joinable: list[tuple[int, str | None, str | None, str]],
    label_columns: dict[str, str],
    label_shapes: list[tuple[tuple[str, str], ...]],
    title_only: np.ndarray | None = None,
) -> Plan:
    """Decide the fate of every staged record.

    Args:
        stage: The staged records.
        index: Dedup index holding the valid records, in order.
        valid: Record index of each valid record (the index's order).
        codes: Per record, the number of its drop reason in ``code_names`` (-1: valid).
        code_names: Drop reason codes.
        joinable: ``(record, doi, arxiv_id, key)`` of records without an abstract.
        label_columns: Label name -> corpus column name.
        label_shapes: The label shapes, by number (see :class:`landscape.ingest.merge.Labels`).
        title_only: Record index of each valid record without an abstract.

    Returns:
        The plan.
    """

    def abstracts(local: np.ndarray) -> list[str]:
        return stage.take(valid[local], ["abstract"]).column(0).to_pylist()

    def signatures(local: np.ndarray) -> np.ndarray:
        # Filled chunk by chunk: one copy of the (records x permutations) array.
        out = np.empty((len(local), index.options.num_perm), dtype=np.uint32)
        at = 0
        for chunk in stage.take(valid[local], ["title_sig"]).column(0).chunks:
            rows = chunk.flatten().to_numpy(zero_copy_only=False).reshape(len(chunk), -1)
            out[at : at + len(chunk)] = rows
            at += len(chunk)
        return out

    group, links = index.resolve(abstracts, signatures)
    status = np.full(stage.n, DROPPED, dtype=np.int8)
    status[valid] = DUPLICATE
    root_locals = np.flatnonzero(group == np.arange(len(group)))
    roots = valid[root_locals]
    status[roots] = KEPT
    members: dict[int, list[int]] = {}
    for local in np.flatnonzero(group != np.arange(len(group))).tolist():
        members.setdefault(int(valid[group[local]]), []).append(int(valid[local]))
    extras: dict[int, list[int]] = {}
    joins = _joins(joinable, roots, index, root_locals)
    for record, root, _, _ in joins:
        extras.setdefault(root, []).append(record)
        status[record] = DUPLICATE
    matched = {int(valid[link.other]) for link in links.values()}
    need = set(members) | set(extras) | matched
    need.update(r for rs in members.values() for r in rs)
    need.update(r for rs in extras.values() for r in rs)
    rows = _fetch(stage, need)

    result = Plan(status)
    doc_of: dict[int, str] = {}
    for root in sorted(set(members) | set(extras)):
        group_members = [root, *members.get(root, [])]
        everyone = sorted(group_members + extras.get(root, []))
        merged = merge_group(
            [rows[r] for r in group_members], [rows[r] for r in everyone], label_columns
        )
        result.merged[root] = merged
        doc_of[root] = merged["doc_id"]
    for local, link in links.items():
        record, other = int(valid[local]), int(valid[link.other])
        root = int(valid[group[local]])
        reason = f"{link.rule} (score {link.score:.3f}) with {_where(rows[other])}"
        result.duplicates[record] = Duplicate(doc_of[root], link.rule, link.score, other, reason)
    for record, root, name, rule in joins:
        what = name.replace("_", " ")
        reason = f"no abstract here; same {what} as {_where(rows[root])}"
        result.duplicates[record] = Duplicate(doc_of[root], rule, 1.0, root, reason)
    if title_only is not None and len(title_only):
        # A paper merged with a record that has an abstract has one.
        kept = title_only[status[title_only] == KEPT].tolist()
        result.title_only = sum(
            1 for r in kept if r not in result.merged or not result.merged[r]["abstract"]
        )
    dropped = Counter(code_names[c] for c in codes[status == DROPPED].tolist())
    result.dropped_by_reason = dict(sorted(dropped.items()))
    _corpus_stats(result, stage, label_columns, label_shapes)
    return result


def _fetch(stage: Stage, need: set[int]) -> dict[int, dict[str, Any]]:
    if not need:
        return {}
    indices = np.array(sorted(need), dtype=np.int64)
    table = stage.take(indices, _MERGE_COLUMNS)
    return dict(zip(indices.tolist(), table.to_pylist(), strict=True))


_SCALARS = ("year", "date", "venue", "doi", "arxiv_id", "url")
_LISTS = ("authors", "keywords", "categories")


def _corpus_stats(
    result: Plan,
    stage: Stage,
    label_columns: dict[str, str],
    label_shapes: list[tuple[tuple[str, str], ...]],
) -> None:
    """Which corpus columns hold values in kept rows (the corpus schema depends on it)."""
    filled = result.filled
    shapes: set[int] = set()
    columns = [*_SCALARS, *_LISTS, "listing_date", "label_shape"]
    for start, batch in stage.batches(columns):
        kept = result.status[start : start + batch.num_rows] == KEPT
        if not kept.any():
            continue
        part = batch.filter(pa.array(kept))
        for name in _SCALARS:
            if part.column(name).null_count < part.num_rows:
                filled.add(name)
        for name in _LISTS:
            if pc.sum(pc.list_value_length(part.column(name))).as_py():
                filled.add(name)
        if part.column("listing_date").null_count < part.num_rows:
            filled.add("listing_date")
        shape = part.column("label_shape")
        if shape.null_count:
            shapes.add(-1)
        shapes.update(x for x in np.unique(shape.drop_null().to_numpy()).tolist())
    kinds: dict[str, set[str]] = {column: set() for column in label_columns.values()}
    for number in shapes:
        present = dict(label_shapes[number]) if number >= 0 else {}
        for name, column in label_columns.items():
            kind = present.get(name, "none")
            kinds[column].add(kind)
    for row in result.merged.values():
        for name in _SCALARS:
            if row.get(name) is not None:
                filled.add(name)
        for name in _LISTS:
            if row.get(name):
                filled.add(name)
        if any(s["listing_date"] is not None for s in row["sources"]):
            filled.add("listing_date")
        for column in label_columns.values():
            kinds[column].add(label_kind(row.get(column)))
    result.label_gaps = {c for c, k in kinds.items() if "none" in k}
    result.label_kinds = {c: k - {"none"} for c, k in kinds.items()}
