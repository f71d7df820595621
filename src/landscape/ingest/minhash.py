"""Shingles, MinHash signatures and LSH buckets: the numeric kernels of deduplication.

Texts are turned into hashed shingles (byte 3-grams of title keys, word 3-grams of
abstracts), shingle sets into MinHash signatures, and signatures into one 64-bit
key per LSH band. Records that share a band key are candidate pairs.

Every step works row by row (a row's signature depends on its text alone), except
word ids, which follow the order in which words first appear. A
:class:`Vocabulary` keeps that order across batches, so texts shingled in batches
get exactly the hashes they would get all at once, and only band keys (96 bytes a
record) need to be kept, not signatures or texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

ROWS_PER_BAND = 5
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class Shingles:
    """Hashed shingles of many texts, CSR-style.

    Text ``i`` owns ``values[indptr[i]:indptr[i + 1]]``; repeats are allowed (a
    minimum ignores them) and sets are taken only when a pair is verified.
    """

    indptr: np.ndarray
    values: np.ndarray

    def count(self) -> np.ndarray:
        """Number of shingles (with repeats) of each text."""
        return np.diff(self.indptr)

    def set_of(self, i: int) -> np.ndarray:
        """The distinct shingles of text ``i``, sorted."""
        return np.unique(self.values[self.indptr[i] : self.indptr[i + 1]])


def _windows(ids: np.ndarray, lengths: np.ndarray, n: int) -> Shingles:
    """Hash every run of ``n`` consecutive ids that stays inside one text."""
    ends = np.cumsum(lengths)
    starts = ends - lengths
    counts = np.maximum(lengths - n + 1, 0)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    if indptr[-1] == 0:
        return Shingles(indptr, np.zeros(0, dtype=np.uint64))
    # Window start positions: for each text, starts[i] .. starts[i] + counts[i] - 1.
    first = np.repeat(starts - indptr[:-1], counts) + np.arange(indptr[-1])
    h = np.zeros(indptr[-1], dtype=np.uint64)
    ids = ids.astype(np.uint64)
    for k in range(n):  # polynomial hash with wrapping 64-bit arithmetic
        h = h * np.uint64(1_000_003) + ids[first + k]
    return Shingles(indptr, h)


def char_shingles(texts: Sequence[str], n: int = 3) -> Shingles:
    """Byte n-grams of the UTF-8 texts (the texts are title keys: mostly ASCII)."""
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    ids = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return _windows(ids, lengths, n)


class Vocabulary:
    """Word ids in order of first appearance over every text shingled so far."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def word_shingles(self, texts: Sequence[str], n: int = 3) -> Shingles:
        """Word n-grams of lower-cased texts; new words get the next ids, in order.

        Args:
            texts: The texts, in record order.
            n: Words per shingle.

        Returns:
            The hashed shingles of each text.
        """
        words: list[str] = []
        lengths = np.zeros(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            found = _WORD_RE.findall(text.lower())
            words.extend(found)
            lengths[i] = len(found)
        # factorize hashes in C and lists each word once, in order of first appearance;
        # only those distinct words go through the (growing) vocabulary.
        codes, uniques = pd.factorize(pd.Series(words, dtype=object), sort=False)
        ids = self._ids
        mapping = np.empty(len(uniques), dtype=np.int64)
        for k, word in enumerate(uniques):
            mapping[k] = ids.setdefault(word, len(ids))
        return _windows(mapping[np.asarray(codes, dtype=np.int64)], lengths, n)


def minhash(sh: Shingles, num_perm: int, seed: int = 1) -> np.ndarray:
    """MinHash signatures of shingle sets: uint32 ndarray of shape (n_texts, num_perm).

    Each permutation is a multiply-shift hash of the shingle hash, (a * x) >> 32
    with ``a`` odd, in wrapping 64-bit arithmetic: universal, and without the
    modulo that would cost most of the time.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63 - 1, num_perm, dtype=np.uint64) | np.uint64(1)
    n = len(sh.indptr) - 1
    sig = np.full((n, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    nonempty = sh.count() > 0
    if not nonempty.any():
        return sig
    starts = sh.indptr[:-1][nonempty]
    shift = np.uint64(32)
    for j in range(num_perm):  # one permutation at a time keeps memory at O(shingles)
        h = ((a[j] * sh.values) >> shift).astype(np.uint32)
        sig[nonempty, j] = np.minimum.reduceat(h, starts)
    return sig


def band_keys(sig: np.ndarray, bands: int) -> np.ndarray:
    """One 64-bit key per LSH band (a hash of its rows): uint64 of shape (n, bands)."""
    rows = sig.shape[1] // bands
    keys = np.zeros((sig.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        block = sig[:, band * rows : (band + 1) * rows]
        key = np.zeros(sig.shape[0], dtype=np.uint64)
        for r in range(rows):
            key = key * np.uint64(0x100000001B3) + block[:, r].astype(np.uint64)
        keys[:, band] = key
    return keys


def lsh_pairs(
    keys: np.ndarray,
    valid: np.ndarray,
    max_bucket: int,
    keep: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Pairs of valid records that share a band key, from buckets of at most ``max_bucket``.

    Args:
        keys: Band keys, shape (n, bands) (:func:`band_keys`).
        valid: Which records take part.
        max_bucket: Larger buckets (boilerplate shared by many records) are skipped.
        keep: Optional filter of pairs (an ``(m, 2)`` array in, a boolean mask out)
            that depends on each pair alone; applied band by band, so that only
            the pairs it keeps are held.

    Returns:
        int64 array of shape (n_pairs, 2): distinct ``(i, j)`` with ``i < j``, sorted.
        Pairs are built and deduplicated as numbers (``i * n + j``), not Python
        tuples: candidates grow with the square of the records (LSH false
        positives), so a corpus of a million records can have millions.
    """
    n = len(valid)
    idx = np.flatnonzero(valid)
    codes = np.zeros(0, dtype=np.int64)
    for band in range(keys.shape[1]):
        found: list[np.ndarray] = []
        band_key = keys[idx, band]
        order = np.argsort(band_key, kind="stable")  # within a bucket: record order
        sorted_keys = band_key[order]
        starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
        sizes = np.diff(np.append(starts, len(order)))
        # Only buckets of 2..max_bucket matter; visiting just those keeps this O(n).
        wanted = (sizes > 1) & (sizes <= max_bucket)
        for size in np.unique(sizes[wanted]).tolist():
            first = starts[sizes == size]
            members = idx[order[first[:, None] + np.arange(size)]]  # one bucket a row
            a, b = np.triu_indices(size, 1)
            found.append((members[:, a] * n + members[:, b]).ravel())
        # Merged band by band: memory holds the distinct pairs kept, not every repeat.
        if found:
            new = np.setdiff1d(np.concatenate(found), codes)
            if keep is not None and len(new):
                new = new[keep(np.stack([new // n, new % n], axis=1))]
            codes = np.union1d(codes, new)
    return np.stack([codes // n, codes % n], axis=1)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted arrays of distinct shingles."""
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 0.0
