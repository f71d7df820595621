"""Sentence embeddings through the cache: load an encoder, embed what is missing.

:func:`embed_texts` reads vectors from :class:`~landscape.embed.cache.EmbeddingCache`
and computes only the texts it lacks, with the backend and precision that
:mod:`landscape.embed.policy` resolves for this machine; :func:`encode` embeds
without a cache.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landscape.embed.cache import CacheLookup, chunk_missing, look_up
from landscape.embed.policy import (
    DEFAULT_MODEL,
    default_device,
    model_identity,
    resolve_backend,
    resolve_embedding,
    resolve_model,
    resolve_precision,
)
from landscape.errors import LandscapeError


@dataclass(frozen=True)
class EmbedStats:
    """What an :func:`embed_texts` call did.

    Attributes:
        n_texts: Texts asked for.
        n_cached: Vectors read from the cache.
        n_computed: Vectors computed by the model.
        n_corrupt_shards: Cache shards found corrupt and set aside.
        seconds: Wall time of the call.
        docs_per_second: Throughput of the computed part (0 when nothing was computed).
        precision: The precision the vectors were computed in (``"auto"`` resolved).
        backend: What computed them, ``"torch"`` or ``"openvino"`` (``"auto"`` resolved).
    """

    n_texts: int
    n_cached: int
    n_computed: int
    n_corrupt_shards: int
    seconds: float
    docs_per_second: float
    precision: str = "fp32"
    backend: str = "torch"


def corpus_texts(corpus: pd.DataFrame) -> list[str]:
    """Return the text embedded for each paper: ``title + ". " + abstract``."""
    titles = corpus["title"].fillna("").astype(str)
    abstracts = corpus["abstract"].fillna("").astype(str)
    return [f"{t}. {a}" if a else t for t, a in zip(titles, abstracts, strict=True)]


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows left as they are); a new array.

    Args:
        vectors: ndarray of shape (n, dim).

    Returns:
        ndarray of the same shape and dtype.
    """
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms).astype(vectors.dtype)


def load_encoder(
    name: str,
    device: str | None = None,
    backend: str = "torch",
    graph_cache: str | os.PathLike[str] | None = None,
) -> Any:
    """Load a sentence-transformers model, resolved by :func:`resolve_model`.

    Args:
        name: Model name or local folder.
        device: ``"cpu"``, ``"cuda"``; default: a GPU when there is one.
        backend: ``"torch"`` (a ``SentenceTransformer``) or ``"openvino"`` (an
            :class:`~landscape.embed.openvino.OpenVINOEncoder`, CPU only); not
            ``"auto"``, which :func:`resolve_backend` turns into one of them.
        graph_cache: Folder for OpenVINO's converted graphs (``None``: convert
            on every load).

    Raises:
        LandscapeError: The model cannot be loaded (not cached and no network),
            or cannot run on the backend asked for.
    """
    if backend not in ("torch", "openvino"):
        raise LandscapeError(f"load_encoder needs backend 'torch' or 'openvino', got {backend!r}")
    if backend == "openvino":
        from landscape.embed.openvino import OpenVINOEncoder

        cpu = load_encoder(name, "cpu")
        return OpenVINOEncoder(cpu, model_identity(name), graph_cache, name=name)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    resolved = resolve_model(name)
    # transformers draws a "Loading weights" bar on stderr, which lands in every
    # rendered notebook; it is switched off while loading, then restored.
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return SentenceTransformer(resolved, device=device or default_device())
    except Exception as exc:
        raise LandscapeError(
            f"cannot load embedding model {name!r} ({type(exc).__name__}: {exc}); "
            f"offline, use {DEFAULT_MODEL!r} (bundled) or a local model folder"
        ) from exc
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()


def encode(
    texts: Sequence[str],
    model: str | Any = DEFAULT_MODEL,
    batch_size: int = 16,
    progress: bool = False,
    precision: str = "auto",
    backend: str = "auto",
) -> np.ndarray:
    """Embed texts without any cache.

    Args:
        texts: The texts.
        model: A model name, or an encoder from :func:`load_encoder`.
        batch_size: Texts per forward pass.
        progress: Show a progress bar.
        precision: One of :data:`PRECISIONS` (see :func:`resolve_precision`):
            ``"fp32"`` is the reference; ``"bf16"`` and ``"fp16"`` run under
            autocast in torch (fp16 on CUDA only) and as OpenVINO's inference
            precision; ``"int8"`` (OpenVINO only) uses int8 weights and int8
            activations quantised per row; ``"auto"`` picks for this hardware.
        backend: One of :data:`BACKENDS` (see :func:`resolve_backend`), used
            when ``model`` is a name; a loaded encoder brings its own.

    Returns:
        float32 ndarray of shape (n_texts, dim), rows L2-normalised.

    Raises:
        LandscapeError: An unknown precision or backend.
    """
    from landscape.embed.openvino import OpenVINOEncoder

    name = model if isinstance(model, str) else getattr(model, "name", "")
    if isinstance(model, str):
        model = load_encoder(model, backend=resolve_backend(backend, model))
    device = "cuda" if str(getattr(model, "device", "cpu")).startswith("cuda") else "cpu"
    on = "openvino" if isinstance(model, OpenVINOEncoder) else "torch"
    precision = resolve_precision(precision, device, on, name)
    if isinstance(model, OpenVINOEncoder):
        vectors = model.encode(list(texts), batch_size, precision, progress)
        return l2_normalize(vectors)
    import torch

    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16}
    context = (
        torch.autocast(device, dtype=dtypes[precision])
        if precision in dtypes
        else contextlib.nullcontext()
    )
    with context:
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
    vectors = np.asarray(vectors, dtype=np.float32)
    # Normalised again in fp32: bf16 normalisation leaves norms a little off 1.
    return l2_normalize(vectors)


