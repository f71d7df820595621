"""Label fit: the evidence behind each topic label, and how well it names its papers.

A label is only as good as the papers it names. :func:`label_evidence` puts next
to every label its top terms with weights, the titles of its representative
papers, and a **label fit**: how many of the topic's papers actually mention the
label's terms, compared with the rest of the corpus. :func:`label_terms` and
:func:`term_hits` are the matching it rests on.

Label terms
    The label split at ``·``, ``,``, ``;``, ``|``, ``/``, ``&`` and the words
    ``and`` / ``or``; an automatic label ``"a · b · c"`` has the terms ``a``,
    ``b`` and ``c``, a user label ``"Graph neural networks"`` has one term, the
    whole phrase. The outlier topic (``-1``) and ``"(no terms)"`` have none.

Contains
    A paper (title + abstract) contains a term when the term's words occur in it
    consecutively, after both are normalised the way the topic vectorizer reads
    text (:mod:`landscape.fit.topics`): lower case, tokens of :data:`TOKEN_PATTERN`,
    English and research stop words skipped (so the bigram ``"learning causal"``
    matches "learning *the* causal", as the vectorizer counted it), hyphens read
    as spaces (``"vision-language"`` matches "vision language"), and plurals
    folded as :func:`landscape.fit.phrases.fold` folds them (``"models"``
    matches "model", ``"queries"`` matches "query"). Matches are whole words,
    never parts of words.

Fit
    ``label_fit``: share of the topic's papers that contain at least one label
    term; ``label_fit_all``: share that contain every label term. The
    ``background_fit`` / ``background_fit_all`` columns are the same shares among
    all other papers of the run (outliers included). A label is specific when
    its fit is high and its background is low; a label whose background is as
    high as its fit names the field, not the topic. A topic of any level is
    scored on its own papers: those whose ``level_K`` column (K its level) in
    the documents table holds its id, or whose ``topic`` does.

Verdicts
    ``generic``: the background is at least :data:`GENERIC_RATIO` of the label
    fit, so the label names the field more than this topic ("language models"
    in a corpus of language-model papers). ``weak``: generic, or its terms occur
    in fewer than :data:`LOW_FIT` of the topic's papers (the label was drawn
    from a few papers). ``verdict`` says which in words: ``"generic"``,
    ``"low fit"``, ``"ok"``, or ``""`` for a topic without label terms.

Labels themselves (automatic, LLM or the user's) are chosen in
:mod:`landscape.labels.overrides`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from landscape.embed import corpus_texts
from landscape.errors import InputError
from landscape.fit.phrases import fold
from landscape.fit.vocabulary import STOP_WORDS, TOKEN_PATTERN

#: Columns of :func:`label_evidence`.
EVIDENCE_COLUMNS = (
    "topic",
    "level",
    "parent",
    "label",
    "label_source",
    "auto_label",
    "name",
    "name_coverage",
    "name_distinctiveness",
    "size",
    "terms",
    "ctfidf_terms",
    "representative_doc_ids",
    "representative_titles",
    "label_terms",
    "label_fit",
    "label_fit_all",
    "background_fit",
    "background_fit_all",
    "n_docs",
    "generic",
    "weak",
    "verdict",
)
#: A label is generic when its background fit is at least this share of its fit.
GENERIC_RATIO = 0.5
#: A label is weak when fewer than this share of its topic's papers contain its terms.
LOW_FIT = 1 / 3

_TOKEN = re.compile(TOKEN_PATTERN)
_STOP = frozenset(STOP_WORDS)
_SEPARATORS = re.compile(r"\s*(?:[·,;|/&]|\band\b|\bor\b)\s*", re.IGNORECASE)
# Labels that name no theme: there is nothing to look for in the papers.
_NO_TERMS = frozenset({"(no terms)"})


# --------------------------------------------------------------------------- matching


def _words(text: str) -> tuple[str, ...]:
    """Normalised words of ``text`` (see the module docstring, "Contains")."""
    out: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOP:
            continue
        # Parts of a hyphenated token are filtered like tokens, so that "in-context"
        # and "in context" (where the vectorizer drops "in") give the same words.
        out.extend(fold(p) for p in token.split("-") if p and p not in _STOP)
    return tuple(out)


def label_terms(label: str) -> list[str]:
    """The terms of a label that its fit looks for (module docstring, "Label terms").

    Args:
        label: A topic label, automatic or written by a user.

    Returns:
        The terms as written, in order, without repeats (after normalisation) and
        without terms made only of stop words.
    """
    if label.strip() in _NO_TERMS:
        return []
    seen: set[tuple[str, ...]] = set()
    out = []
    for part in _SEPARATORS.split(label):
        words = _words(part)
        if words and words not in seen:
            seen.add(words)
            out.append(part.strip())
    return out


def _hits(wanted: Sequence[tuple[str, ...]], docs: Sequence[tuple[str, ...]]) -> np.ndarray:
    """Which normalised docs contain which normalised terms: bool (len(docs), len(wanted))."""
    column_of: dict[tuple[str, ...], list[int]] = {}
    for col, w in enumerate(wanted):
        if w:
            column_of.setdefault(w, []).append(col)
    lengths = sorted({len(w) for w in column_of})
    hits = np.zeros((len(docs), len(wanted)), dtype=bool)
    # Look each of a doc's n-grams up once: the cost does not grow with the terms.
    for row, words in enumerate(docs):
        for n in lengths:
            for i in range(len(words) - n + 1):
                cols = column_of.get(words[i : i + n])
                if cols is not None:
                    hits[row, cols] = True
    return hits


def term_hits(terms: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """Which texts contain which terms (module docstring, "Contains").

    Args:
        terms: Terms of one or more words.
        texts: Documents.

    Returns:
        bool ndarray of shape (len(texts), len(terms)).
    """
    return _hits([_words(t) for t in terms], [_words(t) for t in texts])


# --------------------------------------------------------------------------- evidence


def term_records(value: Any) -> list[dict[str, Any]]:
    """A ``terms`` cell (list or array of ``{term, weight}``) as plain dicts."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [{"term": str(r["term"]), "weight": float(r["weight"])} for r in value]


