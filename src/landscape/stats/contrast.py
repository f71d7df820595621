"""Sub-corpus contrasts: which themes and terms set one group of papers apart.

A *group* is one value of a corpus column: a source file, a label, a venue, a
category, or a period of the publication date. Two questions are answered:

1. :func:`topic_enrichment`: is a topic over- or under-represented in a group
   relative to the rest of the corpus? One two-sided Fisher exact test per
   (group, topic) pair, Benjamini-Hochberg q-values across all of them.
2. :func:`~landscape.stats.terms.distinctive_terms` (defined in :mod:`landscape.stats.terms`,
   importable from here too): which words set two sets of texts apart? The
   weighted log-odds ratio with an informative Dirichlet prior of Monroe,
   Colaresi & Quinn (2008, "Fightin' Words"), as z-scores.

:func:`compare_groups` runs both for every group against the rest.

*The rest* of a group is every paper that has a value of the column and is not
in the group. A list-valued column (``source_files``, ``categories``) is
exploded, so a paper in several groups counts once in each of them and never in
the rest of a group it belongs to; a group and its rest are always disjoint,
which keeps each 2x2 table a valid comparison of two independent samples.
Papers with no value (no date, no category) take part in no comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control, fisher_exact

from landscape.embed import corpus_texts
from landscape.errors import InputError
from landscape.stats.periods import FREQ_CODES, periods
from landscape.stats.terms import check_term_settings, count_matrix, is_missing, log_odds_terms
from landscape.stats.terms import distinctive_terms as distinctive_terms

_METHODS = ("bh", "by")


# --------------------------------------------------------------------------- groups


def period(values: pd.Series, freq: str = "year") -> pd.Series:
    """The period of each date as a sortable label: ``2021``, ``2021Q3`` or ``2021-03``.

    Numbers are read as years (a year cannot be split into quarters, so numbers
    always give years); strings and datetimes are parsed as dates (ISO 8601
    first, then any format pandas reads), as in :func:`landscape.stats.periods.periods`.

    Args:
        values: Dates, shape (n,).
        freq: ``"year"``, ``"quarter"`` or ``"month"``.

    Returns:
        Labels as strings, shape (n,), same index; ``None`` where a value is
        missing or unreadable.

    Raises:
        InputError: ``freq`` is not one of the three.
    """
    code = FREQ_CODES.get(str(freq).lower())
    if code is None:
        raise InputError(f"freq must be one of year, quarter, month; got {freq!r}")
    period_of, _ = periods(values, str(freq))
    return pd.Series([_period_label(p, code) for p in period_of], index=values.index, dtype=object)


def _period_label(value: Any, code: str) -> str | None:
    """A value of :func:`~landscape.stats.periods.periods` as a label (a year or a start)."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return str(pd.Period(value, freq=code))
    return str(int(value))


def _cell_values(cell: Any) -> list[str]:
    """The group names in one cell: a list is exploded, a scalar is one name."""
    if isinstance(cell, (list, tuple, np.ndarray, pd.Series)):
        items = list(cell)
    elif is_missing(cell):
        items = []
    else:
        items = [cell]
    out = []
    for item in items:
        if is_missing(item):
            continue
        # A year read as a float (2021.0) names the same group as 2021.
        if isinstance(item, (float, np.floating)) and float(item).is_integer():
            item = int(item)
        text = str(item).strip()
        if text:
            out.append(text)
    return out


def _doc_topics(documents: pd.DataFrame) -> pd.DataFrame:
    for column in ("doc_id", "topic"):
        if column not in documents.columns:
            raise InputError(f"documents has no {column!r} column")
    docs = documents[["doc_id", "topic"]].copy()
    docs["doc_id"] = docs["doc_id"].astype(str)
    docs["topic"] = docs["topic"].astype(int)
    return docs.drop_duplicates("doc_id").reset_index(drop=True)


