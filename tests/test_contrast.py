import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control

from conftest import FILLER, PLANTED, planted_texts, strings, tags
from landscape.errors import InputError, LandscapeError
from landscape.maps.contrast import distinctive_terms_chart, enrichment_heatmap
from landscape.stats.contrast import (
    adjust_pvalues,
    compare_groups,
    group_membership,
    period,
    topic_enrichment,
)
from landscape.stats.terms import distinctive_terms

ALLOWED_TAGS = {"br", "b", "extra"}
HOSTILE = "<img src=x onerror=alert(1)> %{x}"


def planted_run(n=400, n_groups=4, n_topics=5, seed=0, planted=True):
    """Papers in groups g0..; topic 0 makes up 60% of g0 and ~10% elsewhere when planted."""
    rng = np.random.default_rng(seed)
    groups = [f"g{i % n_groups}" for i in range(n)]
    topics = []
    for g in groups:
        if planted and g == "g0":
            topics.append(0 if rng.random() < 0.6 else int(rng.integers(1, n_topics)))
        else:
            topics.append(int(rng.integers(0, n_topics)))
    doc_ids = [f"d{i:04d}" for i in range(n)]
    documents = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "topic": topics,
            "topic_label": [f"theme {t}" for t in topics],
        }
    )
    abstracts = []
    for g in groups:
        words = list(rng.choice(FILLER, size=12))
        if planted and g in PLANTED:
            words += list(rng.choice(PLANTED[g], size=3))
        abstracts.append(" ".join(words))
    corpus = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "title": [f"Paper {i}" for i in range(n)],
            "abstract": abstracts,
            "source_files": [[f"data/raw/{g}.txt"] for g in groups],
            "venue": groups,
        }
    )
    return documents, corpus


# --------------------------------------------------------------------------- groups


def test_group_membership_explodes_lists_and_reads_scalars():
    documents = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "topic": [0, 1, 0, 1]})
    corpus = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "files": [["x.txt", "y.txt"], ["x.txt", "x.txt"], [], None],
            "year": [2021.0, 2021.0, np.nan, 2022.0],
        }
    )
    long = group_membership(documents, corpus, by="files")
    assert sorted(map(tuple, long.to_numpy())) == [("a", "x.txt"), ("a", "y.txt"), ("b", "x.txt")]
    years = group_membership(documents, corpus, by="year")
    assert dict(zip(years["doc_id"], years["group"], strict=True)) == {
        "a": "2021",
        "b": "2021",
        "d": "2022",
    }


def test_periods_as_groups():
    documents = pd.DataFrame({"doc_id": list("abcd"), "topic": [0, 0, 1, 1]})
    corpus = pd.DataFrame(
        {"doc_id": list("abcd"), "date": ["2020-01-05", "2020-05-01", "2021-03-03", None]}
    )
    long = group_membership(documents, corpus, by="date", freq="year")
    assert long["group"].tolist() == ["2020", "2020", "2021"]
    quarters = group_membership(documents, corpus, by="date", freq="quarter")
    assert quarters["group"].tolist() == ["2020Q1", "2020Q2", "2021Q1"]


def test_period_labels_sort_and_skip_unknown():
    dates = pd.Series(["2021-02-03", "2021-11-30", None, "not a date", "2020-12-31"])
    assert period(dates, "quarter").tolist() == ["2021Q1", "2021Q4", None, None, "2020Q4"]
    assert period(dates, "month").tolist()[:2] == ["2021-02", "2021-11"]
    assert period(pd.Series([2019, 2020.5]), "year").tolist() == ["2019", None]
    with pytest.raises(InputError, match="freq"):
        period(dates, "week")


def test_group_membership_errors():
    documents = pd.DataFrame({"doc_id": ["a"], "topic": [0]})
    with pytest.raises(LandscapeError, match="no column 'venue'"):
        group_membership(documents, pd.DataFrame({"doc_id": ["a"]}), by="venue")
    with pytest.raises(InputError, match="no document has a value"):
        group_membership(documents, pd.DataFrame({"doc_id": ["a"], "venue": [None]}), by="venue")


# --------------------------------------------------------------------------- enrichment


def test_planted_enrichment_is_found():
    documents, corpus = planted_run()
    table = topic_enrichment(documents, corpus)
    hit = table[(table["group"] == "data/raw/g0.txt") & (table["topic"] == 0)].iloc[0]
    assert hit["verdict"] == "over"
    assert hit["q_value"] < 1e-6
    assert hit["log2_enrichment"] > 1 and hit["odds_ratio"] > 3
    assert hit["label"] == "theme 0"
    # The other groups are then short of topic 0 relative to their rest (which holds g0).
    others = table[(table["group"] != "data/raw/g0.txt") & (table["topic"] == 0)]
    assert (others["log2_enrichment"] < 0).all()
    # Directions agree with the shares.
    over = table[table["verdict"] == "over"]
    under = table[table["verdict"] == "under"]
    assert (over["share_in"] > over["share_rest"]).all()
    assert (under["share_in"] < under["share_rest"]).all()


def test_null_assignment_gives_few_discoveries():
    found = 0
    for seed in range(5):
        documents, corpus = planted_run(n=300, seed=seed, planted=False)
        table = topic_enrichment(documents, corpus, by="venue")
        assert len(table) == 4 * 5
        found += int((table["verdict"] != "neither").sum())
    # 100 null tests at FDR 0.05: a run with any discovery should be rare.
    assert found <= 2


