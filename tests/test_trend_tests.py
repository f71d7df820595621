import numpy as np
import pandas as pd
import pytest
from scipy import stats

from landscape.stats.trend_tests import benjamini_hochberg, kleinberg_bursts, mann_kendall

# --------------------------------------------------------------------------- Mann-Kendall


def test_mann_kendall_monotone_and_reversed():
    y = np.array([1.0, 2.5, 3.0, 4.2, 5.0, 6.1, 7.0, 8.3, 9.0, 10.5])
    up, down = mann_kendall(y), mann_kendall(y[::-1])
    assert up.s == 45 and up.tau == pytest.approx(1.0)
    assert up.p < 1e-3
    assert down.s == -up.s and down.tau == -up.tau and down.z == -up.z
    assert down.p == pytest.approx(up.p)
    assert up.slope > 0 and down.slope == pytest.approx(-up.slope)


def test_mann_kendall_constant_series_has_no_trend():
    result = mann_kendall(np.full(8, 0.2))
    assert result.s == 0 and result.var_s == 0
    assert result.p == 1.0 and result.tau == 0.0 and result.slope == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_mann_kendall_matches_scipy_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, size=18) + (np.arange(18) >= 9).astype(float)  # a step up
    assert len(np.unique(y)) < len(y)  # ties present
    ours = mann_kendall(y, continuity=False)
    ref = stats.kendalltau(np.arange(len(y)), y, method="asymptotic")
    assert ours.tau == pytest.approx(ref.statistic)  # tau-b
    assert ours.p == pytest.approx(ref.pvalue)
    untied_var = len(y) * (len(y) - 1) * (2 * len(y) + 5) / 18
    assert ours.var_s < untied_var  # ties shrink the variance
    # the continuity correction only ever makes the test more conservative
    assert mann_kendall(y).p >= ours.p


def test_sen_slope_is_robust_and_skips_nan():
    t = np.arange(12, dtype=float)
    y = 0.5 * t + 1.0
    y[4] = 40.0  # one wild value does not move the median slope
    assert mann_kendall(y).slope == pytest.approx(0.5)
    assert mann_kendall(y).slope == pytest.approx(stats.theilslopes(y, t).slope)
    gappy = 0.5 * t + 1.0
    gappy[[3, 7]] = np.nan
    result = mann_kendall(gappy)
    assert result.n == 10
    assert result.slope == pytest.approx(0.5)  # per step, gaps keep their place
    assert result.intercept == pytest.approx(1.0)
    with pytest.raises(ValueError):
        mann_kendall(np.ones((3, 3)))


def test_benjamini_hochberg_matches_scipy_and_keeps_nan():
    p = np.random.default_rng(0).uniform(0, 0.2, 30)
    q = benjamini_hochberg(p)
    assert np.allclose(q, stats.false_discovery_control(p))
    assert np.all(q >= p) and np.all(q <= 1)
    order = np.argsort(p)
    assert np.all(np.diff(q[order]) >= 0)  # same ranking as the p-values
    with_nan = benjamini_hochberg(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(with_nan[1])
    assert with_nan[[0, 2]] == pytest.approx([0.02, 0.04])  # m counts finite values only


# --------------------------------------------------------------------------- bursts


@pytest.mark.parametrize("seed", range(5))
def test_kleinberg_finds_planted_burst(seed):
    rng = np.random.default_rng(seed)
    rates = np.where((np.arange(20) >= 8) & (np.arange(20) <= 11), 0.08, 0.02)
    totals = np.full(20, 1000)
    counts = pd.Series(rng.binomial(totals, rates), index=range(2000, 2020))
    bursts = kleinberg_bursts(counts, totals)
    assert [(b.start, b.end) for b in bursts] == [(2008, 2011)]
    assert bursts[0].weight > 0
    plain = kleinberg_bursts(counts.to_numpy(), totals)  # no index: positions
    assert [(b.start, b.end) for b in plain] == [(8, 11)]


@pytest.mark.parametrize("seed", range(10))
def test_kleinberg_flat_series_has_no_burst(seed):
    rng = np.random.default_rng(100 + seed)
    totals = rng.integers(300, 1500, 25)
    assert kleinberg_bursts(rng.binomial(totals, 0.05), totals) == []


def test_kleinberg_gamma_makes_bursts_costlier():
    totals = np.full(15, 200)
    counts = np.full(15, 10)
    counts[7] = 24  # one moderate spike
    assert len(kleinberg_bursts(counts, totals, gamma=0.5)) == 1
    assert kleinberg_bursts(counts, totals, gamma=20.0) == []
    assert kleinberg_bursts(np.zeros(15), totals) == []  # an absent topic never bursts


def test_kleinberg_rejects_bad_input():
    with pytest.raises(ValueError):
        kleinberg_bursts([5, 3], [4, 10])  # more relevant papers than papers
    with pytest.raises(ValueError):
        kleinberg_bursts([1, 2], [10, 10, 10])
    with pytest.raises(ValueError):
        kleinberg_bursts([1, 2], [10, 10], s=1.0)
