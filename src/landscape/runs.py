"""The one reader and writer of a run folder.

A run folder (``runs/NAME``) holds what :func:`landscape.fit.pipeline.fit`
produced, written by :func:`write_run`:

- ``documents.parquet``: doc_id, topic, topic_label, probability, x, y; written
  last, so its presence marks a complete run;
- ``topics.parquet``, ``hierarchy.parquet``, ``metrics.json``, ``provenance.json``;
- ``model/``: the BERTopic model (safetensors, never pickle);
- optionally ``corpus.parquet`` (a run made by ``landscape update`` carries its
  own corpus), ``labels.toml`` (the user's names) and ``llm_labels.json``.

:func:`load_run` is how search, update, the reports, the commands and the
notebooks read a run. It checks, once and for all of them, that the run is
complete and that the corpus it is given is the one the run was fitted on
(every document present, titles and abstracts hashed as at fit time), aligns the
corpus with the documents, and applies the run's labels. :meth:`Run.embeddings`
gives the documents' vectors with the run's own model, precision and backend.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landscape.embed import corpus_texts, embed_texts, run_embedding
from landscape.errors import LandscapeError
from landscape.fit.pipeline import FitResult, corpus_hash
from landscape.ingest.merge import LEDGER_COLUMNS
from landscape.ingest.sources import default_name
from landscape.io import write_bytes, write_json, write_parquet
from landscape.labels.llm import LLM_LABELS_FILE, read_llm_labels
from landscape.labels.overrides import apply_labels, load_run_labels

__all__ = [
    "FitResult",
    "IngestRecord",
    "Run",
    "check_complete",
    "load_run",
    "read_documents",
    "read_ingest",
    "read_metrics",
    "read_provenance",
    "write_derived_run",
    "write_metrics",
    "write_run",
]

#: The file whose presence marks a complete run.
MARKER = "documents.parquet"


@dataclass(frozen=True)
class Run:
    """A fitted run and its corpus, checked and aligned.

    Attributes:
        path: The run folder.
        documents: One row per document: doc_id, topic, topic_label, probability,
            x, y (and ``added``/``novel`` for an updated run).
        topics: One row per topic of the topics level, labels applied
            (``label_source`` says whose; ``name`` keeps the extractive name).
        hierarchy: The topic tree: topic, level, parent, label, size.
        metrics: ``metrics.json``.
        provenance: ``provenance.json``.
        corpus: The corpus rows of the run's documents, in document order
            (row ``i`` is document ``i``), all corpus columns, and
            ``source_names`` (readable names of ``source_files``) when the corpus
            has ``source_files``.
        corpus_path: The file the corpus was read from.
        levels: One row per topic at every level (``topics.parquet``), labels
            applied; ``None`` for a run made before levels (see :attr:`all_topics`).
    """

    path: Path
    documents: pd.DataFrame
    topics: pd.DataFrame
    hierarchy: pd.DataFrame
    metrics: dict[str, Any]
    provenance: dict[str, Any]
    corpus: pd.DataFrame
    corpus_path: Path
    levels: pd.DataFrame | None = None

    @property
    def all_topics(self) -> pd.DataFrame:
        """One row per topic at every level (``topics.parquet``), labels applied."""
        return self.topics if self.levels is None else self.levels

    @property
    def topic_level(self) -> int:
        """The level the reports call topics (0 for a run made before levels)."""
        return _topic_level(self.metrics)

    @property
    def embedding(self) -> tuple[str, str, str]:
        """``(model, precision, backend)`` the run was fitted with."""
        return run_embedding(self.provenance)

    def texts(self) -> list[str]:
        """The text embedded for each document, in document order."""
        return corpus_texts(self.corpus)

    def embeddings(
        self, cache_dir: str | os.PathLike[str] | None = "data/interim/embeddings"
    ) -> np.ndarray:
        """The documents' vectors, computed as the fit computed them.

        Read from the embedding cache (filled by the fit), computed with the run's
        model, precision and backend where missing.

        Args:
            cache_dir: Embedding cache root, or ``None`` to embed afresh.

        Returns:
            float32 ndarray of shape (n_docs, dim), rows L2-normalised, row ``i``
            for document ``i``.

        Raises:
            LandscapeError: The run's model cannot be loaded.
        """
        model, precision, backend = self.embedding
        vectors, _ = embed_texts(
            self.texts(), model, cache_dir, precision=precision, backend=backend
        )
        return vectors


def check_complete(run_dir: str | os.PathLike[str]) -> Path:
    """Return the run folder if it holds a complete run, else raise.

    Raises:
        LandscapeError: Naming the absolute path looked at and the command that
            makes a run.
    """
    run = Path(run_dir)
    if not (run / MARKER).exists():
        what = "no such folder" if not run.exists() else f"no {MARKER}"
        raise LandscapeError(
            f"{run.resolve()}: not a complete run ({what}); "
            "make one with `landscape fit` (or `make report`)"
        )
    return run


def read_documents(run_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """A complete run's ``documents.parquet``, without its corpus."""
    return pd.read_parquet(check_complete(run_dir) / MARKER)


