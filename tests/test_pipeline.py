import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

from landscape.config import Config, TopicsConfig
from landscape.errors import ConfigError, CorpusTooSmallError, LandscapeError
from landscape.fit import hierarchy
from landscape.fit.pipeline import cluster_embeddings, fit, stability
from landscape.runs import write_run


def cfg(**topics):
    return dataclasses.replace(Config(), topics=TopicsConfig(**topics))


@pytest.fixture(scope="module")
def fitted(themes, theme_embeddings):
    return fit(themes, embeddings=theme_embeddings, config=cfg(seed=3))


def test_documents_topics_and_metrics(fitted, themes):
    docs, topics, m = fitted.documents, fitted.topics, fitted.metrics
    levels = [c for c in docs.columns if c.startswith("level_")]
    assert list(docs.columns) == [
        "doc_id",
        "topic",
        "topic_label",
        "probability",
        "x",
        "y",
        *levels,
    ]
    assert levels == [f"level_{k}" for k in range(len(levels))] and len(levels) >= 2
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


def test_levels_nest_and_every_topic_has_a_name(fitted):
    docs, tree, m = fitted.documents, fitted.levels, fitted.metrics
    t = m["levels"]["topic_level"]
    assert (docs[f"level_{t}"] == docs["topic"]).all()
    assert tree["topic"].is_unique
    parent_of = dict(zip(tree["topic"], tree["parent"], strict=True))
    level_of = dict(zip(tree["topic"], tree["level"], strict=True))
    n_levels = len([c for c in docs.columns if c.startswith("level_")])
    for k in range(n_levels):
        ids = docs[f"level_{k}"]
        assert ((ids == -1) == (docs["topic"] == -1)).all()  # outliers at every level
        assert all(level_of[i] == k for i in set(ids) - {-1})
        if k:
            inside = ids >= 0
            # Nesting: each paper's topic at level k lies inside its topic at level k-1.
            assert (ids[inside].map(parent_of) == docs.loc[inside, f"level_{k - 1}"]).all()
    real = tree[tree["topic"] >= 0]
    assert (real[real["level"] == 0]["parent"] == -1).all()
    sizes = docs["level_0"][docs["level_0"] >= 0].value_counts()
    assert (real[real["level"] == 0].set_index("topic")["size"] == sizes).all()
    for _, siblings in real.groupby(["level", "parent"]):
        words = [n.lower().split() for n in siblings["name"]]
        for i, a in enumerate(words):
            for b in words[i + 1 :]:
                assert " ".join(a) not in " ".join(b) and " ".join(b) not in " ".join(a)
    for _, level in real.groupby("level"):
        assert level["name"].str.lower().is_unique
    assert not real["name"].str.contains("·").any()
    assert real["name"].str.split().str.len().between(1, 5).all()
    assert real["name_coverage"].between(0, 1).all()
    assert set(fitted.hierarchy.columns) == {"topic", "level", "parent", "label", "size"}


def test_terms_of_every_level_are_spelled_as_the_papers_write_them(fitted, themes):
    # Phrases compare folded words ("query", "synthesi"); a reader sees the words as written.
    from landscape.embed import corpus_texts

    text = " ".join(corpus_texts(themes)).lower()
    words = set(re.findall(r"[\w-]+", text))
    for _, row in fitted.levels.iterrows():
        for term in row["terms"]:
            assert all(w in words for w in term["term"].lower().split()), (row["level"], term)


def test_levels_setting_is_checked_and_honoured(themes, theme_embeddings):
    with pytest.raises(ConfigError, match="levels"):
        fit(themes, embeddings=theme_embeddings, config=cfg(levels=7))
    three = fit(themes, embeddings=theme_embeddings, config=cfg(seed=3, levels=3))
    n = len([c for c in three.documents.columns if c.startswith("level_")])
    assert n in (2, 3)  # 3 asked; a run without themes says why in metrics
    if n == 2:
        assert three.metrics["levels"]["note"]


