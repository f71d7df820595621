"""Quality measures of a topic model, per topic and overall.

- NPMI coherence of each topic's top-10 class-TF-IDF terms, from document
  co-occurrence over the corpus (Bouma 2009; a pair that never co-occurs scores -1).
- Topic diversity: share of unique terms among the top-25 terms of all topics
  (Dieng et al. 2020).
- Outlier share; silhouette in embedding space (cosine, outliers excluded).
- Stability: mean pairwise adjusted Rand index over partitions from several seeds.
- Agreement with labels, when the corpus has a label column: NMI, AMI, ARI
  (outliers counted as their own cluster).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn import metrics


def npmi_coherence(
    topic_terms: Sequence[Sequence[str]], doc_term: sp.spmatrix, vocabulary: Sequence[str]
) -> list[float]:
    """NPMI of each topic's terms over document co-occurrence.

    Args:
        topic_terms: For each topic, its ranked terms (the top 10 are used).
        doc_term: Binary sparse matrix of shape (n_docs, n_terms).
        vocabulary: Term of each column.

    Returns:
        One score in [-1, 1] per topic (``nan`` when fewer than 2 known terms).
    """
    index = {t: i for i, t in enumerate(vocabulary)}
    x = sp.csc_matrix(doc_term, dtype=np.float64)
    x.data[:] = 1.0
    n_docs = x.shape[0]
    scores = []
    for terms in topic_terms:
        cols = [index[t] for t in list(terms)[:10] if t in index]
        if len(cols) < 2:
            scores.append(float("nan"))
            continue
        sub = x[:, cols]
        df = np.asarray(sub.sum(axis=0)).ravel() / n_docs
        co = (sub.T @ sub).toarray() / n_docs
        vals = []
        for i, j in itertools.combinations(range(len(cols)), 2):
            pij = co[i, j]
            if pij <= 0:
                vals.append(-1.0)
            elif pij >= 1:
                vals.append(1.0)
            else:
                vals.append(float(np.log(pij / (df[i] * df[j])) / -np.log(pij)))
        scores.append(float(np.mean(vals)))
    return scores


def topic_diversity(topic_terms: Sequence[Sequence[str]], top_n: int = 25) -> float:
    """Share of unique terms among the top ``top_n`` of every topic, in [0, 1]."""
    tops = [list(t)[:top_n] for t in topic_terms]
    total = sum(len(t) for t in tops)
    return len({w for t in tops for w in t}) / total if total else float("nan")


def outlier_share(labels: np.ndarray) -> float:
    """Share of documents with topic -1."""
    return float(np.mean(np.asarray(labels) == -1)) if len(labels) else 0.0


def silhouette(embeddings: np.ndarray, labels: np.ndarray, seed: int = 0) -> float:
    """Cosine silhouette of the non-outlier documents (sampled above 5,000 docs)."""
    mask = np.asarray(labels) >= 0
    if len(set(labels[mask].tolist())) < 2:
        return float("nan")
    n = int(mask.sum())
    return float(
        metrics.silhouette_score(
            embeddings[mask],
            labels[mask],
            metric="cosine",
            sample_size=min(n, 5000),
            random_state=seed,
        )
    )


def silhouette_per_topic(embeddings: np.ndarray, labels: np.ndarray) -> dict[int, float]:
    """Mean cosine silhouette of each topic's documents (up to 5,000 docs in all)."""
    mask = np.asarray(labels) >= 0
    if len(set(labels[mask].tolist())) < 2 or mask.sum() > 5000:
        return {}
    values = metrics.silhouette_samples(embeddings[mask], labels[mask], metric="cosine")
    return {
        int(t): float(values[labels[mask] == t].mean()) for t in sorted(set(labels[mask].tolist()))
    }


def pairwise_ari(partitions: Sequence[np.ndarray]) -> dict[str, float]:
    """Mean, min and median adjusted Rand index over all pairs of partitions."""
    scores = [metrics.adjusted_rand_score(a, b) for a, b in itertools.combinations(partitions, 2)]
    if not scores:
        return {"mean": float("nan"), "min": float("nan"), "median": float("nan"), "pairs": 0}
    return {
        "mean": float(np.mean(scores)),
        "min": float(np.min(scores)),
        "median": float(np.median(scores)),
        "pairs": len(scores),
    }


def label_agreement(labels: np.ndarray, truth: Sequence[Any]) -> dict[str, float]:
    """NMI, AMI and ARI of a partition against reference labels.

    Outliers (-1) count as one cluster of their own, so hiding hard documents in
    the outlier class is not rewarded.
    """
    truth = np.asarray([str(t) for t in truth])
    return {
        "nmi": float(metrics.normalized_mutual_info_score(truth, labels)),
        "ami": float(metrics.adjusted_mutual_info_score(truth, labels)),
        "ari": float(metrics.adjusted_rand_score(truth, labels)),
        "n_labels": len(set(truth.tolist())),
    }