def read_metrics(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """A run's ``metrics.json``."""
    path = Path(run_dir) / "metrics.json"
    if not path.exists():
        raise LandscapeError(
            f"{path.resolve()}: not found, so {run_dir} is not a run folder; run `landscape fit`"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def read_provenance(run_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """A run's ``provenance.json``: versions, corpus hash, model, seed, resolved config."""
    return _read_json(Path(run_dir) / "provenance.json")


def write_metrics(run_dir: str | os.PathLike[str], metrics: dict[str, Any]) -> Path:
    """Replace a complete run's ``metrics.json`` (atomically), e.g. with scores added."""
    return write_json(check_complete(run_dir) / "metrics.json", metrics)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LandscapeError(f"{path}: unreadable ({exc}); re-run `landscape fit`") from None


def _aligned_corpus(
    run: Path, source: Path, documents: pd.DataFrame, provenance: dict[str, Any]
) -> pd.DataFrame:
    """The corpus rows of the run's documents, in document order, checked by hash."""
    if not source.exists():
        raise LandscapeError(
            f"{source.resolve()}: corpus of run {run} not found; "
            "run `landscape ingest` (or give the corpus the run was fitted on)"
        )
    try:
        corpus = pd.read_parquet(source)
    except Exception as exc:
        raise LandscapeError(f"{source}: not a readable Parquet corpus ({exc})") from None
    if "doc_id" not in corpus.columns:
        raise LandscapeError(f"{source}: not a corpus (no doc_id column)")
    corpus = corpus.assign(doc_id=corpus["doc_id"].astype(str)).drop_duplicates("doc_id")
    ids = documents["doc_id"].astype(str)
    missing = ids[~ids.isin(corpus["doc_id"])]
    if len(missing):
        raise LandscapeError(
            f"{source}: lacks {len(missing)} of the {len(ids)} papers of run {run} "
            f"(e.g. {missing.iloc[0]!r}); give the corpus the run was fitted on, "
            "or re-run `landscape fit` on this one"
        )
    aligned = corpus.set_index("doc_id").loc[ids].reset_index()
    expected = provenance.get("corpus_sha256")
    has_text = {"title", "abstract"} <= set(aligned.columns)
    if expected and has_text and corpus_hash(aligned) != expected:
        raise LandscapeError(
            f"{source}: titles or abstracts differ from those run {run} was fitted on "
            "(corpus hash mismatch); give the corpus the run was fitted on, "
            "or re-run `landscape fit` on this one"
        )
    return aligned


def _with_source_names(corpus: pd.DataFrame, source: Path) -> pd.DataFrame:
    """The corpus with ``source_names``: the readable name of each of ``source_files``.

    Names come from the ``ingest_report.json`` written with the corpus (where the
    config's names were applied); a file it does not name gets the default name
    (:func:`landscape.ingest.sources.default_name`, listing date included).
    """
    if "source_files" not in corpus.columns:
        return corpus
    report = source.parent / "ingest_report.json"
    named: dict[str, str] = {}
    if report.exists():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            named = dict(json.loads(report.read_text(encoding="utf-8")).get("source_names", {}))
    dates: dict[str, str] = {}
    if "sources" in corpus.columns:
        for entries in corpus["sources"]:
            for entry in entries if entries is not None else []:
                if entry.get("listing_date"):
                    dates.setdefault(str(entry["file"]), str(entry["listing_date"]))

    def names(files: Any) -> list[str]:
        files = [] if files is None else [str(f) for f in files]
        return [named.get(f) or default_name(f, dates.get(f), "listing") for f in files]

    return corpus.assign(source_names=[names(files) for files in corpus["source_files"]])


def _topic_level(metrics: dict[str, Any]) -> int:
    """The level a run's reports call topics, from its metrics (0 for a run before levels)."""
    return int(metrics.get("levels", {}).get("topic_level", 0))


def load_run(
    run_dir: str | os.PathLike[str],
    corpus_path: str | os.PathLike[str] = "data/processed/corpus.parquet",
    labels_file: str | os.PathLike[str] | None = None,
    *,
    labels: bool = True,
) -> Run:
    """Read a run folder and its corpus, checked, aligned and labelled.

    The corpus is the run's own ``corpus.parquet`` when it has one (a run made by
    ``landscape update``), else ``corpus_path``. Topic labels, at every level,
    are the automatic ones (the extractive names), replaced by LLM labels
    (``llm_labels.json``, written by ``landscape labels llm``) and by the user's
    (``labels_file``, or ``labels.toml`` in the run folder when present), which
    win; ``label_source`` says which (``auto``, ``llm``, ``user``), and the
    extractive name stays in the ``name`` column.

    Args:
        run_dir: The run folder.
        corpus_path: The corpus the run was fitted on.
        labels_file: User labels (TOML); default ``run_dir/labels.toml`` when present.
        labels: Apply LLM and user labels; ``False`` keeps the automatic ones.

    Returns:
        A :class:`Run`.

    Raises:
        LandscapeError: The folder is not a complete run, the corpus is missing,
            lacks documents of the run or differs from the one fitted on, or a
            labels file does not fit the run's topics.
    """
    run = check_complete(run_dir)
    documents = pd.read_parquet(run / MARKER)
    topics = pd.read_parquet(run / "topics.parquet")
    provenance = _read_json(run / "provenance.json")
    own = run / "corpus.parquet"
    source = own if own.exists() else Path(corpus_path)
    corpus = _with_source_names(_aligned_corpus(run, source, documents, provenance), source)
    metrics = _read_json(run / "metrics.json")
    topic_level = _topic_level(metrics)
    if labels:
        llm_path = run / LLM_LABELS_FILE
        # LLM labels name topics of every level (a file from before levels: the topics level).
        llm = read_llm_labels(llm_path, topics, topic_level) if llm_path.exists() else None
        topics, documents = apply_labels(
            topics, documents, load_run_labels(run, topics, labels_file), llm
        )
    hierarchy = pd.read_parquet(run / "hierarchy.parquet")
    levels = None
    if "level" in topics.columns:
        # topics.parquet holds every level; the reports' topics are one of them.
        levels = topics.reset_index(drop=True)
        topics = levels[levels["level"] == topic_level].reset_index(drop=True)
        label_of = dict(zip(levels["topic"], levels["label"], strict=True))
        if "label" in hierarchy.columns:
            hierarchy = hierarchy.assign(label=[label_of.get(t, "") for t in hierarchy["topic"]])
    return Run(
        path=run,
        documents=documents,
        topics=topics,
        hierarchy=hierarchy,
        metrics=metrics,
        provenance=provenance,
        corpus=corpus,
        corpus_path=source,
        levels=levels,
    )


@dataclass(frozen=True)
class IngestRecord:
    """How a run's corpus was built: the ledger and report written with it.

    Attributes:
        ledger: One row per input record: what became of it (``kept``,
            ``duplicate``, ``dropped``) and why, with ``source_name``, the
            readable name of its file.
        report: ``ingest_report.json``: ``summary`` (counts), ``files``,
            ``file_errors``, ``ignored_files``.
        folder: Where both were read from (beside the run's corpus).
        found: ``False`` when the corpus has no ledger beside it (a corpus made
            without ``landscape ingest``): then the ledger is empty and the
            report ``{}``.
    """

    ledger: pd.DataFrame
    report: dict[str, Any]
    folder: Path
    found: bool = True

    @property
    def summary(self) -> dict[str, Any]:
        """Records read, kept, merged, dropped (by reason), chrome lines skipped."""
        return self.report.get("summary", {})


def read_ingest(run: Run, missing_ok: bool = False) -> IngestRecord:
    """The ledger and ingest report of the corpus a run was fitted on.

    They are the files ``landscape ingest`` wrote beside the run's corpus
    (``ledger.parquet``, ``ingest_report.json``); the ledger's kept papers must
    be the corpus's papers, so the record cannot describe another corpus than
    the run's.

    Args:
        run: From :func:`load_run`.
        missing_ok: A corpus without a ledger beside it (one not made by
            ``landscape ingest``) gives an empty record (``found`` is ``False``)
            instead of an error.

    Raises:
        LandscapeError: A file is missing (unless ``missing_ok``), or the
            ledger's kept papers are not the run's corpus.
    """
    folder = run.corpus_path.parent
    ledger_path, report_path = folder / "ledger.parquet", folder / "ingest_report.json"
    if missing_ok and not ledger_path.exists() and not report_path.exists():
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in [*LEDGER_COLUMNS, "source_name"]})
        return IngestRecord(ledger=empty, report={}, folder=folder, found=False)
    for path in (ledger_path, report_path):
        if not path.exists():
            raise LandscapeError(
                f"{path.resolve()}: not found beside the corpus of run {run.path}; "
                "run `landscape ingest` (or `make report`) to write the corpus with its ledger"
            )
    ledger = pd.read_parquet(ledger_path)
    corpus_ids = set(pd.read_parquet(run.corpus_path, columns=["doc_id"])["doc_id"].astype(str))
    kept = set(ledger.loc[ledger["status"] == "kept", "doc_id"].astype(str))
    if kept != corpus_ids:
        raise LandscapeError(
            f"{ledger_path}: its kept papers are not those of {run.corpus_path} "
            f"({len(kept ^ corpus_ids)} differ); the ledger belongs to another ingest, "
            "re-run `landscape ingest`"
        )
    report = _read_json(report_path)
    names = report.get("source_names") or {}
    if "source" in ledger.columns:
        # The readable name of each record's file (ingest_report.json), as maps show it.
        ledger = ledger.assign(
            source_name=[names.get(s) or default_name(str(s)) for s in ledger["source"]]
        )
    return IngestRecord(ledger=ledger, report=report, folder=folder)


def _write_folder(
    out: Path,
    documents: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    jsons: dict[str, dict[str, Any]],
    files: dict[str, bytes],
    save_model: Callable[[Path], None] | None,
) -> dict[str, Path]:
    """Write a run folder: every file atomically, the model swapped in whole, the marker last."""
    out.mkdir(parents=True, exist_ok=True)
    # documents.parquet marks a complete run: remove it first, so a write that is
    # killed half-way never leaves an old marker beside new, partial artifacts.
    (out / MARKER).unlink(missing_ok=True)
    paths = {name: write_parquet(out / f"{name}.parquet", df) for name, df in tables.items()}
    paths |= {name: write_json(out / f"{name}.json", obj) for name, obj in jsons.items()}
    paths |= {Path(name).stem: write_bytes(out / name, data) for name, data in files.items()}
    if save_model is not None:
        staging = out / f".model.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        save_model(staging)
        final = out / "model"
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
        paths["model"] = final
    paths["documents"] = write_parquet(out / MARKER, documents)
    return paths


def write_run(result: FitResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write a fit's artifacts into ``out_dir`` (each file atomically).

    The model folder is written beside the final name and swapped in, so a
    reader never sees half a model. ``documents.parquet`` is written last: its
    presence marks a complete run.

    Returns:
        ``{"topics", "hierarchy", "metrics", "provenance", "model", "documents"}``:
        the paths written.
    """

    def save_model(folder: Path) -> None:
        result.model.save(
            folder,
            serialization="safetensors",
            save_ctfidf=True,
            save_embedding_model=result.provenance["model"],
        )

    return _write_folder(
        Path(out_dir),
        result.documents,
        {"topics": result.all_topics, "hierarchy": result.hierarchy},
        {"metrics": result.metrics, "provenance": result.provenance},
        {},
        save_model,
    )


def write_derived_run(
    parent: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    documents: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    metrics: dict[str, Any],
    provenance: dict[str, Any],
) -> dict[str, Path]:
    """Write a run made from another one (an update) into ``out_dir``.

    The parent's model is copied as it is, and so is its hierarchy unless
    ``tables`` has a ``hierarchy`` of its own (sizes recounted); ``tables`` are
    written as ``NAME.parquet`` (the run's own ``corpus``, ``topics`` and any
    other table); ``documents.parquet`` is written last, as by :func:`write_run`.

    Raises:
        LandscapeError: ``out_dir`` is the parent or inside it.
    """
    run, out = Path(parent), Path(out_dir)
    if out.resolve() == run.resolve() or out.resolve().is_relative_to(run.resolve()):
        raise LandscapeError(
            f"{out}: a derived run is never written into the run it comes from ({run}); "
            "give another output folder"
        )
    hierarchy = run / "hierarchy.parquet"
    own = "hierarchy" in tables
    files = {"hierarchy.parquet": hierarchy.read_bytes()} if hierarchy.exists() and not own else {}
    model = run / "model"
    return _write_folder(
        out,
        documents,
        tables,
        {"metrics": metrics, "provenance": provenance},
        files,
        (lambda folder: shutil.copytree(model, folder)) if model.is_dir() else None,
    )
