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

:class:`DedupIndex` takes records in batches and keeps only compact keys per
record (title key, identifiers, year, LSH band keys); the abstracts of the few
candidate pairs are fetched back when the pairs are verified. The result is the
same as shingling every record at once (see :mod:`landscape.ingest.minhash`).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from landscape.ingest.minhash import (
    ROWS_PER_BAND,
    Vocabulary,
    band_keys,
    char_shingles,
    jaccard,
    lsh_pairs,
    minhash,
)

_CHUNK = 1 << 16  # candidate pairs compared at a time
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


_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"}


def _series_difference(a: str, b: str) -> bool:
    """Whether two titles differ in a number, roman numeral or single letter."""
    diff = set(a.split()) ^ set(b.split())
    return any(t.isdigit() or t in _ROMAN or len(t) == 1 for t in diff)


def _title_similarity(a: str, b: str, threshold: float) -> float:
    """Difflib ratio, after its cheap upper bounds rule most pairs out."""
    sm = difflib.SequenceMatcher(None, a, b)
    if sm.real_quick_ratio() < threshold or sm.quick_ratio() < threshold:
        return 0.0
    return sm.ratio()


def _year(value: object) -> int:
    """A year as an int, 0 when missing or unreadable (NaN from a table, say)."""
    try:
        return int(value) if value else 0  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return 0


def _codes(chunks: list[pa.Array]) -> np.ndarray:
    """Equal values get equal codes; ``None`` and ``""`` get -1."""
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(pa.concat_arrays([c.cast(pa.large_string()) for c in chunks]))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    empty = pc.index(encoded.dictionary, "").as_py()
    if empty >= 0:
        codes[codes == empty] = -1
    return codes


