"""The 2-D layout on a Dask cluster: UMAP fitted on a sample, the rest transformed on workers.

For corpora too big for :func:`landscape.layout.umap_layout` on one machine; see
:func:`umap_distributed`. Clients come from :func:`landscape.distributed.dask_client`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from landscape.distributed import _client_for
from landscape.errors import LandscapeError

if TYPE_CHECKING:
    from distributed import Client


def _transform_partition(reducer: Any, rows: np.ndarray) -> np.ndarray:
    """Place rows of shape (m, dim) into a fitted UMAP's layout; returns (m, 2) float32."""
    return np.asarray(reducer.transform(rows), dtype=np.float32)


def umap_distributed(
    embeddings: np.ndarray,
    seed: int,
    sample_size: int,
    client_or_scheduler: Any,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    partition_size: int = 4096,
    n_workers: int = 0,
    timeout: float = 10.0,
) -> np.ndarray:
    """2-D UMAP layout fitted on a sample, the other rows transformed on workers.

    For corpora too big for :func:`landscape.cluster.umap_layout` on one machine
    (its kNN graph and optimisation over every row). UMAP is fitted here on a
    seeded random sample of ``sample_size`` rows (cosine); the fitted model is
    sent once to every worker, and the remaining rows are placed into its
    layout in partitions, in parallel. Sample rows keep their fitted
    coordinates. A seeded UMAP transform is single-threaded and seeded by
    ``seed``, and the partitions are fixed by the data, so the same inputs give
    the same layout whichever worker runs which partition.

    Args:
        embeddings: ndarray of shape (n, dim), rows L2-normalised.
        seed: Seed of the sample, the fit and the transforms.
        sample_size: Rows UMAP is fitted on (all rows when ``n`` is smaller).
        client_or_scheduler: A ``distributed.Client``, ``"local"`` or a
            scheduler address (a client opened for the call and closed after),
            or ``None`` to transform the same partitions in this process.
        n_neighbors: UMAP's neighbourhood size.
        min_dist: How tightly UMAP packs points.
        partition_size: Rows per transform task.
        n_workers: Workers of a LocalCluster when ``"local"``; 0: one per core.
        timeout: Seconds to wait for a scheduler address to answer.

    Returns:
        float32 ndarray of shape (n, 2), aligned with ``embeddings``.

    Raises:
        LandscapeError: Too few rows or a sample too small for ``n_neighbors``,
            non-finite embeddings, Dask missing, or an unreachable scheduler.
    """
    import umap

    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2 or not np.isfinite(x).all():
        raise LandscapeError(f"embeddings must be a finite 2-D array, got shape {x.shape}")
    n = x.shape[0]
    m = min(sample_size, n)
    if m <= n_neighbors or m < 4:
        raise LandscapeError(
            f"UMAP needs a sample of more than n_neighbors={n_neighbors} rows (and at least 4); "
            f"got {m} of {n}"
        )
    if partition_size < 1:
        raise LandscapeError(f"partition size must be at least 1, got {partition_size}")
    sample = np.sort(np.random.default_rng(seed).choice(n, size=m, replace=False))
    reducer = umap.UMAP(
        n_neighbors=n_neighbors,
        n_components=2,
        metric="cosine",
        min_dist=min_dist,
        random_state=seed,
        transform_seed=seed,
        n_jobs=1,  # a seeded UMAP is single-threaded anyway
        init="spectral" if m > 3 * n_neighbors else "random",
    )
    out = np.empty((n, 2), dtype=np.float32)
    out[sample] = reducer.fit_transform(x[sample])
    rest = np.setdiff1d(np.arange(n), sample)  # sorted: partitions follow input order
    if not len(rest):
        return out
    chunks = [rest[i : i + partition_size] for i in range(0, len(rest), partition_size)]
    if client_or_scheduler is None:  # the same partitions, in this process
        results = [_transform_partition(reducer, x[idx]) for idx in chunks]
    else:
        with _client_for(client_or_scheduler, n_workers, timeout) as client:
            results = _transform_on_cluster(client, reducer, x, chunks)
    for idx, coords in zip(chunks, results, strict=True):
        out[idx] = coords
    return out


def _transform_on_cluster(
    client: Client, reducer: Any, x: np.ndarray, chunks: list[np.ndarray]
) -> list[np.ndarray]:
    """Transform ``x[idx]`` for each ``idx`` in ``chunks`` on the workers, in order."""
    # Sent once to every worker (not once per task); hash=False skips
    # tokenising a large model.
    model = client.scatter(reducer, broadcast=True, hash=False)
    # Rows travel inside each task, not as scattered data: a task whose worker
    # dies is rerun elsewhere, while scattered rows would be lost with it.
    futures = [client.submit(_transform_partition, model, x[idx], pure=False) for idx in chunks]
    try:
        return client.gather(futures)
    finally:
        client.cancel([f for f in futures if not f.done()])
