"""The facts the summary page states, gathered from a run's files.

:func:`summary_facts` reads nothing but a loaded :class:`~landscape.runs.Run`
and its :class:`~landscape.runs.IngestRecord`, and runs the project's own
statistics on it: theme and topic trends (:mod:`landscape.stats.trends`:
Mann-Kendall on shares, Benjamini-Hochberg q-values, Kleinberg bursts) and the
contrast of each source group with the rest (:func:`landscape.stats.contrast.compare_groups`:
Fisher tests with BH q-values, weighted log-odds terms). Nothing is computed
here that those modules compute; this module only picks, orders and checks.

Themes are the top level of the run's tree (level 0); their topics are the
level below. A run made before levels has one level: its topics are the themes.

Links to papers are built only from validated identifiers: a DOI
(``https://doi.org/...``), an arXiv id (``https://arxiv.org/abs/...``) or an
``http(s)`` URL; anything else gives no link.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlsplit

import numpy as np
import pandas as pd

from landscape.errors import InputError
from landscape.fit.cluster import auto_consensus_runs
from landscape.fit.phrases import distinct_terms
from landscape.labels.llm import LLM_LABELS_FILE
from landscape.maps import theme_colors
from landscape.runs import IngestRecord, Run
from landscape.stats import trends
from landscape.stats.contrast import GroupComparison, compare_groups, group_membership

#: Names of the levels of the tree, from the top.
LEVEL_NAMES = ("themes", "topics", "subtopics")
#: Representative papers shown per theme.
PAPERS_PER_THEME = 3

_DOI = re.compile(r"^10\.\d{4,9}/[^\s\"'<>\\]+$")
_ARXIV = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z.-]*(\.[A-Z]{2})?/\d{7})(v\d+)?$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


@dataclass(frozen=True)
class Paper:
    """A representative paper of a theme.

    Attributes:
        title: As in the corpus (unescaped).
        year: Publication year, or ``None``.
        url: A checked ``https://`` or ``http://`` link, or ``None``.
    """

    title: str
    year: int | None
    url: str | None


@dataclass(frozen=True)
class Theme:
    """One theme (a topic of the top level) and what the page says of it.

    Attributes:
        topic: Its id in ``topics.parquet``.
        label: Its name as shown (user, LLM or extractive).
        size: Papers in the theme.
        share: ``size`` over all papers of the run, in [0, 1].
        color: Its colour on the map (``#RRGGBB``).
        topics: Names of its topics (the level below), largest first.
        terms: Its top terms, best first.
        papers: Up to :data:`PAPERS_PER_THEME` representative papers.
        trend: Its row of the theme trend table (see :class:`Trends`), or
            ``None`` without dates.
    """

    topic: int
    label: str
    size: int
    share: float
    color: str
    topics: tuple[str, ...]
    terms: tuple[str, ...]
    papers: tuple[Paper, ...]
    trend: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Trends:
    """Shares per period of themes and topics, and their tests.

    Attributes:
        themes: :func:`landscape.stats.trends.trends_from_counts` of the themes;
            one row per theme.
        topics: The same for the topics level (the themes again in a run with
            one level).
        counts: Papers per year and theme (:class:`~landscape.stats.trends.PeriodCounts`).
        topic_counts: Papers per year and topic.
        alpha: The false discovery rate of the verdicts.
        min_period_docs: Years with fewer dated papers are not tested (nor drawn).
    """

    themes: pd.DataFrame
    topics: pd.DataFrame
    counts: trends.PeriodCounts
    topic_counts: trends.PeriodCounts
    alpha: float
    min_period_docs: int = 0


@dataclass(frozen=True)
class Method:
    """How the run was made, in numbers.

    Attributes:
        model: Embedding model name.
        precision: Embedding precision (``int8``, ``fp32``, ...).
        backend: Embedding backend.
        clustering: ``consensus-leiden`` or ``hdbscan``.
        consensus_runs: Leiden runs per consensus round (``None`` for hdbscan).
        consensus_rounds: Rounds until the runs agreed, or ``None``.
        n_neighbors: Neighbours per paper in the graph.
        stability_ari: Mean pairwise ARI over seeds, or ``None`` when not measured.
        stability_seeds: Seeds the stability was measured over.
        label_sources: ``{"auto" | "llm" | "user": number of names}`` at every level.
        llm_model: Model that wrote the LLM names ("" when none or unknown).
        name_coverage: Median share of a theme's papers that use its name's words.
        outlier_share: Share of papers left in no topic.
        seed: The run's seed.
    """

    model: str
    precision: str
    backend: str
    clustering: str
    consensus_runs: int | None
    consensus_rounds: int | None
    n_neighbors: int | None
    stability_ari: float | None
    stability_seeds: int
    label_sources: Mapping[str, int]
    llm_model: str
    name_coverage: float | None
    outlier_share: float
    seed: Any


@dataclass(frozen=True)
class SummaryFacts:
    """Everything the summary page states, from one run.

    Attributes:
        run_name: The run folder's name.
        n_docs: Papers in the run.
        levels: ``(name, number of groups)`` per level of the tree, top first.
        themes: The themes, largest first.
        theme_documents: ``doc_id``, ``topic`` (theme id, -1 outliers),
            ``topic_label`` and, with trends, the date column (``date_col``) per
            paper; shape (n_docs, 3 or 4). What the theme-level statistics and
            figures are computed on.
        trends: Theme and topic trends, or ``None`` (see ``no_trends``).
        no_trends: Why there are no trends ("" when there are).
        comparison: Each group against the rest, at the theme level, or ``None``.
        group_by: The corpus column the groups come from.
        no_comparison: Why there is no comparison ("" when there is one).
        ingest: The ingest counts (``ingest_report.json``'s ``summary``; ``{}``
            for a corpus made without ``landscape ingest``).
        ledger: Where the ledger is, relative to nothing ("" when none).
        method: :class:`Method`.
        provenance: The run's ``provenance.json``.
        colors: ``{topic: "#RRGGBB"}`` for every topic of every level: the map's
            colours (:func:`landscape.maps.theme_colors`), so every figure of the
            page shows a theme in the same hue.
    """

    run_name: str
    n_docs: int
    levels: tuple[tuple[str, int], ...]
    themes: tuple[Theme, ...]
    theme_documents: pd.DataFrame
    trends: Trends | None
    no_trends: str
    comparison: GroupComparison | None
    group_by: str
    no_comparison: str
    ingest: Mapping[str, Any]
    ledger: str
    method: Method
    provenance: Mapping[str, Any] = field(default_factory=dict)
    colors: Mapping[int, str] = field(default_factory=dict)

    @property
    def date_col(self) -> str | None:
        """Column the dates came from, or ``None`` without dates."""
        return self.trends.counts.date_col if self.trends is not None else None


# --------------------------------------------------------------------------- links


def paper_url(row: Mapping[str, Any]) -> str | None:
    """A safe link to a paper: its DOI, else its arXiv id, else its ``http(s)`` URL.

    Args:
        row: Corpus fields of one paper (``doi``, ``arxiv_id``, ``url``; any may
            be missing).

    Returns:
        ``https://doi.org/<doi>``, ``https://arxiv.org/abs/<id>`` or the URL
        itself; ``None`` when no field holds a valid identifier. Never a
        ``javascript:`` or other non-web scheme.
    """
    doi = _text(row.get("doi"))
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    if _DOI.match(doi):
        return "https://doi.org/" + quote(doi, safe="/:;()._-")
    arxiv = _text(row.get("arxiv_id")).removeprefix("arXiv:").removeprefix("arxiv:")
    if _ARXIV.match(arxiv):
        return "https://arxiv.org/abs/" + arxiv
    url = _text(row.get("url"))
    if url and not re.search(r"[\s\x00-\x1f\x7f\"'<>\\]", url):
        parts = urlsplit(url)
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            return url
    return None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _year(row: Mapping[str, Any]) -> int | None:
    for column in ("year", "date"):
        value = row.get(column)
        if value is None or value is pd.NA:
            continue
        with contextlib.suppress(TypeError, ValueError):
            year = int(str(value)[:4]) if column == "date" else int(value)
            if 1 <= year <= 9999:
                return year
    return None


# --------------------------------------------------------------------------- themes


def _levels(run: Run) -> tuple[pd.DataFrame, int]:
    """Every topic with a ``level`` and ``parent``, and the top level's number."""
    table = run.all_topics
    if "level" not in table.columns or "parent" not in table.columns:
        table = table.assign(level=run.topic_level, parent=-1)
    table = table[table["topic"] >= 0]
    return table.reset_index(drop=True), int(table["level"].min()) if len(table) else 0


def _theme_documents(run: Run, theme_level: int, labels: Mapping[int, str]) -> pd.DataFrame:
    """``doc_id``, ``topic`` (the paper's theme), ``topic_label`` for every paper."""
    docs = run.documents
    column = f"level_{theme_level}"
    theme = docs[column] if column in docs.columns else docs["topic"]
    theme = theme.astype(int).to_numpy()
    return pd.DataFrame(
        {
            "doc_id": docs["doc_id"].astype(str).to_numpy(),
            "topic": theme,
            "topic_label": [labels.get(int(t), "Outliers") for t in theme],
        }
    )


def _papers(row: Any, corpus: pd.DataFrame) -> tuple[Paper, ...]:
    ids = [str(d) for d in _items(getattr(row, "representative_doc_ids", None))]
    titles = [str(t) for t in _items(getattr(row, "representative_titles", None))]
    by_id = corpus.assign(doc_id=corpus["doc_id"].astype(str)).drop_duplicates("doc_id")
    by_id = by_id.set_index("doc_id")
    papers = []
    for i, doc in enumerate(ids[:PAPERS_PER_THEME]):
        if doc in by_id.index:
            fields = by_id.loc[doc].to_dict()
            papers.append(Paper(str(fields.get("title", "")), _year(fields), paper_url(fields)))
        elif i < len(titles):
            papers.append(Paper(titles[i], None, None))
    if not papers:
        papers = [Paper(t, None, None) for t in titles[:PAPERS_PER_THEME]]
    return tuple(papers)


def _items(value: Any) -> list[Any]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return list(value)


def _terms(row: Any, n: int = 6) -> tuple[str, ...]:
    items = _items(getattr(row, "terms", None))
    return tuple(distinct_terms([i.get("term") if isinstance(i, Mapping) else i for i in items], n))


def _themes(run: Run, levels: pd.DataFrame, theme_level: int) -> list[Theme]:
    colors = theme_colors(levels)
    top = levels[levels["level"] == theme_level]
    top = top.sort_values(["size", "topic"], ascending=[False, True], kind="stable")
    below = levels[levels["level"] == theme_level + 1]
    n_docs = max(len(run.documents), 1)
    themes = []
    for row in top.itertuples(index=False):
        kids = below[below["parent"] == row.topic].sort_values("size", ascending=False)
        themes.append(
            Theme(
                topic=int(row.topic),
                label=str(row.label),
                size=int(row.size),
                share=int(row.size) / n_docs,
                color=colors.get(int(row.topic), "#888888"),
                topics=tuple(str(k) for k in kids["label"]),
                terms=_terms(row),
                papers=_papers(row, run.corpus),
            )
        )
    return themes


# --------------------------------------------------------------------------- statistics


def _trends(
    run: Run, theme_docs: pd.DataFrame, alpha: float, min_periods: int, min_period_docs: int
) -> tuple[Trends | None, str]:
    """Theme and topic trends per year, or ``None`` and the reason there are none."""
    options = {"alpha": alpha, "min_periods": min_periods, "min_period_docs": min_period_docs}
    try:
        counts = trends.topic_period_counts(theme_docs, run.corpus, freq="year")
        labels = dict(zip(theme_docs["topic"], theme_docs["topic_label"], strict=True))
        theme_table = trends.trends_from_counts(counts, labels, **options)
        topic_counts = trends.topic_period_counts(run.documents, run.corpus, freq="year")
        topic_labels = dict(zip(run.topics["topic"].astype(int), run.topics["label"], strict=True))
        topic_table = trends.trends_from_counts(topic_counts, topic_labels, **options)
    except trends.NotEnoughPeriodsError as exc:
        return None, f"the dated papers span too few years for a trend test ({exc})"
    except InputError:
        return None, "no paper has a publication date or year"
    return Trends(theme_table, topic_table, counts, topic_counts, alpha, min_period_docs), ""


def _comparison(
    run: Run, theme_docs: pd.DataFrame, by: str, alpha: float
) -> tuple[GroupComparison | None, str]:
    """Each group against the rest at the theme level, or ``None`` and why not."""
    if by not in run.corpus.columns:
        return None, f"the corpus has no {by!r} column"
    try:
        groups = group_membership(theme_docs, run.corpus, by)["group"].unique()
        if len(groups) == 1:
            return None, f"every paper comes from one source ({groups[0]}), with none to compare"
        return compare_groups(theme_docs, run.corpus, by=by, alpha=alpha, top_n=8), ""
    except InputError as exc:
        return None, str(exc)


# --------------------------------------------------------------------------- method


def _method(run: Run, levels: pd.DataFrame, theme_level: int) -> Method:
    metrics, provenance = run.metrics, run.provenance
    config = provenance.get("config", {})
    topics_cfg = config.get("topics", {}) if isinstance(config, Mapping) else {}
    model, precision, backend = run.embedding
    clustering = str(metrics.get("clustering", {}).get("method", topics_cfg.get("method", "")))
    consensus = None
    if clustering.startswith("consensus"):
        consensus = int(topics_cfg.get("consensus_runs") or auto_consensus_runs(len(run.documents)))
    stability = metrics.get("stability") or {}
    sources = levels.get("label_source", pd.Series(["auto"] * len(levels)))
    llm_model = ""
    if (sources == "llm").any():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            text = (run.path / LLM_LABELS_FILE).read_text(encoding="utf-8")
            llm_model = str(json.loads(text).get("model", ""))
    coverage = levels.loc[levels["level"] == theme_level].get("name_coverage")
    has_coverage = coverage is not None and bool(coverage.notna().any())
    outliers = metrics.get("outliers") or {}
    return Method(
        model=model,
        precision=precision,
        backend=backend,
        clustering=clustering,
        consensus_runs=consensus,
        consensus_rounds=metrics.get("clustering", {}).get("consensus_rounds"),
        n_neighbors=topics_cfg.get("n_neighbors"),
        stability_ari=stability.get("ari", {}).get("mean"),
        stability_seeds=len(stability.get("seeds", [])),
        label_sources={str(k): int(v) for k, v in sources.value_counts().items()},
        llm_model=llm_model,
        name_coverage=float(coverage.median()) if has_coverage else None,
        outlier_share=float(outliers.get("share") or 0.0),
        seed=provenance.get("seed", topics_cfg.get("seed")),
    )


def summary_facts(
    run: Run,
    ingest: IngestRecord | None = None,
    *,
    by: str = "source_names",
    alpha: float = 0.05,
    min_periods: int = 4,
    min_period_docs: int = 10,
) -> SummaryFacts:
    """Gather what the summary page says of a run.

    Args:
        run: From :func:`landscape.runs.load_run`.
        ingest: From :func:`landscape.runs.read_ingest` (``None``: no ledger).
        by: Corpus column whose values are the groups compared (``source_names``:
            the readable name of each source file; a label column works too).
        alpha: False discovery rate of every verdict (trends and enrichment).
        min_periods: Fewest years with enough papers to test a trend.
        min_period_docs: Fewest dated papers for a year to count.

    Returns:
        A :class:`SummaryFacts`.
    """
    levels, theme_level = _levels(run)
    labels = {int(t): str(lab) for t, lab in zip(levels["topic"], levels["label"], strict=True)}
    theme_docs = _theme_documents(run, theme_level, labels)
    themes = _themes(run, levels, theme_level)
    found, no_trends = _trends(run, theme_docs, alpha, min_periods, min_period_docs)
    if found is not None:
        dates = run.corpus[found.counts.date_col].reset_index(drop=True)
        theme_docs = theme_docs.assign(**{found.counts.date_col: dates})
        rows = {int(r["topic"]): r for r in found.themes.to_dict("records")}
        themes = [replace(t, trend=rows.get(t.topic)) for t in themes]
    comparison, no_comparison = _comparison(run, theme_docs, by, alpha)
    counts = levels.groupby("level").size().sort_index()
    names = [
        LEVEL_NAMES[i] if i < len(LEVEL_NAMES) else f"level {lvl}"
        for i, lvl in enumerate(counts.index)
    ]
    record = ingest if ingest is not None and ingest.found else None
    return SummaryFacts(
        run_name=run.path.name,
        n_docs=len(run.documents),
        levels=tuple((n, int(c)) for n, c in zip(names, counts, strict=True)),
        themes=tuple(themes),
        theme_documents=theme_docs,
        trends=found,
        no_trends=no_trends,
        comparison=comparison,
        group_by=by,
        no_comparison=no_comparison,
        ingest=dict(record.summary) if record is not None else {},
        ledger=str(record.folder / "ledger.parquet") if record is not None else "",
        method=_method(run, levels, theme_level),
        provenance=dict(run.provenance),
        colors={int(t): c for t, c in theme_colors(levels).items()},
    )
