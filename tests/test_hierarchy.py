"""Nested levels: built nested, stable, outliers the same at every level."""

import numpy as np
import scipy.sparse as sp

from landscape.fit import hierarchy


def blobs_graph(seed=0, groups=8, per=40):
    """Two super-groups of four groups each: a graph with two clear levels."""
    rng = np.random.default_rng(seed)
    n = groups * per
    group = np.repeat(np.arange(groups), per)
    rows, cols, vals = [], [], []
    for i in range(n):
        for j in rng.choice(n, 30, replace=False):
            if i == j:
                continue
            same = group[i] == group[j]
            near = group[i] // 4 == group[j] // 4
            p = 0.9 if same else 0.15 if near else 0.01
            if rng.random() < p:
                rows += [i, j]
                cols += [j, i]
                vals += [1.0, 1.0]
    g = sp.csr_matrix((vals, (rows, cols)), shape=(n, n))
    g.data[:] = 1.0
    return g, group


def test_levels_are_nested_and_themes_group_topics():
    g, _group = blobs_graph()
    levels = hierarchy.build_levels(g, seed=1, resolution=1.0, min_topic_size=10, finer=1)
    assert len(levels.labels) == 3 and levels.topic_level == 1
    themes, topics, sub = levels.labels
    for coarse, fine in ((themes, topics), (topics, sub)):
        inside = fine >= 0
        pairs = set(zip(fine[inside], coarse[inside], strict=True))
        assert len(pairs) == len(set(fine[inside]))  # each fine topic has one parent
        assert ((coarse < 0) == (fine < 0)).all()
    assert 2 <= themes.max() + 1 < topics.max() + 1
    parents = levels.parents(1)
    assert (parents[topics[topics >= 0]] == themes[topics >= 0]).all()


def test_small_corpus_level_count_rule():
    assert hierarchy.n_finer_levels(500) == 0
    assert hierarchy.n_finer_levels(10_000) == 1
    assert hierarchy.n_finer_levels(100_000) == 2


def test_too_few_topics_give_one_level_and_say_why():
    g, _ = blobs_graph(groups=2, per=30)
    levels = hierarchy.build_levels(g, seed=0, resolution=1.0, min_topic_size=5, finer=0)
    assert len(levels.labels) == 1 and levels.topic_level == 0
    assert "too few" in levels.note


def test_with_topics_keeps_nesting_for_reassigned_outliers():
    g, group = blobs_graph()
    levels = hierarchy.build_levels(g, seed=2, resolution=1.0, min_topic_size=10, finer=1)
    topics = levels.labels[1].copy()
    emb = np.eye(8)[group] + 0.01
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    # Pretend a few papers were outliers, then reassigned to a topic.
    victims = np.array([0, 50, 100])
    before = [lab.copy() for lab in levels.labels]
    for lab in before:
        lab[victims] = -1
    shaken = hierarchy.Levels(tuple(before), 1, levels.resolutions, levels.probability, 0)
    after = hierarchy.with_topics(shaken, topics, emb)
    themes, tops, sub = after.labels
    assert (tops == topics).all()
    assert (themes[victims] >= 0).all() and (sub[victims] >= 0).all()
    for coarse, fine in ((themes, tops), (tops, sub)):
        pairs = set(zip(fine, coarse, strict=True))
        assert len(pairs) == len(set(fine))
