import numpy as np
import pytest

from conftest import blobs
from landscape.fit import layout
from landscape.fit.knn import knn_graph

#: 300 unit vectors in 4 blobs of 20 dimensions.
BLOBS = {"n_per": 75, "centres": 4, "dim": 20, "spread": 0.08}


@pytest.mark.parametrize("k", [5, 10, 15])
def test_fuzzy_graph_equals_umaps_own(k):
    from umap.umap_ import fuzzy_simplicial_set

    x, _ = blobs(**BLOBS, rng=k)
    knn = knn_graph(x, k)
    ours = layout.fuzzy_graph(knn)
    n = len(x)
    theirs, _, _ = fuzzy_simplicial_set(
        np.zeros((n, 1), np.float32), k, np.random.RandomState(0), "cosine",
        knn_indices=knn.indices, knn_dists=knn.distances,
    )  # fmt: skip
    theirs = theirs.tocsr()
    theirs.eliminate_zeros()
    assert ours.nnz == theirs.nnz
    assert abs(ours - theirs).max() < 1e-5


def test_fuzzy_graph_is_symmetric_without_self_loops():
    x, _ = blobs(**BLOBS, rng=4)
    g = layout.fuzzy_graph(knn_graph(x, 10))
    assert abs(g - g.T).max() < 1e-6
    assert g.diagonal().max() == 0
    assert g.data.min() > 0 and g.data.max() <= 1.0


def test_smooth_knn_dist_reaches_log2_k():
    x, _ = blobs(**BLOBS, rng=2)
    knn = knn_graph(x, 10)
    sigma, rho = layout.smooth_knn_dist(knn.distances)
    shifted = np.maximum(knn.distances[:, 1:] - rho[:, None], 0)
    sums = np.exp(-shifted / sigma[:, None]).sum(axis=1)
    assert np.allclose(sums, np.log2(10), atol=1e-3)
    assert (rho > 0).all() and (rho <= knn.distances[:, 1] + 1e-7).all()


def test_umap_layout_shape_and_determinism():
    x, _ = blobs(**BLOBS)
    knn = knn_graph(x, 10)
    a = layout.umap_layout(knn, seed=1)
    b = layout.umap_layout(knn, seed=1)
    assert a.shape == (len(x), 2) and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)


def test_umap_layout_keeps_clusters_apart():
    from sklearn.metrics import silhouette_score

    x, y = blobs(**BLOBS, rng=5)
    xy = layout.umap_layout(knn_graph(x, 15), seed=0)
    assert silhouette_score(xy, y) > 0.5


def test_tiny_input_is_refused():
    x, _ = blobs(n_per=1, centres=3, dim=20)
    with pytest.raises(ValueError, match="cannot lay out"):
        layout.umap_layout(knn_graph(x, 2), seed=0)
