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
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_PRIME = np.uint64((1 << 61) - 1)
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


def _shingle_matrix(texts: Sequence[str], analyzer: str, n: int) -> sp.csr_matrix:
    """Binary sparse matrix of hashed shingles, shape (n_texts, 2**30)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(
        analyzer=analyzer,
        ngram_range=(n, n),
        n_features=2**30,
        alternate_sign=False,
        norm=None,
        binary=True,
        lowercase=True,
    )
    m = vec.transform(texts).tocsr()
    m.sort_indices()
    return m


def _minhash(m: sp.csr_matrix, num_perm: int, seed: int = 1) -> np.ndarray:
    """MinHash signatures of the rows of a binary sparse matrix: (n_rows, num_perm)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, int(_PRIME) - 1, num_perm, dtype=np.uint64)
    b = rng.integers(0, int(_PRIME) - 1, num_perm, dtype=np.uint64)
    n = m.shape[0]
    sig = np.full((n, num_perm), np.iinfo(np.uint64).max, dtype=np.uint64)
    nonempty = np.diff(m.indptr) > 0
    if not nonempty.any():
        return sig
    starts = m.indptr[:-1][nonempty]
    x = m.indices.astype(np.uint64)
    # Products wrap modulo 2**64 before the prime: not an exact universal family,
    # but a fixed, well-mixed one, which is all LSH banding needs.
    for j in range(num_perm):  # one permutation at a time keeps memory at O(nnz)
        h = (a[j] * x + b[j]) % _PRIME
        sig[nonempty, j] = np.minimum.reduceat(h, starts)
    return sig


def _lsh_pairs(
    sig: np.ndarray, bands: int, valid: np.ndarray, max_bucket: int
) -> set[tuple[int, int]]:
    rows = sig.shape[1] // bands
    pairs: set[tuple[int, int]] = set()
    idx = np.flatnonzero(valid)
    for band in range(bands):
        block = np.ascontiguousarray(sig[idx, band * rows : (band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        for group in np.split(order, bounds):
            if 1 < len(group) <= max_bucket:
                members = sorted(idx[group].tolist())
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


def _jaccard(m: sp.csr_matrix, i: int, j: int) -> float:
    a = m.indices[m.indptr[i] : m.indptr[i + 1]]
    b = m.indices[m.indptr[j] : m.indptr[j + 1]]
    inter = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - inter
    return inter / union if union else 0.0


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
        shingles = _shingle_matrix(abstracts, "word", 3)
        valid = np.diff(shingles.indptr) >= opts.min_abstract_shingles
        # 8 rows per band: candidates mostly above Jaccard ~0.75, verified exactly.
        bands = max(1, opts.num_perm // 8)
        titles = _shingle_matrix(title_keys, "char", 3)
        t_pairs = _lsh_pairs(
            _minhash(titles, opts.num_perm), bands, np.diff(titles.indptr) > 0, opts.max_bucket
        )
        for i, j in sorted(t_pairs):
            if title_keys[i] == title_keys[j] or conflict(i, j):
                continue
            yi, yj = years[i], years[j]
            if yi and yj and abs(int(yi) - int(yj)) > opts.max_year_gap:
                continue
            score = difflib.SequenceMatcher(None, title_keys[i], title_keys[j]).ratio()
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
