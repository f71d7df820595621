import numpy as np
import pandas as pd
import pytest

from conftest import strings, tags
from landscape.errors import InputError, LandscapeError
from landscape.maps.trends import theme_trends_figure, trend_strength_figure
from landscape.stats.trends import (
    NotEnoughPeriodsError,
    theme_trends,
    topic_period_counts,
    trends_from_counts,
)

YEARS = list(range(2010, 2020))
HOSTILE = '<script>alert("x")</script> %{y} growth'
LABELS = {
    -1: "Outliers",
    0: HOSTILE,
    1: "fading <img src=x onerror=alert(1)>",
    2: "flat",
    3: "flat with a burst",
    4: "emerging",
}


def share_of(topic: int, i: int) -> float:
    """Planted share of each topic in year index i (0..9)."""
    return {
        0: 0.05 + 0.03 * i,  # steady growth
        1: 0.40 - 0.03 * i,  # steady decline
        2: 0.20,  # constant share while the field grows
        3: 0.20 if i in (5, 6) else 0.05,  # a two-year burst, no trend
        4: 0.10 if i >= 6 else 0.0,  # appears in 2016 and stays
    }[topic]


def make_corpus():
    """1,900 dated papers over 2010-2019 (totals grow 100 -> 280) plus 7 undated ones."""
    topics, dates = [], []
    for i, year in enumerate(YEARS):
        total = 100 + 20 * i
        counts = {t: round(share_of(t, i) * total) for t in range(5)}
        counts[-1] = total - sum(counts.values())
        for topic, n in counts.items():
            topics += [topic] * n
            dates += [f"{year}-{1 + k % 12:02d}-15" for k in range(n)]
    topics += [0, 1, 2, 2, 3, -1, 4]
    dates += [None, None, None, "", "", None, ""]
    doc_ids = [f"d{k:05d}" for k in range(len(topics))]
    documents = pd.DataFrame(
        {"doc_id": doc_ids, "topic": topics, "topic_label": [LABELS[t] for t in topics]}
    )
    years = [int(d[:4]) if d else None for d in dates]
    corpus = pd.DataFrame({"doc_id": doc_ids, "date": dates, "year": pd.array(years, "Int64")})
    # The corpus order differs from the documents' so the join by doc_id is tested.
    return documents, corpus.iloc[::-1].reset_index(drop=True)


@pytest.fixture(scope="module")
def data():
    return make_corpus()


@pytest.fixture(scope="module")
def table(data):
    return theme_trends(*data)


# --------------------------------------------------------------------------- counts


def test_topic_period_counts_years(data):
    documents, corpus = data
    before = (documents.copy(deep=True), corpus.copy(deep=True))
    pc = topic_period_counts(documents, corpus)
    pd.testing.assert_frame_equal(documents, before[0])
    pd.testing.assert_frame_equal(corpus, before[1])
    assert pc.date_col == "date" and pc.freq == "year"
    assert list(pc.counts.index) == YEARS
    assert pc.n_undated == 7 and pc.n_dated == len(documents) - 7
    assert int(pc.counts.to_numpy().sum()) == pc.n_dated
    assert (pc.totals == pc.counts.sum(axis=1)).all()
    assert list(pc.totals) == [100 + 20 * i for i in range(10)]
    assert set(pc.counts.columns) == {-1, 0, 1, 2, 3, 4}
    assert np.allclose(pc.shares.sum(axis=1), 1.0)


def test_topic_period_counts_gaps_fallback_and_quarters(data):
    documents, corpus = data
    sparse = corpus.assign(date=[None] * len(corpus))
    sparse.loc[sparse["year"] == 2012, "year"] = 2008
    pc = topic_period_counts(documents, sparse)  # empty `date`: falls back to `year`
    assert pc.date_col == "year"
    assert list(pc.counts.index) == list(range(2008, 2020))
    assert pc.totals.loc[2009] == 0 and pc.totals.loc[2012] == 0  # gaps are zero rows
    quarters = topic_period_counts(documents, corpus, freq="quarter")
    assert quarters.counts.index[0] == "2010-01-01" and len(quarters.counts) == 40
    assert quarters.n_dated == pc.n_dated
    inline = topic_period_counts(documents.assign(year=2015), None)
    assert list(inline.counts.index) == [2015] and inline.n_undated == 0


def test_topic_period_counts_errors(data):
    documents, corpus = data
    with pytest.raises(InputError, match="no dates"):
        topic_period_counts(documents, corpus.drop(columns=["date", "year"]))
    with pytest.raises(InputError, match="no dates"):
        topic_period_counts(documents, corpus.assign(date="", year=None))
    with pytest.raises(LandscapeError, match="freq"):
        topic_period_counts(documents, corpus, freq="decade")


# --------------------------------------------------------------------------- trend table


