"""Names for topics at every level: the phrase a person would title the group with.

Every topic gets a short noun phrase (1 to 4 words) taken from its papers
(:mod:`landscape.fit.phrases`), never a list of joined terms, chosen offline.

Scores
    For a topic ``t`` and a phrase ``p``: ``coverage`` is the share of the
    topic's papers that contain ``p``; ``background`` the same share among its
    siblings' papers (the other topics with the same parent; at level 0 all
    other themes; a topic without siblings is compared with its parent's
    siblings); ``distinctiveness`` is coverage / background, with the background
    floored at half a paper. A phrase is a candidate when its distinctiveness
    is above 1 and at least :data:`MIN_COVERAGE` of the topic's papers contain
    it. Its score is ``coverage * log2(min(distinctiveness, 32)) * (1 + 0.25 *
    (words - 1)) * spread``, where ``spread`` (for topics with children) is the
    share of the topic's papers in children of which at least a fifth contain
    the phrase: a parent's name is what its children share.

Fragments
    A phrase inside a longer candidate of the same topic that has at least
    three quarters of its coverage is a fragment of it ("deep generative" of
    "deep generative models") and is not chosen.

Siblings and other levels
    Names are chosen level by level from the top. Among siblings, the best
    (topic, phrase) pair is taken first, and no other sibling may then take a
    phrase that contains it or that it contains (its *head phrase*: "language
    models" rules out "large language models" for a sibling). No two topics of
    a level share a name, and no topic takes a name of a broader level.

Display
    A name is shown in the spelling its papers use most (case and plural as
    written), with its first letter upper-cased: "Vision-language models".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from landscape.fit.hierarchy import membership
from landscape.fit.phrases import PhraseIndex

#: A phrase is a candidate name when at least this share of the topic's papers contain it.
MIN_COVERAGE = 0.1
#: Children that count toward a parent's spread contain the phrase at least this often.
SPREAD_COVERAGE = 0.2
#: A shorter phrase with less than 1/this of a longer one's coverage... (see module docstring).
FRAGMENT_SHARE = 0.75
_MAX_DIST = 32.0


@dataclass(frozen=True)
class Name:
    """A topic's name and the evidence for it.

    Attributes:
        text: The name as shown.
        words: Its folded words (:func:`landscape.fit.phrases.fold`).
        coverage: Share of the topic's papers that contain it.
        distinctiveness: Coverage over the siblings' share (floored at half a paper).
    """

    text: str
    words: tuple[str, ...]
    coverage: float
    distinctiveness: float


def _contains(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether ``b`` occurs in ``a`` as consecutive words."""
    n = len(b)
    return any(a[i : i + n] == b for i in range(len(a) - n + 1))


