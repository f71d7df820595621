"""Incremental updates: add new papers to a fitted run, written as a new run folder.

:func:`update_run` reads a complete run (never touching it) and new papers.
Papers already in the run, or repeated within the update, are found by
:func:`match_existing` and reported, not added. The others are embedded with the
run's model and placed with :func:`landscape.explore.place.place`: topics, labels and the
map are those of the parent fit. Papers that fit no theme (``novel``) get topic
``-1``; ``novel.parquet`` lists them as candidates for a new topic.

A run with nested levels (:mod:`landscape.fit.hierarchy`) gets every level: an
added paper takes its topic's ancestors at the broader levels and, at each finer
level, the child of its cluster whose centroid is closest, the rule
:func:`landscape.fit.hierarchy.with_topics` applies in a fit; a novel paper is
an outlier (``-1``) at every level. Sizes are recounted at every level, in
``topics.parquet`` and ``hierarchy.parquet``.
:func:`update_from_files` ingests files first (what ``landscape update`` runs).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landscape.config import Config, IngestConfig
from landscape.embed import corpus_texts, embed_texts, l2_normalize
from landscape.errors import InputError, LandscapeError
from landscape.explore.place import PLACE_COLUMNS, novelty_threshold, place
from landscape.fit.hierarchy import Levels, with_topics
from landscape.ingest.clean import title_key
from landscape.ingest.dedup import DedupOptions, find_duplicates
from landscape.io import folder_lock
from landscape.runs import load_run, write_derived_run


def match_existing(
    old_corpus: pd.DataFrame, new_corpus: pd.DataFrame, options: IngestConfig | None = None
) -> pd.DataFrame:
    """Find the new papers that are already in the old corpus (or earlier in the new one).

    A new paper is known when its ``doc_id`` is taken, or when the normal
    deduplication (:func:`landscape.ingest.dedup.find_duplicates` with the ingest
    thresholds) run on old + new papers groups it with an earlier paper.

    Args:
        old_corpus: The run's corpus (``doc_id``, ``title``, ``abstract``; ``doi``,
            ``arxiv_id``, ``year`` when present).
        new_corpus: The new papers, same columns.
        options: Deduplication thresholds; defaults when ``None``.

    Returns:
        One row per known new paper: ``row`` (its position in ``new_corpus``),
        ``doc_id``, ``title``, ``matched_doc_id``,
        ``in_run`` (the match is an old paper), ``rule`` and ``score``.
    """
    options = options or IngestConfig()
    both = pd.concat([old_corpus, new_corpus], ignore_index=True)
    n_old = len(old_corpus)

    def column(name: str) -> list[Any]:
        if name not in both:
            return [None] * len(both)
        return [None if pd.isna(v) or v == "" else v for v in both[name].tolist()]

    group, links = find_duplicates(
        [title_key(str(t or "")) for t in both["title"].tolist()],
        [str(a or "") for a in both["abstract"].tolist()],
        column("doi"),
        column("arxiv_id"),
        column("year"),
        DedupOptions(
            title_threshold=options.title_threshold,
            max_year_gap=options.max_year_gap,
            abstract_threshold=options.abstract_threshold,
        ),
    )
    ids = both["doc_id"].astype(str).tolist()
    first_of: dict[str, int] = {}
    rows = []
    for i, doc_id in enumerate(ids):
        first = first_of.setdefault(doc_id, i)
        if i < n_old:
            continue
        if first < i:
            match, rule, score = first, "same-doc-id", 1.0
        elif group[i] != i:
            match, rule, score = int(group[i]), links[i].rule, float(links[i].score)
        else:
            continue
        rows.append(
            {
                "row": i - n_old,
                "doc_id": doc_id,
                "title": both["title"].iloc[i],
                "matched_doc_id": ids[match],
                "in_run": match < n_old,
                "rule": rule,
                "score": score,
            }
        )
    cols = ["row", "doc_id", "title", "matched_doc_id", "in_run", "rule", "score"]
    return pd.DataFrame(rows, columns=cols).astype({"row": "int64", "in_run": bool, "score": float})


@dataclass(frozen=True)
class UpdateResult:
    """What :func:`update_run` produced (the tables of the new run folder).

    Attributes:
        parent: The run folder that was updated (left untouched).
        documents: The parent's rows unchanged, then one row per added paper
            (with its ``level_k`` ids when the run has levels); ``added`` marks
            the added ones, ``novel`` those fitting no theme.
        topics: The parent's ``topics.parquet`` (every level when it has
            levels), same ids and labels, sizes recounted.
        corpus: The parent's corpus (in document order), then the added papers.
        placement: One row per added paper: ``doc_id``, ``title``,
            :data:`~landscape.explore.place.PLACE_COLUMNS`, ``topic_label`` and ``nearest_label``.
        known: New papers not added (see :func:`match_existing`).
        ledger: The update's ingest ledger with known papers marked ``duplicate``,
            or ``None`` when none was given.
        metrics: The parent's metrics plus an ``update`` section.
        provenance: The parent's provenance, new corpus hash and ``parent_run``.
        hierarchy: The parent's tree with sizes recounted, or ``None`` when
            the parent's ``hierarchy.parquet`` (a run before levels) is copied as it is.
    """

    parent: Path
    documents: pd.DataFrame
    topics: pd.DataFrame
    corpus: pd.DataFrame
    placement: pd.DataFrame
    known: pd.DataFrame
    ledger: pd.DataFrame | None
    metrics: dict[str, Any]
    provenance: dict[str, Any]
    hierarchy: pd.DataFrame | None = None

    @property
    def novel(self) -> pd.DataFrame:
        """The candidates for a new topic, least similar to any topic first."""
        cols = ["doc_id", "title", "nearest_topic", "nearest_label", "similarity"]
        cols.append("neighbour_similarity")
        table = self.placement.loc[self.placement["novel"], cols]
        return table.sort_values(["similarity", "doc_id"]).reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Counts for printing: papers offered, known, added, placed per topic, novel."""
        up = self.metrics["update"]
        placed = self.placement[~self.placement["novel"]]
        return {
            "parent_run": str(self.parent),
            "papers_offered": up["n_new"],
            "already_in_run": up["n_already_in_run"],
            "duplicates_within_update": up["n_duplicate_in_update"],
            "added": up["n_added"],
            "placed": len(placed),
            "placed_by_topic": {
                str(label): int(n) for label, n in placed["topic_label"].value_counts().items()
            },
            "novel": up["n_novel"],
            "novelty_threshold": up["novelty"]["threshold"],
            "novel_papers": self.novel[["doc_id", "title", "nearest_label", "similarity"]]
            .head(20)
            .to_dict("records"),
        }


