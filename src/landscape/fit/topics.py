"""Topic representations with BERTopic, built from explicit sub-models.

The partition comes from :mod:`landscape.fit.cluster` (stable consensus clustering);
BERTopic then does what it is best at: class-based TF-IDF over a CountVectorizer
(English plus research-boilerplate stop words, unigrams and bigrams), a
KeyBERT-inspired representation refined by maximal marginal relevance.
It is given the partition through BERTopic's ``BaseCluster``
(manual topic modelling) and the embeddings through an embedder backed by our
cache, so the representative documents are never embedded twice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from landscape.fit.counting import MemoCountVectorizer
from landscape.fit.phrases import distinct_terms
from landscape.fit.vocabulary import STOP_WORDS, TOKEN_PATTERN


@dataclass(frozen=True)
class TopicTable:
    """Topic representations.

    Attributes:
        topics: One row per topic (outliers included as ``-1`` when present):
            ``topic``, ``label``, ``size``, ``terms`` (list of ``{term, weight}``
            from KeyBERTInspired + MMR), ``ctfidf_terms`` (top 25 class-TF-IDF
            terms with weights), ``representative_doc_ids`` (closest to the topic
            centroid).
        model: The fitted BERTopic model.

    The topic tree is :mod:`landscape.fit.hierarchy`'s nested levels, not
    BERTopic's agglomerative ``hierarchical_topics``.
    """

    topics: pd.DataFrame
    model: Any


class CachedEmbedder:
    """A BERTopic embedder that serves known documents from precomputed vectors.

    BERTopic embeds the representative documents and candidate words again for
    KeyBERTInspired and MMR; documents come from the vectors we already have, and
    words (short, unseen) through :func:`landscape.embed.embed_texts`, so with a
    cache folder they are embedded once per model, not once per fit.

    Args:
        texts: The corpus texts, aligned with ``embeddings``.
        embeddings: float32 ndarray of shape (n_docs, dim).
        model_name: Sentence-transformers model used for unseen texts.
        cache_dir: Embedding cache root for unseen texts, or ``None``.
        precision: Embedding precision of the run (see :func:`landscape.embed.encode`).
        backend: Embedding backend of the run, ``"torch"`` or ``"openvino"``.
    """

    def __init__(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        model_name: str,
        cache_dir: str | os.PathLike[str] | None = None,
        precision: str = "fp32",
        backend: str = "torch",
    ) -> None:
        from bertopic.backend import BaseEmbedder

        self._known = {t: i for i, t in enumerate(texts)}
        self._embeddings = embeddings
        self._model_name = model_name
        self._cache_dir = cache_dir
        self._precision = precision
        self._backend = backend
        self._encoder: Any = None
        self._store: Any = None
        self._seen: dict[str, np.ndarray] = {}
        # BERTopic checks isinstance(BaseEmbedder); wrap ourselves in a subclass instance.
        self.backend = type("_Backend", (BaseEmbedder,), {"embed": self._embed})()

    def _unseen(self, texts: list[str]) -> None:
        """Embed texts that are neither corpus documents nor seen before (cache first)."""
        from landscape.embed import (
            EmbeddingCache,
            encode,
            graph_cache,
            load_encoder,
            model_identity,
            resolve_embedding,
            text_digest,
        )

        # MMR asks for one text at a time, once per topic: the settings are
        # resolved, the cache read and the model loaded once per fit, not per call.
        if self._store is None:
            backend, precision = resolve_embedding(self._backend, self._precision, self._model_name)
            cache = None
            if self._cache_dir is not None:
                model_id = model_identity(self._model_name, precision, backend)
                cache = EmbeddingCache(self._cache_dir, model_id)
            self._store = (cache, cache.load() if cache is not None else {}, backend, precision)
        cache, stored, backend, precision = self._store
        digests = [text_digest(t) for t in texts]
        todo = [(t, d) for t, d in zip(texts, digests, strict=True) if d not in stored]
        if todo:
            if self._encoder is None:
                self._encoder = load_encoder(
                    self._model_name, backend=backend, graph_cache=graph_cache(self._cache_dir)
                )
            # Words are a few tokens each: large batches amortise the per-batch cost.
            vectors = encode([t for t, _ in todo], self._encoder, 256, precision=precision)
            keys = [d for _, d in todo]
            if cache is not None:
                cache.add(keys, vectors)
            stored.update(zip(keys, vectors, strict=True))
        self._seen.update((t, stored[d]) for t, d in zip(texts, digests, strict=True))

    def _embed(self, documents: Sequence[str], verbose: bool = False) -> np.ndarray:
        # Words are asked for again by MMR after KeyBERTInspired: remember them.
        new = list(
            dict.fromkeys(d for d in documents if d not in self._known and d not in self._seen)
        )
        if new:
            self._unseen(new)
        out = np.zeros((len(documents), self._embeddings.shape[1]), dtype=np.float32)
        for i, d in enumerate(documents):
            out[i] = self._embeddings[self._known[d]] if d in self._known else self._seen[d]
        return out


def _short_label(terms: Sequence[str], n: int = 3) -> str:
    """A readable label from ranked terms: the first ``n`` that do not repeat each other."""
    return " · ".join(distinct_terms(terms, n)) or "(no terms)"


def representative_docs(
    embeddings: np.ndarray, labels: np.ndarray, doc_ids: Sequence[str], n: int = 5
) -> dict[int, list[str]]:
    """The ``n`` documents of each topic closest (cosine) to its centroid.

    Args:
        embeddings: ndarray of shape (n_docs, dim), rows L2-normalised.
        labels: ndarray of shape (n_docs,); -1 is skipped.
        doc_ids: Ids aligned with the rows.
        n: Documents per topic.

    Returns:
        ``{topic: [doc_id, ...]}`` in decreasing similarity (ties by row order).
    """
    out: dict[int, list[str]] = {}
    for topic in sorted(set(labels.tolist()) - {-1}):
        rows = np.flatnonzero(labels == topic)
        centroid = embeddings[rows].mean(axis=0)
        sims = embeddings[rows] @ centroid
        order = np.lexsort((rows, -sims))[:n]
        out[topic] = [doc_ids[rows[i]] for i in order]
    return out


def ctfidf_terms(model: Any, n: int = 25) -> dict[int, list[tuple[str, float]]]:
    """Top ``n`` class-TF-IDF terms of each topic with their weights."""
    words = model.vectorizer_model.get_feature_names_out()
    matrix = model.c_tf_idf_.tocsr()
    out = {}
    for row, topic in enumerate(sorted(model.topic_sizes_)):
        vals = matrix.getrow(row).toarray().ravel()
        top = np.lexsort((np.arange(len(vals)), -vals))[:n]
        out[topic] = [(str(words[i]), float(vals[i])) for i in top if vals[i] > 0]
    return out


def build_topics(
    texts: Sequence[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    doc_ids: Sequence[str],
    model_name: str,
    seed: int,
    top_n_words: int = 10,
    mmr_diversity: float = 0.3,
    cache_dir: str | os.PathLike[str] | None = None,
    precision: str = "fp32",
    backend: str = "torch",
) -> TopicTable:
    """Fit BERTopic's representations on a fixed partition.

    Args:
        texts: Document texts (title + abstract), aligned with ``embeddings``.
        embeddings: float32 ndarray of shape (n_docs, dim).
        labels: int ndarray of shape (n_docs,); topic ids, -1 for outliers.
        doc_ids: Ids aligned with the rows.
        model_name: Embedding model, for words KeyBERTInspired must embed.
        seed: Seed for BERTopic's sampling of representative documents.
        top_n_words: Terms per topic in the representation.
        mmr_diversity: MMR diversity (0: most relevant terms; 1: most diverse).
        cache_dir: Embedding cache root for the candidate words, or ``None``.
        precision: Embedding precision of the run.
        backend: Embedding backend of the run (``"torch"`` or ``"openvino"``).

    Returns:
        A :class:`TopicTable`.
    """
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.representation import KeyBERTInspired, MaximalMarginalRelevance
    from bertopic.vectorizers import ClassTfidfTransformer

    texts = list(texts)
    embedder = CachedEmbedder(texts, embeddings, model_name, cache_dir, precision, backend)
    # BERTopic counts the same texts several times per fit; this one counts them once.
    vectorizer = MemoCountVectorizer(
        stop_words=STOP_WORDS, ngram_range=(1, 2), token_pattern=TOKEN_PATTERN, lowercase=True
    )
    model = BERTopic(
        embedding_model=embedder.backend,
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=vectorizer,
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=[
            # 40 candidates per topic, not BERTopic's 100: the label terms come from
            # the top of the c-TF-IDF list anyway, and each candidate must be embedded
            # (on a cold cache this was most of the topic stage).
            KeyBERTInspired(top_n_words=top_n_words, nr_candidate_words=40, random_state=seed),
            MaximalMarginalRelevance(diversity=mmr_diversity, top_n_words=top_n_words),
        ],
        top_n_words=top_n_words,
        calculate_probabilities=False,
        verbose=False,
    )
    model.fit(texts, embeddings=embeddings, y=np.asarray(labels))
    # BERTopic renumbers topics by size; map its ids back to ours (a bijection).
    pairs = set(zip(np.asarray(labels).tolist(), np.asarray(model.topics_).tolist(), strict=True))
    to_model = dict(pairs)
    if len(to_model) != len(pairs) or len(set(to_model.values())) != len(pairs):
        raise RuntimeError("BERTopic changed the partition; topics would be misaligned")

    reps = representative_docs(embeddings, labels, doc_ids)
    ctfidf = ctfidf_terms(model)
    sizes = model.topic_sizes_
    rows = []
    for topic in sorted(to_model):
        theirs = to_model[topic]
        # Weights are cosines in float32: four decimals are all they carry, and
        # rounding keeps a table byte-identical when a word's vector was computed
        # in a different batch (cache warm or cold), which moves the 7th digit.
        terms = [(w, round(float(s), 4)) for w, s in (model.get_topic(theirs) or []) if w]
        rows.append(
            {
                "topic": int(topic),
                "label": "Outliers" if topic == -1 else _short_label([w for w, _ in terms]),
                "size": int(sizes[theirs]),
                "terms": [{"term": w, "weight": s} for w, s in terms],
                "ctfidf_terms": [{"term": w, "weight": s} for w, s in ctfidf.get(theirs, [])],
                "representative_doc_ids": reps.get(topic, []),
            }
        )
    return TopicTable(pd.DataFrame(rows), model)


def tokenize_for_coherence(
    texts: Sequence[str], terms: Sequence[str] | None = None
) -> tuple[Any, list[str]]:
    """Binary document-term matrix with the topic vectorizer's vocabulary rules.

    Args:
        texts: Document texts.
        terms: Count only these terms (for example the top terms of every
            topic, which is all NPMI needs); their columns are the ones the full
            vocabulary would give. ``None`` counts every term.

    Returns:
        ``(matrix, vocabulary)``: sparse bool matrix of shape (n_docs, n_terms).
    """
    vocabulary = sorted(set(terms)) if terms is not None else None
    if vocabulary is not None and not vocabulary:
        return np.zeros((len(texts), 0), dtype=bool), []
    vec = CountVectorizer(
        stop_words=STOP_WORDS,
        ngram_range=(1, 2),
        token_pattern=TOKEN_PATTERN,
        binary=True,
        vocabulary=vocabulary,
    )
    matrix = vec.fit_transform(texts)
    names = list(vec.get_feature_names_out())
    if vocabulary is not None:
        # A term no single text contains (a bigram across two joined texts) is
        # not in the full vocabulary either: drop it, as that would.
        present = np.flatnonzero(matrix.getnnz(axis=0))
        matrix, names = matrix[:, present], [names[i] for i in present]
    return matrix, names
