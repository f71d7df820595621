"""Embedding on a Dask cluster, for corpora beyond one machine.

:func:`embed_distributed` has the contract of :func:`landscape.embed.embed_texts`
and the same cache: texts already cached are read, and the missing unique texts
are split into the partitions that the local path uses as chunks, so each text
is encoded in the same batch and gets the same vector. Each partition is a task
on a worker; the client writes one cache shard per partition as soon as it
arrives, and merges shards once at the end. Only the client writes, one shard
at a time, so merging never races with a write. A worker that dies mid-task has
its task rerun elsewhere by the scheduler, and its partition is written once:
the client stores the result of each future once, and keys are text digests,
so a rerun partition could only rewrite the same keys. A run that is stopped
keeps every shard written so far; the next run computes only the rest, in the
same partitions.

Workers need ``landscape`` and the model installed (the bundled default is a
dependency; a local model folder must exist at the same path on every worker).
Dask (``distributed``) is a dependency; :func:`landscape.fit.pipeline.fit` uses
this path when ``[embed] scheduler`` or ``workers`` is set.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

# chunk_missing is the local path's chunking: same partitions, same batches, same vectors.
from landscape.embed.cache import EmbeddingCache, chunk_missing, look_up
from landscape.embed.model import EmbedStats, embed_stats, embed_texts, encode, load_encoder
from landscape.embed.policy import (
    DEFAULT_MODEL,
    PRECISIONS,
    model_identity,
    resolve_backend,
    resolve_embedding,
    resolve_precision,
)
from landscape.errors import LandscapeError

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

#: Scheduler value that starts a LocalCluster on this machine.
LOCAL = "local"

# Loaded encoders of this process, by (model, device). Tasks run in long-lived
# worker processes: loading the model once per worker instead of once per
# partition saves seconds per task. It is a cache of immutable models, never
# results, so it cannot make one run depend on another.


def _require_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise LandscapeError(
            "running on a Dask cluster needs dask.distributed, which is not installed: "
            'pip install "dask[distributed]"'
        ) from exc
    return distributed


def scheduler_from_config(scheduler: str, workers: int) -> str | None:
    """Return the ``scheduler`` argument that the ``[embed]`` settings ask for.

    Args:
        scheduler: ``""`` (no address), ``"local"``, or a dask.distributed
            scheduler address such as ``"tcp://10.0.0.5:8786"``.
        workers: Local worker processes; 0 means none asked for.

    Returns:
        ``None`` (embed in this process, no Dask) when neither is set,
        ``"local"`` when only ``workers`` is set, else ``scheduler``.
    """
    scheduler = scheduler.strip()
    if scheduler:
        return scheduler
    return LOCAL if workers > 0 else None


@contextlib.contextmanager
def dask_client(
    scheduler: str = LOCAL, n_workers: int = 0, timeout: float = 10.0
) -> Iterator[Client]:
    """Yield a Dask client; close whatever this call started.

    Args:
        scheduler: ``"local"`` starts a LocalCluster of worker processes (one
            thread each, no dashboard); anything else is the address of a
            running dask.distributed scheduler.
        n_workers: Workers of a LocalCluster; 0 means one per CPU core.
            Ignored for an address (the cluster has the workers it has).
        timeout: Seconds to wait for a scheduler address to answer.

    Yields:
        A connected ``distributed.Client``.

    Raises:
        LandscapeError: Dask is not installed, or the address cannot be reached.
    """
    distributed = _require_distributed()
    if scheduler == LOCAL:
        n = n_workers if n_workers > 0 else (os.cpu_count() or 1)
        # Processes, not threads: the Python side of each batch (tokenising,
        # pooling) holds the GIL; one thread per worker keeps n workers on n cores.
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise LandscapeError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s "
            f"({type(exc).__name__}: {exc}); check the address, or use 'local'"
        ) from exc
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def _client_for(client_or_scheduler: Any, n_workers: int, timeout: float) -> Iterator[Client]:
    """Use a given client as is, or open one (closed on exit) for a scheduler string."""
    if isinstance(client_or_scheduler, str):
        with dask_client(client_or_scheduler, n_workers, timeout) as client:
            yield client
    else:
        yield client_or_scheduler


def _worker_encoder(model: str, backend: str = "torch") -> tuple[Any, str]:
    """Return this process's encoder for ``model`` on ``backend`` and the id of its weights."""
    import torch

    device = "cuda" if torch.cuda.is_available() and backend == "torch" else "cpu"
    return _loaded_encoder(model, device, backend)


# A worker keeps the last two encoders it used (each holds a model) across tasks.
@functools.lru_cache(maxsize=2)
def _loaded_encoder(model: str, device: str, backend: str) -> tuple[Any, str]:
    # No graph cache on a worker: it may not share the client's disk.
    return load_encoder(model, device, backend), model_identity(model)


