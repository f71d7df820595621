"""Nested levels of topics: themes, topics and finer subtopics, stable at every level.

One run has several levels, from level 0 (themes, the broadest) to the finest.
The level the reports call *topics* is the partition at ``[topics] resolution``;
above it there is one level of themes, below it 0, 1 or 2 levels of subtopics
depending on the corpus size (:func:`n_finer_levels`):

==================  =======================================
papers              levels
==================  =======================================
fewer than 3,000    themes, topics
3,000 to 29,999     themes, topics, subtopics
30,000 or more      themes, topics, subtopics, sub-subtopics
==================  =======================================

Nested by construction
    The topics are the consensus Leiden partition of the document graph
    (:func:`landscape.fit.cluster.consensus_leiden`) at ``[topics] resolution``,
    as with one level. Themes group whole topics: Leiden runs on the graph of
    topics (one node per topic, edges summed, each topic's internal weight kept
    as a self-loop, so that modularity there equals modularity on the documents
    for every partition that keeps the topics whole), 40 runs at each of 12
    resolutions from ``resolution / 2`` to ``0.95 * resolution``; topics that
    at least half of these runs put together (average linkage on the share of
    runs) form a theme, at most 30 themes. Many runs over a band of
    resolutions, rather than one resolution, keep a theme from depending on
    where one resolution happens to cut; the choice depends only on the graph
    of topics and the seed.
    Subtopics split each topic on its own: consensus Leiden on the document
    graph with every edge between two topics cut, at ``resolution * 4`` (and
    ``* 16`` for the level below), so every subtopic lies inside one topic.

Outliers
    Topics smaller than ``min_topic_size`` papers are outliers (``-1``) as with
    one level. An outlier is an outlier at every level, and a paper that outlier
    reduction gives a topic gets that topic's theme and, below it, the subtopic
    whose centroid is closest. Subtopics smaller than their level's minimum size
    (``min_topic_size / 2 ** j``, at least 5) are joined to the sibling they are
    most connected to, so the finer levels add no outliers.

Stable
    Every level comes from consensus clustering, so seeds barely move any level
    (with ``[topics] stability_runs``, the ARI of each level over seeds is in
    ``metrics.json``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from landscape.fit import cluster

#: Each finer level multiplies the Leiden resolution by this.
FINER = 4.0
#: Themes: Leiden runs on the graph of topics at resolutions from this share of
#: the topics' resolution to that one (in :data:`THEME_STEPS` geometric steps,
#: :data:`THEME_RUNS` runs each). One resolution, as chosen before, gave either
#: 3 themes of 10k arXiv papers or themes that moved with the seed (ARI 0.8);
#: the band gives 4-5 themes there with ARI 0.84-0.97 over seeds.
THEME_BAND = (0.5, 0.95)
THEME_STEPS = 12
THEME_RUNS = 40
#: Topics join one theme when, on average, at least this share of the runs joined them.
THEME_JOIN = 0.5
#: Subtopics: at most this many base runs per consensus (10 and 20 gave the same
#: ARI over seeds on 10,000 arXiv papers, 0.86; 5 gave 0.84).
SPLIT_RUNS = 10
#: Most themes a run has.
MAX_THEMES = 30
#: Fewer topics than this and the run has no theme level above them.
MIN_TOPICS_FOR_THEMES = 4


@dataclass(frozen=True)
class Levels:
    """A nested partition of the documents.

    Attributes:
        labels: One int64 ndarray of shape (n_docs,) per level, broadest first;
            ids 0..K-1 within the level by decreasing size, -1 for outliers.
        topic_level: Index of the level the reports call topics.
        resolutions: Leiden resolution of each level.
        probability: float64 ndarray of shape (n_docs,): how consistently the
            base runs grouped each paper with its topic (0 for outliers).
        rounds: Consensus rounds of the document-level clustering.
        note: Why the run has fewer levels than asked, or ``""``.
    """

    labels: tuple[np.ndarray, ...]
    topic_level: int
    resolutions: tuple[float, ...]
    probability: np.ndarray
    rounds: int
    note: str = ""

    def parents(self, level: int) -> np.ndarray:
        """Parent id (at ``level - 1``) of each topic of ``level``; all -1 at level 0.

        Returns:
            int64 ndarray of shape (n_topics_at_level,).
        """
        child = self.labels[level]
        k = int(child.max()) + 1 if (child >= 0).any() else 0
        out = np.full(k, -1, dtype=np.int64)
        if level == 0:
            return out
        inside = child >= 0
        out[child[inside]] = self.labels[level - 1][inside]
        return out


def n_finer_levels(n_docs: int) -> int:
    """Levels of subtopics below the topics for a corpus of ``n_docs`` papers."""
    return 0 if n_docs < 3_000 else 1 if n_docs < 30_000 else 2


def membership(labels: np.ndarray, k: int | None = None) -> sp.csr_matrix:
    """Sparse 0/1 matrix of shape (n_docs, k): paper i is in topic ``labels[i]`` (-1 in none).

    Args:
        labels: int ndarray of shape (n_docs,), ids 0..k-1 or -1.
        k: Topics (columns); ``None`` for ``labels.max() + 1``.
    """
    inside = np.flatnonzero(labels >= 0)
    if k is None:
        k = int(labels[inside].max()) + 1 if len(inside) else 0
    return sp.csr_matrix((np.ones(len(inside)), (inside, labels[inside])), shape=(len(labels), k))


def aggregate(graph: sp.csr_matrix, labels: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """The graph of clusters: edge weights summed, internal weight on the diagonal.

    Args:
        graph: Symmetric sparse matrix of shape (n_docs, n_docs).
        labels: int ndarray of shape (n_docs,), ids 0..K-1; -1 rows are left out.

    Returns:
        ``(matrix, sizes)``: symmetric sparse matrix of shape (K, K) and the
        documents in each cluster, int64 ndarray of shape (K,).
    """
    member = membership(labels)
    inside = labels[labels >= 0]
    return sp.csr_matrix(member.T @ graph @ member), np.bincount(inside, minlength=member.shape[1])


def _split(
    graph: sp.csr_matrix,
    parent: np.ndarray,
    resolution: float,
    seed: int,
    consensus: dict,
) -> np.ndarray:
    """Split every cluster of ``parent`` on its own: consensus Leiden inside it.

    Edges between clusters are cut, so no community can span two clusters; the
    graph is clustered as a whole, so a resolution means here what it means on
    the full document graph.

    Returns:
        int64 ndarray of shape (n_docs,), -1 where ``parent`` is -1.
    """
    inside = parent >= 0
    coo = graph.tocoo()
    keep = inside[coo.row] & inside[coo.col] & (parent[coo.row] == parent[coo.col])
    within = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=graph.shape)
    part = cluster.consensus_leiden(
        within, seed=seed, resolution=resolution, min_topic_size=1, **consensus
    )
    return np.where(inside, part.labels, -1)


def _join_small(graph: sp.csr_matrix, labels: np.ndarray, parent: np.ndarray, min_size: int):
    """Join clusters under ``min_size`` papers to their most connected sibling.

    Args:
        graph: Symmetric sparse matrix of shape (n_docs, n_docs).
        labels: int ndarray of shape (n_docs,), -1 for outliers.
        parent: int ndarray of shape (n_docs,), the level above (same outliers).
        min_size: Smallest cluster kept on its own.

    Returns:
        New labels, renumbered 0..K-1 by decreasing size.
    """
    labels = cluster.canonical(labels, 1)
    while True:
        matrix, sizes = aggregate(graph, labels)
        k = len(sizes)
        small = np.flatnonzero(sizes < min_size)
        if not len(small):
            return labels
        inside = labels >= 0
        parent_of = np.full(k, -1, dtype=np.int64)
        parent_of[labels[inside]] = parent[inside]
        matrix = matrix.tolil()
        target = np.arange(k)
        moved = False
        # Smallest first; each joins a sibling (same parent), never a cluster that
        # itself moves in this pass, so one pass never chains moves.
        for c in small[np.lexsort((small, sizes[small]))]:
            siblings = np.flatnonzero((parent_of == parent_of[c]) & (target == np.arange(k)))
            siblings = siblings[siblings != c]
            if not len(siblings):
                continue
            row = matrix[c].toarray().ravel()[siblings]
            best = siblings[np.lexsort((-sizes[siblings], -row))[0]]
            target[c] = best
            moved = True
        if not moved:
            return labels
        labels = cluster.canonical(np.where(inside, target[np.maximum(labels, 0)], -1), 1)


def build_levels(
    graph: sp.csr_matrix,
    seed: int,
    resolution: float,
    min_topic_size: int,
    finer: int,
    n_runs: int = 10,
    threshold: float = 0.2,
) -> Levels:
    """Cluster the document graph into nested levels (see the module docstring).

    Args:
        graph: Symmetric sparse matrix of shape (n_docs, n_docs) (the fuzzy kNN graph).
        seed: Base seed of every consensus clustering.
        resolution: Leiden resolution of the topics level.
        min_topic_size: Smallest topic; smaller ones are outliers.
        finer: Levels of subtopics below the topics (:func:`n_finer_levels`).
        n_runs: Leiden runs per consensus step.
        threshold: Consensus edge threshold.

    Returns:
        A :class:`Levels`.
    """
    consensus = {"n_runs": n_runs, "threshold": threshold}
    base = cluster.consensus_leiden(
        graph, seed=seed, resolution=resolution, min_topic_size=min_topic_size, **consensus
    )
    topics = base.labels
    fine_res = [resolution * FINER**j for j in range(1, finer + 1)]
    below: list[np.ndarray] = []
    upper = topics
    for j, res in enumerate(fine_res, start=1):
        labels = _split(graph, upper, res, seed, {**consensus, "n_runs": min(n_runs, SPLIT_RUNS)})
        labels = _join_small(graph, labels, upper, max(5, min_topic_size // 2**j))
        below.append(labels)
        upper = labels
    levels = [topics, *below]
    resolutions = [resolution, *fine_res]
    note, topic_level = "", 0
    n_topics = int(topics.max()) + 1 if (topics >= 0).any() else 0
    if n_topics >= MIN_TOPICS_FOR_THEMES:
        themes, theme_res = _themes(graph, topics, resolution, seed)
        if themes is not None:
            levels.insert(0, themes)
            resolutions.insert(0, theme_res)
            topic_level = 1
        else:
            note = f"no grouping of the {n_topics} topics into fewer themes was found"
    else:
        note = (
            f"{n_topics} topic{'' if n_topics == 1 else 's'} "
            f"{'is' if n_topics == 1 else 'are'} too few to group into themes "
            f"(at least {MIN_TOPICS_FOR_THEMES} are needed)"
        )
    return Levels(
        tuple(levels), topic_level, tuple(resolutions), base.probability, base.n_iterations, note
    )


def _themes(
    graph: sp.csr_matrix, topics: np.ndarray, resolution: float, seed: int
) -> tuple[np.ndarray | None, float]:
    """Themes: topics that most Leiden runs over :data:`THEME_BAND` put together.

    Returns:
        ``(labels, resolution)``: document labels (-1 kept), ids by decreasing
        size, and the band's middle resolution (geometric mean); ``(None, 0.0)``
        when the topics do not group into fewer themes.
    """
    matrix, sizes = aggregate(graph, topics)
    n_topics = len(sizes)
    band = resolution * np.geomspace(*THEME_BAND, THEME_STEPS)
    together = cluster.co_association(matrix, band, THEME_RUNS, seed)
    # Average linkage on "runs that split them": a cut at 1 - THEME_JOIN keeps
    # groups whose members were, on average, together in most runs.
    tree = linkage(squareform(1.0 - together, checks=False), method="average")
    part = fcluster(tree, 1.0 - THEME_JOIN, criterion="distance") - 1
    if part.max() + 1 > MAX_THEMES:
        part = fcluster(tree, MAX_THEMES, criterion="maxclust") - 1
    k = int(part.max()) + 1
    if not 2 <= k < n_topics:
        return None, 0.0
    themes = np.full(topics.shape, -1, dtype=np.int64)
    inside = topics >= 0
    themes[inside] = part[topics[inside]]
    return cluster.canonical(themes, 1), round(float(np.exp(np.log(band).mean())), 6)


def with_topics(levels: Levels, topics: np.ndarray, embeddings: np.ndarray) -> Levels:
    """The levels after papers changed topic (outlier reduction), still nested.

    A paper given a topic takes that topic's ancestors, and at each finer level
    the child of its cluster there whose centroid is closest (cosine).

    Args:
        levels: The levels before.
        topics: int ndarray of shape (n_docs,), the new topics level; papers
            that were outliers may have a topic now, no other paper changed.
        embeddings: ndarray of shape (n_docs, dim), rows L2-normalised.

    Returns:
        A new :class:`Levels`; ``levels`` is not modified.
    """
    t = levels.topic_level
    old = levels.labels[t]
    moved = np.flatnonzero((old < 0) & (topics >= 0))
    out = [np.array(labels) for labels in levels.labels]
    out[t] = np.asarray(topics, dtype=np.int64).copy()
    for k in range(t - 1, -1, -1):
        parents = levels.parents(k + 1)
        out[k][moved] = parents[out[k + 1][moved]]
    for k in range(t + 1, len(out)):
        parents = levels.parents(k)
        kept = out[k] >= 0
        centroids = np.zeros((len(parents), embeddings.shape[1]))
        np.add.at(centroids, out[k][kept], embeddings[kept])
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        for i in moved:
            children = np.flatnonzero(parents == out[k - 1][i])
            out[k][i] = children[np.argmax(centroids[children] @ embeddings[i])]
    return Levels(tuple(out), t, levels.resolutions, levels.probability, levels.rounds, levels.note)