def _check_out(run: Path, out: Path) -> None:
    run_r, out_r = run.resolve(), out.resolve()
    if out_r == run_r or out_r.is_relative_to(run_r):
        raise LandscapeError(
            f"{out}: an update never writes into the run it updates ({run}); "
            "give another output folder"
        )


def _mark_known(ledger: pd.DataFrame, known: pd.DataFrame, run: Path) -> pd.DataFrame:
    """The ingest ledger with papers already in the run turned into ``duplicate`` rows."""
    match = known.drop_duplicates("doc_id").set_index("doc_id").reindex(ledger["doc_id"])
    hit = match["matched_doc_id"].notna().to_numpy()
    kept = hit & (ledger["status"] == "kept").to_numpy()
    m = match[kept]
    where = np.where(m["in_run"].astype(bool), f"run {run.name}", "this update")
    out = ledger.copy()
    out.loc[kept, ["status", "reason_code"]] = "duplicate"
    out.loc[kept, "rule"] = m["rule"].to_numpy()
    out.loc[kept, "score"] = m["score"].to_numpy()
    out.loc[kept, "reason"] = [
        f"already in {w} as {d} ({r}, score {sc:.3f})"
        for w, d, r, sc in zip(where, m["matched_doc_id"], m["rule"], m["score"], strict=True)
    ]
    out.loc[hit, "doc_id"] = match["matched_doc_id"].to_numpy()[hit]
    return out


