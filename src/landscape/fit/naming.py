"""Names for topics at every level: the phrase a person would title the group with.

Every topic gets a short noun phrase (1 to 5 words) taken from its papers
(:mod:`landscape.fit.phrases`), never a list of joined terms, chosen offline.

Scores
    For a topic ``t`` and a phrase ``p``: ``coverage`` is the share of the
    topic's papers that contain ``p``; ``background`` the same share among its
    siblings' papers (the other topics with the same parent; at level 0 all
    other themes; a topic without siblings is compared with its parent's
    siblings); ``distinctiveness`` is coverage / background, with the background
    floored at half a paper. A phrase is a candidate when its distinctiveness
    is above 1 and at least :data:`MIN_COVERAGE` of the topic's papers contain
    it. Its score is ``coverage * log2(min(distinctiveness, 32)) * quality *
    spread``; candidates at least :data:`MIN_DISTINCT` times as common as among
    the siblings always rank before the others. ``quality`` rewards longer
    phrases (``1 + 0.25 * (words - 1)``) and noun phrases (often followed and
    preceded by a break, rarely used as a verb, not ending in a past
    participle, not made only of :data:`landscape.fit.vocabulary.GENERIC_WORDS`),
    and is cut for phrases common in the whole corpus (lift over the corpus
    below ``2 ** LIFT_FULL``, or below the largest lift the topic's size
    allows). ``spread`` (for topics with children) is the share of the topic's
    papers in children of which at least a fifth contain the phrase: a
    parent's name is what its children share.

Compound names
    A topic made of two strands is named by both: "Galaxy clusters and weak
    lensing". From its :data:`PAIR_POOL` best phrases, each pair whose parts
    are both distinctive (>= :data:`PAIR_PART_DISTINCT`), do not contain each
    other, repeat no word but a shared head (not "dependency parsing and
    dependency trees"), have at most 4 words together, and whose second part adds at least
    :data:`PAIR_GAIN` coverage, is a candidate with coverage and
    distinctiveness of "either part", and the lower quality of its parts;
    its score is multiplied by :data:`PAIR_FACTOR`, so one phrase wins when
    it says as much.

Fragments
    A phrase inside a longer candidate of the same topic that has at least
    three quarters of its coverage is a fragment of it ("deep generative" of
    "deep generative models") and is not chosen.

Siblings and other levels
    Names are chosen level by level from the top. Among siblings, the best
    (topic, phrase) pair is taken first, and no other sibling may then take a
    phrase that contains it or that it contains (its *head phrase*: "language
    models" rules out "large language models" for a sibling). No two topics of
    a level share a name, and no topic takes a name of a broader level,
    except an only child that holds all of its parent's papers: it is its
    parent, and takes its parent's name.

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
from landscape.fit.phrases import CONNECTORS, PhraseIndex, fold
from landscape.fit.vocabulary import GENERIC_WORDS

#: A phrase is a candidate name when at least this share of the topic's papers contain it.
MIN_COVERAGE = 0.1
#: Children that count toward a parent's spread contain the phrase at least this often.
SPREAD_COVERAGE = 0.2
#: A shorter phrase with less than 1/this of a longer one's coverage... (see module docstring).
FRAGMENT_SHARE = 0.75
_MAX_DIST = 32.0
_GENERIC = frozenset(GENERIC_WORDS) | frozenset(fold(w) for w in GENERIC_WORDS)
#: Compound names are made of two of this many best single candidates.
PAIR_POOL = 25
#: A compound name scores this share of a single phrase's score for the same
#: coverage and distinctiveness: one phrase is preferred when it says as much.
PAIR_FACTOR = 0.8
#: The second part of a compound name must add at least this much coverage.
PAIR_GAIN = 0.1
#: Each part of a compound name is itself at least this distinctive.
PAIR_PART_DISTINCT = 3.0
#: A name at least this distinctive is always preferred to a less distinctive
#: one: a phrase nearly as common among the siblings tells them apart from
#: nothing ("Large language models" for one theme of a corpus about language models).
MIN_DISTINCT = 3.0
#: Taken from the score of candidates under :data:`MIN_DISTINCT`: a score is at
#: most 1 * log2(32) * 1.75 (full coverage, capped distinctiveness, a 4-word
#: phrase), so these rank after every other candidate, this topic's and its
#: siblings' (a factor, as before, left some ahead of weak distinctive ones).
_UNDER_DISTINCT = 1e6
#: A phrase this many times (log2) more common in the topic than in the corpus
#: is fully specific; less, and its score shrinks in proportion.
LIFT_FULL = 3.0


@dataclass(frozen=True)
class Name:
    """A topic's name and the evidence for it.

    Attributes:
        text: The name as shown.
        words: Its folded words (:func:`landscape.fit.phrases.fold`); a
            compound name's parts joined by ``"and"``.
        coverage: Share of the topic's papers that contain it (for a compound
            name, either of its parts).
        distinctiveness: Coverage over the siblings' share (floored at half a paper).
        parts: The phrases it is made of: one, or two for a compound name.
    """

    text: str
    words: tuple[str, ...]
    coverage: float
    distinctiveness: float
    parts: tuple[tuple[str, ...], ...] = ()


def _contains(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether ``b`` occurs in ``a`` as consecutive words."""
    n = len(b)
    return any(a[i : i + n] == b for i in range(len(a) - n + 1))