def verdicts(label_fit: float, background_fit: float) -> dict[str, Any]:
    """The ``generic``, ``weak`` and ``verdict`` of one label from its two fits.

    Args:
        label_fit: Share of the topic's papers containing a label term (NaN: no terms).
        background_fit: The same share among the other papers (NaN: none).

    Returns:
        ``{"generic": bool, "weak": bool, "verdict": str}`` (see the module docstring).
    """
    if np.isnan(label_fit):
        return {"generic": False, "weak": False, "verdict": ""}
    generic = bool(not np.isnan(background_fit) and background_fit >= GENERIC_RATIO * label_fit)
    low = bool(label_fit < LOW_FIT)
    verdict = "generic" if generic else "low fit" if low else "ok"
    return {"generic": generic, "weak": generic or low, "verdict": verdict}


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if len(mask) else float("nan")


def _members(documents: pd.DataFrame) -> Callable[[int, int], np.ndarray]:
    """``members(topic, level)``: bool ndarray (n_docs,), the topic's papers (docstring, "Fit")."""
    topic_of = documents["topic"].to_numpy()
    level_of = {c: documents[c].to_numpy() for c in documents.columns if c.startswith("level_")}

    def members(topic: int, level: int) -> np.ndarray:
        inside = topic_of == topic
        column = level_of.get(f"level_{level}")
        if column is not None and topic != -1:
            # Ids are unique across levels, so only this level's column can hold it.
            inside = inside | (column == topic)
        return inside

    return members


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


