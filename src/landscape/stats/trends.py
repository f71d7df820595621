"""Emerging and fading themes: each topic's share per period, its trend and its bursts.

- :func:`topic_period_counts`: papers per period and topic, from dated papers only
  (periods as in :func:`landscape.stats.periods.periods`).
- :func:`trends_from_counts` / :func:`theme_trends`: one row per topic with its share
  trend (:func:`~landscape.stats.trend_tests.mann_kendall`, q-values by
  :func:`~landscape.stats.trend_tests.benjamini_hochberg`), its bursts
  (:func:`~landscape.stats.trend_tests.kleinberg_bursts`) and a sentence of evidence,
  strongest themes first.

The trend is tested on the topic's *share* of each period's papers, not on its count,
so a field that grows as a whole does not make every topic look like it is emerging.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from landscape.errors import InputError, LandscapeError
from landscape.stats.periods import periods
from landscape.stats.trend_tests import benjamini_hochberg, kleinberg_bursts, mann_kendall

_FREQS = ("year", "quarter", "month")
_UNIT = {"year": "year", "quarter": "quarter", "month": "month"}
_CODE = {"quarter": "Q", "month": "M"}


class NotEnoughPeriodsError(InputError):
    """The dated papers span too few periods for a trend test."""


@dataclass(frozen=True)
class PeriodCounts:
    """Papers per period and topic.

    Attributes:
        counts: Papers per period (index ``period``: int years, or the ISO start date
            of each quarter or month) and topic (columns: topic ids, ``-1`` for
            outliers when present); shape (n_periods, n_topics). Gap-free: periods
            without papers are rows of zeros.
        totals: Dated papers per period, outliers included; shape (n_periods,).
        n_dated: Papers with a usable date.
        n_undated: Papers left out because they have no usable date.
        date_col: Column the dates came from.
        freq: ``"year"``, ``"quarter"`` or ``"month"``.
    """

    counts: pd.DataFrame
    totals: pd.Series
    n_dated: int
    n_undated: int
    date_col: str
    freq: str

    @property
    def shares(self) -> pd.DataFrame:
        """Share of each period's papers per topic (NaN in periods without papers)."""
        return self.counts.div(self.totals.where(self.totals > 0), axis=0)


# --------------------------------------------------------------------------- counts


def topic_period_counts(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None = None,
    date_col: str | None = None,
    freq: str = "year",
) -> PeriodCounts:
    """Count papers per period and topic.

    Dates are looked up by ``doc_id`` in ``corpus``, else in ``documents``. With
    ``date_col=None`` the ``date`` column is used when it holds any value, else
    ``year``. Dates may be ISO strings, datetimes or int years (years cannot be
    split finer than a year). Papers without a usable date are left out and counted.

    Args:
        documents: ``doc_id`` and ``topic`` (int, ``-1`` for outliers); shape (n_docs, >=2).
        corpus: Table with ``doc_id`` and the date column, or ``None``.
        date_col: Name of the date column, or ``None`` to choose ``date``/``year``.
        freq: ``"year"``, ``"quarter"`` or ``"month"``.

    Returns:
        A :class:`PeriodCounts`.

    Raises:
        LandscapeError: ``freq`` is not one of the three.
        InputError: No date column, or no paper with a usable date.
    """
    if freq not in _FREQS:
        raise LandscapeError(f"freq must be one of {', '.join(_FREQS)}; got {freq!r}")
    doc_ids = documents["doc_id"].astype(str).reset_index(drop=True)
    candidates = [date_col] if date_col else ["date", "year"]
    found = [
        (c, v) for c in candidates if (v := _lookup(doc_ids, documents, corpus, c)) is not None
    ]
    if not found:
        wanted = " or ".join(repr(c) for c in candidates)
        raise InputError(f"no dates: neither the corpus nor the documents have a {wanted} column")
    # Auto mode prefers `date` but falls back to `year` when `date` is empty.
    name, column = next(((c, v) for c, v in found if v.notna().any()), found[0])
    period_of, full = periods(column, freq)
    dated = period_of.notna().to_numpy()
    if not dated.any():
        raise InputError(f"no dates: no paper has a usable value in column {name!r}")
    if isinstance(full[0], int):
        period_of = period_of.astype("float64")
    topics = documents["topic"].astype(int).to_numpy()[dated]
    table = pd.crosstab(period_of.to_numpy()[dated], topics)
    index = pd.Index(full, name="period")
    counts = table.rename(index=lambda p: int(p) if isinstance(full[0], int) else p)
    counts = counts.reindex(index=index, fill_value=0)
    counts = counts.reindex(columns=sorted(counts.columns), fill_value=0)
    counts.columns = pd.Index([int(c) for c in counts.columns], name="topic")
    return PeriodCounts(
        counts=counts.astype("int64"),
        totals=counts.sum(axis=1).rename("total"),
        n_dated=int(dated.sum()),
        n_undated=int((~dated).sum()),
        date_col=name,
        freq=freq,
    )