def embed_texts(
    texts: Sequence[str],
    model: str = DEFAULT_MODEL,
    cache_dir: str | os.PathLike[str] | None = "data/interim/embeddings",
    batch_size: int = 16,
    progress: bool = False,
    precision: str = "auto",
    chunk_size: int = 1024,
    backend: str = "auto",
) -> tuple[np.ndarray, EmbedStats]:
    """Embed texts, reading and filling the on-disk cache.

    Args:
        texts: The texts; duplicates are embedded once.
        model: A sentence-transformers model name or local folder.
        cache_dir: Cache root, or ``None`` to disable the cache.
        batch_size: Texts per forward pass.
        progress: Show a progress bar while computing.
        precision: See :func:`encode`; ``"auto"`` is resolved first, and each
            precision has its own cache.
        chunk_size: Texts per cache shard while computing; a stopped run keeps
            every finished chunk.
        backend: See :func:`resolve_backend`; ``"auto"`` is resolved first, and
            each backend has its own cache.

    Returns:
        ``(vectors, stats)``: float32 ndarray of shape (n_texts, dim), rows
        L2-normalised and aligned with ``texts``, and an :class:`EmbedStats`.
    """
    started = time.perf_counter()
    backend, precision = resolve_embedding(backend, precision, model)
    found = look_up(texts, cache_dir, model_identity(model, precision, backend))
    cache, stored, by_digest = found.cache, found.stored, found.by_digest
    compute_seconds = 0.0
    if found.missing:
        t0 = time.perf_counter()
        encoder = (
            load_encoder(model, backend=backend, graph_cache=graph_cache(cache_dir))
            if isinstance(model, str)
            else model
        )
        chunks = chunk_missing(by_digest, found.missing, chunk_size if cache is not None else 0)
        bar = _progress(len(found.missing), progress and len(chunks) > 1)
        for part in chunks:
            vectors = encode(
                [by_digest[d] for d in part], encoder, batch_size, progress and bar is None,
                precision,
            )  # fmt: skip
            # One shard per chunk: a run that is stopped keeps what it computed.
            if cache is not None:
                cache.add(part, vectors, compact=False)
            stored.update(zip(part, vectors, strict=True))
            if bar is not None:
                bar.update(len(part))
        if bar is not None:
            bar.close()
        if cache is not None:
            cache.compact()
        compute_seconds = time.perf_counter() - t0
    return found.vectors(), embed_stats(found, started, compute_seconds, precision, backend)


def embed_stats(
    found: CacheLookup, started: float, compute_seconds: float, precision: str, backend: str
) -> EmbedStats:
    """What an embedding call did, once its missing vectors are computed.

    Args:
        found: The cache look-up the call started from.
        started: ``time.perf_counter()`` at the start of the call.
        compute_seconds: Time spent computing the missing vectors.
        precision: The precision used.
        backend: The backend used.
    """
    n_new = len(found.missing)
    return EmbedStats(
        n_texts=len(found.digests),
        n_cached=sum(1 for d in found.digests if d not in found.missing),
        n_computed=n_new,
        n_corrupt_shards=len(found.cache.corrupt) if found.cache is not None else 0,
        seconds=time.perf_counter() - started,
        docs_per_second=n_new / compute_seconds if compute_seconds > 0 else 0.0,
        precision=precision,
        backend=backend,
    )


def graph_cache(cache_dir: str | os.PathLike[str] | None) -> Path | None:
    """Where OpenVINO's converted graphs are kept: once per user, like numba's compiled code.

    A converted graph is a pure function of the model's weights and of the
    library versions (its folder name hashes both, and a cached graph gives
    the same vectors bit for bit as a fresh conversion), so one copy serves
    every project; converting takes about 2 s per model. The folder is
    ``$LANDSCAPE_CACHE/openvino-graphs`` (default ``$XDG_CACHE_HOME/landscape``,
    else ``~/.cache/landscape``). ``None`` when embedding without a cache
    (``cache_dir`` is ``None``): then nothing is written anywhere.
    """
    if cache_dir is None:
        return None
    root = os.environ.get("LANDSCAPE_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = str(Path(base) / "landscape")
    return Path(root) / "openvino-graphs"


def _progress(total: int, show: bool) -> Any:
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="embedding", unit="text")


def load_embeddings(path: str | os.PathLike[str], n_docs: int) -> np.ndarray:
    """Load precomputed embeddings from a ``.npy`` file aligned with corpus rows.

    Args:
        path: A ``.npy`` file of shape (n_docs, dim); object arrays are refused.
        n_docs: Rows of the corpus it must align with.

    Returns:
        float32 ndarray of shape (n_docs, dim), rows L2-normalised.

    Raises:
        LandscapeError: The file is missing, not a numeric 2-D array, or of the
            wrong length.
    """
    path = Path(path)
    try:
        arr = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise LandscapeError(f"{path}: embeddings file not found") from None
    except ValueError as exc:
        raise LandscapeError(f"{path}: not a plain numeric .npy array ({exc})") from None
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.number):
        raise LandscapeError(f"{path}: expected a 2-D numeric array, got shape {arr.shape}")
    if arr.shape[0] != n_docs:
        raise LandscapeError(
            f"{path}: has {arr.shape[0]} rows but the corpus has {n_docs} documents"
        )
    arr = arr.astype(np.float32)
    if not np.isfinite(arr).all():
        raise LandscapeError(f"{path}: contains NaN or infinite values")
    return l2_normalize(arr)
