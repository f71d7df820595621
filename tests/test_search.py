import numpy as np
import pandas as pd
import pytest

from landscape.embed import corpus_texts, embed_texts
from landscape.errors import LandscapeError
from landscape.explore.search import COLUMNS, nearest, search
from landscape.runs import write_run


@pytest.fixture(scope="module")
def built(themes, theme_fit, tmp_path_factory):
    """A run fitted on the themes corpus, its corpus file and a filled cache."""
    base = tmp_path_factory.mktemp("search")
    cache = base / "embeddings"
    embed_texts(corpus_texts(themes), cache_dir=cache)
    write_run(theme_fit, base / "run")
    corpus_path = base / "corpus.parquet"
    themes.to_parquet(corpus_path, index=False)
    return {"run": base / "run", "corpus_path": corpus_path, "cache_dir": cache}


def shards(cache):
    return sorted(p.name for p in cache.rglob("shard-*.safetensors"))


def test_galaxy_query_finds_galaxy_papers(built, themes):
    before = shards(built["cache_dir"])
    hits = search("dark matter in dwarf galaxies", k=5, **built)
    assert list(hits.columns) == list(COLUMNS)
    assert hits["rank"].tolist() == [1, 2, 3, 4, 5]
    theme_of = dict(zip(themes["doc_id"], themes["theme"], strict=True))
    assert [theme_of[d] for d in hits["doc_id"]] == ["galaxies"] * 5
    title_of = dict(zip(themes["doc_id"], themes["title"], strict=True))
    assert hits["title"].tolist() == [title_of[d] for d in hits["doc_id"]]
    scores = hits["score"].to_numpy()
    assert np.all(np.diff(scores) <= 0)
    assert np.all((scores >= -1) & (scores <= 1))
    # Document vectors came from the cache, and the query was not stored in it.
    assert shards(built["cache_dir"]) == before


def test_topics_come_from_the_run(built):
    hits = search("interest rates and inflation", k=3, **built)
    docs = pd.read_parquet(built["run"] / "documents.parquet").set_index("doc_id")
    assert hits["topic"].tolist() == docs.loc[hits["doc_id"], "topic"].tolist()
    assert hits["topic_label"].tolist() == docs.loc[hits["doc_id"], "topic_label"].tolist()


def test_k_is_honoured_and_result_is_deterministic(built, themes):
    one = search("graph neural networks", k=1, **built)
    assert len(one) == 1
    first = search("graph neural networks", k=7, **built)
    again = search("graph neural networks", k=7, **built)
    assert len(first) == 7
    pd.testing.assert_frame_equal(first, again)
    assert first.iloc[:1].equals(one)
    everything = search("graph neural networks", k=1000, **built)
    assert len(everything) == len(themes)
    assert everything["doc_id"].is_unique


@pytest.mark.parametrize(
    ("query", "k"), [("", 5), ("   \n", 5), ("galaxies", 0), ("galaxies", -2), ("galaxies", 2.5)]
)
def test_bad_inputs_raise(built, query, k):
    with pytest.raises(LandscapeError):
        search(query, k=k, **built)


def test_incomplete_run_raises(built, tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(LandscapeError, match="not a complete run"):
        search("galaxies", run=tmp_path / "half", corpus_path=built["corpus_path"])


def test_corpus_not_matching_run_raises(built, themes, tmp_path):
    other = tmp_path / "other.parquet"
    themes.iloc[5:].to_parquet(other, index=False)
    with pytest.raises(LandscapeError, match="lacks 5 of the 80"):
        search("galaxies", run=built["run"], corpus_path=other, cache_dir=built["cache_dir"])


def test_nearest_orders_by_cosine():
    vectors = np.array(
        [
            [1.0, 0.0],  # 0: cos 1/sqrt(2) with the query
            [0.0, 5.0],  # 1: cos 1/sqrt(2), same score, after row 0
            [3.0, 3.0],  # 2: cos 1 (length does not matter)
            [-1.0, -1.0],  # 3: cos -1
            [0.0, 0.0],  # 4: zero vector scores 0
        ]
    )
    idx, scores = nearest(np.array([2.0, 2.0]), vectors, k=5)
    assert idx.tolist() == [2, 0, 1, 4, 3]
    np.testing.assert_allclose(scores, [1, 2**-0.5, 2**-0.5, 0, -1])
    idx2, scores2 = nearest(np.array([2.0, 2.0]), vectors, k=2)
    assert idx2.tolist() == [2, 0]
    np.testing.assert_array_equal(scores2, scores[:2])
    idx3, _ = nearest(np.array([1.0, 1.0]), vectors, k=10)
    assert len(idx3) == 5


def test_nearest_rejects_bad_arguments():
    with pytest.raises(ValueError):
        nearest(np.ones(2), np.ones((3, 2)), k=0)
    with pytest.raises(ValueError):
        nearest(np.ones(3), np.ones((3, 2)), k=1)