def label_evidence(
    topics: pd.DataFrame,
    documents: pd.DataFrame,
    corpus: pd.DataFrame,
    n_titles: int = 3,
    n_terms: int = 10,
) -> pd.DataFrame:
    """The evidence behind every topic label, and how well the label fits its papers.

    Works on the tables of a run as written, or after
    :func:`landscape.labels.overrides.apply_labels` (then user and LLM labels are the ones
    scored), for the topics of one level or of every level.

    Args:
        topics: One row per topic: ``topic``, ``label``, ``size``, ``terms``,
            ``ctfidf_terms``, ``representative_doc_ids`` (optionally
            ``label_source``, ``auto_label``, and from a run with levels
            ``level``, ``parent``, ``name``, ``name_coverage``,
            ``name_distinctiveness``); shape (n_topics, >=6).
        documents: ``doc_id``, ``topic`` (and ``level_0``, ``level_1``, ... for
            topics of other levels than the topics level); shape (n_docs, >=2).
        corpus: ``doc_id``, ``title``, ``abstract``; every document of
            ``documents`` must be in it.
        n_titles: Representative titles per topic.
        n_terms: Terms (and c-TF-IDF terms) per topic.

    Returns:
        A new table, one row per topic in the order of ``topics``; shape
        (n_topics, 23): ``topic``, ``level`` (0 without levels), ``parent``
        (-1 at level 0), ``label``, ``label_source``, ``auto_label``, ``name``
        (the extractive name; the automatic label for a run before names),
        ``name_coverage``, ``name_distinctiveness`` (NaN when unknown),
        ``size``, ``terms`` and ``ctfidf_terms`` (lists of ``{term, weight}``),
        ``representative_doc_ids``, ``representative_titles``, ``label_terms``
        (list of str), ``label_fit``, ``label_fit_all``, ``background_fit``,
        ``background_fit_all`` (shares in [0, 1]; NaN when the label has no
        terms, for the outlier topic, or when a group has no papers),
        ``n_docs`` (the topic's papers in ``documents``), and the verdicts
        ``generic``, ``weak`` (bool) and ``verdict`` (str; see :func:`verdicts`).

    Raises:
        InputError: A document or representative paper is missing from the corpus.
    """
    missing = {"doc_id", "title", "abstract"} - set(corpus.columns)
    if missing:
        raise InputError(f"corpus: missing column(s) {', '.join(sorted(missing))}")
    ids = corpus["doc_id"].astype(str)
    # The text the topics were fitted on: title + abstract.
    text_of = dict(zip(ids, corpus_texts(corpus), strict=True))
    title_of = dict(zip(ids, corpus["title"].fillna("").astype(str), strict=True))
    doc_ids = documents["doc_id"].astype(str).tolist()
    absent = [d for d in doc_ids if d not in text_of]
    if absent:
        raise InputError(
            f"{len(absent)} document(s) of the run are not in the corpus "
            f"(first: doc_id {absent[0]!r}); was the run fitted on another corpus?"
        )
    records = topics.to_dict("records")
    terms_of = [[] if int(r["topic"]) == -1 else label_terms(str(r["label"])) for r in records]
    # Every paper is read once, for the terms of all labels together.
    column_of: dict[tuple[str, ...], int] = {}
    for terms in terms_of:
        for term in terms:
            column_of.setdefault(_words(term), len(column_of))
    hits_all = _hits(list(column_of), [_words(text_of[d]) for d in doc_ids])
    members = _members(documents)

    rows = []
    for record, terms in zip(records, terms_of, strict=True):
        topic, level = int(record["topic"]), int(record.get("level", 0))
        label = str(record["label"])
        auto = str(record.get("auto_label", label))
        fit = {"label_fit": np.nan, "label_fit_all": np.nan}
        fit |= {"background_fit": np.nan, "background_fit_all": np.nan}
        inside = members(topic, level)
        if terms:
            hits = hits_all[:, [column_of[_words(t)] for t in terms]]
            any_hit, all_hit = hits.any(axis=1), hits.all(axis=1)
            fit = {
                "label_fit": _share(any_hit[inside]),
                "label_fit_all": _share(all_hit[inside]),
                "background_fit": _share(any_hit[~inside]),
                "background_fit_all": _share(all_hit[~inside]),
            }
        reps = [str(d) for d in list(record.get("representative_doc_ids", []))[:n_titles]]
        unknown = [d for d in reps if d not in title_of]
        if unknown:
            raise InputError(
                f"topic {topic}: representative paper doc_id {unknown[0]!r} is not in the corpus"
            )
        name = record.get("name")
        rows.append(
            {
                "topic": topic,
                "level": level,
                "parent": int(record.get("parent", -1)),
                "label": label,
                "label_source": str(record.get("label_source", "auto")),
                "auto_label": auto,
                "name": auto if name is None or name != name else str(name),  # NaN != NaN
                "name_coverage": _number(record.get("name_coverage")),
                "name_distinctiveness": _number(record.get("name_distinctiveness")),
                "size": int(record["size"]),
                "terms": term_records(record.get("terms"))[:n_terms],
                "ctfidf_terms": term_records(record.get("ctfidf_terms"))[:n_terms],
                "representative_doc_ids": reps,
                "representative_titles": [" ".join(title_of[d].split()) for d in reps],
                "label_terms": terms,
                **fit,
                "n_docs": int(inside.sum()),
                **verdicts(fit["label_fit"], fit["background_fit"]),
            }
        )
    return pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))
