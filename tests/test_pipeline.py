import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from landscape.config import Config, TopicsConfig
from landscape.errors import ConfigError, CorpusTooSmallError, LandscapeError
from landscape.fit.pipeline import cluster_embeddings, fit, stability
from landscape.runs import write_run


def cfg(**topics):
    return dataclasses.replace(Config(), topics=TopicsConfig(**topics))


@pytest.fixture(scope="module")
def fitted(themes, theme_embeddings):
    return fit(themes, embeddings=theme_embeddings, config=cfg(seed=3))


def test_documents_topics_and_metrics(fitted, themes):
    docs, topics, m = fitted.documents, fitted.topics, fitted.metrics
    assert list(docs.columns) == ["doc_id", "topic", "topic_label", "probability", "x", "y"]
    assert docs["doc_id"].tolist() == themes["doc_id"].tolist()
    assert 3 <= m["n_topics"] <= 8
    assert m["outliers"]["share"] <= 0.2
    assert docs["probability"].between(0, 1).all()
    assert np.isfinite(docs[["x", "y"]].to_numpy()).all()
    # Topics match the themes they were built from.
    ari = pd.crosstab(docs["topic"], themes["theme"]).max(axis=1).sum() / len(themes)
    assert ari > 0.9
    assert -1 <= m["npmi"] <= 1 and 0 < m["diversity"] <= 1 and -1 <= m["silhouette"] <= 1
    assert set(m["timings_s"]) >= {"embed", "cluster", "topic_terms", "map_2d"}
    sizes = topics[topics.topic >= 0].set_index("topic")["size"]
    assert (docs[docs.topic >= 0].topic.value_counts().sort_index() == sizes.sort_index()).all()
    labels = dict(zip(topics.topic, topics.label, strict=True))
    assert (docs["topic_label"] == docs["topic"].map(labels)).all()


def test_same_seed_gives_identical_artifacts(fitted, themes, theme_embeddings, tmp_path):
    again = fit(themes, embeddings=theme_embeddings, config=cfg(seed=3))
    write_run(fitted, tmp_path / "a")
    write_run(again, tmp_path / "b")
    for name in ("documents.parquet", "topics.parquet", "hierarchy.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_run_folder_contents(fitted, tmp_path):
    paths = write_run(fitted, tmp_path / "run")
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert names == {
        "documents.parquet",
        "topics.parquet",
        "hierarchy.parquet",
        "metrics.json",
        "provenance.json",
        "model",
    }
    model_files = {p.suffix for p in paths["model"].iterdir()}
    assert ".safetensors" in model_files
    assert not model_files & {".pkl", ".pickle", ".joblib", ".bin"}
    prov = json.loads((tmp_path / "run" / "provenance.json").read_text())
    assert prov["seed"] == 3 and len(prov["corpus_sha256"]) == 64
    assert prov["config"]["topics"]["method"] == "consensus-leiden"
    assert prov["versions"]["bertopic"] != "not installed"
    from bertopic import BERTopic

    loaded = BERTopic.load(str(paths["model"]))
    assert len(loaded.get_topic_info()) == len(fitted.topics)


def test_stability_across_seeds(theme_embeddings):
    result = stability(theme_embeddings, TopicsConfig(), seeds=[1, 2, 3])
    assert result["ari"]["pairs"] == 3 and result["ari"]["mean"] >= 0.8
    assert all(3 <= k <= 8 for k in result["n_topics"])


def test_outlier_reduction_reports_before_and_after(themes, theme_embeddings):
    # Pick a minimum topic size that turns the smallest groups into outliers.
    base, _ = cluster_embeddings(theme_embeddings, TopicsConfig(resolution=2.0), 0)
    sizes = sorted(set(np.bincount(base.labels[base.labels >= 0]).tolist()))
    assert len(sizes) > 1
    result = fit(
        themes,
        embeddings=theme_embeddings,
        config=cfg(
            seed=0,
            resolution=2.0,
            min_topic_size=sizes[1],
            outlier_reduction=True,
            outlier_target=0.0,
            outlier_min_similarity=-1.0,
        ),
    )
    out = result.metrics["outliers"]
    assert out["reduction"] is True
    assert out["share_before_reduction"] > 0
    assert out["share"] == 0.0
    assert (result.documents["topic"] >= 0).all()


def test_hdbscan_method_and_bad_method(themes, theme_embeddings):
    result = fit(themes, embeddings=theme_embeddings, config=cfg(method="hdbscan"))
    assert result.metrics["clustering"]["method"] == "hdbscan"
    with pytest.raises(ConfigError, match="method"):
        fit(themes, embeddings=theme_embeddings, config=cfg(method="kmeans"))


def test_too_small_corpus_is_a_clear_error(themes, theme_embeddings):
    with pytest.raises(CorpusTooSmallError, match="5 documents"):
        fit(themes.head(5), embeddings=theme_embeddings[:5])


def test_misaligned_embeddings_are_refused(themes, theme_embeddings):
    with pytest.raises(LandscapeError, match="do not align"):
        fit(themes, embeddings=theme_embeddings[:10])


def test_fit_does_not_mutate_inputs(themes, theme_embeddings):
    before_df, before_x = themes.copy(), theme_embeddings.copy()
    fit(themes, embeddings=theme_embeddings, config=cfg(seed=5))
    pd.testing.assert_frame_equal(themes, before_df)
    np.testing.assert_array_equal(theme_embeddings, before_x)