def _level_names(documents: pd.DataFrame) -> list[str]:
    """The documents' level columns, broadest first (``[]`` for a run before levels)."""
    names = [c for c in documents.columns if c.startswith("level_") and c[6:].isdigit()]
    names = sorted(names, key=lambda c: int(c[6:]))
    if names != [f"level_{k}" for k in range(len(names))]:
        raise LandscapeError(
            f"documents.parquet has level columns {names}, not level_0, level_1, ..."
        )
    return names


def assign_levels(
    documents: pd.DataFrame,
    tree: pd.DataFrame,
    topic_level: int,
    topics: np.ndarray,
    embeddings: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every level's topic of added papers, nested in the run's tree.

    An added paper with a topic takes that topic's ancestors at the broader
    levels and, at each finer level, the child of its cluster there whose
    centroid (mean of the L2-normalised embeddings of the cluster's papers) is
    closest by cosine: :func:`landscape.fit.hierarchy.with_topics`, the rule of
    a fit's outlier reduction. An added paper without a topic (-1) is an outlier
    at every level.

    Args:
        documents: The run's documents (``level_0``, ``level_1``, ...: run-wide ids, -1 outliers).
        tree: ``topics.parquet`` of the run: ``topic`` and ``level`` of every topic.
        topic_level: The level ``documents.topic`` is.
        topics: int ndarray of shape (n_added,): each added paper's topic id, or -1.
        embeddings: ndarray of shape (n_docs + n_added, dim): the run's papers in
            document order, then the added ones.

    Returns:
        ``{"level_0": ids, ...}``: int64 ndarrays of shape (n_added,), run-wide ids.

    Raises:
        LandscapeError: A document's level id is no topic of that level in ``tree``.
    """
    names = _level_names(documents)
    n_old, n_new = len(documents), len(topics)
    # Levels works on ids 0..K-1 within each level; the run's ids are unique across levels.
    ids, local = [], []
    for k, name in enumerate(names):
        known = np.sort(tree.loc[(tree["level"] == k) & (tree["topic"] >= 0), "topic"].unique())
        column = documents[name].to_numpy(dtype=np.int64)
        if k == topic_level:
            column = np.concatenate([column, np.asarray(topics, dtype=np.int64)])
        inside = column >= 0
        if not np.isin(column[inside], known).all():
            raise LandscapeError(
                f"documents.parquet: {name} holds ids that are no topic of level {k} "
                "in topics.parquet; the run is damaged, re-run `landscape fit`"
            )
        labels = np.full(len(column), -1, dtype=np.int64)
        labels[inside] = np.searchsorted(known, column[inside])
        ids.append(known)
        local.append(labels)
    target = local[topic_level]
    before = [np.concatenate([lab[:n_old], np.full(n_new, -1, dtype=np.int64)]) for lab in local]
    n = len(names)
    levels = Levels(tuple(before), topic_level, (0.0,) * n, np.zeros(n_old + n_new), 0)
    after = with_topics(levels, target, l2_normalize(np.asarray(embeddings, dtype=np.float32)))
    out = {}
    for name, known, labels in zip(names, ids, after.labels, strict=True):
        new = labels[n_old:]
        out[name] = np.where(new >= 0, known[np.maximum(new, 0)], -1).astype(np.int64)
    return out


def _outlier_row(table: pd.DataFrame, topic_level: int) -> pd.DataFrame:
    """The outlier row of ``table``, as :func:`landscape.fit.tree.tree_tables` writes it."""
    fixed = {
        "topic": -1, "label": "Outliers", "name": "Outliers", "size": 0,
        "level": topic_level, "parent": -1, "name_coverage": 0.0, "name_distinctiveness": 0.0,
    }  # fmt: skip
    row = {c: [fixed[c]] if c in fixed else [[]] for c in table.columns}
    return pd.DataFrame(row)


def _recount(topics: pd.DataFrame, documents: pd.DataFrame, topic_level: int = 0) -> pd.DataFrame:
    """Topic table with sizes from ``documents`` at every level; an outlier row is added if needed.

    Args:
        topics: ``topics.parquet`` of the parent: one row per topic (of every
            level when it has a ``level`` column), ids unique across levels.
        documents: All documents, ``topic`` and any ``level_k`` columns.
        topic_level: The level ``documents.topic`` is.
    """
    columns = _level_names(documents) or ["topic"]
    ids = np.concatenate([documents[c].to_numpy(dtype=np.int64) for c in columns])
    counts = pd.Series(ids[ids >= 0]).value_counts()
    n_out = int((documents["topic"] == -1).sum())
    table = topics.copy()
    if n_out and not (table["topic"] == -1).any():
        table = pd.concat([_outlier_row(table, topic_level), table], ignore_index=True)
        if "level" in table.columns:
            table = table.sort_values(["level", "topic"], kind="stable").reset_index(drop=True)
        table = table.astype(topics.dtypes.to_dict())[topics.columns]
    sizes = table["topic"].map(counts).fillna(0).astype(np.int64)
    table["size"] = np.where(table["topic"] == -1, n_out, sizes).astype(np.int64)
    return table


def update_run(
    run_dir: str | os.PathLike[str],
    new_corpus: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    config: Config | None = None,
    *,
    corpus_path: str | os.PathLike[str] | None = None,
    ledger: pd.DataFrame | None = None,
    ingest_summary: dict[str, Any] | None = None,
    k: int = 15,
    percentile: float = 5.0,
) -> UpdateResult:
    """Place new papers on a fitted run and write the result as a new run folder.

    ``run_dir`` is only read. Papers already in the run (same ``doc_id`` or
    grouped with one by the normal deduplication) are reported, not added.
    The others are embedded with the run's model and precision (through the
    embedding cache) and placed with :func:`~landscape.explore.place.place`.
    ``out_dir`` receives the files of :func:`landscape.runs.write_run` (``model/``
    copied; ``hierarchy.parquet`` recounted, or copied for a run before levels;
    ``documents.parquet`` written last) plus
    ``corpus.parquet``, ``novel.parquet`` and, when ``ledger`` is given,
    ``update_ledger.parquet``; all written under :func:`landscape.io.folder_lock`.

    Args:
        run_dir: A complete run folder.
        new_corpus: A corpus table of new papers (from :func:`landscape.ingest.ingest`).
        out_dir: The new run folder; not ``run_dir`` nor inside it.
        config: Paths (corpus, embedding cache), dedup thresholds, batch size.
        corpus_path: The corpus the run was fitted on, when the run folder has no
            ``corpus.parquet``; default ``<paths.processed>/corpus.parquet``.
        ledger: The ingest ledger of ``new_corpus``, to write with the run.
        ingest_summary: The ingest summary, recorded in ``metrics.json``.
        k: Neighbours that vote.
        percentile: Novelty threshold percentile (see
            :func:`~landscape.explore.place.novelty_threshold`).

    Returns:
        An :class:`UpdateResult`.

    Raises:
        LandscapeError: ``out_dir`` is the run, the run is incomplete, its corpus
            is missing or differs, ``out_dir`` is locked, or bad arguments.
        InputError: ``new_corpus`` lacks ``doc_id``, ``title`` or ``abstract``.
    """
    from landscape.fit.pipeline import corpus_hash

    config = config or Config()
    run, out = Path(run_dir), Path(out_dir)
    _check_out(run, out)
    missing = {"doc_id", "title", "abstract"} - set(new_corpus.columns)
    if missing:
        raise InputError(f"new papers lack columns {sorted(missing)}; ingest them first")
    # The parent's automatic labels: an update carries topic ids and names over as
    # fitted; labels.toml and LLM labels apply when the new run is read.
    parent = load_run(
        run, Path(corpus_path or Path(config.paths.processed) / "corpus.parquet"), labels=False
    )

    known = match_existing(parent.corpus, new_corpus, config.ingest)
    added = new_corpus.reset_index(drop=True).drop(index=known["row"].to_numpy())
    added = added.assign(doc_id=added["doc_id"].astype(str)).reset_index(drop=True)
    model, precision, backend = parent.embedding
    cache = Path(config.paths.interim) / "embeddings" if config.embed.cache else None
    texts = corpus_texts(parent.corpus) + corpus_texts(added)
    vectors, stats = embed_texts(
        texts, model, cache, config.embed.batch_size, precision=precision, backend=backend
    )
    run_vec, new_vec = vectors[: len(parent.corpus)], vectors[len(parent.corpus) :]

    labels = parent.documents["topic"].to_numpy(dtype=np.int64)
    threshold = novelty_threshold(run_vec, labels, percentile)
    placed = place(new_vec, run_vec, parent.documents, k, threshold=threshold)
    label_of = dict(zip(parent.topics["topic"], parent.topics["label"], strict=True))
    label_of.setdefault(-1, "Outliers")
    placement = placed.assign(
        doc_id=added["doc_id"].to_numpy(),
        title=added["title"].to_numpy(),
        topic_label=placed["topic"].map(label_of),
        nearest_label=placed["nearest_topic"].map(label_of),
    )
    placement = placement[["doc_id", "title", *PLACE_COLUMNS, "topic_label", "nearest_label"]]

    old_docs = parent.documents.assign(
        added=False,
        novel=parent.documents.get("novel", False),
    )
    levelled = "level" in parent.all_topics.columns and bool(_level_names(parent.documents))
    levels = (
        assign_levels(
            parent.documents,
            parent.all_topics,
            parent.topic_level,
            placement["topic"].to_numpy(dtype=np.int64),
            vectors,
        )
        if levelled
        else {}
    )
    new_docs = pd.DataFrame(
        {
            "doc_id": placement["doc_id"],
            "topic": placement["topic"],
            "topic_label": placement["topic_label"],
            # As for a fit's outliers, a paper that fits no theme has probability 0.
            "probability": np.where(placement["novel"], 0.0, placement["confidence"]),
            "x": placement["x"],
            "y": placement["y"],
            **levels,
            "added": True,
            "novel": placement["novel"],
        }
    )
    documents = pd.concat([old_docs, new_docs], ignore_index=True)
    topics = _recount(parent.all_topics, documents, parent.topic_level)
    tree = None
    if levelled and {"topic", "size"} <= set(parent.hierarchy.columns):
        size_of = dict(zip(topics["topic"], topics["size"], strict=True))
        tree = parent.hierarchy.assign(
            size=parent.hierarchy["topic"].map(size_of).fillna(0).astype(np.int64)
        )
    corpus = pd.concat([parent.corpus, added], ignore_index=True)

    now = datetime.now(UTC).isoformat(timespec="seconds")
    n_placed = placement.loc[~placement["novel"], "topic"].value_counts().sort_index()
    update = {
        "parent_run": str(run),
        "created": now,
        "n_new": len(new_corpus),
        "n_already_in_run": int(known["in_run"].sum()),
        "n_duplicate_in_update": int((~known["in_run"]).sum()),
        "n_added": len(added),
        "n_placed": {str(t): int(n) for t, n in n_placed.items()},
        "n_novel": int(placement["novel"].sum()),
        "k": int(k),
        "mean_confidence": float(placed["confidence"].mean()) if len(placed) else None,
        "novelty": {
            "measure": "cosine to the nearest topic centroid (leave-one-out for run papers)",
            "percentile": float(percentile),
            "threshold": round(threshold, 6),
        },
        "embedding": {
            "model": model,
            "precision": precision,
            "backend": backend,
            "n_computed": stats.n_computed,
        },
        "ingest": ingest_summary,
        "note": (
            "topics, labels, quality measures and the map are those of the parent fit; "
            "sizes are recounted"
        ),
    }
    provenance = {
        **parent.provenance,
        "created": now,
        "corpus_sha256": corpus_hash(corpus),
        "n_docs": len(documents),
        "parent_run": {
            "path": str(run),
            "corpus_sha256": parent.provenance.get("corpus_sha256"),
            "created": parent.provenance.get("created"),
            "n_docs": len(parent.documents),
        },
        "update": {
            "k": int(k),
            "percentile": float(percentile),
            "ingest": config.to_dict()["ingest"],
        },
    }
    result = UpdateResult(
        parent=run,
        documents=documents,
        topics=topics,
        corpus=corpus,
        placement=placement,
        known=known,
        ledger=None if ledger is None else _mark_known(ledger, known, run),
        metrics={**parent.metrics, "update": update},
        provenance=provenance,
        hierarchy=tree,
    )
    with folder_lock(out):
        write_update(result, out)
    return result


def write_update(result: UpdateResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write an update's run folder (each file atomically, ``documents.parquet`` last).

    ``hierarchy.parquet`` is ``result.hierarchy``, or the parent's when that is ``None``.

    The caller holds :func:`landscape.io.folder_lock` on ``out_dir``.
    """
    out = Path(out_dir)
    _check_out(result.parent, out)
    tables = {"corpus": result.corpus, "topics": result.topics, "novel": result.novel}
    if result.hierarchy is not None:
        tables["hierarchy"] = result.hierarchy
    if result.ledger is not None:
        tables["update_ledger"] = result.ledger
    else:  # a ledger left by an earlier update into this folder would describe other papers
        (out / "update_ledger.parquet").unlink(missing_ok=True)
    paths = write_derived_run(
        result.parent, out, result.documents, tables, result.metrics, result.provenance
    )
    if "update_ledger" in paths:
        paths["ledger"] = paths.pop("update_ledger")
    return paths


def update_from_files(
    run_dir: str | os.PathLike[str],
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    config: Config | None = None,
    *,
    corpus_path: str | os.PathLike[str] | None = None,
    k: int = 15,
    percentile: float = 5.0,
) -> dict[str, Any]:
    """Ingest new files and update a run with them (what ``landscape update`` runs).

    Args:
        run_dir: A complete run folder (only read).
        paths: New source files or folders, read by :func:`landscape.ingest.ingest`.
        out_dir: The new run folder.
        config: Settings (ingest options, paths, embedding cache).
        corpus_path: See :func:`update_run`.
        k: Neighbours that vote.
        percentile: Novelty threshold percentile.

    Returns:
        :meth:`UpdateResult.summary` plus ``out`` (the folder written), ``ingest``
        (the ingest summary) and ``file_errors``.

    Raises:
        LandscapeError: See :func:`landscape.ingest.ingest` and :func:`update_run`.
    """
    from landscape.ingest import ingest

    config = config or Config()
    _check_out(Path(run_dir), Path(out_dir))
    read = ingest(paths, config.ingest)
    result = update_run(
        run_dir,
        read.corpus,
        out_dir,
        config,
        corpus_path=corpus_path,
        ledger=read.ledger,
        ingest_summary=read.summary(),
        k=k,
        percentile=percentile,
    )
    return {
        **result.summary(),
        "out": str(out_dir),
        "ingest": read.summary(),
        "file_errors": read.file_errors,
    }
