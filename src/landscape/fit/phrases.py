"""Candidate phrases for topic names, and which papers contain each.

A name is chosen from phrases that occur in the papers (:mod:`landscape.fit.naming`);
this module finds them and counts them, fast enough for 100,000 abstracts.

Words
    Lower-cased tokens of :data:`landscape.fit.vocabulary.TOKEN_PATTERN`
    (hyphenated words stay one word: "vision-language"), plurals folded as the
    label evidence reads words (:mod:`landscape.labels.evidence`): ``-ies``
    to ``-y`` on words of five letters or more ("queries", "theories",
    "galaxies" are "query", "theory", "galaxy"; not "series", "species" or
    the few plurals of ``-ie`` words in :data:`IE_PLURALS`), else a trailing
    ``s`` on words of four letters or more not ending in ``ss``. Punctuation
    (``. , ; : ! ? ( ) [ ] { } "``) breaks phrases.

Phrases
    Runs of 1 to :data:`MAX_WORDS` consecutive words inside one sentence piece,
    that neither start nor end with a stop word (English and research stop
    words), and whose inner words are not stop words, except one of
    :data:`CONNECTORS` ("theory *of* mind", "learning *to* rank"). A phrase
    counts once per paper however often the paper uses it.

Counting works on integer word ids: each phrase is a 64-bit hash of its ids,
computed with numpy for every position at once, so no Python loop runs per
phrase occurrence. The words of a phrase are read back from one of its
occurrences, so every phrase returned occurs in at least one paper.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from landscape.fit.vocabulary import STOP_WORDS, TOKEN_PATTERN

#: Longest phrase, in words.
MAX_WORDS = 4
#: Stop words allowed inside a phrase (one at most).
CONNECTORS = frozenset({"of", "for", "in", "on", "and", "to", "with", "from", "via", "over"})


#: Words in ``-ies`` whose singular is not ``-y``: only their ``s`` is folded.
IE_PLURALS = frozenset(
    {"series", "species", "movies", "cookies", "calories", "zombies", "prairies", "selfies"}
    | {"rookies", "goalies", "genies", "aunties", "brownies", "freebies", "sorties", "pixies"}
)


def fold(word: str) -> str:
    """A word as phrases compare it: lower case, plural folded (module docstring)."""
    word = word.lower()
    if len(word) > 4 and word.endswith("ies") and word not in IE_PLURALS:
        return word[:-3] + "y"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def distinct_terms(terms: Iterable[Any], n: int = 6) -> list[str]:
    """The first ``n`` terms that say something new, in order.

    A term whose words (plurals folded) all belong to a term already kept, or
    that holds all the words of one, adds nothing for a reader: after "language
    model", neither "language", "models" nor "large language model" is kept.
    """
    found: list[str] = []
    seen: list[set[str]] = []
    for term in terms:
        words = {fold(w) for w in str(term or "").split()}
        if not words or any(words <= w or w <= words for w in seen):
            continue
        found.append(str(term))
        seen.append(words)
        if len(found) == n:
            break
    return found


#: Words before a verb, and after one: a phrase often between them is a verb.
VERB_BEFORE = frozenset(
    {"to", "we", "can", "may", "might", "will", "could", "should", "would", "they", "it"}
    | {"also", "not", "which", "often"}
)
VERB_AFTER = frozenset({"the", "a", "an", "this", "these", "those", "our", "their", "its", "such"})

_BREAKS = '.,;:!?()[]{}"'
_WORD_OR_BREAK = re.compile(TOKEN_PATTERN + r"|[" + re.escape(_BREAKS) + "]")
# TeX math and commands (arXiv abstracts: "$\\mathbb{R}^n$", "\\emph"): a break, never words.
_TEX = re.compile(r"\$[^$]{0,300}\$|\\[A-Za-z]+")
# Folded too, so that "this" (folded "thi") is still a stop word.
_STOP = frozenset(STOP_WORDS) | frozenset(fold(w) for w in STOP_WORDS)
_CHUNK = 5_000  # papers per counting block: bounds memory at 100k papers
_PRIME = np.uint64(1_000_003)
_LENGTH_SALT = 0x9E3779B97F4A7C15
_PAIR_SALT = np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass(frozen=True)
class PhraseIndex:
    """Phrases and the papers that contain them.

    Attributes:
        words: The folded words of each phrase, tuple of length n_phrases.
        presence: Sparse bool matrix of shape (n_docs, n_phrases): paper i
            contains phrase j.
        ends: float ndarray of shape (n_phrases,): share of the phrase's
            occurrences followed by a break or a stop word (low for a modifier
            that is nearly always followed by more words: "latent").
        starts: The same for the word before (low for the tail of a longer
            phrase: "neural networks" in "graph neural networks").
        verbal: Share of occurrences used as a verb is: after "to", "we",
            "can", ... or before "the", "a", "our", ... ("we *validate* the").
    """

    words: tuple[tuple[str, ...], ...]
    presence: sp.csr_matrix
    ends: np.ndarray
    starts: np.ndarray
    verbal: np.ndarray

    def subset(self, columns: np.ndarray) -> PhraseIndex:
        """The index restricted to ``columns`` (int ndarray), in that order."""
        return PhraseIndex(
            tuple(self.words[i] for i in columns),
            self.presence[:, columns],
            self.ends[columns],
            self.starts[columns],
            self.verbal[columns],
        )

    def __len__(self) -> int:
        return len(self.words)


class _Vocabulary:
    """Word ids: 0 is a break, then words in order of first sight."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {b: 0 for b in _BREAKS}
        self.words: list[str] = [""]

    def encode(self, text: str) -> list[int]:
        tokens = _WORD_OR_BREAK.findall(_TEX.sub(" . ", text.lower()))
        out = list(map(self.ids.get, tokens))
        for at, i in enumerate(out):
            if i is None:  # first sight of this spelling
                out[at] = self._add(tokens[at])
        out.append(0)  # papers never share a phrase across their boundary
        return out

    def _add(self, token: str) -> int:
        word = fold(token)
        i = self.ids.get(word)
        if i is None:
            i = len(self.words)
            self.words.append(word)
            self.ids[word] = i
        self.ids[token] = i
        return i


