"""The on-disk embedding cache: one model's vectors in checksummed shards.

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
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from landscape.io import atomic_path

log = logging.getLogger(__name__)

# Shards are merged into one when there are more than this many.
_MAX_SHARDS = 16


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


@dataclass
class CacheLookup:
    """The texts asked for, the vectors the cache holds of them, and what it lacks.

    Attributes:
        digests: :func:`text_digest` of each text, in the caller's order.
        by_digest: Each distinct text by its digest.
        stored: Vectors known so far by digest; callers add what they compute.
        missing: Digests the cache did not hold when looked up.
        cache: The cache, or ``None`` when there is none.
    """

    digests: list[bytes]
    by_digest: dict[bytes, str]
    stored: dict[bytes, np.ndarray]
    missing: set[bytes]
    cache: EmbeddingCache | None

    def vectors(self) -> np.ndarray:
        """float32 ndarray of shape (n_texts, dim) in the caller's order ((0, 0) for none)."""
        if not self.digests:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self.stored[d] for d in self.digests]).astype(np.float32, copy=False)


def look_up(
    texts: Sequence[str], cache_dir: str | os.PathLike[str] | None, model_id: str
) -> CacheLookup:
    """Read what the cache of ``model_id`` under ``cache_dir`` holds of ``texts``."""
    digests = [text_digest(t) for t in texts]
    cache = None if cache_dir is None else EmbeddingCache(cache_dir, model_id)
    stored = cache.load() if cache is not None else {}
    by_digest = dict(zip(digests, texts, strict=True))
    missing = {d for d in by_digest if d not in stored}
    return CacheLookup(digests, by_digest, stored, missing, cache)


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
