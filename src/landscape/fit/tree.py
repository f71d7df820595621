"""The topic tree as tables: one row per topic at every level, and the documents' levels.

Ids are unique across levels: the topics level keeps ids ``0..K-1`` (the ids
``documents.topic`` has always had), then each other level, broadest first,
takes the next ids. ``parent`` is the id of the topic one level up (-1 at level
0). Terms: the topics level keeps BERTopic's (:mod:`landscape.fit.topics`);
other levels get class-TF-IDF over the phrases of :mod:`landscape.fit.phrases`
(cheap at every level, with no second BERTopic fit).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from landscape.fit.hierarchy import Levels, membership
from landscape.fit.naming import Name, surface
from landscape.fit.phrases import PhraseIndex
from landscape.fit.topics import representative_docs

#: Columns of the hierarchy table (``hierarchy.parquet``).
HIERARCHY_COLUMNS = ("topic", "level", "parent", "label", "size")


def global_ids(levels: Levels) -> list[np.ndarray]:
    """For each level, the run-wide id of each of its topics (int64 ndarray of shape (K,))."""
    counts = [int(lab.max()) + 1 if (lab >= 0).any() else 0 for lab in levels.labels]
    order = [levels.topic_level] + [k for k in range(len(counts)) if k != levels.topic_level]
    out: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(counts)
    start = 0
    for k in order:
        out[k] = np.arange(start, start + counts[k], dtype=np.int64)
        start += counts[k]
    return out


def level_columns(levels: Levels) -> dict[str, np.ndarray]:
    """``{"level_0": ids, ...}``: each document's run-wide topic id per level, -1 for outliers."""
    ids = global_ids(levels)
    return {
        f"level_{k}": np.where(lab >= 0, ids[k][np.maximum(lab, 0)], -1).astype(np.int64)
        for k, lab in enumerate(levels.labels)
    }


#: Papers read to spell a term as its papers write it.
SPELLING_SAMPLE = 8


def _spellings(
    index: PhraseIndex, columns: np.ndarray, texts: Sequence[str] | None, known: dict[int, str]
) -> dict[int, str]:
    """``known`` plus each of ``columns`` as its papers spell it ("queries", not "querie").

    Phrases compare folded words (:func:`landscape.fit.phrases.fold`); a term
    shown to a reader takes the spelling most used in the first
    :data:`SPELLING_SAMPLE` papers that contain it. ``known`` holds the
    spellings found for other levels of the same run (the same phrase is
    spelled once).
    """
    cols = np.array([c for c in np.unique(columns) if int(c) not in known], dtype=np.int64)
    if texts is None:
        return known | {int(c): " ".join(index.words[c]) for c in cols}
    where = index.presence[:, cols].tocsc()
    papers = [where.indices[where.indptr[j] : where.indptr[j + 1]] for j in range(len(cols))]
    return known | {
        int(c): surface(index.words[c], [texts[i] for i in rows[:SPELLING_SAMPLE]], capital=False)
        for c, rows in zip(cols, papers, strict=True)
    }


def _ctfidf(
    index: PhraseIndex,
    labels: np.ndarray,
    k: int,
    n: int = 25,
    texts: Sequence[str] | None = None,
    known: dict[int, str] | None = None,
) -> tuple[list[list[dict]], dict[int, str]]:
    """Top ``n`` class-TF-IDF phrases of each of ``k`` topics, with weights, spelled as written.

    Returns:
        The terms per topic, and ``known`` with their spellings added.
    """
    from bertopic.vectorizers import ClassTfidfTransformer

    counts = sp.csr_matrix(membership(labels, k).T @ index.presence.astype(np.float64))
    weights = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(counts).tocsr()
    tops = []
    for t in range(k):
        row = weights.getrow(t)
        order = [i for i in np.lexsort((row.indices, -row.data))[:n] if row.data[i] > 0]
        tops.append([(int(row.indices[i]), round(float(row.data[i]), 6)) for i in order])
    columns = np.array([c for top in tops for c, _ in top], dtype=np.int64)
    spelled = _spellings(index, columns, texts, known or {})
    return [[{"term": spelled[c], "weight": w} for c, w in top] for top in tops], spelled