def test_theme_trends_finds_planted_directions(table):
    by_topic = table.set_index("topic")
    assert by_topic.loc[0, "direction"] == "growing"
    assert by_topic.loc[1, "direction"] == "fading"
    assert by_topic.loc[4, "direction"] == "growing"  # absent, then present: emerging
    assert by_topic.loc[2, "direction"] == "flat"  # counts grow, share does not
    assert by_topic.loc[2, "p"] == 1.0
    assert by_topic.loc[3, "direction"] == "flat"
    assert by_topic.loc[0, "slope"] == pytest.approx(0.03, abs=0.005)
    assert by_topic.loc[1, "slope"] == pytest.approx(-0.03, abs=0.005)
    assert (table["q"] >= table["p"]).all()
    assert -1 not in set(table["topic"])
    assert list(table["direction"]) == sorted(
        table["direction"], key=["growing", "fading", "flat"].index
    )
    assert table["first_period"].eq(2010).all() and table["last_period"].eq(2019).all()


def test_theme_trends_bursts_and_evidence(table):
    row = table.set_index("topic").loc[3]
    assert [(b["start"], b["end"]) for b in row["bursts"]] == [(2015, 2016)]
    assert "burst 2015-2016" in row["evidence"]
    assert row["evidence"].startswith("no clear trend")
    growing = table.set_index("topic").loc[0, "evidence"]
    assert "5.0% -> 32.1%" in growing and "2010-2019" in growing and "tau +1.00" in growing
    assert table.set_index("topic").loc[2, "bursts"] == []


def test_theme_trends_options(data):
    documents, corpus = data
    with_outliers = theme_trends(documents, corpus, include_outliers=True)
    assert -1 in set(with_outliers["topic"])
    assert with_outliers.set_index("topic").loc[-1, "label"] == "Outliers"
    pc = topic_period_counts(documents, corpus)
    unlabelled = trends_from_counts(pc)
    assert unlabelled.set_index("topic").loc[2, "label"] == "Topic 2"
    strict = trends_from_counts(pc, min_period_docs=150)  # drops 2010-2012
    assert strict["first_period"].eq(2013).all() and strict["n_periods"].eq(7).all()
    with pytest.raises(LandscapeError, match="alpha"):
        trends_from_counts(pc, alpha=1.5)


def test_theme_trends_needs_enough_periods(data):
    documents, corpus = data
    short = corpus[corpus["year"].isin([2017, 2018, 2019])]
    with pytest.raises(NotEnoughPeriodsError, match="not enough periods") as caught:
        theme_trends(documents, short)
    assert isinstance(caught.value, InputError)
    assert "2017-2019" in str(caught.value)
    # finer periods give enough of them
    quarterly = theme_trends(documents, short, freq="quarter")
    assert quarterly["n_periods"].eq(12).all()
    assert "2017Q1-2019Q4" in quarterly["evidence"].iloc[0]


# --------------------------------------------------------------------------- figures


def assert_no_markup(fig):
    found = list(strings(fig.to_plotly_json()))
    for text in found:
        assert tags(text) <= {"br", "b", "extra"}, text
        assert "%{y}" not in text  # a label never becomes a template placeholder
    assert any("&lt;script&gt;" in t for t in found)  # the hostile label shows, escaped


def test_theme_trends_figure(data, table):
    documents, corpus = data
    pc = topic_period_counts(documents, corpus)
    fig = theme_trends_figure(table, pc, top_n=5, width=900)
    assert len(fig.data) == 3  # two growing, one fading
    assert [t.legendgroup for t in fig.data] == ["growing", "growing", "fading"]
    for trace in fig.data:
        assert list(trace.x) == YEARS
        assert all(0 <= y <= 1 for y in trace.y)
    emerging = next(t for t in fig.data if t.name == "emerging")
    in_burst = [x for x, size in zip(emerging.x, emerging.marker.size, strict=True) if size > 6]
    bursts = table.set_index("topic").loc[4, "bursts"]
    assert in_burst and in_burst[0] == bursts[0]["start"] and in_burst[-1] == bursts[-1]["end"]
    assert fig.layout.width == 900
    assert_no_markup(fig)
    assert len(theme_trends_figure(table, pc, top_n=1).data) == 2
    colors = {int(t): "#0a0b0c" for t in table["topic"]}
    named = theme_trends_figure(table, pc, colors=colors, noun="topics")
    assert {t.line.color for t in named.data} == {"#0a0b0c"}
    assert [a.text for a in named.layout.annotations][:2] == ["Growing topics", "Fading topics"]


def test_trend_strength_figure(table):
    fig = trend_strength_figure(table, title="Strength")
    assert [t.name for t in fig.data] == ["Growing themes", "Fading themes"]
    assert all(x > 0 for x in fig.data[0].x) and all(x < 0 for x in fig.data[1].x)
    assert sum(len(t.x) for t in fig.data) == int((table["direction"] != "flat").sum())
    assert_no_markup(fig)


def test_figures_without_trends_say_so(data, table):
    flat = table.assign(direction="flat")
    pc = topic_period_counts(*data)
    for fig in (theme_trends_figure(flat, pc), trend_strength_figure(flat)):
        assert len(fig.data) == 0
        assert "no significantly" in fig.layout.annotations[0].text.lower()
