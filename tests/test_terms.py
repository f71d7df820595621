import numpy as np
import pytest

from conftest import FILLER, PLANTED, planted_texts
from landscape.errors import InputError
from landscape.stats.terms import distinctive_terms


def test_log_odds_finds_the_planted_words():
    a, b = planted_texts()
    terms = distinctive_terms(a, b, top_n=5, ngram_range=(1, 1), labels=("A", "B"))
    top_a = set(terms.loc[terms["side"] == "A", "term"].head(3))
    top_b = set(terms.loc[terms["side"] == "B", "term"].head(3))
    assert top_a == set(PLANTED["g0"]) and top_b == set(PLANTED["g1"])
    assert (terms.loc[terms["side"] == "A", "z"] > 0).all()
    assert (terms.loc[terms["side"] == "B", "z"] < 0).all()
    planted = terms[terms["term"].isin(PLANTED["g0"])]
    assert (planted["z"] > 3).all() and (planted["count_b"] == 0).all()
    # Shared filler words carry no signal: well below the planted words.
    filler = distinctive_terms(a, b, top_n=20, ngram_range=(1, 1), min_docs=1)
    filler = filler[filler["term"].isin(FILLER)]
    assert len(filler) >= 5 and (filler["z"].abs() < 2).all()
    for _, ranks in terms.groupby("side")["rank"]:
        assert list(ranks) == list(range(1, len(ranks) + 1))


def test_swapping_sides_flips_signs():
    a, b = planted_texts(seed=1)
    ab = distinctive_terms(a, b, top_n=8, labels=("A", "B"))
    ba = distinctive_terms(b, a, top_n=8, labels=("B", "A"))
    for side in ("A", "B"):
        left = ab[ab["side"] == side].set_index("term")
        right = ba[ba["side"] == side].set_index("term")
        assert list(left.index) == list(right.index)
        np.testing.assert_allclose(left["z"], -right["z"])
        np.testing.assert_array_equal(left["count_a"], right["count_b"])


def test_prior_size_and_min_docs():
    a, b = planted_texts(seed=2)
    a = [*a, "zebra " * 30]  # one text repeating a word
    loose = distinctive_terms(a, b, min_docs=1, ngram_range=(1, 1))
    strict = distinctive_terms(a, b, min_docs=2, ngram_range=(1, 1))
    assert "zebra" in set(loose["term"]) and "zebra" not in set(strict["term"])
    # A heavier prior shrinks the contrast of the same word.
    light = distinctive_terms(a, b, prior_size=50, ngram_range=(1, 1)).set_index("term")
    heavy = distinctive_terms(a, b, prior_size=5000, ngram_range=(1, 1)).set_index("term")
    assert heavy.loc["quantum", "log_odds"] < light.loc["quantum", "log_odds"]


def test_distinctive_terms_errors():
    with pytest.raises(InputError, match="both sides"):
        distinctive_terms([], ["some words here"])
    with pytest.raises(InputError, match="no terms"):
        distinctive_terms(["the and of"], ["12 34"])
    with pytest.raises(InputError, match="prior_size"):
        distinctive_terms(["quantum photon"], ["enzyme kinase"], prior_size=0)