def tree_tables(
    levels: Levels,
    names: Sequence[Sequence[Name]],
    topic_table: pd.DataFrame,
    index: PhraseIndex,
    embeddings: np.ndarray,
    doc_ids: Sequence[str],
    titles: Sequence[str],
    texts: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every topic of every level as rows, and the tree.

    Args:
        levels: The nested partition.
        names: ``names[level][topic]`` (:func:`landscape.fit.naming.name_levels`).
        topic_table: BERTopic's table for the topics level
            (:func:`landscape.fit.topics.build_topics`).
        index: Phrases of the corpus.
        embeddings: float32 ndarray of shape (n_docs, dim), rows L2-normalised.
        doc_ids: Ids aligned with the rows.
        titles: Titles aligned with the rows.
        texts: The papers' texts (as named), aligned with the rows: terms of the
            levels other than the topics level are spelled as these write them.

    Returns:
        ``(topics, hierarchy)``: ``topics`` has one row per topic at every level
        (and the outlier row of the topics level when there are outliers):
        ``topic``, ``level``, ``parent``, ``label``, ``name``, ``size``,
        ``terms``, ``ctfidf_terms``, ``representative_doc_ids``,
        ``representative_titles``, ``name_coverage``, ``name_distinctiveness``;
        ``hierarchy`` has :data:`HIERARCHY_COLUMNS` for every topic.
    """
    ids = global_ids(levels)
    title_of = dict(zip(doc_ids, titles, strict=True))
    bert = topic_table.set_index("topic")
    spelled: dict[int, str] = {}  # phrase column -> spelling, shared by the levels
    rows = []
    for k, labels in enumerate(levels.labels):
        parents = levels.parents(k)
        kk = len(ids[k])
        sizes = np.bincount(labels[labels >= 0], minlength=kk)
        if k == levels.topic_level:
            reps = {t: list(bert.loc[t, "representative_doc_ids"]) for t in range(kk)}
            terms = {t: list(bert.loc[t, "terms"]) for t in range(kk)}
            ctfidf = {t: list(bert.loc[t, "ctfidf_terms"]) for t in range(kk)}
        else:
            reps = representative_docs(embeddings, labels, doc_ids)
            found, spelled = _ctfidf(index, labels, kk, texts=texts, known=spelled)
            ctfidf = dict(enumerate(found))
            terms = {t: c[:10] for t, c in ctfidf.items()}
        for t in range(kk):
            name = names[k][t]
            rows.append(
                {
                    "topic": int(ids[k][t]),
                    "level": k,
                    "parent": int(ids[k - 1][parents[t]]) if k > 0 else -1,
                    "label": name.text,
                    "name": name.text,
                    "size": int(sizes[t]),
                    "terms": terms[t],
                    "ctfidf_terms": ctfidf[t],
                    "representative_doc_ids": list(reps.get(t, [])),
                    "representative_titles": [title_of[d] for d in list(reps.get(t, []))[:3]],
                    "name_coverage": name.coverage,
                    "name_distinctiveness": name.distinctiveness,
                }
            )
    if -1 in bert.index:
        out = bert.loc[-1]
        rows.append(
            {
                "topic": -1,
                "level": levels.topic_level,
                "parent": -1,
                "label": "Outliers",
                "name": "Outliers",
                "size": int(out["size"]),
                "terms": list(out["terms"]),
                "ctfidf_terms": list(out["ctfidf_terms"]),
                "representative_doc_ids": [],
                "representative_titles": [],
                "name_coverage": 0.0,
                "name_distinctiveness": 0.0,
            }
        )
    topics = pd.DataFrame(rows).sort_values(["level", "topic"], kind="stable")
    topics = topics.reset_index(drop=True)
    hierarchy = topics.loc[topics["topic"] >= 0, list(HIERARCHY_COLUMNS)].reset_index(drop=True)
    return topics, hierarchy
