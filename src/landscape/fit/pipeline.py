"""Fit a landscape: embeddings -> kNN graph -> stable topics -> representations -> 2-D map.

:func:`fit` takes a corpus table and returns a :class:`FitResult` (new objects,
nothing mutated); :func:`landscape.runs.write_run` writes it into a run folder:

- ``documents.parquet``: doc_id, topic, topic_label, probability, x, y,
  level_0, level_1, ... (the paper's topic id at each level)
- ``topics.parquet``: one row per topic at every level (:mod:`landscape.fit.tree`):
  topic, level, parent, label, name, size, terms, ctfidf_terms,
  representative_doc_ids, representative_titles, name_coverage, name_distinctiveness
- ``hierarchy.parquet``: the tree of levels (topic, level, parent, label, size)
- ``metrics.json``: quality, stability, stage timings
- ``provenance.json``: versions, corpus hash, model, seed, resolved config
- ``model/``: the BERTopic model, safetensors serialization (never pickle)
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landscape.config import Config, TopicsConfig
from landscape.embed import corpus_texts, l2_normalize, resolve_embedding
from landscape.errors import ConfigError, CorpusTooSmallError, LandscapeError
from landscape.fit import cluster, hierarchy, quality
from landscape.fit.background import start_layout
from landscape.fit.knn import Knn, knn_graph
from landscape.fit.layout import fuzzy_graph
from landscape.fit.naming import MIN_COVERAGE, name_levels
from landscape.fit.phrases import phrase_index
from landscape.fit.topics import build_topics, tokenize_for_coherence
from landscape.fit.tree import level_columns, tree_tables

#: Fewer documents than this cannot make a map worth drawing.
MIN_DOCS = 20
METHODS = ("consensus-leiden", "hdbscan")
_VERSIONED = (
    "landscape",
    "bertopic",
    "sentence-transformers",
    "umap-learn",
    "hdbscan",
    "leidenalg",
    "igraph",
    "scikit-learn",
    "numpy",
    "pandas",
    "torch",
)


@dataclass(frozen=True)
class FitResult:
    """Everything a fit produced.

    Attributes:
        documents: One row per document: doc_id, topic, topic_label, probability,
            x, y, and ``level_0``, ``level_1``, ...
        topics: One row per topic of the topics level (the rows of ``levels``
            at ``level == metrics["levels"]["topic_level"]``).
        hierarchy: The tree: topic, level, parent, label, size for every topic.
        metrics: Quality measures and timings (``metrics.json``).
        provenance: Versions, hashes and settings (``provenance.json``).
        embeddings: float32 ndarray of shape (n_docs, dim).
        model: The fitted BERTopic model.
    """

    documents: pd.DataFrame
    topics: pd.DataFrame
    hierarchy: pd.DataFrame
    metrics: dict[str, Any]
    provenance: dict[str, Any]
    embeddings: np.ndarray
    model: Any
    levels: pd.DataFrame | None = None

    @property
    def all_topics(self) -> pd.DataFrame:
        """One row per topic at every level (``topics.parquet``)."""
        return self.topics if self.levels is None else self.levels


class _Timer:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = round(time.perf_counter() - t0, 3)


def corpus_hash(corpus: pd.DataFrame) -> str:
    """SHA-256 over doc ids, titles and abstracts in row order (independent of file bytes)."""
    h = hashlib.sha256()
    for row in corpus[["doc_id", "title", "abstract"]].itertuples(index=False):
        for value in row:
            h.update(str(value).encode("utf-8"))
            h.update(b"\x00")
    return h.hexdigest()


def _check(corpus: pd.DataFrame, cfg: TopicsConfig) -> None:
    missing = {"doc_id", "title", "abstract"} - set(corpus.columns)
    if missing:
        raise LandscapeError(
            f"corpus lacks columns {sorted(missing)}; run `landscape ingest` first"
        )
    if cfg.method not in METHODS:
        raise ConfigError(f"[topics] method must be one of {METHODS}, got {cfg.method!r}")
    if cfg.levels not in (0, 2, 3, 4):
        raise ConfigError(f"[topics] levels must be 0 (automatic), 2, 3 or 4, got {cfg.levels!r}")
    if len(corpus) < MIN_DOCS:
        raise CorpusTooSmallError(
            f"corpus has {len(corpus)} documents; a topic map needs at least {MIN_DOCS}"
        )


def neighbours(embeddings: np.ndarray, cfg: TopicsConfig, seed: int) -> Knn:
    """The cosine kNN graph that clustering and the map share (k = ``cfg.n_neighbors``)."""
    n = embeddings.shape[0]
    return knn_graph(embeddings, k=min(cfg.n_neighbors, n - 1), seed=seed)


def cluster_embeddings(
    embeddings: np.ndarray, cfg: TopicsConfig, seed: int, knn: Knn | None = None
) -> tuple[cluster.Clustering, Knn]:
    """Partition documents with the configured method.

    Args:
        embeddings: float32 ndarray of shape (n_docs, dim), rows L2-normalised.
        cfg: Topic settings.
        seed: Seed of this partition.
        knn: The graph from :func:`neighbours`, computed when ``None``.

    Returns:
        ``(clustering, knn)``.
    """
    n = embeddings.shape[0]
    min_size = cfg.min_topic_size or cluster.auto_min_topic_size(n)
    knn = knn if knn is not None else neighbours(embeddings, cfg, seed)
    if cfg.method == "hdbscan":
        return cluster.umap_hdbscan(knn, seed, min_size), knn
    graph = fuzzy_graph(knn, seed)
    result = cluster.consensus_leiden(
        graph,
        seed=seed,
        resolution=cfg.resolution,
        n_runs=cfg.consensus_runs or cluster.auto_consensus_runs(n),
        threshold=cfg.consensus_threshold,
        min_topic_size=min_size,
    )
    return result, knn


def cluster_levels(
    embeddings: np.ndarray, cfg: TopicsConfig, seed: int, knn: Knn | None = None
) -> tuple[hierarchy.Levels, Knn]:
    """Nested levels of topics (:mod:`landscape.fit.hierarchy`) with the configured method.

    ``method = "hdbscan"`` gives one level (UMAP + HDBSCAN has no nested levels).

    Returns:
        ``(levels, knn)``.
    """
    n = embeddings.shape[0]
    knn = knn if knn is not None else neighbours(embeddings, cfg, seed)
    if cfg.method == "hdbscan":
        flat, _ = cluster_embeddings(embeddings, cfg, seed, knn)
        note = "one level: UMAP + HDBSCAN gives no nested levels"
        return hierarchy.Levels((flat.labels,), 0, (0.0,), flat.probability, 0, note), knn
    finer = hierarchy.n_finer_levels(n) if not cfg.levels else max(0, cfg.levels - 2)
    levels = hierarchy.build_levels(
        fuzzy_graph(knn, seed),
        seed=seed,
        resolution=cfg.resolution,
        min_topic_size=cfg.min_topic_size or cluster.auto_min_topic_size(n),
        finer=finer,
        n_runs=cfg.consensus_runs or cluster.auto_consensus_runs(n),
        threshold=cfg.consensus_threshold,
    )
    return levels, knn


def stability(embeddings: np.ndarray, cfg: TopicsConfig, seeds: list[int]) -> dict[str, Any]:
    """Cluster with each seed and compare: mean pairwise ARI and topic counts, per level.

    Returns:
        ``{"seeds", "ari": {mean, min, median, pairs}, "n_topics", "outlier_share",
        "levels": [{"level", "ari", "n_topics"}, ...]}``; the top-level figures
        are the topics level's.
    """
    runs = [cluster_levels(embeddings, cfg, s)[0] for s in seeds]
    partitions = [r.labels[r.topic_level] for r in runs]
    per_level = []
    depth = min(len(r.labels) for r in runs)
    same = all(r.topic_level == runs[0].topic_level for r in runs)
    for k in range(depth if same else 0):
        parts = [r.labels[k] for r in runs]
        per_level.append(
            {
                "level": k,
                "ari": quality.pairwise_ari(parts),
                "n_topics": [len(set(p.tolist()) - {-1}) for p in parts],
            }
        )
    return {
        "seeds": seeds,
        "ari": quality.pairwise_ari(partitions),
        "n_topics": [len(set(p.tolist()) - {-1}) for p in partitions],
        "outlier_share": [quality.outlier_share(p) for p in partitions],
        "levels": per_level,
    }


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def fit(
    corpus: pd.DataFrame,
    embeddings: np.ndarray | None = None,
    config: Config | None = None,
    seed: int | None = None,
    progress: bool = False,
) -> FitResult:
    """Fit topics and a 2-D map to a corpus.

    Args:
        corpus: Table with ``doc_id``, ``title``, ``abstract`` (from ``landscape ingest``).
        embeddings: Optional precomputed float ndarray of shape (n_docs, dim),
            aligned with ``corpus`` rows; computed (and cached) when ``None``.
        config: Settings; defaults when ``None``.
        seed: Overrides ``config.topics.seed``.
        progress: Show a progress bar while embedding.

    Returns:
        A :class:`FitResult`.

    Raises:
        CorpusTooSmallError: Fewer than :data:`MIN_DOCS` documents, or no topic
            reaches the minimum topic size.
        LandscapeError: Embeddings misaligned with the corpus, or bad settings.
    """
    config = config or Config()
    cfg = config.topics if seed is None else dataclasses.replace(config.topics, seed=seed)
    _check(corpus, cfg)
    corpus = corpus.reset_index(drop=True)
    timer = _Timer()
    texts = corpus_texts(corpus)
    doc_ids = corpus["doc_id"].astype(str).tolist()

    backend, precision = resolve_embedding(
        config.embed.backend, config.embed.precision, config.embed.model
    )
    embed_info: dict[str, Any] = {
        "source": "precomputed",
        "precision": precision,
        "backend": backend,
    }
    cache_dir = Path(config.paths.interim) / "embeddings" if config.embed.cache else None
    with timer.stage("embed"):
        if embeddings is None:
            from landscape.embed.distributed import embed_distributed, scheduler_from_config

            # Without [embed] scheduler or workers this is embed_texts, in this process.
            embeddings, stats = embed_distributed(
                texts, config.embed.model, cache_dir,
                scheduler=scheduler_from_config(config.embed.scheduler, config.embed.workers),
                n_workers=config.embed.workers, batch_size=config.embed.batch_size,
                precision=precision, progress=progress, backend=backend,
            )  # fmt: skip
            embed_info = {"source": "model", **dataclasses.asdict(stats)}
        else:
            embeddings = np.asarray(embeddings, dtype=np.float32)
            if embeddings.ndim != 2 or embeddings.shape[0] != len(corpus):
                raise LandscapeError(
                    f"embeddings of shape {embeddings.shape} do not align with "
                    f"{len(corpus)} corpus rows"
                )
            embeddings = l2_normalize(embeddings)

    with timer.stage("knn"):
        knn = neighbours(embeddings, cfg, cfg.seed)
    # The map needs only the kNN graph: from 10,000 papers on a machine with a second
    # core it is laid out in another process while the topics are found and named.
    with start_layout(knn, cfg.seed, n_components=2, min_dist=cfg.map_min_dist) as layout:
        with timer.stage("cluster"):
            levels, knn = cluster_levels(embeddings, cfg, cfg.seed, knn)
        t = levels.topic_level
        labels = levels.labels[t]
        if not (labels >= 0).any():
            # Every group is under the minimum topic size: nothing to name or map by topic.
            min_size = cfg.min_topic_size or cluster.auto_min_topic_size(len(corpus))
            raise CorpusTooSmallError(
                f"no topic of at least {min_size} papers among {len(corpus)} documents "
                "(all would be outliers); add papers, or lower [topics] min_topic_size "
                "or resolution"
            )
        probability = levels.probability
        outliers_before = quality.outlier_share(labels)
        if cfg.outlier_reduction:
            with timer.stage("reduce_outliers"):
                labels = cluster.reduce_outliers(
                    embeddings, labels, cfg.outlier_target, cfg.outlier_min_similarity
                )
                levels = hierarchy.with_topics(levels, labels, embeddings)

        with timer.stage("topic_terms"):
            table = build_topics(
                texts,
                embeddings,
                labels,
                doc_ids,
                config.embed.model,
                cfg.seed,
                cfg.top_n_words,
                cfg.mmr_diversity,
                cache_dir,
                precision,
                backend,
            )
        with timer.stage("names"):
            # A phrase in fewer papers than MIN_COVERAGE of the smallest topic can name none.
            smallest = min(int(np.bincount(lab[lab >= 0]).min()) for lab in levels.labels)
            index = phrase_index(texts, min_df=max(2, int(smallest * MIN_COVERAGE)))
            parents = [levels.parents(k) for k in range(len(levels.labels))]
            names = name_levels(index, texts, levels.labels, parents)
            all_topics, tree = tree_tables(
                levels, names, table.topics, index, embeddings, doc_ids,
                corpus["title"].astype(str).tolist(), texts,
            )  # fmt: skip
        with timer.stage("map_2d"):
            xy = layout.result()
        # With a second process, map_2d times only the wait for it.
        map_in_background = layout.in_background

    topic_rows = all_topics[all_topics["level"] == t].reset_index(drop=True)
    label_of = dict(zip(topic_rows["topic"], topic_rows["label"], strict=True))
    documents = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "topic": labels.astype(np.int64),
            "topic_label": [label_of[t] for t in labels],
            "probability": np.round(probability, 6),
            "x": xy[:, 0].astype(np.float64),
            "y": xy[:, 1].astype(np.float64),
            **level_columns(levels),
        }
    )

    with timer.stage("quality"):
        metrics = _quality(texts, embeddings, labels, topic_rows, cfg)
    metrics["outliers"] = {
        "share_before_reduction": outliers_before,
        "share": quality.outlier_share(labels),
        "reduction": cfg.outlier_reduction,
    }
    metrics["clustering"] = {"method": cfg.method, "consensus_rounds": levels.rounds}
    metrics["levels"] = _level_metrics(levels, all_topics)
    if cfg.stability_runs > 1:
        with timer.stage("stability"):
            seeds = [cfg.seed + i for i in range(cfg.stability_runs)]
            metrics["stability"] = stability(embeddings, cfg, seeds)
    metrics["embedding"] = embed_info
    metrics["timings_s"] = timer.stages
    metrics["map_2d_in_second_process"] = map_in_background

    # The precision and backend actually used, so reports and searches read the same cache.
    embed_cfg = dataclasses.replace(config.embed, precision=precision, backend=backend)
    resolved = dataclasses.replace(config, topics=cfg, embed=embed_cfg)
    provenance = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus_sha256": corpus_hash(corpus),
        "n_docs": len(corpus),
        "model": config.embed.model,
        "seed": cfg.seed,
        "config": resolved.to_dict(),
        "versions": _versions(),
        "platform": platform.platform(),
    }
    return FitResult(
        documents, topic_rows, tree, metrics, provenance, embeddings, table.model, all_topics
    )


def _level_metrics(levels: hierarchy.Levels, topics: pd.DataFrame) -> dict[str, Any]:
    """Per level: topics, outlier share, resolution, and the names' evidence."""
    out: dict[str, Any] = {"topic_level": levels.topic_level, "note": levels.note, "per_level": []}
    for k, labels in enumerate(levels.labels):
        rows = topics[(topics["level"] == k) & (topics["topic"] >= 0)]
        out["per_level"].append(
            {
                "level": k,
                "n_topics": len(rows),
                "resolution": levels.resolutions[k],
                "outlier_share": quality.outlier_share(labels),
                "name_coverage_median": float(rows["name_coverage"].median()),
                "name_distinctiveness_median": float(rows["name_distinctiveness"].median()),
            }
        )
    return out


