"""UMAP's fuzzy graph and 2-D layout from a precomputed kNN graph, without repeated JIT cost.

UMAP computes its fuzzy simplicial set with numba functions that are compiled
afresh in every process (about 4-10 s on two cores), and its layout optimiser is
not cached either (another 2-5 s). On a corpus of a few thousand papers that
compilation costs more than the work itself, every time a notebook kernel or
``landscape fit`` starts.

- :func:`fuzzy_graph` computes the same graph as
  ``umap.umap_.fuzzy_simplicial_set`` (local connectivity 1, bandwidth 1, fuzzy
  union) with numpy, vectorised over documents: the same float32 binary search
  for each document's kernel width, the same membership strengths.
  ``tests/test_layout.py`` checks it against UMAP's own graph.
- :func:`umap_layout` hands that graph to UMAP's ``simplicial_set_embedding``
  (UMAP's own initialisation and optimiser, seeded), with the per-epoch
  optimiser compiled with numba's on-disk cache, so a process pays for the
  compilation once per installation instead of once per run. The cached
  optimiser replaces UMAP's only while our layout runs
  (:func:`_cached_epoch_optimiser`); UMAP used elsewhere in the process is
  left as it is.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from landscape.fit.knn import Knn

# UMAP's constants (umap/umap_.py), kept equal so the graph is UMAP's graph.
_SMOOTH_K_TOLERANCE = 1e-5
_MIN_K_DIST_SCALE = 1e-3
_N_ITER = 64


def smooth_knn_dist(distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each document's kernel width (sigma) and distance to its nearest neighbour (rho).

    Vectorised form of ``umap.umap_.smooth_knn_dist`` with local connectivity 1:
    a binary search per row for the sigma at which the row's memberships sum to
    ``log2(k)``, in float32 like UMAP's numba version.

    Args:
        distances: float32 ndarray of shape (n_docs, k); row i sorted, column 0
            the document itself (distance 0).

    Returns:
        ``(sigmas, rhos)``: float32 ndarrays of shape (n_docs,).
    """
    d = np.asarray(distances, dtype=np.float32)
    n, k = d.shape
    target = np.float32(np.log2(k))
    positive = d > 0
    has_positive = positive.any(axis=1)
    first = np.argmax(positive, axis=1)
    rho = np.where(has_positive, d[np.arange(n), first], 0).astype(np.float32)

    lo = np.zeros(n, dtype=np.float32)
    hi = np.full(n, np.finfo(np.float32).max, dtype=np.float32)
    mid = np.ones(n, dtype=np.float32)
    active = np.ones(n, dtype=bool)
    shifted = d[:, 1:] - rho[:, None]
    for _ in range(_N_ITER):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        s = shifted[rows]
        m = mid[rows][:, None]
        # Neighbours nearer than rho (duplicates at distance 0) have s < 0 and
        # weigh 1; clipping s there keeps exp from overflowing in the branch
        # np.where discards (same values, no RuntimeWarning).
        terms = np.where(s > 0, np.exp(-(np.maximum(s, 0) / m)), np.float32(1.0)).astype(np.float32)
        # Summed left to right in float32, as UMAP's loop does.
        psum = np.zeros(rows.size, dtype=np.float32)
        for j in range(terms.shape[1]):
            psum += terms[:, j]
        done = np.abs(psum - target) < _SMOOTH_K_TOLERANCE
        above = ~done & (psum > target)
        below = ~done & ~above
        r_above, r_below = rows[above], rows[below]
        hi[r_above] = mid[r_above]
        mid[r_above] = (lo[r_above] + hi[r_above]) / np.float32(2)
        lo[r_below] = mid[r_below]
        unbounded = hi[r_below] >= np.finfo(np.float32).max
        mid[r_below] = np.where(
            unbounded, mid[r_below] * np.float32(2), (lo[r_below] + hi[r_below]) / np.float32(2)
        )
        active[rows[done]] = False

    row_mean = d.mean(axis=1)
    floor = np.where(rho > 0, _MIN_K_DIST_SCALE * row_mean, _MIN_K_DIST_SCALE * d.mean())
    sigma = np.maximum(mid, floor.astype(np.float32)).astype(np.float32)
    return sigma, rho


