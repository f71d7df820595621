"""Label evidence and fit (landscape.labels.evidence)."""

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import terms
from landscape.errors import InputError
from landscape.labels.evidence import (
    EVIDENCE_COLUMNS,
    GENERIC_RATIO,
    LOW_FIT,
    label_evidence,
    label_terms,
    term_hits,
    verdicts,
)
from landscape.labels.overrides import apply_labels
from landscape.runs import load_run, write_run

# ----------------------------------------------------------------------- matching


def test_label_terms_split_labels_into_searchable_terms():
    assert label_terms("vision-language models · vision language · visual representation") == [
        "vision-language models",
        "vision language",
        "visual representation",
    ]
    assert label_terms("Graph neural networks") == ["Graph neural networks"]
    assert label_terms("Retrieval and ranking; recommendation") == [
        "Retrieval",
        "ranking",
        "recommendation",
    ]
    # Repeats after normalisation and stop-word-only parts add nothing to look for.
    assert label_terms("language models · Language Model · the") == ["language models"]
    assert label_terms("(no terms)") == []


def test_term_hits_match_phrases_like_the_vectorizer():
    texts = [
        "GRAPH Neural Networks for molecules",  # case
        "a graph neural network",  # plural folding
        "vision-language pretraining",  # hyphen read as a space
        "learning the causal structure",  # stop words skipped, as in the bigram counts
        "neural graph networks",  # words out of order
        "a paragraph about graphics",  # no match inside words
    ]
    hits = term_hits(
        ["graph neural networks", "vision language", "learning causal", "graph"], texts
    )
    assert hits.shape == (6, 4)
    assert hits[:, 0].tolist() == [True, True, False, False, False, False]
    assert hits[:, 1].tolist() == [False, False, True, False, False, False]
    assert hits[:, 2].tolist() == [False, False, False, True, False, False]
    assert hits[:, 3].tolist() == [True, True, False, False, True, False]


# ----------------------------------------------------------------------- evidence


def test_label_evidence_measures_fit_against_the_rest_of_the_corpus(tables):
    topics, documents, corpus = tables
    before = [t.copy(deep=True) for t in tables]
    ev = label_evidence(topics, documents, corpus, n_titles=3, n_terms=2)

    assert list(ev.columns) == list(EVIDENCE_COLUMNS)
    assert ev["topic"].tolist() == [-1, 0, 1]
    g = ev.set_index("topic").loc[0]
    # g0 has both terms, g1 "graph neural", g2 "message-passing", g3 neither.
    assert g["label_terms"] == ["graph neural", "message passing"]
    assert g["label_fit"] == pytest.approx(3 / 4)
    assert g["label_fit_all"] == pytest.approx(1 / 4)
    # Of the 6 other papers (outliers included) only d2 says "graph neural".
    assert g["background_fit"] == pytest.approx(1 / 6)
    assert g["background_fit_all"] == 0
    assert g["representative_titles"] == [
        "Deep GRAPH NEURAL nets",
        "Graph neural networks",
        "Oversmoothing",
    ]
    assert g["representative_doc_ids"] == ["g1", "g0", "g2"]
    assert g["terms"] == terms(("graph neural", 0.9), ("message passing", 0.8))
    assert (g["label_source"], g["auto_label"], g["n_docs"]) == ("auto", g["label"], 4)

    d = ev.set_index("topic").loc[1]
    # "diffusion model(s)" in d0, d1; "denoising" in d0, d3.
    assert d["label_fit"] == pytest.approx(3 / 4)
    assert d["label_fit_all"] == pytest.approx(1 / 4)
    assert d["background_fit"] == 0

    # A table without levels is one level, its names the automatic labels.
    assert (ev["level"] == 0).all() and (ev["parent"] == -1).all()
    assert ev["name"].tolist() == ev["auto_label"].tolist()
    assert ev["name_coverage"].isna().all() and ev["name_distinctiveness"].isna().all()

    outliers = ev.set_index("topic").loc[-1]
    assert outliers["label_terms"] == []
    assert math.isnan(outliers["label_fit"]) and math.isnan(outliers["background_fit"])
    for old, new in zip(before, tables, strict=True):
        pd.testing.assert_frame_equal(old, new)


def test_label_evidence_scores_user_labels(tables, tmp_path):
    topics, documents, corpus = tables
    new_topics, _ = apply_labels(topics, documents, {1: "Image generation"})
    ev = label_evidence(new_topics, documents, corpus).set_index("topic")
    assert ev.loc[1, "label_source"] == "user"
    assert ev.loc[1, "auto_label"] == "diffusion models · denoising"
    assert ev.loc[1, "label_terms"] == ["Image generation"]
    # Only d3 says "image generation"; nobody else does.
    assert ev.loc[1, "label_fit"] == pytest.approx(1 / 4)
    assert ev.loc[1, "background_fit"] == 0


def test_label_evidence_rejects_documents_missing_from_the_corpus(tables):
    topics, documents, corpus = tables
    with pytest.raises(InputError, match="'g3'"):
        label_evidence(topics, documents, corpus[corpus["doc_id"] != "g3"])


# ----------------------------------------------------------------------- verdicts


def assert_verdicts_follow_the_fits(ev):
    """The verdict columns of every row, from its fits (module docstring, "Verdicts")."""
    for row in ev.itertuples():
        fit, background = row.label_fit, row.background_fit
        if not row.label_terms:
            assert math.isnan(fit)
            assert (row.generic, row.weak, row.verdict) == (False, False, "")
            continue
        generic = not math.isnan(background) and background >= GENERIC_RATIO * fit
        assert row.generic == generic, row
        assert row.weak == (generic or fit < LOW_FIT), row
        expected = "generic" if generic else "low fit" if fit < LOW_FIT else "ok"
        assert row.verdict == expected, row
    assert ev["generic"].dtype == bool and ev["weak"].dtype == bool
    # A generic label is always weak; an "ok" label never is.
    assert (ev["weak"] | ~ev["generic"]).all()
    assert not ev.loc[ev["verdict"] == "ok", "weak"].any()


