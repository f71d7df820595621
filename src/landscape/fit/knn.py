"""The cosine k-nearest-neighbour graph that clustering and the map share.

Exact (blocked matrix products, so the graph has no randomness) up to a size,
NN-descent above it, and exact on a CUDA GPU with torch whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Knn:
    """A k-nearest-neighbour graph.

    Attributes:
        indices: int64 ndarray of shape (n_docs, k); column 0 is the point itself.
        distances: float32 ndarray of shape (n_docs, k); cosine distances.
    """

    indices: np.ndarray
    distances: np.ndarray


def knn_graph(
    embeddings: np.ndarray,
    k: int,
    seed: int = 0,
    exact_max: int = 30_000,
    device: str | None = None,
) -> Knn:
    """Cosine k-nearest neighbours of L2-normalised embeddings.

    Exact (blocked matrix products, deterministic) up to ``exact_max`` documents;
    above that, NN-descent (pynndescent), seeded, unless a CUDA GPU is there: then
    the exact search runs on it (torch, blocked), whatever the size.

    Args:
        embeddings: float32 ndarray of shape (n_docs, dim), rows L2-normalised.
        k: Neighbours per point, the point itself included.
        seed: Seed for the approximate search.
        exact_max: Largest corpus searched exactly on the CPU.
        device: ``"cuda"`` to search on the GPU (exact), ``"cpu"`` never to;
            ``None`` uses a GPU when one is available and the corpus is above
            ``exact_max``.

    Returns:
        A :class:`Knn`.
    """
    n = embeddings.shape[0]
    k = min(k, n)
    x = np.ascontiguousarray(embeddings, dtype=np.float32)
    if device is None and n > exact_max:
        from landscape.embed.policy import default_device

        device = default_device()
    if device is not None and device.startswith("cuda"):
        return torch_knn(x, k, device)
    if n <= exact_max:
        indices = np.empty((n, k), dtype=np.int64)
        sims = np.empty((n, k), dtype=np.float32)
        block = max(1, min(n, 2048))
        for start in range(0, n, block):
            s = x[start : start + block] @ x.T
            rows = np.arange(s.shape[0])
            s[rows, start + rows] = np.inf  # the point itself comes first
            part = np.argpartition(-s, k - 1, axis=1)[:, :k]
            vals = np.take_along_axis(s, part, axis=1)
            # Sort by similarity, ties by index, so the graph is fully determined.
            order = np.lexsort((part, -vals), axis=1)
            indices[start : start + block] = np.take_along_axis(part, order, axis=1)
            sims[start : start + block] = np.take_along_axis(vals, order, axis=1)
        sims[:, 0] = 1.0
        distances = np.clip(1.0 - sims, 0.0, 2.0).astype(np.float32)
        return Knn(indices, distances)
    from pynndescent import NNDescent

    index = NNDescent(x, metric="cosine", n_neighbors=k, random_state=seed, n_jobs=1)
    ind, dist = index.neighbor_graph
    return Knn(ind.astype(np.int64), dist.astype(np.float32))


def torch_knn(x: np.ndarray, k: int, device: str = "cuda", block: int = 8192) -> Knn:
    """Exact cosine kNN with torch, in row blocks (for the GPU; any torch device works).

    Ties are broken by index, like the numpy path, so both give the same graph up
    to floating-point rounding of near-equal similarities.

    Args:
        x: float32 ndarray of shape (n_docs, dim), rows L2-normalised.
        k: Neighbours per point, the point itself included (column 0).
        device: A torch device: ``"cuda"`` (or ``"cpu"`` for tests).
        block: Rows per matrix product (memory: block x n_docs floats).

    Returns:
        A :class:`Knn`.
    """
    import torch

    n = x.shape[0]
    data = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(device)
    indices = np.empty((n, k), dtype=np.int64)
    sims = np.empty((n, k), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, n, block):
            s = data[start : start + block] @ data.T
            rows = torch.arange(s.shape[0], device=s.device)
            s[rows, start + rows] = float("inf")  # the point itself comes first
            vals, idx = torch.topk(s, k, dim=1, sorted=True)
            vals, idx = vals.cpu().numpy(), idx.cpu().numpy()
            order = np.lexsort((idx, -vals), axis=1)
            indices[start : start + block] = np.take_along_axis(idx, order, axis=1)
            sims[start : start + block] = np.take_along_axis(vals, order, axis=1)
    sims[:, 0] = 1.0
    return Knn(indices, np.clip(1.0 - sims, 0.0, 2.0).astype(np.float32))
