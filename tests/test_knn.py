import numpy as np
import pytest

from conftest import blobs, neighbour_overlap
from landscape.fit.knn import knn_graph, torch_knn


def test_exact_knn_matches_brute_force():
    x, _ = blobs()
    knn = knn_graph(x, 6)
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
    exact = knn_graph(x, 10)
    approx = knn_graph(x, 10, exact_max=10)
    assert neighbour_overlap(exact.indices, approx.indices) > 0.9


def test_torch_knn_equals_the_numpy_path():
    # The GPU path, run on the CPU: same graph as the exact numpy search.
    x, _ = blobs(n_per=60)
    ours = knn_graph(x, 8)
    torch_path = torch_knn(x, 8, device="cpu", block=50)
    np.testing.assert_array_equal(torch_path.indices[:, 0], np.arange(len(x)))
    assert neighbour_overlap(ours.indices, torch_path.indices) > 0.99
    np.testing.assert_allclose(torch_path.distances, ours.distances, atol=1e-5)


@pytest.mark.skipif(
    not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU (CI has none)"
)
def test_knn_on_the_gpu_matches_the_cpu():
    x, _ = blobs(n_per=200)
    gpu = knn_graph(x, 10, device="cuda")
    cpu = knn_graph(x, 10, device="cpu")
    assert neighbour_overlap(gpu.indices, cpu.indices) > 0.99
