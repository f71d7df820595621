"""Distinctive terms: the words that set one set of texts apart from another.

:func:`distinctive_terms` scores every term by the weighted log-odds ratio with
an informative Dirichlet prior of Monroe, Colaresi & Quinn (2008, "Fightin'
Words"), as z-scores. Texts are tokenised the way the topic vectorizer reads
them (:data:`landscape.fit.topics.TOKEN_PATTERN` without
:data:`landscape.fit.vocabulary.STOP_WORDS`, lowercased, unigrams and bigrams by
default). :func:`landscape.stats.contrast.compare_groups` uses the same counting and
scoring to contrast each group of a corpus with the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from landscape.errors import InputError
from landscape.fit.vocabulary import STOP_WORDS, TOKEN_PATTERN


def is_missing(value: Any) -> bool:
    """Whether a cell is empty (``None``, NaN, ``pd.NA``); a list is not."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_texts(texts: Sequence[Any] | pd.Series) -> list[str]:
    return ["" if is_missing(t) else str(t) for t in texts]


def count_matrix(texts: list[str], ngram_range: tuple[int, int]) -> tuple[Any, np.ndarray]:
    """Term counts of each text, shape (n_texts, n_terms) sparse, and the terms."""
    vectorizer = CountVectorizer(
        token_pattern=TOKEN_PATTERN,
        stop_words=STOP_WORDS,
        ngram_range=ngram_range,
        lowercase=True,
    )
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError as err:  # sklearn: "empty vocabulary"
        raise InputError("no terms to compare: the texts have no words") from err
    return matrix, vectorizer.get_feature_names_out()


def _column_sums(matrix: Any) -> np.ndarray:
    return np.asarray(matrix.sum(axis=0), dtype=float).ravel()


def check_term_settings(top_n: int, prior_size: float | None) -> None:
    """Refuse a ``top_n`` below 1 or a non-positive ``prior_size`` with an InputError."""
    if top_n < 1:
        raise InputError(f"top_n must be >= 1, got {top_n}")
    if prior_size is not None and not prior_size > 0:
        raise InputError(f"prior_size must be > 0, got {prior_size}")