def _embed_partition(
    texts: list[str],
    model: str,
    precision: str,
    batch_size: int,
    model_id: str,
    backend: str = "torch",
) -> np.ndarray:
    """Encode one partition of n texts on a worker; returns float32 (n, dim), unit rows.

    ``model_id`` is the client's :func:`model_identity` of the model (fp32 form).
    A worker with other weights raises :class:`LandscapeError`: its vectors would
    otherwise enter the client's cache under the wrong model id.
    """
    import torch

    encoder, worker_id = _worker_encoder(model, backend)
    if torch.get_num_threads() != 1:
        # Dask runs one task per worker thread; one torch thread per task keeps
        # a worker on its share of cores (else n workers on n cores would run
        # n x n threads). Set per task: torch's OpenMP thread count is per thread.
        torch.set_num_threads(1)
    if worker_id != model_id:
        raise LandscapeError(
            f"the worker's model {model!r} ({worker_id}) differs from the client's "
            f"({model_id}); install the same model on every worker"
        )
    return encode(texts, encoder, batch_size, progress=False, precision=precision)


def _partition_key(digests: list[bytes], run: str) -> str:
    h = hashlib.sha256(b"".join(digests))
    # The partition's content names it; the run token keeps a re-run on the same
    # cluster from meeting a not-yet-forgotten task (say, a failed one) of the
    # previous run under the same key.
    return f"landscape-embed-{h.hexdigest()[:16]}-{run}"


def embed_distributed(
    texts: Sequence[str],
    model: str = DEFAULT_MODEL,
    cache_dir: str | os.PathLike[str] | None = "data/interim/embeddings",
    scheduler: Any = LOCAL,
    n_workers: int = 0,
    partition_size: int = 1024,
    batch_size: int = 16,
    precision: str = "auto",
    progress: bool = False,
    timeout: float = 10.0,
    backend: str = "auto",
) -> tuple[np.ndarray, EmbedStats]:
    """Embed texts on a Dask cluster, reading and filling the on-disk cache.

    Same contract and cache as :func:`landscape.embed.embed_texts`, and the same
    vectors: partitions are that function's chunks (fixed slices of all the
    requested texts, longest first, of which only the missing members are
    sent), so with ``partition_size`` equal to its ``chunk_size`` every text is
    encoded in the same batch as on the local path. No cluster is started or
    contacted when every text is already cached (except to resolve
    ``precision="auto"`` on a remote cluster).

    Args:
        texts: The texts; duplicates are embedded once.
        model: A sentence-transformers model name or local folder.
        cache_dir: Cache root, or ``None`` to disable the cache.
        scheduler: ``"local"`` (a LocalCluster of ``n_workers`` processes), a
            scheduler address, a connected ``distributed.Client`` (used, not
            closed), or ``None`` to embed in this process without Dask.
        n_workers: Workers of a LocalCluster; 0 means one per CPU core (Dask's
            default for one thread per worker).
        partition_size: Texts per task and per cache shard. Smaller partitions
            lose less work to a dead worker and balance better; larger ones cost
            fewer shard writes. The default equals ``embed_texts``'s chunk size.
        batch_size: Texts per forward pass.
        precision: As in :func:`landscape.embed.encode`. ``"auto"`` is resolved
            for the workers' hardware: here for a LocalCluster, by asking the
            workers otherwise (fp32 when they disagree).
        progress: Show a progress bar of texts embedded.
        timeout: Seconds to wait for a scheduler address to answer.
        backend: As in :func:`landscape.embed.embed_texts`; ``"auto"`` is
            resolved like ``precision`` (torch when the workers differ).

    Returns:
        ``(vectors, stats)``: float32 ndarray of shape (n_texts, dim), rows
        L2-normalised and aligned with ``texts``, and an
        :class:`~landscape.embed.EmbedStats` whose throughput spans the first
        task submitted to the last result written (model loading on the workers
        included, cluster start-up excluded).

    Raises:
        LandscapeError: An unknown precision, a bad partition size, Dask missing,
            an unreachable scheduler, or partitions that failed on the cluster
            (the others are cached; re-run to resume).
    """
    if precision not in PRECISIONS:
        raise LandscapeError(f"embedding precision must be one of {PRECISIONS}, got {precision!r}")
    if partition_size < 1:
        raise LandscapeError(f"partition size must be at least 1, got {partition_size}")
    if scheduler is None:
        return embed_texts(
            texts, model, cache_dir, batch_size, progress, precision, partition_size, backend
        )
    started = time.perf_counter()
    if Path(model).is_dir():
        model = str(Path(model).resolve())  # workers must not depend on the client's cwd
    with contextlib.ExitStack() as stack:
        client = None

        def connect() -> Client:
            nonlocal client
            if client is None:
                client = stack.enter_context(_client_for(scheduler, n_workers, timeout))
            return client

        # An explicit precision is checked by each worker against its own device.
        if isinstance(scheduler, str) and scheduler == LOCAL:
            # The workers run on this machine.
            backend, precision = resolve_embedding(backend, precision, model)
        else:
            if backend == "auto":
                backend = _cluster_backend(connect(), model)
            else:
                resolve_backend(backend, model)  # an unknown name fails here, not on a worker
            if precision == "auto":
                precision = _cluster_precision(connect(), backend, model)
            elif precision == "int8":
                resolve_precision(precision, "cpu", backend, model)  # int8 needs OpenVINO
        found = look_up(texts, cache_dir, model_identity(model, precision, backend))
        compute_seconds = 0.0
        if found.missing:
            parts = chunk_missing(found.by_digest, found.missing, partition_size)
            worker_args = (model, precision, batch_size, model_identity(model), backend)
            t0 = time.perf_counter()
            computed = _run_partitions(
                connect(), parts, found.by_digest, worker_args, found.cache, progress
            )
            found.stored.update(computed)
            compute_seconds = time.perf_counter() - t0
    return found.vectors(), embed_stats(found, started, compute_seconds, precision, backend)