def group_membership(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None = None,
    by: str = "source_files",
    *,
    freq: str | None = None,
) -> pd.DataFrame:
    """Which group(s) each document belongs to, as a long table.

    The ``by`` column is read from ``corpus`` (matched on ``doc_id``) or, when
    the corpus lacks it, from ``documents``. List cells are exploded (one row
    per value, duplicates dropped); scalar cells give one row; missing and
    empty values give none, so a document without a value is in no group.

    Args:
        documents: Table with ``doc_id``; shape (n_docs, >=1). Only these
            documents are returned.
        corpus: Table with ``doc_id`` and ``by``, or ``None``.
        by: Column naming each paper's group(s), e.g. ``source_files``,
            ``categories``, ``venue``, ``year`` or ``date``.
        freq: When set (``"year"``, ``"quarter"``, ``"month"``), the values are
            dates and the groups are their periods (see :func:`period`).

    Returns:
        Columns ``doc_id`` (str) and ``group`` (str), shape (n_memberships, 2),
        in document order.

    Raises:
        InputError: Neither table has ``by``, or no document has a value.
    """
    if "doc_id" not in documents.columns:
        raise InputError("documents has no 'doc_id' column")
    ids = documents["doc_id"].astype(str).drop_duplicates().reset_index(drop=True)
    if corpus is not None and by in corpus.columns:
        table = pd.DataFrame({"doc_id": corpus["doc_id"].astype(str), "v": corpus[by].to_numpy()})
        lookup = table.drop_duplicates("doc_id").set_index("doc_id")["v"]
        values = lookup.reindex(ids).reset_index(drop=True)
    elif by in documents.columns:
        table = pd.DataFrame({"doc_id": documents["doc_id"].astype(str), "v": documents[by]})
        values = table.drop_duplicates("doc_id")["v"].reset_index(drop=True)
    else:
        raise InputError(f"no column {by!r} in the corpus or the documents")
    if freq is not None:
        values = period(values, freq)
    rows = [
        (doc, group) for doc, cell in zip(ids, values, strict=True) for group in _cell_values(cell)
    ]
    long = pd.DataFrame(rows, columns=["doc_id", "group"], dtype=object)
    if long.empty:
        raise InputError(f"no document has a value in column {by!r}")
    return long.drop_duplicates().reset_index(drop=True)


# --------------------------------------------------------------------------- enrichment


def adjust_pvalues(p_values: Sequence[float] | np.ndarray, method: str = "bh") -> np.ndarray:
    """False-discovery-rate q-values (:func:`scipy.stats.false_discovery_control`).

    ``"bh"`` is Benjamini-Hochberg (valid for independent or positively
    dependent tests); ``"by"`` is Benjamini-Yekutieli (valid under any
    dependence, more conservative by a factor of sum(1/i)).

    Args:
        p_values: P-values in [0, 1], shape (n,).
        method: ``"bh"`` or ``"by"``.

    Returns:
        q-values, shape (n,), in the input order; ``q >= p``, at most 1, and
        non-decreasing in ``p``.

    Raises:
        InputError: Unknown method, or p-values outside [0, 1] or NaN.
    """
    if method not in _METHODS:
        raise InputError(f"method must be one of {', '.join(_METHODS)}; got {method!r}")
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p.copy()
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise InputError("p-values must lie in [0, 1]")
    return false_discovery_control(p, method=method)


def _labels(documents: pd.DataFrame) -> dict[int, str]:
    if "topic_label" not in documents.columns:
        return {}
    pairs = documents[["topic", "topic_label"]].drop_duplicates("topic")
    return {int(t): str(lab) for t, lab in pairs.itertuples(index=False) if not is_missing(lab)}


