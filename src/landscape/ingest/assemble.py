"""The corpus and ledger tables, built from the stage and the plan one batch at a time.

Rows are built as Arrow arrays straight from the staged batches; only rows of
merged groups and duplicates are patched in Python. The tables have exactly the
schema (and pandas metadata) that a pandas DataFrame of the same rows would give
them, so that reading them back is the same whether an input was small or huge:
the schema is derived from a one- or two-row template frame with the same kinds
of values as the whole table (an all-empty column is a null column, a label
column of integers with gaps is float, as pandas makes them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from landscape.ingest.ledger import DROPPED, DUPLICATE, KEPT, STATUS, Plan
from landscape.ingest.merge import CORPUS_COLUMNS, LEDGER_COLUMNS
from landscape.ingest.staging import Stage
from landscape.io import atomic_path

_LEDGER_STAGED = ["source", "line", "locator", "reason_code", "reason", "raw_title",
                  "raw_abstract", "original", "notes", "doc_id"]  # fmt: skip
_CORPUS_STAGED = ["doc_id", "title", "abstract", "authors", "year", "date", "venue", "doi",
                  "arxiv_id", "url", "keywords", "categories", "source", "line", "locator",
                  "listing_date", "labels"]  # fmt: skip
_ROW_GROUP = 65536
_SAMPLE = {"int": 1, "float": 0.5, "bool": True, "str": "x", "json": "x"}


def _label_kind(kinds: set[str]) -> str | None:
    """One kind for a label column; mixed kinds are written as JSON text."""
    if not kinds:
        return None
    if kinds <= {"int", "float"}:
        return "float" if "float" in kinds else "int"
    return next(iter(kinds)) if len(kinds) == 1 else "json"


@dataclass
class Output:
    """Everything needed to write the corpus and the ledger.

    Attributes:
        stage: The staged records.
        plan: Their fate.
        label_columns: Label name -> corpus column name.
        ledger_filled: Ledger text columns (``raw_title``, ...) with a value somewhere.
    """

    stage: Stage
    plan: Plan
    label_columns: dict[str, str]
    ledger_filled: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        plan = self.plan
        self.label_kind = {
            column: _label_kind(plan.label_kinds.get(column, set()))
            for column in self.label_columns.values()
        }
        self.corpus_schema = self._corpus_schema()
        self.ledger_schema = self._ledger_schema()

    # --- schemas ------------------------------------------------------------------------

    def _ledger_schema(self) -> pa.Schema:
        plan = self.plan
        placed = plan.count(KEPT) + plan.count(DUPLICATE)
        row: dict[str, Any] = {name: "x" for name in LEDGER_COLUMNS}
        row.update(record=0, line=0, score=1.0, matched_record=0)
        if not placed:
            row["doc_id"] = None
        if not plan.duplicates:
            row.update(rule=None)
        for name in ("raw_title", "raw_abstract", "original", "notes"):
            if name not in self.ledger_filled:
                row[name] = None
        rows = [row] if self.stage.n else []
        frame = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
        frame["line"] = frame["line"].astype("int64")
        frame["matched_record"] = frame["matched_record"].astype("Int64")
        frame["score"] = frame["score"].astype("float64")
        return pa.Schema.from_pandas(frame, preserve_index=False)

    def _corpus_schema(self) -> pa.Schema:
        plan = self.plan
        filled = plan.filled
        columns = CORPUS_COLUMNS + list(self.label_columns.values())
        row: dict[str, Any] = {"doc_id": "x", "title": "x", "abstract": "x", "year": 1}
        for name in ("date", "venue", "doi", "arxiv_id", "url"):
            row[name] = "x" if name in filled else None
        for name in ("authors", "keywords", "categories"):
            row[name] = ["x"] if name in filled else []
        listing = "x" if "listing_date" in filled else None
        row["sources"] = [{"file": "x", "line": 1, "locator": "x", "listing_date": listing}]
        row.update(source_files=["x"], n_sources=1, has_abstract=True)
        gap = dict(row)
        # A label is set only where a row has it: a column with no value at all
        # becomes float NaN in pandas, as it always did.
        for column, kind in self.label_kind.items():
            if kind:
                row[column] = _SAMPLE[kind]
                if column not in plan.label_gaps:
                    gap[column] = row[column]
        rows = [row, gap] if plan.label_gaps else [row]
        frame = pd.DataFrame(rows if plan.count(KEPT) else [], columns=columns)
        frame["year"] = frame["year"].astype("Int64")
        return pa.Schema.from_pandas(frame, preserve_index=False)

    # --- batches ------------------------------------------------------------------------

    def ledger_batches(self) -> Iterator[pa.RecordBatch]:
        """The ledger, one batch per staged batch."""
        plan, schema = self.plan, self.ledger_schema
        for start, batch in self.stage.batches(_LEDGER_STAGED):
            n = batch.num_rows
            status = plan.status[start : start + n]
            doc_id = batch.column("doc_id").to_pylist()
            code = batch.column("reason_code").to_pylist()
            reason = batch.column("reason").to_pylist()
            rule: list[str | None] = [None] * n
            score: list[float | None] = [None] * n
            matched: list[int | None] = [None] * n
            for k in np.flatnonzero(status != DROPPED).tolist():
                record = start + k
                if status[k] == KEPT:
                    merged = plan.merged.get(record)
                    doc_id[k] = merged["doc_id"] if merged else doc_id[k]
                    code[k], reason[k] = "kept", "first occurrence"
                    continue
                dup = plan.duplicates[record]
                doc_id[k], code[k], reason[k] = dup.doc_id, "duplicate", dup.reason
                rule[k], score[k], matched[k] = dup.rule, dup.score, dup.matched
            for k in np.flatnonzero(status == DROPPED).tolist():
                doc_id[k] = None
            arrays = {
                "record": pa.array(np.arange(start, start + n, dtype=np.int64)),
                "status": pa.array(np.array(STATUS, dtype=object)[status], pa.string()),
                "doc_id": pa.array(doc_id, pa.string()),
                "reason_code": pa.array(code, pa.string()),
                "reason": pa.array(reason, pa.large_string()),
                "rule": pa.array(rule, pa.string()),
                "score": pa.array(score, pa.float64()),
                "matched_record": pa.array(matched, pa.int64()),
            }
            for name in ("source", "line", "locator", "raw_title", "raw_abstract", "original"):
                arrays[name] = batch.column(name)
            arrays["notes"] = batch.column("notes")
            yield _fit(arrays, schema)

    def corpus_batches(self) -> Iterator[pa.RecordBatch]:
        """The corpus (kept rows in read order), one batch per staged batch with any."""
        plan, schema = self.plan, self.corpus_schema
        for start, batch in self.stage.batches(_CORPUS_STAGED):
            kept = np.flatnonzero(plan.status[start : start + batch.num_rows] == KEPT)
            if not len(kept):
                continue
            part = batch.take(pa.array(kept))
            m = len(kept)
            arrays = {name: part.column(name) for name in CORPUS_COLUMNS[:12]}
            offsets = pa.array(np.arange(m + 1, dtype=np.int32))
            entry = pa.StructArray.from_arrays(
                [part.column(c) for c in ("source", "line", "locator", "listing_date")],
                names=["file", "line", "locator", "listing_date"],
            )
            arrays["sources"] = pa.ListArray.from_arrays(offsets, entry)
            arrays["source_files"] = pa.ListArray.from_arrays(offsets, part.column("source"))
            arrays["n_sources"] = pa.array(np.ones(m, dtype=np.int64))
            # Empty only for a paper kept on its title alone (keep_title_only).
            length = pc.utf8_length(part.column("abstract"))
            arrays["has_abstract"] = pc.fill_null(pc.greater(length, 0), False)
            arrays.update(self._labels(part.column("labels").to_pylist()))
            patches = [
                (k, self._text_labels(plan.merged[start + r]))
                for k, r in enumerate(kept.tolist())
                if start + r in plan.merged
            ]
            yield _fit(arrays, schema, patches)

    def _text_labels(self, row: dict[str, Any]) -> dict[str, Any]:
        """A merged row with the values of mixed-kind label columns as JSON text."""
        out = dict(row)
        for column, kind in self.label_kind.items():
            value = row.get(column)
            if kind == "json" and value is not None and not isinstance(value, str):
                out[column] = json.dumps(value)
        return out

    def _labels(self, texts: list[str | None]) -> dict[str, pa.Array]:
        if not self.label_columns:
            return {}
        values: dict[str, list[Any]] = {c: [None] * len(texts) for c in self.label_kind}
        for k, text in enumerate(texts):
            if text:
                for name, value in json.loads(text).items():
                    values[self.label_columns[name]][k] = value
        return {c: _label_array(values[c], self.label_kind[c]) for c in self.label_kind}

    # --- outputs ------------------------------------------------------------------------

    def write(self, path: str | os.PathLike[str], which: str) -> Path:
        """Atomically write the ``corpus`` or the ``ledger`` as Parquet; return the path."""
        schema = self.corpus_schema if which == "corpus" else self.ledger_schema
        batches = self.corpus_batches() if which == "corpus" else self.ledger_batches()
        with atomic_path(path) as tmp, pq.ParquetWriter(str(tmp), schema) as writer:
            pending: list[pa.RecordBatch] = []
            rows = 0
            for batch in batches:
                pending.append(batch)
                rows += batch.num_rows
                if rows >= _ROW_GROUP:
                    writer.write_table(pa.Table.from_batches(pending, schema))
                    pending, rows = [], 0
            if pending:
                writer.write_table(pa.Table.from_batches(pending, schema))
        return Path(path)

    def frame(self, which: str) -> pd.DataFrame:
        """The ``corpus`` or the ``ledger`` as a DataFrame (lists as Python lists)."""
        schema = self.corpus_schema if which == "corpus" else self.ledger_schema
        batches = self.corpus_batches() if which == "corpus" else self.ledger_batches()
        frame = pa.Table.from_batches(list(batches), schema).to_pandas()
        for f in schema:
            if pa.types.is_list(f.type):
                frame[f.name] = frame[f.name].map(list, na_action="ignore")
        return frame


def _label_array(values: list[Any], kind: str | None) -> pa.Array:
    if kind is None:
        return pa.nulls(len(values))
    if kind == "json":
        text = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
        return pa.array(text, pa.large_string())
    kind_type = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    return pa.array(values, kind_type.get(kind, pa.large_string()))


def _fit(
    arrays: dict[str, pa.Array],
    schema: pa.Schema,
    patches: list[tuple[int, dict[str, Any]]] | None = None,
) -> pa.RecordBatch:
    """Arrays cast to the schema's types, with whole rows replaced by ``patches``."""
    out = []
    for f in schema:
        array = arrays[f.name]
        if patches:
            values = array.to_pylist()
            for k, row in patches:
                values[k] = row.get(f.name)
            array = pa.array(values, f.type if not pa.types.is_null(f.type) else None)
        out.append(_conform(array, f.type))
    return pa.RecordBatch.from_arrays(out, schema=schema)


def _conform(array: pa.Array, kind: pa.DataType) -> pa.Array:
    """``array`` as type ``kind``, down to nested fields (a null type takes any values)."""
    if array.type == kind:
        return array
    if pa.types.is_null(kind):
        return pa.nulls(len(array))
    if array.null_count == 0 and pa.types.is_list(kind) and pa.types.is_list(array.type):
        return pa.ListArray.from_arrays(array.offsets, _conform(array.values, kind.value_type))
    if array.null_count == 0 and pa.types.is_struct(kind) and pa.types.is_struct(array.type):
        fields = [_conform(array.field(f.name), f.type) for f in kind]
        return pa.StructArray.from_arrays(fields, fields=list(kind))
    return array.cast(kind)