def _lookup(
    doc_ids: pd.Series, documents: pd.DataFrame, corpus: pd.DataFrame | None, name: str
) -> pd.Series | None:
    """Values of column ``name`` per document, from ``corpus`` first (``None`` when absent)."""
    if corpus is not None and name in corpus.columns:
        table = corpus[["doc_id", name]].astype({"doc_id": str}).drop_duplicates("doc_id")
        return table.set_index("doc_id")[name].reindex(doc_ids).reset_index(drop=True)
    if name in documents.columns:
        return documents[name].reset_index(drop=True)
    return None


# --------------------------------------------------------------------------- tests
# --------------------------------------------------------------------------- table


def theme_trends(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None = None,
    date_col: str | None = None,
    freq: str = "year",
    **options: Any,
) -> pd.DataFrame:
    """Trend table of every topic: :func:`topic_period_counts` then :func:`trends_from_counts`.

    Labels come from ``documents.topic_label`` when present.

    Args:
        documents: ``doc_id``, ``topic`` (and optionally ``topic_label``); shape (n_docs, >=2).
        corpus: Table with ``doc_id`` and the date column, or ``None``.
        date_col: Name of the date column, or ``None`` to choose ``date``/``year``.
        freq: ``"year"``, ``"quarter"`` or ``"month"``.
        **options: Keywords of :func:`trends_from_counts`.

    Returns:
        The table of :func:`trends_from_counts`.
    """
    period_counts = topic_period_counts(documents, corpus, date_col=date_col, freq=freq)
    labels = None
    if "topic_label" in documents.columns:
        pairs = documents[["topic", "topic_label"]].drop_duplicates("topic")
        labels = {int(t): str(lab) for t, lab in pairs.itertuples(index=False) if pd.notna(lab)}
    return trends_from_counts(period_counts, labels, **options)