def _enrichment(
    docs: pd.DataFrame,
    membership: pd.DataFrame,
    labels: dict[int, str],
    alpha: float,
    pseudocount: float,
    method: str,
) -> pd.DataFrame:
    """The enrichment table from document topics and a membership table."""
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie in (0, 1), got {alpha}")
    if pseudocount <= 0:
        raise InputError(f"pseudocount must be > 0, got {pseudocount}")
    # Outliers are not a theme, and their number depends on clustering settings,
    # so they are left out of both the tests and the group sizes.
    topic_of = docs.loc[docs["topic"] != -1].set_index("doc_id")["topic"]
    member = membership[membership["doc_id"].isin(topic_of.index)]
    universe = topic_of[topic_of.index.isin(member["doc_id"])]
    groups = sorted(member["group"].unique(), key=str)
    if universe.size < 2 or len(groups) < 2:
        raise InputError(
            f"need at least two groups with papers assigned to topics to compare; "
            f"found {len(groups)} group(s) and {universe.size} paper(s)"
        )
    topics = sorted(universe.unique())
    total = universe.value_counts().reindex(topics, fill_value=0).to_numpy()
    n_all = int(universe.size)
    rows = []
    for group in groups:
        in_group = topic_of.reindex(member.loc[member["group"] == group, "doc_id"])
        n_in = int(in_group.size)
        n_rest = n_all - n_in
        if n_rest == 0:  # the group holds every paper: there is no rest to compare with
            continue
        counts = in_group.value_counts().reindex(topics, fill_value=0).to_numpy()
        for topic, a, t in zip(topics, counts, total, strict=True):
            a, c = int(a), int(t - a)
            b, d = n_in - a, n_rest - c
            p = float(fisher_exact([[a, b], [c, d]], alternative="two-sided")[1])
            share_in, share_rest = a / n_in, c / n_rest
            smooth_in = (a + pseudocount) / (n_in + 2 * pseudocount)
            smooth_rest = (c + pseudocount) / (n_rest + 2 * pseudocount)
            odds = ((a + 0.5) * (d + 0.5)) / ((b + 0.5) * (c + 0.5))
            rows.append(
                {
                    "group": group,
                    "topic": int(topic),
                    "label": labels.get(int(topic), f"Topic {topic}"),
                    "count_in": a,
                    "size_in": n_in,
                    "count_rest": c,
                    "size_rest": n_rest,
                    "share_in": share_in,
                    "share_rest": share_rest,
                    "log2_enrichment": math.log2(smooth_in / smooth_rest),
                    "odds_ratio": odds,
                    "p_value": min(p, 1.0),
                }
            )
    if not rows:
        raise InputError("every group holds all papers: there is no rest to compare with")
    table = pd.DataFrame(rows)
    table["q_value"] = adjust_pvalues(table["p_value"].to_numpy(), method)
    significant = table["q_value"] < alpha
    table["verdict"] = np.select(
        [
            significant & (table["share_in"] > table["share_rest"]),
            significant & (table["share_in"] < table["share_rest"]),
        ],
        ["over", "under"],
        default="neither",
    )
    return table


def topic_enrichment(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None = None,
    by: str = "source_files",
    *,
    freq: str | None = None,
    alpha: float = 0.05,
    pseudocount: float = 0.5,
    method: str = "bh",
) -> pd.DataFrame:
    """Over- and under-represented topics of each group relative to the rest.

    For each group and topic, a 2x2 table compares papers of the topic in the
    group with papers of the topic in the rest (papers with a value of ``by``
    that are not in the group; see the module docstring), tested with a
    two-sided Fisher exact test. q-values correct for all (group, topic) tests
    at once. Outliers (topic -1) are left out of the tests and of the sizes:
    shares are among papers assigned to a topic. A group that holds every
    such paper has no rest and is left out.

    Args:
        documents: ``doc_id``, ``topic`` (``-1``: outlier) and optionally
            ``topic_label``; shape (n_docs, >=2).
        corpus: Table with ``doc_id`` and ``by``, or ``None``
            (see :func:`group_membership`).
        by: Column naming each paper's group(s).
        freq: Group dates by ``"year"``, ``"quarter"`` or ``"month"``.
        alpha: False discovery rate at which a difference gets a verdict.
        pseudocount: Added to both counts (and twice to the sizes) for
            ``log2_enrichment``, so an empty cell gives a finite value.
        method: q-value correction, ``"bh"`` (Benjamini-Hochberg) or ``"by"``
            (Benjamini-Yekutieli, for the dependence of overlapping groups).

    Returns:
        One row per (group, topic), sorted by group then topic, with
        ``group``, ``topic``, ``label``, ``count_in``, ``size_in``,
        ``count_rest``, ``size_rest``, ``share_in``, ``share_rest``,
        ``log2_enrichment`` (log2 of the smoothed share ratio),
        ``odds_ratio`` (Haldane-Anscombe: 0.5 added to each cell),
        ``p_value``, ``q_value`` and ``verdict`` (``"over"``, ``"under"`` or
        ``"neither"``: q >= alpha).

    Raises:
        InputError: Missing columns, fewer than two groups, or bad settings.
    """
    docs = _doc_topics(documents)
    membership = group_membership(documents, corpus, by, freq=freq)
    return _enrichment(docs, membership, _labels(documents), alpha, pseudocount, method)


# --------------------------------------------------------------------------- together


