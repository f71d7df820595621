"""Statistical tests for series per period: trend, false discovery rate, bursts.

- :func:`mann_kendall`: the Mann-Kendall trend test (tie-corrected) with Sen's slope.
- :func:`benjamini_hochberg`: q-values across several tests (false discovery rate).
- :func:`kleinberg_bursts`: Kleinberg's (2002) two-state burst model for counts out
  of totals per period (binomial "enumerating" model, Viterbi decoding).

:mod:`landscape.stats.trends` applies them to each topic's share of the papers per period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class MannKendall:
    """Result of :func:`mann_kendall`.

    Attributes:
        n: Number of finite values tested.
        s: The S statistic: concordant minus discordant pairs.
        var_s: Variance of S under no trend, corrected for ties.
        tau: Kendall's tau-b of the values against time (0 when all values tie).
        z: Normal score of S (with continuity correction unless turned off).
        p: Two-sided p-value.
        slope: Sen's slope: median of pairwise slopes, in units per step.
        intercept: Value of the Sen line at step 0 (median of ``y - slope * t``).
    """

    n: int
    s: float
    var_s: float
    tau: float
    z: float
    p: float
    slope: float
    intercept: float


@dataclass(frozen=True)
class Burst:
    """A run of periods in the burst state of :func:`kleinberg_bursts`.

    Attributes:
        start: First period of the burst (label, or position without labels).
        end: Last period of the burst, inclusive.
        weight: Cost saved by the burst state over the run (nats); larger is stronger.
    """

    start: Any
    end: Any
    weight: float


def mann_kendall(values: Sequence[float] | np.ndarray, continuity: bool = True) -> MannKendall:
    """Mann-Kendall test for a monotone trend in an equally spaced series.

    NaN values are dropped; the remaining values keep their time steps, so Sen's
    slope is still per step. Ties (e.g. several periods with share 0) reduce the
    variance of S as in Kendall (1975).

    Args:
        values: The series in time order; shape (n_periods,).
        continuity: Apply the usual continuity correction (S -/+ 1) to z. Without
            it, ``p`` equals :func:`scipy.stats.kendalltau`'s asymptotic p-value.

    Returns:
        A :class:`MannKendall`; with fewer than 2 values or all values tied,
        ``p`` is 1 and ``tau`` 0.

    Raises:
        ValueError: ``values`` is not one-dimensional.
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {y.shape}")
    t = np.arange(len(y), dtype=float)
    finite = np.isfinite(y)
    y, t = y[finite], t[finite]
    n = len(y)
    upper = np.triu_indices(n, k=1)
    dy = (y[None, :] - y[:, None])[upper]
    s = float(np.sign(dy).sum())
    _, ties = np.unique(y, return_counts=True)
    var_s = float(n * (n - 1) * (2 * n + 5) - np.sum(ties * (ties - 1) * (2 * ties + 5))) / 18
    pairs = n * (n - 1) / 2
    tied_pairs = float(np.sum(ties * (ties - 1) / 2))
    # tau-b: time has no ties, so only the value ties shrink the denominator.
    tau = s / np.sqrt(pairs * (pairs - tied_pairs)) if pairs > tied_pairs else 0.0
    if var_s <= 0 or s == 0:
        z = 0.0
    else:
        shift = np.sign(s) if continuity else 0.0
        z = (s - shift) / np.sqrt(var_s)
    p = float(2 * stats.norm.sf(abs(z)))
    if n >= 2:
        slope = float(np.median(dy / (t[None, :] - t[:, None])[upper]))
        intercept = float(np.median(y - slope * t))
    else:
        slope = intercept = float("nan")
    return MannKendall(
        n=n, s=s, var_s=var_s, tau=float(tau), z=float(z), p=p, slope=slope, intercept=intercept
    )


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values (adjusted p-values); NaN stays NaN and is not counted.

    The finite p-values go to :func:`scipy.stats.false_discovery_control`.

    Args:
        p_values: p-values in [0, 1]; shape (m,).

    Returns:
        q-values, shape (m,), each >= its p-value and in the same order.
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if not len(finite):
        return q
    q[finite] = stats.false_discovery_control(p[finite], method="bh")
    return q


