"""The OpenVINO backend: agreement with torch, int8 agreement, graph cache, resolution."""

import logging

import numpy as np
import pytest

from conftest import neighbour_overlap
from landscape import embed
from landscape.embed import policy
from landscape.embed.openvino import OpenVINOEncoder, compress_int8, quantize_rows
from landscape.errors import LandscapeError


@pytest.fixture(scope="module")
def texts(themes):
    return embed.corpus_texts(themes)


@pytest.fixture(scope="module")
def reference(texts):
    """fp32 vectors from sentence-transformers as shipped."""
    return embed.encode(texts, precision="fp32", backend="torch")


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    return tmp_path_factory.mktemp("graphs")


@pytest.fixture(scope="module")
def encoder(graphs):
    return embed.load_encoder(embed.DEFAULT_MODEL, "cpu", "openvino", graphs)


def neighbours(x, k=10):
    """Each row's ``k`` nearest other rows by cosine, nearest first."""
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    return np.argsort(-s, axis=1)[:, :k]


def test_fp32_matches_sentence_transformers(encoder, texts, reference):
    vectors = embed.encode(texts, encoder, precision="fp32")
    assert vectors.shape == reference.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * reference).sum(axis=1).min() > 0.9999


@pytest.mark.parametrize("precision", ["int8", "bf16"])
def test_faster_precisions_agree_with_fp32(encoder, texts, reference, precision):
    vectors = embed.encode(texts, encoder, precision=precision)
    cosine = (vectors * reference).sum(axis=1)
    # The thresholds a faster path must hold to be a default (issue 6).
    assert cosine.mean() >= 0.99 and cosine.min() > 0.98
    assert neighbour_overlap(neighbours(vectors), neighbours(reference)) >= 0.95
    if precision == "int8":
        assert cosine.mean() < 0.99999  # it is really quantised, not fp32 again


def test_order_is_kept_and_runs_repeat_exactly(encoder, texts):
    whole = embed.encode(texts, encoder, precision="int8")
    again = embed.encode(texts, encoder, precision="int8")
    np.testing.assert_array_equal(whole, again)  # same inputs, same outputs
    shuffled = np.random.default_rng(0).permutation(len(texts))
    out = embed.encode([texts[i] for i in shuffled], encoder, precision="int8")
    np.testing.assert_allclose(out, whole[shuffled], atol=1e-5)
    single = embed.encode([texts[3]], encoder, precision="int8")
    np.testing.assert_allclose(single[0], whole[3], atol=1e-5)
    assert embed.encode([], encoder, precision="int8").shape == (0, 384)


def test_cached_graphs_give_the_same_vectors_bit_for_bit(encoder, graphs, texts):
    fresh = {p: embed.encode(texts[:12], encoder, precision=p) for p in ("fp32", "int8")}
    folders = sorted(p.name for p in graphs.iterdir())
    assert len(folders) == 2 and folders[1].startswith(folders[0] + "-int8-")
    for folder in graphs.iterdir():
        assert {"model.xml", "model.bin", "digest"} <= {p.name for p in folder.iterdir()}
    reloaded = embed.load_encoder(embed.DEFAULT_MODEL, "cpu", "openvino", graphs)
    for precision, vectors in fresh.items():
        again = embed.encode(texts[:12], reloaded, precision=precision)
        np.testing.assert_array_equal(again, vectors)


def test_a_damaged_cached_graph_is_converted_again(encoder, graphs, texts, caplog):
    before = embed.encode(texts[:8], encoder, precision="int8")
    (folder,) = [p for p in graphs.iterdir() if "-int8-" in p.name]
    weights = folder / "model.bin"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        reloaded = embed.load_encoder(embed.DEFAULT_MODEL, "cpu", "openvino", graphs)
        after = embed.encode(texts[:8], reloaded, precision="int8")
    assert "corrupt" in caplog.text
    np.testing.assert_array_equal(after, before)
    assert weights.read_bytes() != bytes(data)  # the cache was repaired


def test_int8_and_openvino_have_their_own_caches(tmp_path, texts):
    _, stats = embed.embed_texts(
        texts[:4], cache_dir=tmp_path, precision="int8", backend="openvino"
    )
    assert (stats.backend, stats.precision, stats.n_computed) == ("openvino", "int8", 4)
    _, stats = embed.embed_texts(texts[:4], cache_dir=tmp_path, precision="fp32", backend="torch")
    assert stats.n_computed == 4  # not served from the int8 cache
    ids = {p.name for p in tmp_path.iterdir()}
    assert embed.model_identity(embed.DEFAULT_MODEL, "int8", "openvino") in ids
    assert embed.model_identity(embed.DEFAULT_MODEL) in ids