def _quality(
    texts: list[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    topics: pd.DataFrame,
    cfg: TopicsConfig,
) -> dict[str, Any]:
    real = topics[topics["topic"] >= 0]
    ctfidf = [[t["term"] for t in terms] for terms in real["ctfidf_terms"]]
    # Only the terms scored are counted: a full vocabulary of 100k abstracts is
    # millions of bigrams and most of this stage's time.
    doc_term, vocab = tokenize_for_coherence(texts, [t for terms in ctfidf for t in terms[:10]])
    npmi = quality.npmi_coherence(ctfidf, doc_term, vocab)
    sil = quality.silhouette_per_topic(embeddings, labels)
    per_topic = [
        {
            "topic": int(t),
            "label": label,
            "size": int(size),
            "npmi": None if np.isnan(c) else round(c, 4),
            "silhouette": None if int(t) not in sil else round(sil[int(t)], 4),
        }
        for t, label, size, c in zip(real["topic"], real["label"], real["size"], npmi, strict=True)
    ]
    valid = [c for c in npmi if not np.isnan(c)]
    return {
        "n_docs": len(labels),
        "n_topics": len(real),
        "npmi": float(np.mean(valid)) if valid else None,
        "diversity": quality.topic_diversity(ctfidf, 25),
        "silhouette": quality.silhouette(embeddings, labels, cfg.seed),
        "per_topic": per_topic,
    }