def test_rest_excludes_the_group_and_outliers():
    documents, corpus = planted_run(n=120)
    documents = documents.copy()
    documents.loc[:9, "topic"] = -1  # ten outliers
    corpus = corpus.copy()
    corpus.at[10, "source_files"] = ["data/raw/g0.txt", "data/raw/g1.txt"]  # in two groups
    table = topic_enrichment(documents, corpus)
    assert -1 not in set(table["topic"])
    assert ((table["size_in"] + table["size_rest"]) == 110).all()
    sizes = table.groupby("group")["size_in"].first()
    counted = corpus.loc[10:, "source_files"].explode().value_counts()
    assert sizes.to_dict() == counted.to_dict()  # the paper in two files counts in both
    per_group = table.groupby("group")[["count_in", "count_rest"]].sum()
    assert (per_group.sum(axis=1) == 110).all()


def test_group_holding_every_paper_is_left_out():
    documents, corpus = planted_run(n=40, n_groups=2)
    corpus = corpus.assign(source_files=[["all.txt", *f] for f in corpus["source_files"]])
    table = topic_enrichment(documents, corpus)
    assert "all.txt" not in set(table["group"])
    assert len(table["group"].unique()) == 2


def test_one_group_or_empty_input_is_a_clear_error():
    documents, corpus = planted_run(n=40)
    with pytest.raises(InputError, match="at least two groups"):
        topic_enrichment(documents, corpus.assign(venue="same"), by="venue")
    with pytest.raises(InputError, match="at least two groups"):
        topic_enrichment(documents.assign(topic=-1), corpus)
    with pytest.raises(InputError, match="no column"):
        topic_enrichment(documents, corpus, by="missing")
    with pytest.raises(InputError, match="alpha"):
        topic_enrichment(documents, corpus, alpha=0)


def test_q_values_are_bh_and_monotone():
    p = np.random.default_rng(3).uniform(size=200) ** 3
    q = adjust_pvalues(p)
    order = np.argsort(p)
    assert np.all(np.diff(q[order]) >= -1e-15)
    assert np.all(q >= p - 1e-12) and np.all(q <= 1)
    np.testing.assert_allclose(q, false_discovery_control(p, method="bh"))
    np.testing.assert_allclose(adjust_pvalues(p, "by"), false_discovery_control(p, method="by"))
    documents, corpus = planted_run()
    table = topic_enrichment(documents, corpus).sort_values("p_value")
    assert table["q_value"].is_monotonic_increasing
    with pytest.raises(InputError):
        adjust_pvalues([0.2, 1.5])


def test_inputs_not_mutated():
    documents, corpus = planted_run(n=80)
    before = documents.copy(deep=True), corpus.copy(deep=True)
    topic_enrichment(documents, corpus)
    compare_groups(documents, corpus, min_count=2)
    pd.testing.assert_frame_equal(documents, before[0])
    pd.testing.assert_frame_equal(corpus, before[1])


# --------------------------------------------------------------------------- together


def test_compare_groups_names_each_groups_theme_and_words():
    documents, corpus = planted_run(n=200)
    result = compare_groups(documents, corpus, top_n=5, min_count=3)
    summary = result.summary.set_index("group")
    assert summary.loc["data/raw/g0.txt", "over"][0] == 0
    assert summary.loc["data/raw/g0.txt", "over_labels"][0] == "theme 0"
    assert set(summary.loc["data/raw/g0.txt", "top_terms"][:3]) == set(PLANTED["g0"])
    assert set(summary.loc["data/raw/g1.txt", "top_terms"][:3]) == set(PLANTED["g1"])
    assert (summary["size"] == 50).all()
    terms = result.terms
    assert set(terms["group"]) == set(summary.index)
    assert set(terms.loc[terms["group"] == "data/raw/g2.txt", "side"]) <= {
        "data/raw/g2.txt",
        "rest",
    }


# --------------------------------------------------------------------------- figures


def assert_safe(fig):
    found = list(strings(fig.to_plotly_json()))
    for text in found:
        assert tags(text) <= ALLOWED_TAGS, text
        assert "<img" not in text and "alert(1)> %{x}" not in text, text
    return found


def test_enrichment_heatmap_marks_significant_cells_and_escapes():
    documents, corpus = planted_run(n=200)
    documents = documents.assign(
        topic_label=documents["topic_label"].where(documents["topic"] != 1, HOSTILE)
    )
    corpus = corpus.assign(venue=corpus["venue"].replace("g3", HOSTILE))
    table = topic_enrichment(documents, corpus, by="venue")
    fig = enrichment_heatmap(table, width=800, height=None)
    heat = fig.data[0]
    assert np.asarray(heat.z).shape == (4, 5)
    significant = table[table["q_value"] < 0.05]
    assert (np.asarray(heat.text) != "").sum() == len(significant) > 0
    assert heat.zmin == -heat.zmax and fig.layout.width == 800
    found = assert_safe(fig)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in t for t in found)
    assert enrichment_heatmap(table.iloc[:0]).data == ()


def test_terms_chart_diverges_and_escapes():
    a, b = planted_texts()
    terms = distinctive_terms(a, b, top_n=4, labels=(HOSTILE, "data/raw/b.txt"))
    fig = distinctive_terms_chart(terms, title="T", width=600, height=400)
    left, right = fig.data
    assert (np.asarray(left.x) > 0).all() and (np.asarray(right.x) < 0).all()
    assert len(left.x) == len(right.x) == 4
    assert right.name == "b.txt"
    # The strongest term of the first side is on top.
    top = fig.layout.yaxis.ticktext[0]
    assert top == terms.loc[terms["z"].idxmax(), "term"]
    found = assert_safe(fig)
    assert any("&lt;img" in t for t in found)
