import numpy as np
import pytest

from landscape import cluster
from landscape.quality import label_agreement, pairwise_ari


def blobs(n_per=40, k=4, dim=16, spread=0.15, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, dim))
    x = np.concatenate(
        [c + spread * rng.normal(size=(n_per, dim)) * np.linalg.norm(c) for c in centers]
    )
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), np.repeat(np.arange(k), n_per)


def test_exact_knn_matches_brute_force():
    x, _ = blobs()
    knn = cluster.knn_graph(x, 6)
    assert knn.indices.shape == (len(x), 6)
    assert (knn.indices[:, 0] == np.arange(len(x))).all()
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    expected = np.sort(-np.sort(-sims, axis=1)[:, :5], axis=1)
    got = np.sort(1 - knn.distances[:, 1:], axis=1)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert (np.diff(knn.distances, axis=1) >= -1e-6).all()


def test_approximate_knn_path_agrees_with_exact():
    x, _ = blobs(n_per=60)
    exact = cluster.knn_graph(x, 10)
    approx = cluster.knn_graph(x, 10, exact_max=10)
    overlap = np.mean(
        [len(set(a) & set(b)) / 10 for a, b in zip(exact.indices, approx.indices, strict=True)]
    )
    assert overlap > 0.9


def test_consensus_leiden_recovers_blobs_and_is_stable():
    x, truth = blobs()
    graph = cluster.fuzzy_graph(cluster.knn_graph(x, 10))
    runs = [cluster.consensus_leiden(graph, seed=s, n_runs=5, min_topic_size=5) for s in range(3)]
    for r in runs:
        assert label_agreement(r.labels, truth)["ari"] > 0.9
        assert ((r.probability >= 0) & (r.probability <= 1)).all()
        assert r.n_iterations >= 1
    assert pairwise_ari([r.labels for r in runs])["mean"] > 0.95


def test_consensus_is_deterministic_for_a_seed():
    x, _ = blobs(seed=3)
    graph = cluster.fuzzy_graph(cluster.knn_graph(x, 10))
    a = cluster.consensus_leiden(graph, seed=7, n_runs=4)
    b = cluster.consensus_leiden(graph, seed=7, n_runs=4)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.probability, b.probability)


def test_labels_are_sorted_by_size_and_small_groups_are_outliers():
    labels = np.array([5, 5, 5, 2, 2, 9, 9, 9, 9, 7])
    out = cluster._canonical(labels, min_size=2)
    assert out.tolist() == [1, 1, 1, 2, 2, 0, 0, 0, 0, -1]


def test_umap_hdbscan_runs_on_the_shared_graph():
    x, truth = blobs()
    knn = cluster.knn_graph(x, 10)
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


def test_torch_knn_equals_the_numpy_path():
    # The GPU path, run on the CPU: same graph as the exact numpy search.
    x, _ = blobs(n_per=60)
    ours = cluster.knn_graph(x, 8)
    torch_path = cluster.torch_knn(x, 8, device="cpu", block=50)
    np.testing.assert_array_equal(torch_path.indices[:, 0], np.arange(len(x)))
    agree = np.mean(
        [len(set(a) & set(b)) / 8 for a, b in zip(ours.indices, torch_path.indices, strict=True)]
    )
    assert agree > 0.99
    np.testing.assert_allclose(torch_path.distances, ours.distances, atol=1e-5)


@pytest.mark.skipif(
    not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU (CI has none)"
)
def test_knn_on_the_gpu_matches_the_cpu():
    x, _ = blobs(n_per=200)
    gpu = cluster.knn_graph(x, 10, device="cuda")
    cpu = cluster.knn_graph(x, 10, device="cpu")
    agree = np.mean(
        [len(set(a) & set(b)) / 10 for a, b in zip(gpu.indices, cpu.indices, strict=True)]
    )
    assert agree > 0.99