def kleinberg_bursts(
    counts: Sequence[int] | np.ndarray | pd.Series,
    totals: Sequence[int] | np.ndarray | pd.Series,
    s: float = 2.0,
    gamma: float = 1.0,
) -> list[Burst]:
    """Bursts of a topic by Kleinberg's two-state batched ("enumerating") model.

    Period t has ``counts[t]`` relevant papers out of ``totals[t]``. The base state
    emits at rate ``p0 = sum(counts) / sum(totals)``, the burst state at
    ``p1 = min(s * p0, 1 - 1e-9)``; each period costs the binomial negative
    log-likelihood of its counts, and entering the burst state costs
    ``gamma * ln(n_periods)`` (leaving it is free). The cheapest state sequence,
    starting from the base state, is found by Viterbi decoding.

    Args:
        counts: Relevant papers per period; shape (n_periods,). A Series' index
            names the periods in the result.
        totals: All papers per period; shape (n_periods,), ``totals >= counts``.
        s: Ratio of burst to base rate, > 1.
        gamma: Cost of entering a burst, in units of ``ln(n_periods)``; >= 0.

    Returns:
        The bursts in time order (empty when there is none).

    Raises:
        ValueError: Shapes differ, counts are negative or exceed totals, ``s <= 1``
            or ``gamma < 0``.
    """
    labels = list(counts.index) if isinstance(counts, pd.Series) else None
    r = np.asarray(counts, dtype=float)
    d = np.asarray(totals, dtype=float)
    if r.ndim != 1 or r.shape != d.shape:
        raise ValueError(f"counts and totals must be 1-D of one length: {r.shape}, {d.shape}")
    if np.any(r < 0) or np.any(r > d):
        raise ValueError("counts must be >= 0 and <= totals")
    if s <= 1 or gamma < 0:
        raise ValueError(f"need s > 1 and gamma >= 0; got s={s}, gamma={gamma}")
    n = len(r)
    p0 = r.sum() / d.sum() if d.sum() > 0 else 0.0
    p1 = min(s * p0, 1 - 1e-9)
    if p0 <= 0 or p1 <= p0:
        return []
    # The binomial coefficient is the same in both states, so it is left out.
    cost = np.stack([-(r * np.log(p) + (d - r) * np.log1p(-p)) for p in (p0, p1)])
    enter = gamma * np.log(n)
    path = _viterbi(cost, enter)
    edges = np.diff(np.concatenate([[0], path, [0]]))
    bursts = []
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        weight = float(np.sum(cost[0, start:stop] - cost[1, start:stop]))
        name = (labels[start], labels[stop - 1]) if labels else (int(start), int(stop - 1))
        bursts.append(Burst(start=name[0], end=name[1], weight=weight))
    return bursts


def _viterbi(cost: np.ndarray, enter: float) -> np.ndarray:
    """Cheapest 0/1 state path for per-state costs of shape (2, n); 0 -> 1 costs ``enter``."""
    n = cost.shape[1]
    back = np.zeros((2, n), dtype=int)
    total = np.array([0.0, np.inf])  # the chain starts in the base state
    for t in range(n):
        # Ties go to the base state, so a burst is only reported when it pays.
        stay0, from1 = total[0], total[1]
        back[0, t] = 0 if stay0 <= from1 else 1
        up, stay1 = total[0] + enter, total[1]
        back[1, t] = 1 if stay1 < up else 0
        total = np.array([min(stay0, from1), min(up, stay1)]) + cost[:, t]
    path = np.zeros(n, dtype=int)
    path[-1] = 0 if total[0] <= total[1] else 1
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[path[t], t]
    return path