class DedupIndex:
    """Records added in batches, grouped when all are in (see the module docstring).

    Args:
        options: Thresholds.
    """

    def __init__(self, options: DedupOptions | None = None) -> None:
        self.options = options or DedupOptions()
        self.n = 0
        self._bands = max(1, self.options.num_perm // ROWS_PER_BAND)
        self._vocabulary = Vocabulary()
        self._keys: list[pa.Array] = []
        self._dois: list[pa.Array] = []
        self._arxiv: list[pa.Array] = []
        self._years: list[np.ndarray] = []
        self._title_bands: list[np.ndarray] = []
        self._title_ok: list[np.ndarray] = []
        self._abstract_bands: list[np.ndarray] = []
        self._abstract_ok: list[np.ndarray] = []

    def add(
        self,
        title_keys: Sequence[str],
        abstracts: Sequence[str],
        dois: Sequence[str | None],
        arxiv_ids: Sequence[str | None],
        years: Sequence[int | None],
    ) -> np.ndarray:
        """Add records (their indices continue from the records added before).

        Args:
            title_keys: Title keys (:func:`landscape.ingest.clean.title_key`).
            abstracts: Cleaned abstracts (shingled now, not kept).
            dois: Normalised DOIs or ``None``.
            arxiv_ids: Version-stripped arXiv ids or ``None``.
            years: Publication years or ``None``.

        Returns:
            The MinHash signatures of the title keys, uint32 of shape
            (n_records, num_perm): :meth:`resolve` asks for those of candidate
            pairs back (they are not kept here).
        """
        opts = self.options
        if not len(title_keys) == len(abstracts) == len(dois) == len(arxiv_ids) == len(years):
            raise ValueError("DedupIndex.add: all arguments must have one entry per record")
        self.n += len(title_keys)
        self._keys.append(pa.array(title_keys, pa.large_string()))
        self._dois.append(pa.array(dois, pa.large_string()))
        self._arxiv.append(pa.array(arxiv_ids, pa.large_string()))
        self._years.append(np.array([_year(y) for y in years], dtype=np.int64))
        titles = char_shingles(title_keys)
        self._title_ok.append(titles.count() > 0)
        title_sig = minhash(titles, opts.num_perm)
        self._title_bands.append(band_keys(title_sig, self._bands))
        words = self._vocabulary.word_shingles(abstracts)
        self._abstract_ok.append(words.count() >= opts.min_abstract_shingles)
        # Abstract signatures serve only the bands: the permutations past the last
        # full band would be computed for nothing. (Title signatures are also
        # compared value by value, all num_perm of them.)
        banded = self._bands * ROWS_PER_BAND
        self._abstract_bands.append(band_keys(minhash(words, banded), self._bands))
        return title_sig

    def column(self, name: str, rows: np.ndarray) -> pa.Array:
        """Values of ``key``, ``doi`` or ``arxiv_id`` at ``rows`` (``""`` as null)."""
        chunks = {"key": self._keys, "doi": self._dois, "arxiv_id": self._arxiv}[name]
        values = pa.concat_arrays(chunks).take(pa.array(rows, pa.int64()))
        return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.large_string()), values)

    def resolve(
        self,
        fetch_abstracts: Callable[[np.ndarray], Sequence[str]],
        fetch_signatures: Callable[[np.ndarray], np.ndarray],
    ) -> tuple[np.ndarray, dict[int, Link]]:
        """Group the records added so far.

        Args:
            fetch_abstracts: Returns the abstracts of the records at the given
                (sorted) indices, in that order; called once, for the records of
                candidate pairs.
            fetch_signatures: Returns the title signatures (as :meth:`add`
                returned them) of the records at the given sorted indices.

        Returns:
            ``(group, links)`` as :func:`find_duplicates` returns them.
        """
        opts = self.options
        n = self.n
        dois, arxiv, keys = _codes(self._dois), _codes(self._arxiv), _codes(self._keys)
        years = np.concatenate(self._years) if self._years else np.zeros(0, np.int64)
        edges: list[tuple[int, int, str, float]] = []

        def conflict(i: int, j: int) -> bool:
            # Different DOIs or arXiv ids are different papers, whatever their text says
            # ("Discussion of: X" by several discussants share a title).
            return bool(
                (dois[i] >= 0 and dois[j] >= 0 and dois[i] != dois[j])
                or (arxiv[i] >= 0 and arxiv[j] >= 0 and arxiv[i] != arxiv[j])
            )

        def conflicts(pairs: np.ndarray) -> np.ndarray:
            i, j = pairs[:, 0], pairs[:, 1]
            doi = (dois[i] >= 0) & (dois[j] >= 0) & (dois[i] != dois[j])
            return doi | ((arxiv[i] >= 0) & (arxiv[j] >= 0) & (arxiv[i] != arxiv[j]))

        def exact(codes: np.ndarray, rule: str, check: bool) -> None:
            # Only values seen more than once can link records; the others are skipped.
            counts = np.bincount(codes[codes >= 0], minlength=1)
            repeated = np.flatnonzero((codes >= 0) & (counts[np.maximum(codes, 0)] > 1))
            seen: dict[int, list[int]] = {}
            for i in repeated.tolist():
                earlier = seen.setdefault(int(codes[i]), [])
                match = next((j for j in earlier if not (check and conflict(i, j))), None)
                if match is not None:
                    edges.append((match, i, rule, 1.0))
                earlier.append(i)

        exact(dois, "exact-doi", check=False)
        exact(arxiv, "exact-arxiv", check=False)
        exact(keys, "exact-title", check=True)

        if n > 1:
            valid = np.concatenate(self._abstract_ok)
            title_pairs = self._title_candidates(keys, years, conflicts, fetch_signatures)
            abstract_pairs = lsh_pairs(
                np.concatenate(self._abstract_bands),
                valid,
                opts.max_bucket,
                keep=lambda pairs: ~conflicts(pairs),
            )
            # Exact Jaccard needs the shingle sets of the candidates' abstracts only.
            both = [(i, j) for i, j, _ in title_pairs if valid[i] and valid[j]]
            both_pairs = np.array(both, dtype=np.int64).reshape(-1, 2)
            sets = self._shingle_sets(both_pairs, abstract_pairs, fetch_abstracts=fetch_abstracts)
            for i, j, score in title_pairs:
                if valid[i] and valid[j] and jaccard(sets[i], sets[j]) < opts.title_abstract_min:
                    continue
                edges.append((i, j, "fuzzy-title", round(score, 4)))
            for i, j in abstract_pairs.tolist():
                score = jaccard(sets[i], sets[j])
                if score >= opts.abstract_threshold:
                    edges.append((i, j, "near-abstract", round(score, 4)))
        return _groups(n, edges)

    def _title_candidates(
        self,
        keys: np.ndarray,
        years: np.ndarray,
        conflicts: Callable[[np.ndarray], np.ndarray],
        fetch_signatures: Callable[[np.ndarray], np.ndarray],
    ) -> list[tuple[int, int, float]]:
        """Fuzzy-title pairs that pass every check but the abstract overlap."""
        opts = self.options
        ok = np.concatenate(self._title_ok)
        rows = np.flatnonzero(ok)
        similar = _agreeing(rows, fetch_signatures(rows))
        likely = lsh_pairs(np.concatenate(self._title_bands), ok, opts.max_bucket, keep=similar)
        del similar  # and the signatures with it
        i, j = likely[:, 0], likely[:, 1]
        far = (years[i] != 0) & (years[j] != 0) & (np.abs(years[i] - years[j]) > opts.max_year_gap)
        likely = likely[(keys[i] != keys[j]) & ~conflicts(likely) & ~far]
        members = np.unique(likely)
        texts = pa.concat_arrays(self._keys).take(pa.array(members)).to_pylist()
        text = dict(zip(members.tolist(), texts, strict=True))
        out = []
        for i, j in likely.tolist():
            score = _title_similarity(text[i], text[j], opts.title_threshold)
            if score < opts.title_threshold:
                continue
            # "Part I" / "Part II", "type C" / "type D", "Isomorphic" / "Isometric":
            # similar titles of different papers. Titles differing in a number or a
            # letter are never merged, and the abstracts must overlap when present.
            if _series_difference(text[i], text[j]):
                continue
            out.append((i, j, score))
        return out

    def _shingle_sets(
        self,
        *pairs: np.ndarray,
        fetch_abstracts: Callable[[np.ndarray], Sequence[str]],
    ) -> dict[int, np.ndarray]:
        members = np.unique(np.concatenate([p.reshape(-1) for p in pairs]))
        if not len(members):
            return {}
        shingles = self._vocabulary.word_shingles(fetch_abstracts(members))
        return {int(i): shingles.set_of(k) for k, i in enumerate(members)}


