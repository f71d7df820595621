import os
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import theme_corpus
from landscape.embed import corpus_texts, embed_texts, resolve_embedding
from landscape.embed.distributed import (
    dask_client,
    embed_distributed,
    scheduler_from_config,
)
from landscape.errors import LandscapeError

TEXTS = corpus_texts(theme_corpus(n_per_theme=10))  # 40 distinct short abstracts
PART = 5  # 8 partitions over 2 workers
UNREACHABLE = "tcp://127.0.0.1:1"  # nothing listens on port 1
# The fp32 reference: bf16 ("auto" on CPUs with native bf16) moves vectors by up
# to ~1e-3 when batches are padded differently, fp32 by ~1e-7.
# Explicit settings: resolving "auto" for a scheduler address asks the workers.
FP32 = {"precision": "fp32", "backend": "torch"}


@pytest.fixture(scope="module")
def client():
    # One 2-worker cluster for the module: each worker pays the model load once.
    with dask_client("local", n_workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The local path's vectors, in one chunk and in chunks of PART (the partitions)."""
    whole, _ = embed_texts(TEXTS, cache_dir=None, **FP32)
    chunked, _ = embed_texts(
        TEXTS, cache_dir=tmp_path_factory.mktemp("ref"), chunk_size=PART, **FP32
    )
    return whole, chunked


def shard_keys(cache_root: Path) -> list[list[bytes]]:
    """Keys of every shard under a cache root, one list per shard."""
    from safetensors.numpy import load_file

    return [
        [bytes(k) for k in load_file(str(p))["keys"]]
        for p in sorted(cache_root.glob("*/shard-*.safetensors"))
    ]


def patch_workers(client, fail_on: str | None = None, kill_dir: str | None = None, delay=0.0):
    """Wrap the task function on the current workers (run in their processes).

    ``fail_on``: raise on the partition holding this text. ``kill_dir``: on the
    first worker only, write a marker there and exit the process during its
    second partition.
    """
    workers = sorted(client.scheduler_info()["workers"])

    def install(fail_on, kill_dir, delay):

        import landscape.embed.distributed as d

        original = getattr(d._embed_partition, "original", d._embed_partition)
        calls = [0]

        def wrapped(texts, *args):
            calls[0] += 1
            time.sleep(delay)
            if fail_on is not None and fail_on in texts:
                raise RuntimeError("injected failure")
            if kill_dir is not None and calls[0] == 2:
                Path(kill_dir, f"killed-{os.getpid()}").write_text("mid-task")
                os._exit(1)
            return original(texts, *args)

        wrapped.original = original
        d._embed_partition = wrapped

    client.run(install, fail_on, kill_dir, delay, workers=workers[:1])
    client.run(install, fail_on, None, delay, workers=workers[1:])


def unpatch_workers(client):
    def restore():
        import landscape.embed.distributed as d

        d._embed_partition = getattr(d._embed_partition, "original", d._embed_partition)

    client.run(restore)


def test_config_mapping():
    assert scheduler_from_config("", 0) is None
    assert scheduler_from_config("", 4) == "local"
    assert scheduler_from_config(" tcp://h:8786 ", 0) == "tcp://h:8786"


def test_cluster_matches_local_path_and_fills_cache(client, reference, tmp_path):
    whole, chunked = reference
    texts = TEXTS + TEXTS[:3]  # duplicates are embedded once
    vectors, stats = embed_distributed(
        texts, cache_dir=tmp_path, scheduler=client, partition_size=PART, **FP32
    )
    assert vectors.shape == (43, 384) and vectors.dtype == np.float32
    # Partitions are the local path's chunks: the same batches give the same
    # vectors, bit for bit (1 torch thread per worker, 2 here: equal on this CPU).
    np.testing.assert_array_equal(vectors[:40], chunked)
    # Against one local chunk, batches are padded differently: tiny differences.
    np.testing.assert_allclose(vectors[:40], whole, atol=1e-5)
    np.testing.assert_array_equal(vectors[40:], vectors[:3])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    _, local_stats = embed_texts(
        texts, cache_dir=tmp_path.parent / f"{tmp_path.name}-local", **FP32
    )
    assert (stats.n_texts, stats.n_cached, stats.n_computed) == (43, 0, 40)
    assert (local_stats.n_cached, local_stats.n_computed) == (0, 40)
    shards = shard_keys(tmp_path)
    assert sorted(map(len, shards)) == [PART] * 8  # one shard per partition
    assert len({k for s in shards for k in s}) == 40
    # Fully cached: nothing computed and no cluster contacted (the address is dead).
    again, stats = embed_distributed(
        texts, cache_dir=tmp_path, scheduler=UNREACHABLE, timeout=1, **FP32
    )
    assert (stats.n_cached, stats.n_computed) == (43, 0)
    np.testing.assert_array_equal(again, vectors)


def test_auto_precision_is_resolved_by_the_workers(client):
    _, stats = embed_distributed(TEXTS[:2], cache_dir=None, scheduler=client)
    # The workers run on this machine, so they resolve "auto" as this process does.
    assert (stats.backend, stats.precision) == resolve_embedding("auto", "auto")


def test_only_missing_texts_are_sent(client, reference, tmp_path):
    whole = reference[0]
    # The local path fills part of the same cache, in other chunks.
    embed_texts(TEXTS[:25], cache_dir=tmp_path, chunk_size=PART, **FP32)
    vectors, stats = embed_distributed(
        TEXTS, cache_dir=tmp_path, scheduler=client, partition_size=PART, **FP32
    )
    assert (stats.n_cached, stats.n_computed) == (25, 15)
    # Other chunks than an uninterrupted run (only missing members are sent):
    # equal within padding noise, not bitwise.
    np.testing.assert_allclose(vectors, whole, atol=1e-5)
    keys = [k for s in shard_keys(tmp_path) for k in s]
    assert len(keys) == len(set(keys)) == 40


def test_failed_partition_keeps_the_others_and_resumes(client, reference, tmp_path):
    _, chunked = reference
    patch_workers(client, fail_on=TEXTS[17])
    try:
        with pytest.raises(LandscapeError, match="1 of 8 embedding partitions failed"):
            embed_distributed(
                TEXTS, cache_dir=tmp_path, scheduler=client, partition_size=PART, **FP32
            )
    finally:
        unpatch_workers(client)
    assert sum(map(len, shard_keys(tmp_path))) == 35  # all but the failed partition
    vectors, stats = embed_distributed(
        TEXTS, cache_dir=tmp_path, scheduler=client, partition_size=PART, **FP32
    )
    assert (stats.n_cached, stats.n_computed) == (35, 5)
    # The resumed partition is the one an uninterrupted run would have sent.
    np.testing.assert_array_equal(vectors, chunked)


def test_worker_killed_mid_run_loses_and_duplicates_nothing(client, reference, tmp_path):
    _, chunked = reference
    markers = tmp_path / "markers"
    markers.mkdir()
    patch_workers(client, kill_dir=str(markers), delay=0.3)
    try:
        vectors, stats = embed_distributed(
            TEXTS, cache_dir=tmp_path / "cache", scheduler=client, partition_size=PART, **FP32
        )
    finally:
        unpatch_workers(client)  # the surviving worker; the restarted one is clean
    assert len(list(markers.iterdir())) == 1  # a worker really died inside a task
    assert stats.n_computed == 40
    np.testing.assert_array_equal(vectors, chunked)
    keys = [k for s in shard_keys(tmp_path / "cache") for k in s]
    assert len(keys) == len(set(keys)) == 40
