import numpy as np

from landscape.embed import corpus_texts
from landscape.fit.topics import (
    _short_label,
    build_topics,
    representative_docs,
    tokenize_for_coherence,
)


def test_short_label_skips_repeats():
    assert _short_label(["language models", "language model", "llms", "attention"]) == (
        "language models · llms · attention"
    )
    assert _short_label([]) == "(no terms)"


def test_representative_docs_are_closest_to_centroid():
    x = np.array([[1, 0], [0.9, 0.1], [0.6, 0.8], [0, 1]], dtype=float)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    reps = representative_docs(x, np.array([0, 0, 0, -1]), ["a", "b", "c", "d"], n=2)
    assert reps == {0: ["b", "a"]}


def test_build_topics_on_theme_corpus(themes, theme_embeddings):
    labels = themes["theme"].astype("category").cat.codes.to_numpy().astype(np.int64)
    # BERTopic ids must already be sorted by size for the check inside build_topics.
    labels[:3] = -1
    table = build_topics(
        corpus_texts(themes),
        theme_embeddings,
        labels,
        themes["doc_id"].tolist(),
        "all-MiniLM-L6-v2",
        seed=1,
    )
    t = table.topics.set_index("topic")
    assert set(t.index) == {-1, 0, 1, 2, 3}
    assert t.loc[-1, "label"] == "Outliers"
    assert t["size"].sum() == len(themes)
    for topic in range(4):
        terms = [d["term"] for d in t.loc[topic, "terms"]]
        assert 0 < len(terms) <= 10
        assert len(t.loc[topic, "ctfidf_terms"]) > 0
        assert len(t.loc[topic, "representative_doc_ids"]) == 5
        assert all(not set(term.split()) & {"paper", "propose"} for term in terms)
    # Each theme's terms speak of that theme, and of no other theme.
    theme_of = dict(zip(labels, themes["theme"], strict=False))
    words = {
        "proteins": ("protein",),
        "galaxies": ("galax",),
        "graphs": ("graph",),
        "money": ("money", "monetary", "inflation", "bank"),
    }
    for topic in range(4):
        flat = " ".join(d["term"] for d in t.loc[topic, "ctfidf_terms"][:10])
        for theme, stems in words.items():
            speaks = any(stem in flat for stem in stems)
            assert speaks == (theme == theme_of[topic]), (theme_of[topic], theme, flat)


def test_coherence_counts_only_the_scored_terms_with_the_same_scores(themes):
    from landscape.fit.quality import npmi_coherence

    texts = corpus_texts(themes)
    topics = [
        ["galaxies", "star formation", "dark matter"],
        ["protein", "folding", "no such term"],
        ["graph neural", "molecules", "graph"],
    ]
    full, vocab = tokenize_for_coherence(texts)
    few, few_vocab = tokenize_for_coherence(texts, [t for ts in topics for t in ts])
    assert set(few_vocab) <= set(vocab)
    assert "no such term" not in few_vocab
    assert few.shape == (len(texts), len(few_vocab))
    for term in few_vocab:
        assert (few[:, few_vocab.index(term)] != full[:, vocab.index(term)]).nnz == 0
    assert np.allclose(
        npmi_coherence(topics, few, few_vocab), npmi_coherence(topics, full, vocab), equal_nan=True
    )
