import numpy as np
import pytest

from conftest import blobs
from landscape.fit import cluster
from landscape.fit.knn import knn_graph
from landscape.fit.layout import fuzzy_graph
from landscape.fit.quality import label_agreement, pairwise_ari


def test_consensus_leiden_recovers_blobs_and_is_stable():
    x, truth = blobs()
    graph = fuzzy_graph(knn_graph(x, 10))
    runs = [cluster.consensus_leiden(graph, seed=s, n_runs=5, min_topic_size=5) for s in range(3)]
    for r in runs:
        assert label_agreement(r.labels, truth)["ari"] > 0.9
        assert ((r.probability >= 0) & (r.probability <= 1)).all()
        assert r.n_iterations >= 1
    assert pairwise_ari([r.labels for r in runs])["mean"] > 0.95


def test_consensus_is_deterministic_for_a_seed():
    x, _ = blobs(rng=3)
    graph = fuzzy_graph(knn_graph(x, 10))
    a = cluster.consensus_leiden(graph, seed=7, n_runs=4)
    b = cluster.consensus_leiden(graph, seed=7, n_runs=4)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.probability, b.probability)


def test_labels_are_sorted_by_size_and_small_groups_are_outliers():
    labels = np.array([5, 5, 5, 2, 2, 9, 9, 9, 9, 7])
    out = cluster.canonical(labels, min_size=2)
    assert out.tolist() == [1, 1, 1, 2, 2, 0, 0, 0, 0, -1]


def test_umap_hdbscan_runs_on_the_shared_graph():
    x, truth = blobs()
    knn = knn_graph(x, 10)
    result = cluster.umap_hdbscan(knn, seed=0, min_topic_size=10)
    assert result.labels.shape == truth.shape
    assert label_agreement(result.labels, truth)["ari"] > 0.8


def test_reduce_outliers_reaches_target_without_mutating_input():
    x, truth = blobs()
    labels = truth.copy()
    labels[::4] = -1
    before = labels.copy()
    out = cluster.reduce_outliers(x, labels, target=0.05)
    np.testing.assert_array_equal(labels, before)
    assert np.mean(out == -1) <= 0.05 + 1 / len(out)
    moved = (before == -1) & (out != -1)
    assert (out[moved] == truth[moved]).mean() > 0.9
    # A floor no outlier reaches moves nothing.
    kept = cluster.reduce_outliers(x, labels, target=0.0, min_similarity=1.01)
    np.testing.assert_array_equal(kept, before)


@pytest.mark.parametrize(("n", "expected"), [(10, 5), (682, 5), (10_000, 50), (1_000_000, 100)])
def test_auto_min_topic_size(n, expected):
    assert cluster.auto_min_topic_size(n) == expected


def test_co_association_is_a_symmetric_share_of_runs():
    x, truth = blobs(rng=5)
    graph = fuzzy_graph(knn_graph(x, 10))
    together = cluster.co_association(graph, np.array([0.5, 1.0]), n_runs=3, seed=0)
    assert together.shape == (len(x), len(x))
    np.testing.assert_allclose(together, together.T)
    np.testing.assert_allclose(np.diag(together), 1.0)
    assert ((together >= 0) & (together <= 1)).all()
    # Six runs: every entry is a whole number of sixths.
    np.testing.assert_allclose(together * 6, np.round(together * 6), atol=1e-9)
    same = truth[:, None] == truth[None, :]
    assert together[same].mean() > 0.9 > 0.1 > together[~same].mean()