def log_odds_terms(
    x_a: Any,
    x_b: Any,
    vocabulary: np.ndarray,
    background: np.ndarray | None,
    *,
    top_n: int,
    min_count: int,
    min_docs: int,
    prior_size: float | None,
    labels: tuple[str, str],
) -> pd.DataFrame:
    """The two sides' top terms from count matrices (see :func:`distinctive_terms`)."""
    y_a, y_b = _column_sums(x_a), _column_sums(x_b)
    n_a, n_b = y_a.sum(), y_b.sum()
    if n_a == 0 or n_b == 0:
        raise InputError("no terms to compare: one side has no words")
    background = y_a + y_b if background is None else background
    background = np.where(background > 0, background, 0.5)
    alpha_0 = float(prior_size) if prior_size is not None else float(min(n_a, n_b))
    alpha_w = alpha_0 * background / background.sum()
    rest_a = np.maximum(n_a + alpha_0 - y_a - alpha_w, 1e-12)
    rest_b = np.maximum(n_b + alpha_0 - y_b - alpha_w, 1e-12)
    delta = np.log((y_a + alpha_w) / rest_a) - np.log((y_b + alpha_w) / rest_b)
    z = delta / np.sqrt(1.0 / (y_a + alpha_w) + 1.0 / (y_b + alpha_w))

    keep = y_a + y_b >= min_count
    table = pd.DataFrame(
        {
            "term": vocabulary[keep],
            "z": z[keep],
            "log_odds": delta[keep],
            "count_a": y_a[keep].astype(int),
            "count_b": y_b[keep].astype(int),
            "docs_a": np.asarray((x_a > 0).sum(axis=0)).ravel()[keep],
            "docs_b": np.asarray((x_b > 0).sum(axis=0)).ravel()[keep],
        }
    )
    # Ties in z are broken by term so the result does not depend on vocabulary order.
    side_a = table[(table["z"] > 0) & (table["docs_a"] >= min_docs)]
    side_a = side_a.sort_values(["z", "term"], ascending=[False, True]).head(top_n)
    side_b = table[(table["z"] < 0) & (table["docs_b"] >= min_docs)]
    side_b = side_b.sort_values(["z", "term"], ascending=[True, True]).head(top_n)
    parts = []
    for name, part in ((labels[0], side_a), (labels[1], side_b)):
        part = part.copy()
        part.insert(0, "rank", np.arange(1, len(part) + 1))
        part.insert(0, "side", name)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def distinctive_terms(
    texts_a: Sequence[str],
    texts_b: Sequence[str],
    prior_texts: Sequence[str] | None = None,
    *,
    top_n: int = 20,
    min_count: int = 5,
    min_docs: int = 2,
    prior_size: float | None = None,
    ngram_range: tuple[int, int] = (1, 2),
    labels: tuple[str, str] = ("a", "b"),
) -> pd.DataFrame:
    """Terms that most distinguish texts A from texts B ("Fightin' Words").

    Weighted log-odds ratio with an informative Dirichlet prior (Monroe,
    Colaresi & Quinn 2008, eq. 16 and 22). With counts ``y_a``, ``y_b`` of a
    term, token totals ``n_a``, ``n_b``, and prior ``alpha_w`` summing to
    ``alpha_0``::

        delta = log((y_a + alpha_w) / (n_a + alpha_0 - y_a - alpha_w))
              - log((y_b + alpha_w) / (n_b + alpha_0 - y_b - alpha_w))
        z = delta / sqrt(1 / (y_a + alpha_w) + 1 / (y_b + alpha_w))

    The prior is the term frequencies of ``prior_texts`` (by default A and B
    together), scaled to total ``alpha_0 = prior_size``; by default
    ``alpha_0`` is the token count of the smaller side, so the prior weighs as
    much as the smaller sample: it damps terms seen a few times on one side
    only, yet cannot swamp either side. A term missing from the prior gets
    half a count there. Tokens follow :data:`landscape.fit.topics.TOKEN_PATTERN`
    without :data:`landscape.fit.vocabulary.STOP_WORDS`, lowercased.

    Args:
        texts_a: Texts of side A, shape (n_a,).
        texts_b: Texts of side B, shape (n_b,).
        prior_texts: Background texts for the prior, or ``None`` for A + B.
        top_n: Terms returned per side.
        min_count: Smallest count in A and B together for a term to be listed.
        min_docs: Smallest number of texts of its own side a listed term
            occurs in, so one paper repeating a word cannot top the list.
        prior_size: ``alpha_0``, the weight of the prior in tokens.
        ngram_range: Smallest and largest n-gram length.
        labels: Names of sides A and B in the ``side`` column.

    Returns:
        Up to ``2 * top_n`` rows: A's terms (``z > 0``, largest first), then
        B's (``z < 0``, most negative first), with ``side``, ``rank`` (from 1
        within a side), ``term``, ``z``, ``log_odds`` (``delta``), ``count_a``,
        ``count_b``, ``docs_a``, ``docs_b`` (texts containing the term).
        Swapping A and B flips the signs and the sides.

    Raises:
        InputError: A side is empty or no text has a token.
    """
    a, b = _as_texts(texts_a), _as_texts(texts_b)
    if not a or not b:
        raise InputError(f"both sides need texts to compare; got {len(a)} and {len(b)} text(s)")
    check_term_settings(top_n, prior_size)
    prior = [] if prior_texts is None else _as_texts(prior_texts)
    matrix, vocabulary = count_matrix(a + b + prior, ngram_range)
    x_a, x_b = matrix[: len(a)], matrix[len(a) : len(a) + len(b)]
    background = None if prior_texts is None else _column_sums(matrix[len(a) + len(b) :])
    return log_odds_terms(
        x_a,
        x_b,
        vocabulary,
        background,
        top_n=top_n,
        min_count=min_count,
        min_docs=min_docs,
        prior_size=prior_size,
        labels=labels,
    )