def _cpu(monkeypatch, vendor, *flags):
    monkeypatch.setattr(policy, "cpu_info", lambda: (vendor, frozenset(flags)))


def test_auto_picks_by_hardware_and_by_what_was_measured(monkeypatch, tmp_path):
    other = tmp_path / "my-model"  # a local model whose int8 agreement nobody measured
    other.mkdir()
    _cpu(monkeypatch, "GenuineIntel", "avx512_vnni", "avx512_bf16")
    assert embed.resolve_embedding("auto", "auto", device="cpu") == ("openvino", "int8")
    assert embed.resolve_embedding("auto", "auto", str(other), "cpu") == ("openvino", "fp32")
    assert embed.resolve_embedding("torch", "auto", device="cpu") == ("torch", "fp32")
    _cpu(monkeypatch, "AuthenticAMD", "avx512_bf16")
    assert embed.resolve_embedding("auto", "auto", device="cpu") == ("openvino", "bf16")
    _cpu(monkeypatch, "GenuineIntel", "amx_bf16", "amx_int8")
    assert embed.resolve_embedding("auto", "auto", str(other), "cpu") == ("openvino", "bf16")
    _cpu(monkeypatch, "GenuineIntel", "avx2")
    assert embed.resolve_embedding("auto", "auto", device="cpu") == ("openvino", "fp32")
    assert embed.resolve_embedding("auto", "auto", device="cuda") == ("torch", "fp16")


def test_impossible_combinations_are_clear_errors(encoder):
    with pytest.raises(LandscapeError, match="int8 runs on the OpenVINO backend"):
        embed.resolve_embedding("torch", "int8", device="cpu")
    with pytest.raises(LandscapeError, match="backend must be one of"):
        embed.resolve_embedding("onnx", "auto")
    with pytest.raises(LandscapeError, match="fp32, bf16 or int8"):
        encoder.encode(["a text"], precision="fp16")
    import torch

    with pytest.raises(LandscapeError, match="cannot run on OpenVINO"):
        OpenVINOEncoder(torch.nn.Sequential(torch.nn.Linear(2, 2)), "x")


def test_rows_are_quantised_within_half_a_step():
    rng = np.random.default_rng(0)
    weight = rng.normal(0, 0.05, (64, 96)).astype(np.float32)
    weight[3] = 0.0  # an all-zero row
    weight[5] = np.abs(weight[5]) + 0.1  # a row with no negative weight
    q, zero_point, scale = quantize_rows(weight)
    assert (q.dtype, zero_point.dtype, scale.dtype) == (np.uint8, np.uint8, np.float16)
    assert q.shape == weight.shape and zero_point.shape == scale.shape == (64, 1)
    step = scale.astype(np.float32)
    back = (q.astype(np.float32) - zero_point) * step
    assert np.all(np.abs(back - weight) <= step * (0.5 + 1e-5))
    assert np.all(back[3] == 0.0)
    assert zero_point[5, 0] == 0  # the range is widened to include 0
    assert q.min() == 0 and q.max() == 255  # each range is used to its ends


def test_int8_graph_stores_every_weight_in_eight_bits(encoder):
    fp = encoder.graph("fp")
    before = [op.get_type_name() for op in fp.get_ordered_ops()]
    int8 = compress_int8(fp)
    assert [op.get_type_name() for op in fp.get_ordered_ops()] == before  # input untouched
    matmuls = [op for op in int8.get_ordered_ops() if op.get_type_name() == "MatMul"]
    assert len(matmuls) == 36  # 6 layers x (q, k, v, attention out, feed-forward in, out)
    for op in matmuls:
        node = op.input(1).get_source_output().get_node()
        while node.get_type_name() != "Constant":
            node = node.input(0).get_source_output().get_node()
        assert node.get_output_element_type(0).to_string() == "u8"


def test_graphs_are_cached_once_per_user(monkeypatch, tmp_path):
    monkeypatch.setenv("LANDSCAPE_CACHE", str(tmp_path / "mine"))
    assert embed.graph_cache("data/interim/embeddings") == tmp_path / "mine" / "openvino-graphs"
    assert embed.graph_cache(None) is None  # no cache asked for: nothing written
    monkeypatch.delenv("LANDSCAPE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert embed.graph_cache("x") == tmp_path / "xdg" / "landscape" / "openvino-graphs"


def test_an_unwritable_graph_cache_only_warns(tmp_path, texts, reference, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING):
        encoder = embed.load_encoder(embed.DEFAULT_MODEL, "cpu", "openvino", blocker / "graphs")
        vectors = embed.encode(texts[:4], encoder, precision="fp32")
    assert "cannot cache the OpenVINO graph" in caplog.text
    assert (vectors * reference[:4]).sum(axis=1).min() > 0.9999