def _cluster_backend(client: Client, model: str) -> str:
    """Resolve backend ``"auto"`` on the workers; torch (valid everywhere) when they differ."""
    answers = set(client.run(resolve_backend, "auto", model).values())
    if len(answers) == 1:
        return answers.pop()
    log.warning("workers resolve backend 'auto' differently (%s); using torch", answers)
    return "torch"


def _cluster_precision(client: Client, backend: str, model: str) -> str:
    """Resolve ``"auto"`` on the workers; fp32 (valid everywhere) when they differ."""
    answers = set(client.run(resolve_precision, "auto", None, backend, model).values())
    if len(answers) == 1:
        return answers.pop()
    log.warning("workers resolve precision 'auto' differently (%s); using fp32", answers)
    return "fp32"


def _is_error_triple(result: object) -> bool:
    return (
        isinstance(result, tuple)
        and len(result) == 3
        and isinstance(result[0], type)
        and issubclass(result[0], BaseException)
    )


def _run_partitions(
    client: Client,
    parts: list[list[bytes]],
    by_digest: dict[bytes, str],
    worker_args: tuple[str, str, int, str, str],
    cache: EmbeddingCache | None,
    progress: bool,
) -> dict[bytes, np.ndarray]:
    """Submit one task per partition and store each result as it arrives.

    Returns:
        ``{digest: vector}`` for every digest in ``parts``.

    Raises:
        LandscapeError: Some partitions failed; the others were written first.
    """
    from distributed import as_completed
    from tqdm.auto import tqdm

    run = uuid.uuid4().hex[:8]
    part_of: dict[str, list[bytes]] = {}
    futures = []
    for part in parts:
        key = _partition_key(part, run)
        part_of[key] = part
        texts = [by_digest[d] for d in part]
        futures.append(client.submit(_embed_partition, texts, *worker_args, key=key))
    computed: dict[bytes, np.ndarray] = {}
    failures: list[BaseException] = []
    bar = tqdm(total=sum(map(len, parts)), desc="embedding", unit="text", disable=not progress)
    try:
        # Each future is yielded once, even when the scheduler reran its task
        # after a worker died: each partition is written once.
        for future, result in as_completed(futures, with_results=True, raise_errors=False):
            part = part_of[future.key]
            # Read the status before releasing: a released future's status no
            # longer says whether its task failed. With raise_errors=False a
            # failed task's result is (exception type, exception, traceback).
            failed = future.status == "error" or _is_error_triple(result)
            future.release()  # the worker may drop its copy now
            if failed:
                failures.append(result[1])
                continue
            vectors = np.asarray(result, dtype=np.float32)
            if vectors.shape[0] != len(part) or not np.isfinite(vectors).all():
                failures.append(ValueError(f"bad result of shape {vectors.shape}"))
                continue
            if cache is not None:
                # This loop is the only writer, one shard at a time; merging
                # waits until every shard is written.
                cache.add(part, vectors, compact=False)
            computed.update(zip(part, vectors, strict=True))
            bar.update(len(part))
    finally:
        bar.close()
        # On an interrupt, stop the tasks still queued; finished shards stay.
        client.cancel([f for f in futures if not f.done()])
    if cache is not None:
        cache.compact()
    if failures:
        first = failures[0]
        if isinstance(first, LandscapeError):
            raise first
        raise LandscapeError(
            f"{len(failures)} of {len(parts)} embedding partitions failed on the cluster "
            f"(first: {type(first).__name__}: {first}); the other {len(parts) - len(failures)} "
            "are cached, re-run to resume"
        ) from first
    return computed