def test_verdicts_name_generic_and_low_fit_labels(tables):
    topics, documents, corpus = tables
    ev = label_evidence(topics, documents, corpus).set_index("topic")
    # 3/4 of the topic, 1/6 of the rest: specific and well supported.
    assert ev.loc[0, ["generic", "weak", "verdict"]].tolist() == [False, False, "ok"]
    assert ev.loc[-1, "verdict"] == ""  # the outliers have no label terms

    renamed, _ = apply_labels(
        topics, documents, {0: "graph neural · diffusion", 1: "Image generation"}
    )
    ev = label_evidence(renamed, documents, corpus).set_index("topic")
    # g0, g1 of topic 0 (2/4); d0, d1, d2 of the 6 others (3/6): names the field.
    assert (ev.loc[0, "label_fit"], ev.loc[0, "background_fit"]) == (0.5, 0.5)
    assert ev.loc[0, ["generic", "weak", "verdict"]].tolist() == [True, True, "generic"]
    # Only d3 says "image generation" (1/4 < 1/3), nobody else: specific but rare.
    assert ev.loc[1, ["generic", "weak", "verdict"]].tolist() == [False, True, "low fit"]
    assert_verdicts_follow_the_fits(ev.reset_index())


shares = st.one_of(st.just(float("nan")), st.floats(0, 1))


@given(fit=shares, background=shares, more=st.floats(0, 1))
def test_verdict_properties(fit, background, more):
    v = verdicts(fit, background)
    assert set(v) == {"generic", "weak", "verdict"}
    assert v["verdict"] in {"", "ok", "low fit", "generic"}
    if math.isnan(fit):  # no label terms: no verdict
        assert v == {"generic": False, "weak": False, "verdict": ""}
        return
    assert v["generic"] == (not math.isnan(background) and background >= GENERIC_RATIO * fit)
    assert v["weak"] == (v["generic"] or fit < LOW_FIT)
    assert (v["verdict"] == "ok") == (not v["weak"])
    assert (v["verdict"] == "generic") == v["generic"]
    if not math.isnan(background):
        # A label common in the rest of the corpus is no more specific ...
        if v["generic"]:
            assert verdicts(fit, max(background, more))["generic"]
        # ... and one that names more of its own papers is no weaker.
        if not v["weak"]:
            assert not verdicts(max(fit, more), background)["weak"]


# ----------------------------------------------------------------------- a fitted run


@pytest.fixture(scope="module")
def fitted_run(themes, theme_fit, tmp_path_factory):
    """A run fitted on the themes corpus, written and read back."""
    base = tmp_path_factory.mktemp("evidence")
    corpus_path = base / "corpus.parquet"
    themes.to_parquet(corpus_path, index=False)
    write_run(theme_fit, base / "run")
    return load_run(base / "run", corpus_path)


def test_label_evidence_on_a_fitted_run(fitted_run):
    topics, documents = fitted_run.topics, fitted_run.documents
    ev = label_evidence(topics, documents, fitted_run.corpus)
    themes = ev[ev["topic"] != -1]
    assert len(themes) >= 3
    assert len(ev) == len(topics)
    assert themes["n_docs"].sum() == (documents["topic"] != -1).sum()
    assert themes["representative_titles"].map(len).eq(3).all()
    for col in ("label_fit", "label_fit_all", "background_fit", "background_fit_all"):
        assert themes[col].between(0, 1).all(), col
    assert (themes["label_fit_all"] <= themes["label_fit"]).all()
    # Automatic labels are drawn from the topic's own words: they fit it far better
    # than they fit the rest of the corpus.
    assert (themes["label_fit"] > themes["background_fit"]).all()
    assert themes["label_fit"].mean() > 3 * themes["background_fit"].mean()
    assert_verdicts_follow_the_fits(ev)
    # Four well separated themes: no automatic label names the whole corpus.
    assert not themes["generic"].any()


def test_label_evidence_at_every_level(fitted_run):
    levels, documents = fitted_run.all_topics, fitted_run.documents
    ev = label_evidence(levels, documents, fitted_run.corpus)
    assert ev["topic"].tolist() == levels["topic"].tolist()
    assert set(ev["level"]) == {0, 1}
    named = ev[ev["topic"] != -1]
    # Each topic is scored on its own level's papers: the themes' too.
    assert (named["n_docs"] == named["size"]).all()
    for level, rows in named.groupby("level"):
        assert rows["n_docs"].sum() == (documents[f"level_{level}"] != -1).sum()
    themes = named[named["level"] == 0]
    assert (themes["parent"] == -1).all()
    assert set(named.loc[named["level"] == 1, "parent"]) <= set(themes["topic"])
    assert (themes["label_fit"] > themes["background_fit"]).all()
    assert_verdicts_follow_the_fits(ev)
    # The extractive name and its evidence come along.
    assert ev["name"].tolist() == levels["name"].tolist()
    assert named["name_coverage"].between(0, 1).all()
    assert (named["name_distinctiveness"] > 1).all()
    assert named["representative_titles"].map(len).eq(3).all()
    # The topics level scores as it does on its own.
    alone = label_evidence(fitted_run.topics, documents, fitted_run.corpus)
    pd.testing.assert_frame_equal(
        ev[ev["level"] == 1].reset_index(drop=True), alone.reset_index(drop=True)
    )
