from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landscape import embed
from landscape.embed import policy
from landscape.errors import LandscapeError

TEXTS = [
    "Graph neural networks pass messages between nodes.",
    "Central banks raise interest rates to curb inflation.",
    "Protein folding determines structure.",
]


def test_default_model_resolves_to_bundled_copy():
    resolved = Path(embed.resolve_model(embed.DEFAULT_MODEL))
    assert resolved.is_dir() and (resolved / "model.safetensors").exists()
    assert embed.resolve_model("sentence-transformers/all-MiniLM-L6-v2") == str(resolved)
    assert embed.resolve_model("someone/other-model") == "someone/other-model"


def test_model_identity_is_stable_and_distinct():
    a = embed.model_identity(embed.DEFAULT_MODEL)
    assert a == embed.model_identity("sentence-transformers/all-MiniLM-L6-v2")
    assert a != embed.model_identity("someone/other-model")


def test_unknown_model_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(LandscapeError, match="cannot load embedding model"):
        embed.load_encoder("no-such-org/no-such-model-xyz")


def test_cache_hits_misses_and_increments(tmp_path):
    vectors, stats = embed.embed_texts(TEXTS[:2], cache_dir=tmp_path)
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (stats.n_cached, stats.n_computed) == (0, 2)

    again, stats = embed.embed_texts(TEXTS[:2], cache_dir=tmp_path)
    assert (stats.n_cached, stats.n_computed) == (2, 0)
    np.testing.assert_array_equal(again, vectors)

    more, stats = embed.embed_texts(TEXTS, cache_dir=tmp_path)
    assert (stats.n_cached, stats.n_computed) == (2, 1)
    np.testing.assert_array_equal(more[:2], vectors)
    # Cached and freshly computed vectors agree.
    fresh, _ = embed.embed_texts(TEXTS, cache_dir=None)
    np.testing.assert_allclose(more, fresh, atol=1e-5)


def test_duplicate_texts_are_embedded_once(tmp_path):
    vectors, stats = embed.embed_texts([TEXTS[0], TEXTS[0]], cache_dir=tmp_path)
    assert stats.n_computed == 1
    np.testing.assert_array_equal(vectors[0], vectors[1])


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_corrupt_shard_is_detected_and_recomputed(tmp_path, damage):
    vectors, _ = embed.embed_texts(TEXTS, cache_dir=tmp_path)
    (shard,) = tmp_path.rglob("shard-*.safetensors")
    data = bytearray(shard.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-5] ^= 0xFF  # inside the vectors: the checksum catches it
    else:
        data = bytearray(b"not a safetensors file at all")
    shard.write_bytes(bytes(data))
    again, stats = embed.embed_texts(TEXTS, cache_dir=tmp_path)
    assert stats.n_corrupt_shards == 1 and stats.n_computed == len(TEXTS)
    np.testing.assert_allclose(again, vectors, atol=1e-5)
    assert list(tmp_path.rglob("*.corrupt"))


def test_shard_of_another_model_is_not_used(tmp_path):
    embed.embed_texts(TEXTS, cache_dir=tmp_path)
    (shard,) = tmp_path.rglob("shard-*.safetensors")
    other = tmp_path / "other-model-id"
    other.mkdir()
    shard.rename(other / shard.name)
    cache = embed.EmbeddingCache(tmp_path, "other-model-id")
    assert cache.load() == {} and cache.corrupt == [shard.name]


