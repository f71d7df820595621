"""Find records that are the same paper: exact keys, then near duplicates.

Rules, in priority order (a record merged by an earlier rule is reported with it):

1. ``exact-doi``: equal normalised DOI.
2. ``exact-arxiv``: equal arXiv id (version stripped).
3. ``exact-title``: equal title key (case, whitespace, accents and punctuation removed).
4. ``fuzzy-title``: title keys with a similarity ratio of at least
   ``title_threshold`` (difflib ratio on the keys) and compatible years (equal
   within ``max_year_gap``, or one missing), whose titles do not differ by a
   number, roman numeral or letter ("Part I" / "Part II"), and whose abstracts
   overlap (word 3-gram Jaccard >= ``title_abstract_min``) when both are long
   enough to compare. Candidates come from MinHash LSH on character 3-grams of the keys, so
   pairs are never enumerated.
5. ``near-abstract``: abstracts whose word 3-gram Jaccard similarity is at least
   ``abstract_threshold`` (the same paper retitled, or an abstract revised between
   versions). Candidates come from MinHash LSH on the shingles, verified exactly.

Records with different DOIs, or different arXiv ids, are never linked by a
title or abstract rule: identifiers win over text. Groups are the connected
components of all links (union-find). Each merged record names the record it
matched, the rule and the score.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_ROWS_PER_BAND = 5
RULES = ("exact-doi", "exact-arxiv", "exact-title", "fuzzy-title", "near-abstract")


@dataclass(frozen=True)
class DedupOptions:
    """Thresholds of the near-duplicate rules.

    Attributes:
        title_threshold: Minimum difflib ratio of two title keys (0-1).
        max_year_gap: Largest year difference for a fuzzy-title match.
        abstract_threshold: Minimum word 3-gram Jaccard of two abstracts (0-1).
        title_abstract_min: A fuzzy-title match also needs at least this abstract
            Jaccard when both abstracts are long enough to compare.
        min_abstract_shingles: Abstracts shorter than this many 3-grams are not
            compared (too little text to call two of them the same).
        num_perm: MinHash permutations (more: fewer missed pairs, slower).
        max_bucket: LSH buckets larger than this are skipped (boilerplate text
            shared by many records would otherwise make the search quadratic).
    """

    title_threshold: float = 0.92
    max_year_gap: int = 1
    abstract_threshold: float = 0.8
    title_abstract_min: float = 0.3
    min_abstract_shingles: int = 10
    num_perm: int = 64
    max_bucket: int = 50


@dataclass(frozen=True)
class Link:
    """Why a record was merged: the record it matched, the rule and the score."""

    other: int
    rule: str
    score: float


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, self.parent[i]
        return int(root)

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        # The earliest record is the root, so the kept record is the first seen.
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


@dataclass(frozen=True)
class _Shingles:
    """Hashed shingles of many texts, CSR-style.

    Text ``i`` owns ``values[indptr[i]:indptr[i + 1]]``; repeats are allowed (a
    minimum ignores them) and sets are taken only when a pair is verified.
    """

    indptr: np.ndarray
    values: np.ndarray

    def count(self) -> np.ndarray:
        return np.diff(self.indptr)

    def set_of(self, i: int) -> np.ndarray:
        return np.unique(self.values[self.indptr[i] : self.indptr[i + 1]])


def _windows(ids: np.ndarray, lengths: np.ndarray, n: int) -> _Shingles:
    """Hash every run of ``n`` consecutive ids that stays inside one text."""
    ends = np.cumsum(lengths)
    starts = ends - lengths
    counts = np.maximum(lengths - n + 1, 0)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    if indptr[-1] == 0:
        return _Shingles(indptr, np.zeros(0, dtype=np.uint64))
    # Window start positions: for each text, starts[i] .. starts[i] + counts[i] - 1.
    first = np.repeat(starts - indptr[:-1], counts) + np.arange(indptr[-1])
    h = np.zeros(indptr[-1], dtype=np.uint64)
    ids = ids.astype(np.uint64)
    for k in range(n):  # polynomial hash with wrapping 64-bit arithmetic
        h = h * np.uint64(1_000_003) + ids[first + k]
    return _Shingles(indptr, h)


def _char_shingles(texts: Sequence[str], n: int = 3) -> _Shingles:
    """Byte n-grams of the UTF-8 texts (the texts are title keys: mostly ASCII)."""
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    ids = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return _windows(ids, lengths, n)


_WORD_RE = re.compile(r"\w+")


def _word_shingles(texts: Sequence[str], n: int = 3) -> _Shingles:
    """Word n-grams of lower-cased texts; word ids in order of first appearance."""
    import pandas as pd

    words: list[str] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        found = _WORD_RE.findall(text.lower())
        words.extend(found)
        lengths[i] = len(found)
    # factorize hashes in C; ids follow first appearance, so they are reproducible.
    ids, _ = pd.factorize(pd.Series(words, dtype=object), sort=False)
    return _windows(np.asarray(ids, dtype=np.int64), lengths, n)


def _minhash(sh: _Shingles, num_perm: int, seed: int = 1) -> np.ndarray:
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


def _lsh_pairs(
    sig: np.ndarray, bands: int, valid: np.ndarray, max_bucket: int
) -> set[tuple[int, int]]:
    rows = sig.shape[1] // bands
    pairs: set[tuple[int, int]] = set()
    idx = np.flatnonzero(valid)
    for band in range(bands):
        block = sig[idx, band * rows : (band + 1) * rows]
        # One 64-bit key per band (hash of its rows); equal keys share a bucket.
        keys = np.zeros(len(idx), dtype=np.uint64)
        for r in range(rows):
            keys = keys * np.uint64(0x100000001B3) + block[:, r].astype(np.uint64)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]]))
        sizes = np.diff(np.append(starts, len(order)))
        # Only buckets of 2..max_bucket matter; visiting just those keeps this O(n).
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            if size <= max_bucket:
                members = sorted(idx[order[start : start + size]].tolist())
                pairs.update(
                    (members[i], members[j])
                    for i in range(len(members))
                    for j in range(i + 1, len(members))
                )
    return pairs


_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}


def _series_difference(a: str, b: str) -> bool:
    """Whether two titles differ in a number, roman numeral or single letter."""
    diff = set(a.split()) ^ set(b.split())
    return any(t.isdigit() or t in _ROMAN or len(t) == 1 for t in diff)


def _jaccard(sh: _Shingles, i: int, j: int) -> float:
    a, b = sh.set_of(i), sh.set_of(j)
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 0.0


def _likely(pairs: set[tuple[int, int]], sig: np.ndarray, min_jaccard: float) -> list:
    """Candidate pairs whose signatures agree on at least ``min_jaccard`` of entries.

    The share of equal MinHash values estimates the Jaccard similarity; pairs far
    below any threshold are dropped before the slower exact comparison.
    """
    if not pairs:
        return []
    arr = np.array(sorted(pairs), dtype=np.int64)
    agree = (sig[arr[:, 0]] == sig[arr[:, 1]]).mean(axis=1)
    return [tuple(p) for p in arr[agree >= min_jaccard].tolist()]


def _title_similarity(a: str, b: str, threshold: float) -> float:
    """Difflib ratio, after its cheap upper bounds rule most pairs out."""
    sm = difflib.SequenceMatcher(None, a, b)
    if sm.real_quick_ratio() < threshold or sm.quick_ratio() < threshold:
        return 0.0
    return sm.ratio()


def find_duplicates(
    title_keys: Sequence[str],
    abstracts: Sequence[str],
    dois: Sequence[str | None],
    arxiv_ids: Sequence[str | None],
    years: Sequence[int | None],
    options: DedupOptions | None = None,
) -> tuple[np.ndarray, dict[int, Link]]:
    """Group records that are the same paper.

    Args:
        title_keys: Title keys (:func:`landscape.clean.title_key`), one per record.
        abstracts: Cleaned abstracts.
        dois: Normalised DOIs or ``None``.
        arxiv_ids: Version-stripped arXiv ids or ``None``.
        years: Publication years or ``None``.
        options: Thresholds.

    Returns:
        ``(group, links)``: int ndarray of shape (n_records,) giving each record's
        group as the index of its first record (so ``group[i] == i`` for kept
        records), and for every merged record the :class:`Link` that explains it.
    """
    opts = options or DedupOptions()
    n = len(title_keys)
    uf = _UnionFind(n)
    edges: list[tuple[int, int, str, float]] = []

    def conflict(i: int, j: int) -> bool:
        # Different DOIs or arXiv ids are different papers, whatever their text says
        # ("Discussion of: X" by several discussants share a title).
        return bool(
            (dois[i] and dois[j] and dois[i] != dois[j])
            or (arxiv_ids[i] and arxiv_ids[j] and arxiv_ids[i] != arxiv_ids[j])
        )

    def exact(values: Sequence[str | None], rule: str, check: bool) -> None:
        seen: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            if not v:
                continue
            earlier = seen.setdefault(v, [])
            match = next((j for j in earlier if not (check and conflict(i, j))), None)
            if match is not None:
                edges.append((match, i, rule, 1.0))
            earlier.append(i)

    exact(dois, "exact-doi", check=False)
    exact(arxiv_ids, "exact-arxiv", check=False)
    exact(title_keys, "exact-title", check=True)

    if n > 1:
        shingles = _word_shingles(abstracts)
        valid = shingles.count() >= opts.min_abstract_shingles
        # 5 rows per band, 12 bands: a pair at Jaccard 0.8 becomes a candidate with
        # probability 0.99, one at 0.3 with 0.03; candidates are verified exactly.
        bands = max(1, opts.num_perm // _ROWS_PER_BAND)
        titles = _char_shingles(title_keys)
        title_sig = _minhash(titles, opts.num_perm)
        t_pairs = _lsh_pairs(title_sig, bands, titles.count() > 0, opts.max_bucket)
        for i, j in _likely(t_pairs, title_sig, 0.5):
            if title_keys[i] == title_keys[j] or conflict(i, j):
                continue
            yi, yj = years[i], years[j]
            if yi and yj and abs(int(yi) - int(yj)) > opts.max_year_gap:
                continue
            score = _title_similarity(title_keys[i], title_keys[j], opts.title_threshold)
            if score < opts.title_threshold:
                continue
            # "Part I" / "Part II", "type C" / "type D", "Isomorphic" / "Isometric":
            # similar titles of different papers. Titles differing in a number or a
            # letter are never merged, and the abstracts must overlap when present.
            if _series_difference(title_keys[i], title_keys[j]):
                continue
            if valid[i] and valid[j] and _jaccard(shingles, i, j) < opts.title_abstract_min:
                continue
            edges.append((i, j, "fuzzy-title", round(score, 4)))

        a_pairs = _lsh_pairs(_minhash(shingles, opts.num_perm), bands, valid, opts.max_bucket)
        for i, j in sorted(a_pairs):
            if conflict(i, j):
                continue
            score = _jaccard(shingles, i, j)
            if score >= opts.abstract_threshold:
                edges.append((i, j, "near-abstract", round(score, 4)))

    priority = {rule: k for k, rule in enumerate(RULES)}
    edges.sort(key=lambda e: (priority[e[2]], min(e[0], e[1]), max(e[0], e[1])))
    for i, j, _, _ in edges:
        uf.union(i, j)
    group = np.array([uf.find(i) for i in range(n)], dtype=np.int64)

    # Each merged record is explained by its best-priority edge inside its group.
    links: dict[int, Link] = {}
    by_record: dict[int, list[tuple[int, int, str, float]]] = defaultdict(list)
    for e in edges:
        by_record[e[0]].append(e)
        by_record[e[1]].append(e)
    for i in range(n):
        if group[i] == i:
            continue
        i_edges = by_record[i]
        best = min(i_edges, key=lambda e: (priority[e[2]], -e[3], min(e[0], e[1])))
        other = best[1] if best[0] == i else best[0]
        links[i] = Link(other=other, rule=best[2], score=best[3])
    return group, links