def test_same_seed_gives_identical_artifacts(fitted, themes, theme_embeddings, tmp_path):
    again = fit(themes, embeddings=theme_embeddings, config=cfg(seed=3))
    write_run(fitted, tmp_path / "a")
    write_run(again, tmp_path / "b")
    for name in ("documents.parquet", "topics.parquet", "hierarchy.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # The bytes compared hold every level: the documents' level columns, every level's topics.
    docs = pd.read_parquet(tmp_path / "a" / "documents.parquet")
    tree = pd.read_parquet(tmp_path / "a" / "topics.parquet")
    n_levels = len(fitted.metrics["levels"]["per_level"])
    assert n_levels >= 2 and tree["level"].nunique() == n_levels
    assert {f"level_{k}" for k in range(n_levels)} <= set(docs.columns)
    assert again.metrics["levels"] == fitted.metrics["levels"]


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


@pytest.mark.parametrize(("n_themes", "n_per_theme"), [(4, 6), (2, 10), (3, 13)])
def test_tiny_corpus_gets_two_levels_or_says_why(themes, theme_embeddings, n_themes, n_per_theme):
    keep = (themes.groupby("theme").cumcount() < n_per_theme) & themes["theme"].isin(
        themes["theme"].unique()[:n_themes]
    )
    corpus, x = themes[keep].reset_index(drop=True), theme_embeddings[keep.to_numpy()]
    assert 20 <= len(corpus) <= 40
    result = fit(corpus, embeddings=x, config=cfg(seed=0))
    docs, info = result.documents, result.metrics["levels"]
    cols = [c for c in docs.columns if c.startswith("level_")]
    assert len(cols) == len(info["per_level"]) == result.all_topics["level"].nunique()
    if len(cols) >= 2:
        assert cols == ["level_0", "level_1"] and info["topic_level"] == 1
        assert (docs["level_1"] == docs["topic"]).all()
        parent_of = dict(zip(result.hierarchy["topic"], result.hierarchy["parent"], strict=True))
        inside = docs["level_1"] >= 0
        assert (docs.loc[inside, "level_1"].map(parent_of) == docs.loc[inside, "level_0"]).all()
        assert ((docs["level_0"] == -1) == (docs["level_1"] == -1)).all()
        assert docs["level_0"].nunique() < docs["level_1"].nunique()
    else:
        # One level: the note names why (too few topics, or none grouped into themes).
        n_topics = result.metrics["n_topics"]
        assert info["topic_level"] == 0 and f"{n_topics} topics" in info["note"]
        if n_topics < hierarchy.MIN_TOPICS_FOR_THEMES:
            assert "too few" in info["note"]
        assert (docs["level_0"] == docs["topic"]).all()


def test_corpus_without_any_topic_is_a_clear_error(themes, theme_embeddings):
    # 24 papers and a minimum topic size of 30: every paper would be an outlier.
    keep = (themes.groupby("theme").cumcount() < 6).to_numpy()
    with pytest.raises(CorpusTooSmallError, match="no topic of at least 30 papers"):
        fit(themes[keep], embeddings=theme_embeddings[keep], config=cfg(min_topic_size=30))


def test_misaligned_embeddings_are_refused(themes, theme_embeddings):
    with pytest.raises(LandscapeError, match="do not align"):
        fit(themes, embeddings=theme_embeddings[:10])


def test_fit_does_not_mutate_inputs(themes, theme_embeddings):
    before_df, before_x = themes.copy(), theme_embeddings.copy()
    fit(themes, embeddings=theme_embeddings, config=cfg(seed=5))
    pd.testing.assert_frame_equal(themes, before_df)
    np.testing.assert_array_equal(theme_embeddings, before_x)


def test_map_laid_out_in_a_second_process_is_the_same_map(
    fitted, themes, theme_embeddings, monkeypatch
):
    import os

    from landscape.fit import background

    # The test corpus is far below 20,000 papers, where the second process starts.
    monkeypatch.setattr(background, "BACKGROUND_MIN_DOCS", 0)
    again = fit(themes, embeddings=theme_embeddings, config=cfg(seed=3))
    assert again.metrics["map_2d_in_second_process"] == (len(os.sched_getaffinity(0)) > 1)
    assert fitted.metrics["map_2d_in_second_process"] is False
    pd.testing.assert_frame_equal(again.documents, fitted.documents)
