"""MemoCountVectorizer gives scikit-learn's counts, computed once per fit."""

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from landscape.fit.counting import MemoCountVectorizer

DOCS = [
    "graph neural networks for molecules",
    "protein folding with graph networks",
    "monetary policy and inflation expectations",
    "graph neural networks graph neural networks",
]
KW = {"ngram_range": (1, 2), "stop_words": ["for", "and", "with"]}


def _same(a, b):
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    assert (a != b).nnz == 0


def test_counts_and_names_equal_scikit_learns():
    ours, theirs = MemoCountVectorizer(**KW), CountVectorizer(**KW)
    _same(ours.fit_transform(DOCS), theirs.fit_transform(DOCS))
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    queries = [DOCS[2], "unseen text about graph folding", DOCS[0], DOCS[2], "", DOCS[3]]
    for _ in range(2):  # the second round is served from memory
        _same(ours.transform(queries), theirs.transform(queries))
    _same(ours.transform([]), theirs.transform([]))


def test_repeated_documents_are_counted_once(monkeypatch):
    ours = MemoCountVectorizer(**KW)
    ours.fit(DOCS)
    calls = []
    original = CountVectorizer.transform

    def counting(self, docs):
        calls.append(list(docs))
        return original(self, docs)

    monkeypatch.setattr(CountVectorizer, "transform", counting)
    ours.transform(DOCS)  # every text was seen by the fit
    ours.transform(["new text", "new text", DOCS[1]])
    ours.transform(["new text"])
    assert calls == [["new text"]]


def test_refit_forgets_the_old_vocabulary_and_pickles_without_memory():
    ours = MemoCountVectorizer(**KW)
    ours.fit(DOCS)
    first = ours.transform([DOCS[0]])
    ours.fit(["completely different words here"])
    assert ours.transform([DOCS[0]]).nnz == 0
    assert first.nnz > 0
    clone = pickle.loads(pickle.dumps(ours))
    assert not hasattr(clone, "_memo")
    assert list(clone.get_feature_names_out()) == list(ours.get_feature_names_out())
    _same(clone.transform(DOCS), ours.transform(DOCS))
    with pytest.raises(ValueError):
        ours.transform("a single string")
    assert np.array_equal(ours.transform(DOCS[:1]).toarray(), clone.transform(DOCS[:1]).toarray())
