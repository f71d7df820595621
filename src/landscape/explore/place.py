"""Place new papers on a fitted landscape without refitting it.

:func:`place` gives each new paper the topic its ``k`` nearest run papers vote
for (cosine similarity as weights) and a map position, the similarity-weighted
mean of those neighbours' positions. The UMAP map, the topics and their labels
are not refitted: ids stay what they were, and a new paper always lands inside
the convex hull of its neighbours on the map.

A paper "fits no theme" (``novel``) when its cosine similarity to the nearest
topic centroid is below the ``percentile``-th percentile of the same measure
for the run's own topic members, each computed leave-one-out (the paper left out
of its own topic's centroid; see :func:`novelty_threshold`). The threshold
therefore comes from the run: about ``percentile`` % of new papers drawn like
the run's own are flagged by chance, and a paper of an unseen theme falls below
it. Novel papers get topic ``-1`` (the outlier id) and keep their closest theme
in ``nearest_topic``.

:func:`landscape.explore.update.update_run` uses this to add papers to a run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landscape.embed import l2_normalize
from landscape.errors import LandscapeError

#: Columns of the table :func:`place` returns, in order.
PLACE_COLUMNS = (
    "topic", "confidence", "x", "y", "nearest_topic", "similarity", "neighbour_similarity",
    "novel",
)  # fmt: skip


_DTYPES = {c: "float64" for c in PLACE_COLUMNS} | {
    "topic": "int64", "nearest_topic": "int64", "novel": "bool",
}  # fmt: skip


def _nearest(queries: np.ndarray, base: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` rows of ``base`` by dot product, ties by row index (deterministic).

    Returns:
        ``(indices, sims)``: int64 and float32 ndarrays of shape (n_queries, k).
    """
    m, n = queries.shape[0], base.shape[0]
    indices = np.empty((m, k), dtype=np.int64)
    sims = np.empty((m, k), dtype=np.float32)
    block = max(1, min(m, (1 << 24) // max(n, 1)))  # about 64 MB of scores at a time
    for start in range(0, m, block):
        s = queries[start : start + block] @ base.T
        part = np.argpartition(-s, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(s, part, axis=1)
        order = np.lexsort((part, -vals), axis=1)
        indices[start : start + block] = np.take_along_axis(part, order, axis=1)
        sims[start : start + block] = np.take_along_axis(vals, order, axis=1)
    return indices, sims


def _topic_sums(embeddings: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real topic ids (sorted) and the float64 sum of their members' vectors, (T, dim)."""
    ids = np.array(sorted(set(labels.tolist()) - {-1}), dtype=np.int64)
    if not len(ids):
        raise LandscapeError("the run has no topics (only outliers); nothing to place papers in")
    sums = np.stack([embeddings[labels == t].sum(axis=0, dtype=np.float64) for t in ids])
    return ids, sums


def _centroid_sims(vectors: np.ndarray, sums: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(sums, axis=1)
    return (vectors.astype(np.float64) @ sums.T) / np.where(norms == 0, 1.0, norms)


def novelty_threshold(
    run_embeddings: np.ndarray, run_labels: np.ndarray, percentile: float = 5.0
) -> float:
    """The similarity below which a paper fits none of the run's topics.

    For each run paper in a topic, its cosine similarity to the nearest topic
    centroid, its own topic's centroid computed without it (leave-one-out, so a
    paper never counts towards the centroid it is compared with); the threshold
    is the ``percentile``-th percentile of those similarities.

    Args:
        run_embeddings: ndarray of shape (n_run, dim), rows L2-normalised.
        run_labels: int ndarray of shape (n_run,); -1 for outliers (left out).
        percentile: In [0, 100].

    Returns:
        The threshold, a cosine similarity.

    Raises:
        LandscapeError: ``percentile`` outside [0, 100], or a run without topics.
    """
    if not 0 <= percentile <= 100:
        raise LandscapeError(f"novelty percentile must be in [0, 100], got {percentile}")
    x = np.asarray(run_embeddings, dtype=np.float64)
    labels = np.asarray(run_labels, dtype=np.int64)
    ids, sums = _topic_sums(x, labels)
    sims = _centroid_sims(x, sums)
    members = np.flatnonzero(labels != -1)
    own = np.searchsorted(ids, labels[members])
    dot = np.einsum("ij,ij->i", x[members], sums[own])
    sq = np.einsum("ij,ij->i", x[members], x[members])
    rest_sq = np.einsum("ij,ij->i", sums[own], sums[own]) - 2 * dot + sq
    loo = (dot - sq) / np.sqrt(np.where(rest_sq > 1e-12, rest_sq, 1.0))
    # A topic of one paper has no centroid without it: it is compared with the others only.
    sims[members, own] = np.where(rest_sq > 1e-12, loo, -np.inf)
    best = sims[members].max(axis=1)
    best = best[np.isfinite(best)]
    if not len(best):
        raise LandscapeError("the run has too few topic members to calibrate novelty")
    return float(np.percentile(best, percentile))


def place(
    new_embeddings: np.ndarray,
    run_embeddings: np.ndarray,
    run_documents: pd.DataFrame,
    k: int = 15,
    *,
    percentile: float = 5.0,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Place new papers on a fitted landscape by their nearest run papers.

    Each new paper's ``k`` nearest run papers (cosine) vote for their topic with
    their similarity as weight (clipped at 0). ``x, y`` is the similarity-weighted
    mean of the map positions of the neighbours that voted for the winning topic
    (of all ``k`` for a novel paper): the map is not refitted, and the point lies
    within the convex hull of its neighbours. Everything is deterministic.

    Args:
        new_embeddings: ndarray of shape (n_new, dim); L2-normalised here.
        run_embeddings: ndarray of shape (n_run, dim) aligned with ``run_documents``.
        run_documents: The run's ``documents`` table (``topic``, ``x``, ``y``).
        k: Neighbours that vote (at most ``n_run``).
        percentile: Calibrates the novelty threshold (see :func:`novelty_threshold`).
        threshold: A precomputed novelty threshold; computed from the run if ``None``.

    Returns:
        One row per new paper, in order, with columns :data:`PLACE_COLUMNS`:
        ``topic`` (vote winner; -1 when novel), ``confidence`` (the winner's vote
        share in [0, 1]), ``x``, ``y``, ``nearest_topic`` (topic with the most
        similar centroid, kept for novel papers), ``similarity`` (cosine to that
        centroid), ``neighbour_similarity`` (mean cosine to the ``k`` neighbours)
        and ``novel`` (``similarity`` below the threshold).

    Raises:
        LandscapeError: Misaligned shapes, ``k < 1``, or a run without topics.
    """
    new = l2_normalize(np.asarray(new_embeddings, dtype=np.float32))
    run = l2_normalize(np.asarray(run_embeddings, dtype=np.float32))
    if new.ndim != 2 or run.ndim != 2 or (len(new) and new.shape[1] != run.shape[1]):
        raise LandscapeError(f"embeddings of shapes {new.shape} and {run.shape} do not match")
    if len(run) != len(run_documents) or not len(run):
        raise LandscapeError(
            f"{len(run)} run embeddings do not align with {len(run_documents)} run documents"
        )
    if k < 1:
        raise LandscapeError(f"k must be at least 1, got {k}")
    labels = run_documents["topic"].to_numpy(dtype=np.int64)
    xy = run_documents[["x", "y"]].to_numpy(dtype=np.float64)
    if threshold is None:
        threshold = novelty_threshold(run, labels, percentile)
    ids, sums = _topic_sums(run, labels)
    k = min(k, len(run))
    if not len(new):
        return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in PLACE_COLUMNS})

    cent = _centroid_sims(new, sums)
    nearest_topic = ids[cent.argmax(axis=1)]
    similarity = cent.max(axis=1)
    novel = similarity < threshold

    idx, sims = _nearest(new, run, k)
    weights = np.clip(sims.astype(np.float64), 0.0, None)
    # Neighbours all at similarity <= 0 have no preference: each counts the same.
    weights[weights.sum(axis=1) == 0] = 1.0
    # Vote columns: real topics by id, then -1, so that a tie never goes to the outliers.
    choices = np.append(ids, -1)
    neighbour_col = np.where(labels == -1, len(ids), np.searchsorted(ids, labels))[idx]
    votes = np.zeros((len(new), len(choices)))
    np.add.at(votes, (np.arange(len(new))[:, None], neighbour_col), weights)
    winner_col = votes.argmax(axis=1)
    confidence = votes.max(axis=1) / votes.sum(axis=1)

    voted = neighbour_col == winner_col[:, None]
    w = np.where(voted | novel[:, None], weights, 0.0)
    pos = np.einsum("ik,ikd->id", w, xy[idx]) / w.sum(axis=1, keepdims=True)
    return pd.DataFrame(
        {
            "topic": np.where(novel, -1, choices[winner_col]).astype(np.int64),
            "confidence": np.round(confidence, 6),
            "x": pos[:, 0],
            "y": pos[:, 1],
            "nearest_topic": nearest_topic.astype(np.int64),
            "similarity": np.round(similarity, 6),
            "neighbour_similarity": np.round(sims.mean(axis=1).astype(np.float64), 6),
            "novel": novel,
        },
        columns=list(PLACE_COLUMNS),
    )