def trends_from_counts(
    period_counts: PeriodCounts,
    labels: Mapping[int, str] | None = None,
    *,
    alpha: float = 0.05,
    min_periods: int = 4,
    min_period_docs: int = 10,
    burst_s: float = 2.0,
    burst_gamma: float = 1.0,
    include_outliers: bool = False,
) -> pd.DataFrame:
    """One row per topic: share trend (Mann-Kendall on shares, BH q-values) and bursts.

    Periods with fewer than ``min_period_docs`` dated papers are left out (their
    shares are mostly noise); the rest form the window tested for every topic. With
    fewer than ``min_periods`` such periods this raises rather than returning a
    table of meaningless trends. Note that with the normal approximation fewer than
    about 6 periods cannot reach q < 0.05 across several topics, so such tables come
    out all "flat".

    Args:
        period_counts: Output of :func:`topic_period_counts`.
        labels: Topic id -> label (``"Topic <id>"`` when missing).
        alpha: Threshold on q for "growing"/"fading".
        min_periods: Fewest usable periods to test a trend.
        min_period_docs: Fewest dated papers for a period to be used.
        burst_s: ``s`` of :func:`~landscape.stats.trend_tests.kleinberg_bursts`.
        burst_gamma: ``gamma`` of :func:`~landscape.stats.trend_tests.kleinberg_bursts`.
        include_outliers: Give topic ``-1`` a row too.

    Returns:
        A DataFrame, one row per topic, with ``topic``, ``label``, ``n_dated``
        (papers in the window), ``first_period``, ``last_period``, ``n_periods``,
        ``first_share``, ``last_share``, ``mean_share``, ``slope`` (Sen's slope in
        share per period), ``tau``, ``z``, ``p``, ``q``, ``direction``
        (``"growing"``, ``"fading"`` or ``"flat"``), ``bursts`` (list of
        ``{start, end, weight}`` dicts) and ``evidence`` (a sentence). Rows are
        growing themes, then fading themes, then flat ones, each by strength of
        evidence (``|z|``, largest first).

    Raises:
        NotEnoughPeriodsError: Fewer than ``min_periods`` usable periods.
        LandscapeError: ``alpha`` outside (0, 1) or invalid burst parameters.
    """
    if not 0 < alpha < 1:
        raise LandscapeError(f"alpha must be in (0, 1); got {alpha}")
    if burst_s <= 1 or burst_gamma < 0:
        raise LandscapeError(f"need burst_s > 1 and burst_gamma >= 0; got {burst_s}, {burst_gamma}")
    freq = period_counts.freq
    totals = period_counts.totals
    window = list(totals.index[totals >= max(min_period_docs, 1)])
    if len(window) < max(min_periods, 2):
        span = f" ({_name(window[0], freq)}-{_name(window[-1], freq)})" if len(window) else ""
        raise NotEnoughPeriodsError(
            f"not enough periods for a trend: {len(window)} {freq}s with >= {min_period_docs} "
            f"dated papers{span}, need at least {min_periods}; use a finer freq or a lower "
            "min_period_docs"
        )
    counts = period_counts.counts.loc[window]
    totals = totals.loc[window]
    shares = counts.div(totals, axis=0)
    labels = dict(labels or {})
    rows = []
    for topic in counts.columns:
        if topic == -1 and not include_outliers:
            continue
        series = shares[topic]
        test = mann_kendall(series.to_numpy())
        bursts = kleinberg_bursts(counts[topic], totals, s=burst_s, gamma=burst_gamma)
        rows.append(
            {
                "topic": int(topic),
                "label": labels.get(int(topic))
                or ("Outliers" if topic == -1 else f"Topic {topic}"),
                "n_dated": int(counts[topic].sum()),
                "first_period": window[0],
                "last_period": window[-1],
                "n_periods": len(window),
                "first_share": float(series.iloc[0]),
                "last_share": float(series.iloc[-1]),
                "mean_share": float(counts[topic].sum() / totals.sum()),
                "slope": test.slope,
                "tau": test.tau,
                "z": test.z,
                "p": test.p,
                "bursts": [asdict(b) for b in bursts],
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["q"] = benjamini_hochberg(table["p"].to_numpy())
    significant = table["q"] < alpha
    table["direction"] = np.where(
        significant & (table["tau"] > 0),
        "growing",
        np.where(significant & (table["tau"] < 0), "fading", "flat"),
    )
    table["evidence"] = [_evidence(row, freq) for row in table.itertuples(index=False)]
    rank = table["direction"].map({"growing": 0, "fading": 1, "flat": 2})
    # Strongest evidence first; Sen's slope is 0 for a theme that is absent in most
    # periods (new fields), so it would rank the most clearly emerging themes last.
    table = table.assign(_rank=rank, _strength=-table["z"].abs(), _size=-table["slope"].abs())
    table = table.sort_values(["_rank", "_strength", "_size", "topic"], kind="stable")
    columns = [
        c for c in table.columns if not c.startswith("_") and c not in ("bursts", "evidence")
    ]
    return table[[*columns, "bursts", "evidence"]].reset_index(drop=True)


def _name(period: Any, freq: str) -> str:
    """A period as text: ``2019``, ``2019Q1`` or ``2019-01``."""
    if freq == "year":
        return str(period)
    return str(pd.Period(str(period), freq=_CODE[freq]))


def _span(start: Any, end: Any, freq: str) -> str:
    first, last = _name(start, freq), _name(end, freq)
    return first if first == last else f"{first}-{last}"


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%" if share >= 0.01 or share == 0 else f"{100 * share:.2f}%"


def _evidence(row: Any, freq: str) -> str:
    """One sentence of evidence for a row of the trend table."""
    text = (
        f"share {_percent(row.first_share)} -> {_percent(row.last_share)} over "
        f"{_span(row.first_period, row.last_period, freq)} (Sen slope "
        f"{100 * row.slope:+.2g} points per {_UNIT[freq]}), Mann-Kendall tau {row.tau:+.2f}, "
        f"q={row.q:.2g}"
    )
    if row.direction == "flat":
        text = "no clear trend: " + text
    if row.bursts:
        spans = ", ".join(_span(b["start"], b["end"], freq) for b in row.bursts)
        text += f"; burst{'s' if len(row.bursts) > 1 else ''} {spans}"
    return text