def test_load_embeddings_checks_alignment(tmp_path):
    good = tmp_path / "e.npy"
    np.save(good, np.ones((3, 4)))
    arr = embed.load_embeddings(good, 3)
    np.testing.assert_allclose(np.linalg.norm(arr, axis=1), 1.0)
    with pytest.raises(LandscapeError, match="has 3 rows but the corpus has 5"):
        embed.load_embeddings(good, 5)
    with pytest.raises(LandscapeError, match="not found"):
        embed.load_embeddings(tmp_path / "missing.npy", 3)
    objects = tmp_path / "o.npy"
    np.save(objects, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(LandscapeError, match="not a plain numeric"):
        embed.load_embeddings(objects, 1)
    nan = tmp_path / "nan.npy"
    np.save(nan, np.full((1, 2), np.nan))
    with pytest.raises(LandscapeError, match="NaN"):
        embed.load_embeddings(nan, 1)


def test_corpus_texts_joins_title_and_abstract(themes):
    texts = embed.corpus_texts(themes.head(2))
    assert texts[0].startswith(themes.title.iloc[0] + ". ")
    assert texts[0].endswith(themes.abstract.iloc[0])


def test_corpus_texts_of_a_title_only_paper_is_its_title():
    corpus = pd.DataFrame(
        {
            "title": ["Full Paper", "Title Only Paper", "Missing Abstract"],
            "abstract": ["Its abstract.", "", None],
            "has_abstract": [True, False, False],
        }
    )
    assert embed.corpus_texts(corpus) == [
        "Full Paper. Its abstract.", "Title Only Paper", "Missing Abstract",
    ]  # fmt: skip


def test_bf16_agrees_with_fp32_and_is_cached_apart(tmp_path):
    fp32, _ = embed.embed_texts(TEXTS, cache_dir=tmp_path, precision="fp32")
    bf16, stats = embed.embed_texts(TEXTS, cache_dir=tmp_path, precision="bf16")
    assert stats.precision == "bf16"
    assert stats.n_computed == len(TEXTS)  # not served from the fp32 cache
    np.testing.assert_allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    assert (fp32 * bf16).sum(axis=1).min() > 0.99
    assert embed.model_identity(embed.DEFAULT_MODEL, "bf16") != embed.model_identity(
        embed.DEFAULT_MODEL
    )
    with pytest.raises(LandscapeError, match="precision"):
        embed.encode(TEXTS, precision="int3")


def test_auto_precision_follows_the_hardware(monkeypatch):
    assert embed.resolve_precision("auto", "cuda") == "fp16"
    monkeypatch.setattr(policy, "cpu_has_bf16", lambda: True)
    assert embed.resolve_precision("auto", "cpu") == "bf16"
    monkeypatch.setattr(policy, "cpu_has_bf16", lambda: False)
    assert embed.resolve_precision("auto", "cpu") == "fp32"
    assert embed.resolve_precision("fp32", "cuda") == "fp32"
    with pytest.raises(LandscapeError, match="fp16 needs a CUDA GPU"):
        embed.resolve_precision("fp16", "cpu")


def test_auto_precision_is_resolved_before_caching(tmp_path):
    _, stats = embed.embed_texts(TEXTS[:2], cache_dir=tmp_path, precision="auto")
    assert stats.precision in {"fp32", "bf16", "int8"}
    expected = embed.model_identity(embed.DEFAULT_MODEL, stats.precision, stats.backend)
    assert (tmp_path / expected).is_dir()


def test_a_stopped_run_resumes_to_the_same_vectors(tmp_path, themes):
    texts = embed.corpus_texts(themes)[:24]
    whole, _ = embed.embed_texts(texts, cache_dir=tmp_path / "a", chunk_size=5, precision="fp32")
    shards = sorted((tmp_path / "a").rglob("shard-*.safetensors"))
    assert len(shards) == 5  # one per chunk of 5 (24 texts)
    # A run stopped after two chunks: only their shards were written.
    embed.embed_texts(texts, cache_dir=tmp_path / "b", chunk_size=5, precision="fp32")
    kept = sorted((tmp_path / "b").rglob("shard-*.safetensors"))
    for path in kept[2:]:
        path.unlink()
    resumed, stats = embed.embed_texts(
        texts, cache_dir=tmp_path / "b", chunk_size=5, precision="fp32"
    )
    assert 0 < stats.n_computed < len(texts)
    np.testing.assert_array_equal(resumed, whole)
