"""Semantic search over a fitted run: the papers nearest to a free-text query.

:func:`search` embeds the query with the run's own model and precision (read
from ``provenance.json``) and ranks the run's documents by cosine similarity.
The run is read by :func:`landscape.runs.load_run`; document vectors come from
the embedding cache through :meth:`landscape.runs.Run.embeddings`, so searching
a run that was just fitted embeds only the query. The query itself is never written to the cache.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from landscape.embed import encode
from landscape.errors import LandscapeError
from landscape.runs import load_run

#: Columns of the table :func:`search` returns, in order.
COLUMNS = ("rank", "doc_id", "title", "topic", "topic_label", "score")


def nearest(query_vector: np.ndarray, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``k`` rows of ``vectors`` most cosine-similar to ``query_vector``.

    Rows and query are L2-normalised here (a zero vector scores 0 against
    everything), and similarities are computed in float64. The order is by
    score, descending; equal scores keep row order, so the result is
    deterministic.

    Args:
        query_vector: ndarray of shape (dim,).
        vectors: ndarray of shape (n, dim).
        k: How many to return (at least 1); fewer when ``n < k``.

    Returns:
        ``(indices, scores)``: int64 ndarray of shape (min(k, n),) of row
        indices into ``vectors``, and float64 ndarray of the same shape of
        cosine similarities in [-1, 1], descending.

    Raises:
        ValueError: ``k < 1`` or shapes that do not match.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    q = np.asarray(query_vector, dtype=np.float64)
    m = np.asarray(vectors, dtype=np.float64)
    if q.ndim != 1 or m.ndim != 2 or m.shape[1] != q.shape[0]:
        raise ValueError(f"query of shape {q.shape} does not match vectors of shape {m.shape}")
    q_norm = np.linalg.norm(q)
    q = q / q_norm if q_norm > 0 else q
    norms = np.linalg.norm(m, axis=1)
    scores = (m @ q) / np.where(norms == 0, 1.0, norms)
    scores = np.clip(scores, -1.0, 1.0)
    order = np.argsort(-scores, kind="stable")[:k].astype(np.int64)
    return order, scores[order]


def search(
    query: str,
    k: int = 10,
    *,
    run: str | os.PathLike[str] = "runs/default",
    corpus_path: str | os.PathLike[str] = "data/processed/corpus.parquet",
    cache_dir: str | os.PathLike[str] | None = "data/interim/embeddings",
) -> pd.DataFrame:
    """Find the ``k`` papers of a run nearest in meaning to a query.

    Args:
        query: Free text, e.g. ``"dark matter in dwarf galaxies"``.
        k: How many papers to return (at least 1); all of them when the run
            has fewer.
        run: A run folder written by :func:`landscape.runs.write_run`.
        corpus_path: The corpus the run was fitted on (titles and abstracts).
        cache_dir: Embedding cache root, or ``None`` to embed the corpus afresh.

    Returns:
        A DataFrame of ``min(k, n_docs)`` rows with columns ``rank`` (1-based),
        ``doc_id``, ``title``, ``topic``, ``topic_label`` and ``score`` (cosine
        similarity, descending; ties in the run's document order).

    Raises:
        LandscapeError: An empty query, ``k < 1``, a folder that is not a
            complete run, a missing corpus or one lacking documents of the run,
            or a model that cannot be loaded.
    """
    if not isinstance(query, str) or not query.strip():
        raise LandscapeError("search query is empty; give some words to search for")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise LandscapeError(f"number of results k must be a whole number >= 1, got {k!r}")
    art = load_run(run, corpus_path)
    docs = art.documents.reset_index(drop=True)
    vectors = art.embeddings(cache_dir)
    model, precision, backend = art.embedding
    query_vector = encode([query.strip()], model, precision=precision, backend=backend)[0]

    idx, scores = nearest(query_vector, vectors, int(k))
    picked = docs.iloc[idx]
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(idx) + 1, dtype=np.int64),
            "doc_id": picked["doc_id"].astype(str).to_numpy(),
            "title": art.corpus["title"].iloc[idx].fillna("").astype(str).to_numpy(),
            "topic": picked["topic"].astype(np.int64).to_numpy(),
            "topic_label": picked["topic_label"].astype(str).to_numpy(),
            "score": scores,
        },
        columns=list(COLUMNS),
    )
