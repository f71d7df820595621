"""Topic ids across refits: which topics of a new fit the old topics became.

A refit may renumber, split or merge topics. :func:`topic_id_mapping` pairs old
and new topic ids by the papers they share (Hungarian assignment on Jaccard
overlap) and names what happened to each old topic; :func:`write_topic_mapping`
writes the table as ``topic_mapping.parquet`` (``landscape fit --previous RUN``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from landscape.errors import LandscapeError
from landscape.io import write_parquet
from landscape.runs import read_documents

#: Columns of the table :func:`topic_id_mapping` returns, in order.
MAPPING_COLUMNS = (
    "old_topic", "new_topic", "old_size", "new_size", "overlap", "jaccard", "destinations",
    "merged_with", "status",
)  # fmt: skip


def topic_id_mapping(
    old_documents: pd.DataFrame, new_documents: pd.DataFrame, share: float = 0.2
) -> pd.DataFrame:
    """Map the topic ids of an old fit to those of a refit, by the papers they share.

    Only papers in both tables count. Old and new topics (outliers, -1, left
    out) are paired one-to-one by the Hungarian assignment maximising the total
    Jaccard overlap of their paper sets. An old topic's ``destinations`` are the
    new topics that received at least ``share`` of its papers: two or more is a
    split; a destination shared with another old topic is a merge.

    Args:
        old_documents: ``doc_id``, ``topic`` of the old run.
        new_documents: ``doc_id``, ``topic`` of the refit.
        share: Smallest share of an old topic's papers that makes a destination.

    Returns:
        One row per old topic, then one per unmatched new topic, with columns
        :data:`MAPPING_COLUMNS`: ``old_topic`` and ``new_topic`` (nullable Int64;
        ``new_topic`` is NA when nothing matched), ``old_size`` / ``new_size``
        (shared papers in each), ``overlap``, ``jaccard``, ``destinations`` and
        ``merged_with`` (lists of topic ids) and ``status``: ``kept``, ``split``,
        ``merged``, ``split+merged``, ``dissolved`` or ``new``.

    Raises:
        LandscapeError: ``share`` outside (0, 1], or no paper in common.
    """
    from scipy.optimize import linear_sum_assignment

    if not 0 < share <= 1:
        raise LandscapeError(f"share must be in (0, 1], got {share}")
    both = pd.merge(
        old_documents[["doc_id", "topic"]].astype({"doc_id": str}),
        new_documents[["doc_id", "topic"]].astype({"doc_id": str}),
        on="doc_id",
        suffixes=("_old", "_new"),
    )
    if both.empty:
        raise LandscapeError("the two runs share no paper; topic ids cannot be mapped")
    old_ids = sorted(set(both["topic_old"].tolist()) - {-1})
    new_ids = sorted(set(both["topic_new"].tolist()) - {-1})
    old_size = both["topic_old"].value_counts().reindex(old_ids).to_numpy()
    new_size = both["topic_new"].value_counts().reindex(new_ids).to_numpy()
    counts = (
        pd.crosstab(both["topic_old"], both["topic_new"])
        .reindex(index=old_ids, columns=new_ids, fill_value=0)
        .to_numpy()
    )
    union = old_size[:, None] + new_size[None, :] - counts
    jaccard = counts / np.where(union == 0, 1, union)
    match: dict[int, int] = {}
    if old_ids and new_ids:
        rows, cols = linear_sum_assignment(jaccard, maximize=True)
        match = {int(r): int(c) for r, c in zip(rows, cols, strict=True) if counts[r, c] > 0}

    dest = [
        [
            int(j)
            for j in np.argsort(-counts[i], kind="stable")
            if counts[i, j] >= share * old_size[i]
        ]
        for i in range(len(old_ids))
    ]
    sources: dict[int, list[int]] = {}
    for i, js in enumerate(dest):
        for j in js:
            sources.setdefault(j, []).append(i)
    records = []
    for i, t in enumerate(old_ids):
        j = match.get(i)
        partners = sorted({old_ids[o] for d in dest[i] for o in sources[d]} - {t})
        split, merged = len(dest[i]) >= 2, bool(partners)
        status = "+".join(s for s, on in (("split", split), ("merged", merged)) if on)
        records.append(
            {
                "old_topic": t,
                "new_topic": None if j is None else new_ids[j],
                "old_size": int(old_size[i]),
                "new_size": 0 if j is None else int(new_size[j]),
                "overlap": 0 if j is None else int(counts[i, j]),
                "jaccard": 0.0 if j is None else round(float(jaccard[i, j]), 6),
                "destinations": [new_ids[d] for d in dest[i]],
                "merged_with": partners,
                "status": status or ("dissolved" if j is None else "kept"),
            }
        )
    matched_new = set(match.values())
    for j, t in enumerate(new_ids):
        if j not in matched_new:
            records.append(
                {
                    "old_topic": None, "new_topic": t, "old_size": 0,
                    "new_size": int(new_size[j]), "overlap": 0, "jaccard": 0.0,
                    "destinations": [], "merged_with": [], "status": "new",
                }
            )  # fmt: skip
    table = pd.DataFrame(records, columns=list(MAPPING_COLUMNS))
    return table.astype({"old_topic": "Int64", "new_topic": "Int64"})


def write_topic_mapping(
    previous_run: str | os.PathLike[str],
    new_documents: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    share: float = 0.2,
) -> Path:
    """Write ``out_dir/topic_mapping.parquet``: old topic ids of ``previous_run`` to new ones.

    For ``landscape fit --previous RUN``; the caller holds the lock on ``out_dir``.

    Args:
        previous_run: The run folder of the earlier fit (only read).
        new_documents: The refit's documents table.
        out_dir: The refit's run folder.
        share: See :func:`topic_id_mapping`.

    Returns:
        The path written.

    Raises:
        LandscapeError: ``previous_run`` is not a complete run, or shares no paper.
    """
    mapping = topic_id_mapping(read_documents(previous_run), new_documents, share)
    return write_parquet(Path(out_dir) / "topic_mapping.parquet", mapping)