def _agreeing(rows: np.ndarray, sig: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A filter of pairs whose MinHash signatures agree on at least half their values.

    The share of equal values estimates Jaccard; pairs far below any threshold are
    dropped before the slower exact comparison. ``sig[k]`` is the signature of
    record ``rows[k]``; pairs are compared in chunks, to keep the (pairs x
    permutations) comparison small.
    """

    def similar(pairs: np.ndarray) -> np.ndarray:
        row = np.searchsorted(rows, pairs)
        agree = np.empty(len(pairs))
        for s in range(0, len(pairs), _CHUNK):
            a, b = row[s : s + _CHUNK, 0], row[s : s + _CHUNK, 1]
            agree[s : s + _CHUNK] = np.count_nonzero(sig[a] == sig[b], axis=1) / sig.shape[1]
        return agree >= 0.5

    return similar


def _groups(n: int, edges: list[tuple[int, int, str, float]]) -> tuple[np.ndarray, dict[int, Link]]:
    """Union-find over the edges; each merged record explained by its best edge."""
    priority = {rule: k for k, rule in enumerate(RULES)}
    edges.sort(key=lambda e: (priority[e[2]], min(e[0], e[1]), max(e[0], e[1])))
    uf = _UnionFind(n)
    for i, j, _, _ in edges:
        uf.union(i, j)
    group = np.arange(n, dtype=np.int64)
    for i in np.flatnonzero(uf.parent != np.arange(n)).tolist():
        group[i] = uf.find(i)

    # Each merged record is explained by its best-priority edge inside its group.
    links: dict[int, Link] = {}
    by_record: dict[int, list[tuple[int, int, str, float]]] = defaultdict(list)
    for e in edges:
        by_record[e[0]].append(e)
        by_record[e[1]].append(e)
    for i in np.flatnonzero(group != np.arange(n)).tolist():
        best = min(by_record[i], key=lambda e: (priority[e[2]], -e[3], min(e[0], e[1])))
        other = best[1] if best[0] == i else best[0]
        links[i] = Link(other=other, rule=best[2], score=best[3])
    return group, links


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
        title_keys: Title keys (:func:`landscape.ingest.clean.title_key`), one per record.
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
    index = DedupIndex(options)
    signatures = index.add(title_keys, abstracts, dois, arxiv_ids, years)
    return index.resolve(lambda rows: [abstracts[i] for i in rows], lambda rows: signatures[rows])