@dataclass(frozen=True)
class GroupComparison:
    """Each group against the rest of the corpus.

    Attributes:
        enrichment: :func:`topic_enrichment`'s table, one row per (group, topic).
        terms: :func:`distinctive_terms` of each group (side ``group``) against
            its rest (side ``"rest"``), with a ``group`` column first; ``_a``
            columns count the group, ``_b`` columns the rest.
        summary: One row per compared group: ``group``, ``size`` (papers with
            the group, outliers included), ``size_tested`` (outliers left
            out), ``over`` / ``under`` (lists of topic ids with that verdict,
            by q-value), ``over_labels`` / ``under_labels`` and ``top_terms``
            (the group's most distinctive terms, best first).
    """

    enrichment: pd.DataFrame
    terms: pd.DataFrame
    summary: pd.DataFrame


def compare_groups(
    documents: pd.DataFrame,
    corpus: pd.DataFrame,
    by: str = "source_files",
    *,
    freq: str | None = None,
    alpha: float = 0.05,
    method: str = "bh",
    top_n: int = 15,
    min_count: int = 5,
    min_docs: int = 2,
    prior_size: float | None = None,
) -> GroupComparison:
    """What each group covers that the others do not: its topics and its words.

    Topic enrichment as in :func:`topic_enrichment`; distinctive terms as in
    :func:`distinctive_terms`, the group's texts (``title. abstract``) against
    those of its rest, with the prior from both (so every paper with a group
    counts once). Term contrasts use all papers with a group, outliers
    included, since words do not depend on the clustering.

    Args:
        documents: ``doc_id``, ``topic`` and optionally ``topic_label``;
            shape (n_docs, >=2).
        corpus: ``doc_id``, ``title``, ``abstract`` and ``by`` (``by`` may be
            in ``documents`` instead).
        by: Column naming each paper's group(s).
        freq: Group dates by ``"year"``, ``"quarter"`` or ``"month"``.
        alpha: False discovery rate for the topic verdicts.
        method: q-value correction, ``"bh"`` or ``"by"``.
        top_n: Distinctive terms per side and group.
        min_count: See :func:`distinctive_terms`.
        min_docs: See :func:`distinctive_terms`.
        prior_size: See :func:`distinctive_terms`.

    Returns:
        A :class:`GroupComparison`.

    Raises:
        InputError: Missing columns, fewer than two groups, or bad settings.
    """
    for column in ("doc_id", "title", "abstract"):
        if column not in corpus.columns:
            raise InputError(f"corpus has no {column!r} column")
    check_term_settings(top_n, prior_size)
    docs = _doc_topics(documents)
    membership = group_membership(documents, corpus, by, freq=freq)
    enrichment = _enrichment(docs, membership, _labels(documents), alpha, 0.5, method)

    table = corpus.assign(doc_id=corpus["doc_id"].astype(str)).drop_duplicates("doc_id")
    text_of = dict(zip(table["doc_id"], corpus_texts(table), strict=True))
    universe = [d for d in dict.fromkeys(membership["doc_id"]) if d in text_of]
    # Tokenised once: each group's counts are sums over rows of the same matrix.
    matrix, vocabulary = count_matrix([text_of[d] for d in universe], (1, 2))
    tested = set(docs.loc[docs["topic"] != -1, "doc_id"])
    terms, summary = [], []
    for group in enrichment["group"].unique():
        inside = set(membership.loc[membership["group"] == group, "doc_id"])
        mask = np.array([d in inside for d in universe])
        found = log_odds_terms(
            matrix[mask],
            matrix[~mask],
            vocabulary,
            None,
            top_n=top_n,
            min_count=min_count,
            min_docs=min_docs,
            prior_size=prior_size,
            labels=(group, "rest" if group != "rest" else "(rest)"),
        )
        terms.append(found.assign(group=group))
        rows = enrichment[enrichment["group"] == group].sort_values(["q_value", "topic"])
        over, under = rows[rows["verdict"] == "over"], rows[rows["verdict"] == "under"]
        summary.append(
            {
                "group": group,
                "size": len(inside),
                "size_tested": len(inside & tested),
                "over": over["topic"].tolist(),
                "over_labels": over["label"].tolist(),
                "under": under["topic"].tolist(),
                "under_labels": under["label"].tolist(),
                "top_terms": found.loc[found["side"] == group, "term"].tolist(),
            }
        )
    term_table = pd.concat(terms, ignore_index=True)
    term_table = term_table[["group", *[c for c in term_table.columns if c != "group"]]]
    return GroupComparison(enrichment=enrichment, terms=term_table, summary=pd.DataFrame(summary))
