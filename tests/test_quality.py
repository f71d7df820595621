import numpy as np
import scipy.sparse as sp

from landscape.fit import quality


def test_npmi_extremes():
    # Terms a,b always together; c never with a or b.
    docs = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]])
    m = sp.csr_matrix(docs)
    vocab = ["a", "b", "c"]
    together, apart = quality.npmi_coherence([["a", "b"], ["a", "c"]], m, vocab)
    assert together > 0.99
    assert apart == -1.0
    assert np.isnan(quality.npmi_coherence([["a", "zzz"]], m, vocab)[0])


def test_npmi_in_range_random():
    rng = np.random.default_rng(0)
    m = sp.csr_matrix(rng.random((200, 30)) < 0.2)
    vocab = [f"t{i}" for i in range(30)]
    topics = [rng.choice(vocab, 10, replace=False).tolist() for _ in range(5)]
    scores = quality.npmi_coherence(topics, m, vocab)
    assert all(-1 <= s <= 1 for s in scores)


def test_diversity():
    assert quality.topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert quality.topic_diversity([["a", "b"], ["a", "b"]]) == 0.5


def test_outlier_share_and_silhouette():
    labels = np.array([-1, 0, 0, 1, 1])
    assert quality.outlier_share(labels) == 0.2
    x = np.array([[1, 0], [1, 0.01], [1, -0.01], [0, 1], [0.01, 1]], dtype=float)
    s = quality.silhouette(x, labels)
    assert 0.9 < s <= 1
    assert set(quality.silhouette_per_topic(x, labels)) == {0, 1}
    assert np.isnan(quality.silhouette(x, np.zeros(5, dtype=int)))


def test_pairwise_ari_and_label_agreement():
    a = np.array([0, 0, 1, 1, 2, 2])
    assert quality.pairwise_ari([a, a, a])["mean"] == 1.0
    assert quality.pairwise_ari([a])["pairs"] == 0
    scores = quality.label_agreement(a, ["x", "x", "y", "y", "z", "z"])
    assert scores["ami"] > 0.99 and scores["nmi"] > 0.99 and scores["n_labels"] == 3
    shuffled = quality.label_agreement(np.array([0, 1, 2, 0, 1, 2]), list("xxyyzz"))
    assert shuffled["ami"] < 0.1