def conflict(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two names clash when one contains the other (same words included)."""
    return _contains(a, b) or _contains(b, a)


@dataclass
class _Candidates:
    phrases: np.ndarray  # phrase columns, best first
    scores: np.ndarray
    coverage: np.ndarray
    distinct: np.ndarray


def _candidates(
    counts: np.ndarray,
    size: int,
    background: np.ndarray,
    n_background: int,
    index: PhraseIndex,
    spread: np.ndarray | None,
) -> _Candidates:
    """Score the phrases of one topic (module docstring, "Scores" and "Fragments")."""
    cov = counts / max(size, 1)
    bg = background / max(n_background, 1)
    floor = 0.5 / max(n_background, 1)
    dist = cov / np.maximum(bg, floor)
    ok = (cov >= MIN_COVERAGE) & (dist > 1.0) & (counts >= 2)
    cols = np.flatnonzero(ok)
    if not len(cols):
        cols = np.flatnonzero(counts > 0)  # nothing distinctive: the most common phrases
    lengths = np.array([len(index.words[c]) for c in cols])
    score = (
        cov[cols]
        * np.log2(np.clip(dist[cols], 1.0 + 1e-9, _MAX_DIST))
        * (1 + 0.25 * (lengths - 1))
        * index.ends[cols]
        * (0.5 + 0.5 * index.starts[cols])
        * (1 - index.verbal[cols]) ** 2
    )
    if spread is not None:
        score = score * spread[cols]
    order = np.lexsort((cols, -score))
    cols, score = cols[order], score[order]
    # Fragments: a phrase inside a longer, nearly as common candidate.
    keep = np.ones(len(cols), dtype=bool)
    words = [index.words[c] for c in cols]
    by_cov = cov[cols]
    for i, w in enumerate(words[:200]):
        for j, other in enumerate(words[:200]):
            if (
                len(other) > len(w)
                and by_cov[j] >= FRAGMENT_SHARE * by_cov[i]
                and _contains(other, w)
            ):
                keep[i] = False
                break
    keep[200:] = False
    return _Candidates(cols[keep], score[keep], cov[cols][keep], dist[cols][keep])


def _surface(words: tuple[str, ...], texts: Sequence[str]) -> str:
    """The spelling of ``words`` most used in ``texts``, first letter upper-cased."""
    parts = [re.escape(w) + (r"(?:e?s)?" if i == len(words) - 1 else r"s?") for i, w in
             enumerate(words)]  # fmt: skip
    pattern = re.compile(r"(?<![\w-])" + r"[\s]+".join(parts) + r"(?![\w-])", re.IGNORECASE)
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update(" ".join(m.group(0).split()) for m in pattern.finditer(text))
    if not seen:
        text = " ".join(words)
    else:
        # Titles capitalise every word: prefer the spelling of running text.
        ranked = [t for t, _ in seen.most_common()]
        plain = [t for t in ranked if not _title_cased(t)]
        text = (
            plain[0]
            if plain
            else " ".join(w if w.isupper() else w.lower() for w in ranked[0].split())
        )
    return text[:1].upper() + text[1:]


def _title_cased(text: str) -> bool:
    """Several words, each capitalised (not all-capital acronyms): a title's spelling."""
    words = text.split()
    return len(words) > 1 and all(w[:1].isupper() and not w.isupper() for w in words[1:])


def name_levels(
    index: PhraseIndex,
    texts: Sequence[str],
    levels: Sequence[np.ndarray],
    parents: Sequence[np.ndarray],
) -> list[list[Name]]:
    """Name every topic of every level.

    Args:
        index: Phrases of ``texts`` (:func:`landscape.fit.phrases.phrase_index`).
        texts: One text per paper, aligned with the labels.
        levels: One int ndarray of shape (n_docs,) per level, broadest first;
            ids 0..K-1 per level, -1 for outliers; nested.
        parents: For each level, int ndarray of shape (K,): each topic's parent
            id at the level above (-1 at level 0).

    Returns:
        ``names[level][topic]``: a :class:`Name` for every topic.
    """
    x = index.presence.astype(np.float32).tocsc()
    # Coverage at a parent is its children's coverage weighted by size, so a phrase
    # no finest topic names often enough can be no one's name: leave it out.
    finest = membership(levels[-1])
    fine_sizes = np.maximum(np.asarray(finest.sum(axis=0)).ravel(), 1)
    fine_counts = (finest.T @ x).tocsc()
    best = np.asarray((sp.diags(1.0 / fine_sizes) @ fine_counts).max(axis=0).todense()).ravel()
    useful = np.flatnonzero(best >= MIN_COVERAGE)
    index = index.subset(useful)
    x = x[:, useful]
    sizes, counts = [], []
    for labels in levels:
        m = membership(labels)
        counts.append(np.asarray((m.T @ x).todense()))  # (K, n_phrases)
        sizes.append(np.asarray(m.sum(axis=0)).ravel().astype(np.int64))
    total = counts[0].sum(axis=0) if counts else np.zeros(len(index))
    n_total = int(sizes[0].sum()) if sizes else 0
    docs_of = [[np.flatnonzero(lab == t) for t in range(len(s))] for lab, s in
               zip(levels, sizes, strict=True)]  # fmt: skip

    names: list[list[Name]] = []
    backgrounds: list[list[tuple[np.ndarray, int]]] = []
    for k, (c, s) in enumerate(zip(counts, sizes, strict=True)):
        par = parents[k]
        bgs = []
        for t in range(len(s)):
            if k == 0:
                bg, n_bg = total - c[t], n_total - int(s[t])
            else:
                p = par[t]
                bg, n_bg = counts[k - 1][p] - c[t], int(sizes[k - 1][p] - s[t])
                if n_bg <= 0:  # an only child: compared as its parent is
                    bg, n_bg = backgrounds[k - 1][p]
            if n_bg <= 0:  # a single topic at level 0
                bg, n_bg = np.zeros_like(c[t]), 0
            bgs.append((bg, n_bg))
        backgrounds.append(bgs)
        spread = None
        if k + 1 < len(levels):
            child_par = parents[k + 1]
            child_cov = counts[k + 1] / np.maximum(sizes[k + 1], 1)[:, None]
            strong = (child_cov >= SPREAD_COVERAGE) * sizes[k + 1][:, None]
            spread = [strong[child_par == t].sum(axis=0) / max(int(s[t]), 1) for t in range(len(s))]
        cands = [
            _candidates(c[t], int(s[t]), *bgs[t], index, None if spread is None else spread[t])
            for t in range(len(s))
        ]
        # No name of a broader level again, anywhere below it.
        above = {n.words for level_names in names for n in level_names}
        chosen = _assign(cands, par, above, index)
        level_names = []
        for t, col in enumerate(chosen):
            cand = cands[t]
            if col is None:
                level_names.append(Name(f"Topic {t} (unnamed)", (), 0.0, 0.0))
                continue
            at = int(np.flatnonzero(cand.phrases == col)[0])
            words = index.words[col]
            sample = [texts[i] for i in docs_of[k][t][:300]]
            level_names.append(
                Name(
                    _surface(words, sample),
                    words,
                    round(float(cand.coverage[at]), 4),
                    round(float(min(cand.distinct[at], 1e6)), 4),
                )
            )
        names.append(level_names)
    return names


def _assign(
    cands: list[_Candidates],
    parents: np.ndarray,
    above: set[tuple[str, ...]],
    index: PhraseIndex,
) -> list[int | None]:
    """Give each topic a phrase, best pairs first, siblings never clashing."""
    chosen: list[int | None] = [None] * len(cands)
    pos = [0] * len(cands)
    taken: dict[int, list[tuple[str, ...]]] = {}  # parent -> names taken among its children
    used = set(above)  # names of this level and the broader ones

    def usable(t: int, col: int) -> bool:
        w = index.words[col]
        if w in used:
            return False
        return not any(conflict(w, o) for o in taken.get(int(parents[t]), []))

    pending = set(range(len(cands)))
    while pending:
        best_t, best_score = None, -np.inf
        for t in sorted(pending):
            cand = cands[t]
            while pos[t] < len(cand.phrases) and not usable(t, int(cand.phrases[pos[t]])):
                pos[t] += 1
            score = cand.scores[pos[t]] if pos[t] < len(cand.phrases) else -np.inf
            if best_t is None or score > best_score:
                best_t, best_score = t, score
        t = best_t
        pending.discard(t)
        if pos[t] < len(cands[t].phrases):
            col = int(cands[t].phrases[pos[t]])
            chosen[t] = col
            taken.setdefault(int(parents[t]), []).append(index.words[col])
            used.add(index.words[col])
    return chosen