def _windows(
    ids: np.ndarray, stop: np.ndarray, conn: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Start positions of valid ``n``-word phrases and their hashes."""
    t = len(ids)
    if t < n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    starts = np.arange(t - n + 1)
    brk = ids == 0
    cum_b = np.concatenate([[0], np.cumsum(brk)])
    ok = (cum_b[starts + n] - cum_b[starts]) == 0
    ok &= ~stop[ids[starts]] & ~stop[ids[starts + n - 1]]
    if n >= 3:
        s_inner = stop[ids]
        c_inner = conn[ids]
        cum_s = np.concatenate([[0], np.cumsum(s_inner)])
        cum_c = np.concatenate([[0], np.cumsum(c_inner)])
        inner_s = cum_s[starts + n - 1] - cum_s[starts + 1]
        inner_c = cum_c[starts + n - 1] - cum_c[starts + 1]
        ok &= (inner_s == inner_c) & (inner_c <= 1)
    starts = starts[ok]
    h = ids[starts].astype(np.uint64) + np.uint64((n * _LENGTH_SALT) % 2**64)
    for m in range(1, n):
        h = h * _PRIME + ids[starts + m].astype(np.uint64)
    return starts, h


def phrase_index(texts: Sequence[str], min_df: int = 2, max_words: int = MAX_WORDS) -> PhraseIndex:
    """Find the phrases of ``texts`` that at least ``min_df`` papers contain.

    Args:
        texts: One text per paper (title and abstract).
        min_df: Fewest papers a phrase must occur in to be kept.
        max_words: Longest phrase.

    Returns:
        A :class:`PhraseIndex`, phrases in order of their hash (deterministic).
    """
    vocab = _Vocabulary()
    docs, keys, where = [], [], []  # one unique (paper, phrase) pair per entry
    edges = []  # per pair: occurrences, at a phrase end, at a start, used as a verb
    blocks: list[np.ndarray] = []
    offset = 0
    for lo in range(0, len(texts), _CHUNK):
        encoded = [vocab.encode(t) for t in texts[lo : lo + _CHUNK]]
        lengths = [len(e) for e in encoded]
        ids = np.fromiter(itertools.chain.from_iterable(encoded), np.int64, sum(lengths))
        doc = np.repeat(np.arange(lo, lo + len(encoded)), lengths)
        stop = np.fromiter((w in _STOP for w in vocab.words), dtype=bool, count=len(vocab.words))
        stop[0] = True
        conn, v_before, v_after = (
            np.fromiter((w in group for w in vocab.words), dtype=bool, count=len(vocab.words))
            for group in (CONNECTORS, VERB_BEFORE, VERB_AFTER)
        )
        for n in range(1, max_words + 1):
            starts, h = _windows(ids, stop, conn, n)
            # One entry per (paper, phrase): hash the pair, keep its first position.
            pair = h ^ (doc[starts].astype(np.uint64) * _PAIR_SALT)
            _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
            inverse = inverse.ravel()
            after = np.append(ids, 0)[starts + n]
            before = np.concatenate([[0], ids])[starts]
            edges.append(
                np.column_stack(
                    [
                        np.bincount(inverse, minlength=len(first)),
                        np.bincount(inverse, weights=stop[after], minlength=len(first)),
                        np.bincount(inverse, weights=stop[before], minlength=len(first)),
                        np.bincount(
                            inverse, weights=v_before[before] | v_after[after], minlength=len(first)
                        ),
                    ]
                )
            )
            docs.append(doc[starts[first]])
            keys.append(h[first])
            where.append(np.column_stack([starts[first] + offset, np.full(len(first), n)]))
        blocks.append(ids)
        offset += len(ids)
    if not keys:
        empty = np.zeros(0)
        return PhraseIndex((), sp.csr_matrix((len(texts), 0), dtype=bool), empty, empty, empty)
    doc_all = np.concatenate(docs)
    key_all = np.concatenate(keys)
    where_all = np.concatenate(where)
    uniq, first, inverse, counts = np.unique(
        key_all, return_index=True, return_inverse=True, return_counts=True
    )
    kept = counts >= min_df
    column = np.full(len(uniq), -1, dtype=np.int64)
    column[kept] = np.arange(int(kept.sum()))
    col = column[inverse.ravel()]
    rows = col >= 0
    presence = sp.csr_matrix(
        (np.ones(int(rows.sum()), dtype=bool), (doc_all[rows], col[rows])),
        shape=(len(texts), int(kept.sum())),
    )
    per_key = np.zeros((len(uniq), 4))
    np.add.at(per_key, inverse.ravel(), np.concatenate(edges))
    per_key = per_key[kept]
    all_ids = np.concatenate(blocks)
    words = tuple(
        tuple(vocab.words[i] for i in all_ids[pos : pos + n]) for pos, n in where_all[first[kept]]
    )
    shares = per_key[:, 1:] / per_key[:, :1]
    return PhraseIndex(words, presence, shares[:, 0], shares[:, 1], shares[:, 2])