def fuzzy_graph(knn: Knn, seed: int = 0) -> sp.csr_matrix:
    """UMAP's fuzzy simplicial set of a kNN graph: symmetric, weights in (0, 1].

    Args:
        knn: The kNN graph (column 0 of each row is the document itself).
        seed: Unused (the graph has no randomness); kept for a stable signature.

    Returns:
        float32 CSR matrix of shape (n_docs, n_docs).
    """
    del seed
    indices = np.asarray(knn.indices)
    dists = np.asarray(knn.distances, dtype=np.float32)
    n, k = indices.shape
    sigma, rho = smooth_knn_dist(dists)
    shifted = dists - rho[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = np.exp(-(np.maximum(shifted, 0) / sigma[:, None])).astype(np.float32)
    vals = np.where((shifted <= 0) | (sigma[:, None] == 0), np.float32(1.0), vals)
    rows = np.repeat(np.arange(n), k)
    cols = indices.ravel()
    vals = vals.ravel()
    keep = (cols >= 0) & (cols != rows)  # no self loops; -1 marks a missing neighbour
    graph = sp.coo_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    graph.eliminate_zeros()
    transpose = graph.transpose().tocsr()
    # Fuzzy union with the product t-norm: a + b - a*b.
    graph = (graph + transpose - graph.multiply(transpose)).tocsr()
    graph.eliminate_zeros()
    return graph.astype(np.float32)


@functools.cache
def _compiled_epoch_optimiser() -> Any:
    """UMAP's per-epoch layout optimiser, compiled with numba's on-disk cache.

    UMAP builds it with ``numba.njit`` without ``cache=True``; the same Python
    function compiled with the cache is behaviourally identical and is reused by
    later processes. ``None`` for a UMAP version without that function.
    """
    import numba
    import umap.layouts as layouts

    try:
        return numba.njit(
            layouts._optimize_layout_euclidean_single_epoch,
            fastmath=True,
            parallel=False,
            cache=True,
        )
    except AttributeError:  # another UMAP version: keep its own, uncached optimiser
        return None


@contextlib.contextmanager
def _cached_epoch_optimiser() -> Iterator[None]:
    """Use the cached optimiser inside the block only, then give UMAP its own back.

    This is the one place landscape swaps a function of another library, and it
    is scoped: ``umap.layouts`` looks its per-epoch optimiser up by name at each
    call, so UMAP used by the caller after this block (or before it) is untouched.
    Not for use from several threads at once (a UMAP fit in another thread
    during the block would use the cached copy, which computes the same thing).
    """
    import umap.layouts as layouts

    compiled = _compiled_epoch_optimiser()
    name = "_nb_optimize_layout_euclidean_single_epoch"
    original = getattr(layouts, name, None)
    if compiled is None or original is None:
        yield
        return
    setattr(layouts, name, compiled)
    try:
        yield
    finally:
        setattr(layouts, name, original)


def umap_layout(knn: Knn, seed: int, n_components: int = 2, min_dist: float = 0.1) -> np.ndarray:
    """UMAP embedding of a precomputed cosine kNN graph.

    Args:
        knn: The graph (its k is UMAP's ``n_neighbors``).
        seed: UMAP's random state (fixes the layout; the optimiser runs single-threaded).
        n_components: Output dimensions.
        min_dist: How tightly UMAP packs points.

    Returns:
        float32 ndarray of shape (n_docs, n_components).
    """
    from sklearn.utils import check_random_state
    from umap.umap_ import find_ab_params, simplicial_set_embedding

    n, k = knn.indices.shape
    if n <= n_components + 1:
        raise ValueError(f"cannot lay out {n} documents in {n_components} dimensions")
    graph = fuzzy_graph(knn)
    a, b = find_ab_params(1.0, min_dist)
    with _cached_epoch_optimiser(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        embedding, _ = simplicial_set_embedding(
            np.zeros((n, 1), dtype=np.float32),  # unused: spectral init works on the graph
            graph,
            n_components,
            initial_alpha=1.0,
            a=a,
            b=b,
            gamma=1.0,
            negative_sample_rate=5,
            n_epochs=None,
            init="spectral" if n > 3 * k else "random",
            random_state=check_random_state(seed),
            metric="cosine",
            metric_kwds={},
            densmap=False,
            densmap_kwds={},
            output_dens=False,
            parallel=False,
        )
    return np.asarray(embedding, dtype=np.float32)