def conflict(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two names clash when one contains the other (same words included)."""
    return _contains(a, b) or _contains(b, a)


def _pieces(words: tuple[str, ...]) -> list[str]:
    """A phrase's words, hyphenated ones split: "vision-language" -> "vision", "language"."""
    return [piece for word in words for piece in word.split("-") if piece]


def repeats_modifier(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two parts of a compound name repeat a word other than a shared head.

    "Dependency parsing and dependency trees", "Vision-language models and vision
    models", "Target item and item features" say one thing twice; "Contrastive
    learning and self-supervised learning" (only the head word shared) does not.
    """
    pa, pb = _pieces(a), _pieces(b)
    shared = set(pa) & set(pb)
    if pa and pb and pa[-1] == pb[-1]:
        shared -= {pa[-1]} if pa.count(pa[-1]) == 1 and pb.count(pb[-1]) == 1 else set()
    return bool(shared - CONNECTORS)


@dataclass
class _Candidates:
    phrases: list[tuple[int, ...]]  # phrase columns of each candidate, best first
    scores: np.ndarray
    coverage: np.ndarray
    distinct: np.ndarray
    quality: np.ndarray  # how well the phrase reads as a title (single candidates)


def _candidates(
    counts: np.ndarray,
    size: int,
    background: np.ndarray,
    n_background: int,
    index: PhraseIndex,
    spread: np.ndarray | None,
    overall: np.ndarray,
    n_total: int,
) -> _Candidates:
    """Score the phrases of one topic (module docstring, "Scores" and "Fragments").

    ``overall`` is the share of all ``n_total`` papers that contain each phrase.
    """
    cov = counts / max(size, 1)
    bg = background / max(n_background, 1)
    floor = 0.5 / max(n_background, 1)
    dist = cov / np.maximum(bg, floor)
    ok = (cov >= MIN_COVERAGE) & (dist > 1.0) & (counts >= 2)
    cols = np.flatnonzero(ok)
    if not len(cols):
        cols = np.flatnonzero(counts > 0)  # nothing distinctive: the most common phrases
    # Specific: a phrase common across the corpus ("algorithm", "length") names no
    # topic well, however rare it is among the topic's siblings.
    # A topic of a fifth of the corpus can be at most 5 times as common: full marks
    # at its largest possible lift when that is under 2 ** LIFT_FULL.
    lift = cov[cols] / np.maximum(overall[cols], 1e-9)
    full = np.clip(np.log2(max(n_total, 1) / max(size, 1)), 0.5, LIFT_FULL)
    quality = _cue(index, cols) * np.clip(np.log2(np.maximum(lift, 1.0)) / full, 0.05, 1.0)
    score = cov[cols] * np.log2(np.clip(dist[cols], 1.0 + 1e-9, _MAX_DIST)) * quality
    if spread is not None:
        score = score * spread[cols]
    order = np.lexsort((cols, -score))
    cols, score, quality = cols[order], score[order], quality[order]
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
    return _Candidates(
        [(int(c),) for c in cols[keep]],
        score[keep],
        cov[cols][keep],
        dist[cols][keep],
        quality[keep],
    )


def _participle(word: str) -> bool:
    """``trained``, ``motivated``; not ``speed`` or ``bed``."""
    return len(word) > 4 and word.endswith("ed") and not word.endswith("eed")


def _cue(index: PhraseIndex, cols: np.ndarray) -> np.ndarray:
    """How much each phrase reads as a title: length, noun-phrase ends, not a verb."""
    lengths = np.array([len(index.words[c]) for c in cols])
    # A phrase ending in a past participle ("model trained", "motivated") is a
    # clause cut short, not a title.
    participle = np.array([_participle(index.words[c][-1]) for c in cols], dtype=bool)
    generic = np.array([all(w in _GENERIC for w in index.words[c]) for c in cols], dtype=bool)
    return (
        np.where(participle, 0.2, 1.0)
        * np.where(generic, 0.1, 1.0)
        * (1 + 0.25 * (lengths - 1))
        * index.ends[cols]
        * (0.5 + 0.5 * index.starts[cols])
        * (1 - index.verbal[cols]) ** 2
    )


def _with_pairs(
    cand: _Candidates,
    own: sp.csr_matrix,
    background: sp.csr_matrix,
    index: PhraseIndex,
    spread: np.ndarray | None,
) -> _Candidates:
    """Add compound names "A and B" made of two of the best single candidates.

    See the module docstring, "Compound names".

    Args:
        cand: The topic's single-phrase candidates.
        own: Presence of the phrases in the topic's papers, shape (n_own, n_phrases).
        background: The same in its siblings' papers, shape (n_background, n_phrases).
        index: The phrases.
        spread: For a topic with children, bool ndarray of shape (n_children,
            n_phrases) whether at least :data:`SPREAD_COVERAGE` of a child's papers
            contain a phrase, and the children's sizes: ``(strong, sizes)``.
    """
    pool = np.array([c[0] for c in cand.phrases[:PAIR_POOL]], dtype=np.int64)
    if len(pool) < 2 or own.shape[0] == 0:
        return cand
    n_own, n_bg = own.shape[0], background.shape[0]
    a = own[:, pool].toarray()
    b = background[:, pool].toarray()
    c_own, c_bg = a.sum(axis=0), b.sum(axis=0)
    union_own = c_own[:, None] + c_own[None, :] - a.T @ a
    union_bg = c_bg[:, None] + c_bg[None, :] - b.T @ b
    cov = union_own / n_own
    dist = cov / np.maximum(union_bg / max(n_bg, 1), 0.5 / max(n_bg, 1))
    quality = cand.quality[: len(pool)]
    lengths = np.array([len(index.words[c]) for c in pool])
    base = cov * np.log2(np.clip(dist, 1.0 + 1e-9, _MAX_DIST)) * PAIR_FACTOR
    base = base * np.minimum(quality[:, None], quality[None, :])
    if spread is not None:
        strong, sizes = spread
        either = strong[:, pool][:, :, None] | strong[:, pool][:, None, :]
        base = base * np.tensordot(sizes, either, axes=1) / max(n_own, 1)
    single = cand.coverage[: len(pool)]
    gain = cov - np.maximum(single[:, None], single[None, :])
    i, j = np.triu_indices(len(pool), k=1)
    ok = (lengths[i] + lengths[j] <= 4) & (gain[i, j] >= PAIR_GAIN) & (dist[i, j] > 1)
    part_dist = cand.distinct[: len(pool)]
    ok &= (part_dist[i] >= PAIR_PART_DISTINCT) & (part_dist[j] >= PAIR_PART_DISTINCT)
    # "Items and strengths and weaknesses": a part with its own "and" reads as a list.
    joined = np.array([bool({"and", "or"} & set(index.words[c])) for c in pool])
    ok &= ~joined[i] & ~joined[j]
    ok &= [
        not conflict(index.words[pool[x]], index.words[pool[y]])
        and not repeats_modifier(index.words[pool[x]], index.words[pool[y]])
        for x, y in zip(i, j, strict=True)
    ]
    i, j = i[ok], j[ok]
    if not len(i):
        return cand
    # The part more of the topic's papers contain comes first.
    first = np.where(c_own[i] >= c_own[j], i, j)
    second = np.where(c_own[i] >= c_own[j], j, i)
    phrases = cand.phrases + [
        (int(pool[x]), int(pool[y])) for x, y in zip(first, second, strict=True)
    ]
    scores = np.concatenate([cand.scores, base[i, j]])
    coverage = np.concatenate([cand.coverage, cov[i, j]])
    distinct = np.concatenate([cand.distinct, dist[i, j]])
    order = np.argsort(-scores, kind="stable")
    quality = np.concatenate([cand.quality, np.zeros(len(i))])  # not used for pairs
    return _Candidates(
        [phrases[o] for o in order],
        scores[order],
        coverage[order],
        distinct[order],
        quality[order],
    )


_NONE = _Candidates([], np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))


def _distinct_first(cand: _Candidates) -> _Candidates:
    """The candidates with those under :data:`MIN_DISTINCT` moved after the others."""
    scores = np.where(cand.distinct >= MIN_DISTINCT, cand.scores, cand.scores - _UNDER_DISTINCT)
    order = np.argsort(-scores, kind="stable")
    return _Candidates(
        [cand.phrases[o] for o in order],
        scores[order],
        cand.coverage[order],
        cand.distinct[order],
        cand.quality[order],
    )


#: Papers read to spell a name as its papers write it.
SPELLING_SAMPLE = 20


def _texts_with(rows: sp.csr_matrix, col: int, docs: np.ndarray, texts: Sequence[str]) -> list[str]:
    """The texts of the first :data:`SPELLING_SAMPLE` of ``docs`` that contain phrase ``col``."""
    found: list[int] = []
    for lo in range(0, len(docs), 2000):
        block = docs[lo : lo + 2000]
        found += block[rows[block][:, col].nonzero()[0]].tolist()
        if len(found) >= SPELLING_SAMPLE:
            break
    return [texts[i] for i in found[:SPELLING_SAMPLE]]


def _spelled(word: str, last: bool) -> str:
    """A regex for the spellings of a folded word: "query" -> query, queries, querys."""
    if len(word) > 2 and word.endswith("y"):
        return re.escape(word[:-1]) + r"(?:y|ys|ies)"
    return re.escape(word) + (r"(?:e?s)?" if last else r"s?")


def surface(words: tuple[str, ...], texts: Sequence[str], capital: bool = True) -> str:
    """The spelling of ``words`` most used in ``texts``, first letter upper-cased if ``capital``."""
    parts = [_spelled(w, last=i == len(words) - 1) for i, w in enumerate(words)]
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
    return text[:1].upper() + text[1:] if capital else text


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
    overall = total / max(n_total, 1)
    docs_of = [[np.flatnonzero(lab == t) for t in range(len(s))] for lab, s in
               zip(levels, sizes, strict=True)]  # fmt: skip

    rows = x.tocsr()
    names: list[list[Name]] = []
    backgrounds: list[list[tuple[np.ndarray, int, np.ndarray]]] = []
    for k, (c, s) in enumerate(zip(counts, sizes, strict=True)):
        par = parents[k]
        bgs = []
        for t in range(len(s)):
            if k == 0:
                docs = np.flatnonzero((levels[0] >= 0) & (levels[0] != t))
                bg, n_bg = total - c[t], n_total - int(s[t])
            else:
                p = par[t]
                docs = np.setdiff1d(docs_of[k - 1][p], docs_of[k][t], assume_unique=True)
                bg, n_bg = counts[k - 1][p] - c[t], int(sizes[k - 1][p] - s[t])
                if n_bg <= 0:  # an only child: compared as its parent is
                    bg, n_bg, docs = backgrounds[k - 1][p]
            if n_bg <= 0:  # a single topic at level 0
                bg, n_bg = np.zeros_like(c[t]), 0
            bgs.append((bg, n_bg, docs))
        backgrounds.append(bgs)
        spread = strong = None
        if k + 1 < len(levels):
            child_par = parents[k + 1]
            child_cov = counts[k + 1] / np.maximum(sizes[k + 1], 1)[:, None]
            strong = child_cov >= SPREAD_COVERAGE
            weighted = strong * sizes[k + 1][:, None]
            spread = [
                weighted[child_par == t].sum(axis=0) / max(int(s[t]), 1) for t in range(len(s))
            ]
        cands = []
        for t in range(len(s)):
            bg, n_bg, docs = bgs[t]
            cand = _candidates(
                c[t],
                int(s[t]),
                bg,
                n_bg,
                index,
                None if spread is None else spread[t],
                overall,
                n_total,
            )
            children = None
            if strong is not None:
                mine = parents[k + 1] == t
                children = (strong[mine], sizes[k + 1][mine])
            cand = _with_pairs(cand, rows[docs_of[k][t]], rows[docs], index, children)
            cands.append(_distinct_first(cand))
        # An only child with all its parent's papers is its parent: same name.
        siblings = np.bincount(par, minlength=len(sizes[k - 1])) if k else None
        same = [
            k > 0 and siblings[par[t]] == 1 and int(sizes[k - 1][par[t]]) == int(s[t])
            for t in range(len(s))
        ]
        # No name of a broader level again, anywhere below it.
        above = {part for level_names in names for n in level_names for part in n.parts}
        chosen = _assign(
            [_NONE if same[t] else cand for t, cand in enumerate(cands)], par, above, index
        )
        level_names = []
        for t, at in enumerate(chosen):
            cand = cands[t]
            if same[t]:
                level_names.append(names[k - 1][int(par[t])])
                continue
            if at is None:
                level_names.append(Name(f"Topic {t} (unnamed)", (), 0.0, 0.0))
                continue
            parts = tuple(index.words[col] for col in cand.phrases[at])
            shown = [
                surface(index.words[col], _texts_with(rows, col, docs_of[k][t], texts), j == 0)
                for j, col in enumerate(cand.phrases[at])
            ]
            level_names.append(
                Name(
                    " and ".join(shown),
                    tuple(
                        w
                        for j, part in enumerate(parts)
                        for w in ((*(("and",) if j else ()), *part))
                    ),
                    round(float(cand.coverage[at]), 4),
                    round(float(min(cand.distinct[at], 1e6)), 4),
                    parts,
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
    """Give each topic a candidate, best pairs first, siblings never clashing.

    Returns:
        For each topic, the position of its name among its candidates, or ``None``.
    """
    chosen: list[int | None] = [None] * len(cands)
    pos = [0] * len(cands)
    taken: dict[int, list[tuple[str, ...]]] = {}  # parent -> phrases taken among its children
    used = set(above)  # phrases of this level's names and the broader ones

    def usable(t: int, cols: tuple[int, ...]) -> bool:
        parts = [index.words[c] for c in cols]
        if any(w in used for w in parts):
            return False
        return not any(conflict(w, o) for w in parts for o in taken.get(int(parents[t]), []))

    pending = set(range(len(cands)))
    while pending:
        best_t, best_score = None, -np.inf
        for t in sorted(pending):
            cand = cands[t]
            while pos[t] < len(cand.phrases) and not usable(t, cand.phrases[pos[t]]):
                pos[t] += 1
            score = cand.scores[pos[t]] if pos[t] < len(cand.phrases) else -np.inf
            if best_t is None or score > best_score:
                best_t, best_score = t, score
        t = best_t
        pending.discard(t)
        if pos[t] < len(cands[t].phrases):
            chosen[t] = pos[t]
            for col in cands[t].phrases[pos[t]]:
                taken.setdefault(int(parents[t]), []).append(index.words[col])
                used.add(index.words[col])
    return chosen
