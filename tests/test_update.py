import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import listing, terms, theme_corpus
from landscape.config import Config, PathsConfig, TopicsConfig
from landscape.embed import (
    EmbeddingCache,
    corpus_texts,
    embed_texts,
    model_identity,
    resolve_embedding,
    text_digest,
)
from landscape.errors import InputError, LandscapeError
from landscape.explore.update import update_from_files, update_run
from landscape.fit.hierarchy import Levels
from landscape.fit.pipeline import corpus_hash, fit
from landscape.fit.tree import HIERARCHY_COLUMNS, global_ids, level_columns
from landscape.ingest.clean import make_doc_id
from landscape.io import write_json, write_parquet
from landscape.runs import load_run, write_run

RUN_THEMES = ["proteins", "galaxies", "graphs"]  # "money" is the theme the run never saw
N_RUN = 12  # papers per theme in the run; papers 12.. of each theme are new


@pytest.fixture(scope="module")
def world(tmp_path_factory, themes, theme_embeddings):
    """A run folder of three themes, its corpus, and the new papers of an update."""
    root = tmp_path_factory.mktemp("update")
    number = themes.groupby("theme").cumcount()
    run_corpus = themes[themes["theme"].isin(RUN_THEMES) & (number < N_RUN)].reset_index(drop=True)
    fresh = themes[themes["theme"].isin(RUN_THEMES) & number.between(N_RUN, N_RUN + 3)]
    unseen = themes[(themes["theme"] == "money") & (number < 4)]
    run_copy = run_corpus.iloc[[0]]  # the same paper, same doc_id
    renamed = run_corpus.iloc[[20]].assign(doc_id="0000000000000abc")  # same text, new id
    new = pd.concat([fresh, unseen, run_copy, renamed], ignore_index=True)

    config = dataclasses.replace(
        Config(), paths=PathsConfig(interim=str(root / "interim"), processed=str(root / "proc"))
    )
    cache = root / "interim" / "embeddings"
    # The session's theme vectors fill this cache: the update embeds nothing itself.
    embed_cfg = Config().embed  # what the update will resolve
    backend, precision = resolve_embedding(embed_cfg.backend, embed_cfg.precision)
    model = EmbeddingCache(cache, model_identity("all-MiniLM-L6-v2", precision, backend))
    model.add([text_digest(t) for t in corpus_texts(themes)], theme_embeddings)
    topic = run_corpus["theme"].map({t: i for i, t in enumerate(RUN_THEMES)}).to_numpy()
    rng = np.random.default_rng(0)
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])[topic] + rng.random((len(topic), 2))
    labels = [f"{t} label" for t in RUN_THEMES]
    run = root / "run"
    write_parquet(root / "proc" / "corpus.parquet", run_corpus)
    write_parquet(
        run / "topics.parquet",
        pd.DataFrame(
            {
                "topic": [0, 1, 2],
                "label": labels,
                "size": [N_RUN] * 3,
                "terms": [[{"term": t, "weight": 1.0}] for t in RUN_THEMES],
                "ctfidf_terms": [[{"term": t, "weight": 1.0}] for t in RUN_THEMES],
                "representative_doc_ids": [[d] for d in run_corpus["doc_id"][::N_RUN]],
            }
        ),
    )
    write_parquet(run / "hierarchy.parquet", pd.DataFrame({"Parent_ID": [3], "Topics": [[0, 1]]}))
    write_json(run / "metrics.json", {"n_topics": 3, "npmi": 0.1})
    write_json(
        run / "provenance.json",
        {
            "model": "all-MiniLM-L6-v2",
            "config": Config().to_dict(),
            "corpus_sha256": corpus_hash(run_corpus),
            "n_docs": len(run_corpus),
        },
    )
    (run / "model").mkdir()
    (run / "model" / "config.json").write_text('{"fake": true}')
    documents = pd.DataFrame(
        {
            "doc_id": run_corpus["doc_id"],
            "topic": topic,
            "topic_label": [labels[t] for t in topic],
            "probability": 1.0,
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )
    write_parquet(run / "documents.parquet", documents)
    before = {p.relative_to(run): p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()}
    result = update_run(run, new, root / "out", config)
    return {
        "root": root, "run": run, "config": config, "new": new, "fresh": fresh,
        "unseen": unseen, "run_corpus": run_corpus, "documents": documents,
        "before": before, "result": result, "out": root / "out",
    }  # fmt: skip


def test_update_places_known_themes_and_keeps_old_rows(world):
    res, out = world["result"], world["out"]
    docs = pd.read_parquet(out / "documents.parquet")
    old = world["documents"]
    n_old = len(old)
    # Old rows unchanged, in order, marked as not added.
    pd.testing.assert_frame_equal(docs.iloc[:n_old][list(old.columns)], old)
    assert not docs["added"].iloc[:n_old].any() and docs["added"].iloc[n_old:].all()
    # New papers of known themes land in their theme's topic, inside its map area.
    fresh = world["fresh"]
    placed = res.placement.set_index("doc_id").loc[fresh["doc_id"]]
    truth = fresh["theme"].map({t: i for i, t in enumerate(RUN_THEMES)}).to_numpy()
    assert (placed["nearest_topic"].to_numpy() == truth).all()
    ok = ~placed["novel"].to_numpy()
    # The threshold flags about 5% of papers like the run's own (0.6 of 12 expected);
    # on a run this small and tight, up to 2 are within chance.
    assert ok.sum() >= len(fresh) - 2
    assert (placed["topic"].to_numpy()[ok] == truth[ok]).all()
    corner = np.array([[0, 0], [10, 0], [0, 10]])[truth[ok]]
    xy = placed[["x", "y"]].to_numpy()[ok]
    assert ((xy >= corner) & (xy <= corner + 1)).all()
    assert (docs.set_index("doc_id").loc[fresh["doc_id"], "topic"] == placed["topic"]).all()
    topics = pd.read_parquet(out / "topics.parquet")
    assert topics["label"].tolist()[-3:] == [f"{t} label" for t in RUN_THEMES]
    sizes = topics.set_index("topic")["size"]
    assert (docs["topic"].value_counts().reindex(sizes.index) == sizes).all()
    assert sizes.loc[[0, 1, 2]].sum() == 3 * N_RUN + ok.sum()


def test_update_flags_unseen_theme_as_novel(world):
    res, out = world["result"], world["out"]
    novel = pd.read_parquet(out / "novel.parquet")
    unseen = set(world["unseen"]["doc_id"])
    assert unseen <= set(novel["doc_id"]) and len(novel) <= len(unseen) + 2
    # The unseen theme is the least similar to every topic, well apart from the rest.
    assert set(novel["doc_id"][: len(unseen)]) == unseen
    known_theme = res.placement[~res.placement["doc_id"].isin(unseen)]
    assert novel["similarity"].iloc[: len(unseen)].max() < known_theme["similarity"].min() - 0.3
    assert novel["nearest_topic"].isin([0, 1, 2]).all()
    assert novel["similarity"].is_monotonic_increasing
    up = json.loads((out / "metrics.json").read_text())["update"]
    assert (novel["similarity"] < up["novelty"]["threshold"]).all()
    assert up["n_novel"] == len(novel) and up["n_added"] == len(res.placement)
    assert up["embedding"]["n_computed"] == 0  # run and new vectors came from the cache
    docs = pd.read_parquet(out / "documents.parquet").set_index("doc_id")
    assert (docs.loc[novel["doc_id"], "topic"] == -1).all()
    assert (docs.loc[novel["doc_id"], "topic_label"] == "Outliers").all()
    sizes = pd.read_parquet(out / "topics.parquet").set_index("topic")["size"]
    assert sizes.loc[-1] == len(novel)


def test_update_reports_papers_already_in_the_run(world):
    res, out = world["result"], world["out"]
    run_ids = set(world["run_corpus"]["doc_id"])
    assert set(res.known["matched_doc_id"]) <= run_ids and res.known["in_run"].all()
    assert len(res.known) == 2
    assert set(res.known["rule"]) == {"same-doc-id", "exact-title"}
    docs = pd.read_parquet(out / "documents.parquet")
    assert docs["doc_id"].is_unique and "0000000000000abc" not in set(docs["doc_id"])
    assert len(docs) == len(world["run_corpus"]) + len(world["new"]) - 2
    up = json.loads((out / "metrics.json").read_text())["update"]
    assert (up["n_new"], up["n_already_in_run"], up["n_added"]) == (len(world["new"]), 2, 16)


def test_update_writes_a_complete_new_run_and_leaves_the_parent_alone(world):
    run, out = world["run"], world["out"]
    after = {p.relative_to(run): p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()}
    assert after == world["before"]
    names = {p.name for p in out.iterdir()}
    assert {"documents.parquet", "topics.parquet", "hierarchy.parquet", "metrics.json"} <= names
    assert {"provenance.json", "model", "corpus.parquet", "novel.parquet"} <= names
    assert (out / "model" / "config.json").read_bytes() == (
        run / "model" / "config.json"
    ).read_bytes()
    assert (out / "hierarchy.parquet").read_bytes() == (run / "hierarchy.parquet").read_bytes()
    prov = json.loads((out / "provenance.json").read_text())
    corpus = pd.read_parquet(out / "corpus.parquet")
    docs = pd.read_parquet(out / "documents.parquet")
    assert corpus["doc_id"].tolist() == docs["doc_id"].tolist()
    assert prov["corpus_sha256"] == corpus_hash(corpus) and prov["n_docs"] == len(docs)
    assert prov["parent_run"]["corpus_sha256"] == corpus_hash(world["run_corpus"])
    assert json.loads((out / "metrics.json").read_text())["npmi"] == 0.1
    with pytest.raises(LandscapeError, match="never writes into the run"):
        update_run(run, world["new"], run, world["config"])
    with pytest.raises(LandscapeError, match="never writes into the run"):
        update_run(run, world["new"], run / "sub", world["config"])
    with pytest.raises(InputError, match="lack columns"):
        update_run(run, world["new"].drop(columns="abstract"), out / "x", world["config"])


def test_update_of_an_update_reads_its_corpus_and_adds_nothing_twice(world):
    out2 = world["root"] / "out2"
    again = update_run(world["out"], world["new"], out2, world["config"])
    assert len(again.placement) == 0 and len(again.known) == len(world["new"])
    first = pd.read_parquet(world["out"] / "documents.parquet")
    second = pd.read_parquet(out2 / "documents.parquet")
    pd.testing.assert_frame_equal(second.drop(columns="added"), first.drop(columns="added"))
    assert not second["added"].any()


def test_update_refuses_a_corpus_that_differs_from_the_fitted_one(world, tmp_path):
    changed = world["run_corpus"].assign(abstract=lambda d: d["abstract"] + " Edited.")
    write_parquet(tmp_path / "corpus.parquet", changed)
    with pytest.raises(LandscapeError, match="hash mismatch"):
        update_run(
            world["run"], world["new"], tmp_path / "o", world["config"],
            corpus_path=tmp_path / "corpus.parquet",
        )  # fmt: skip


def test_update_from_files_ingests_and_writes_the_ledger(world, tmp_path):
    run_corpus, unseen = world["run_corpus"], world["unseen"]
    # A paper of the run, listed twice: ingest merges the copies, the update finds the run's.
    pairs = [(run_corpus["title"][3], run_corpus["abstract"][3])] * 2
    pairs += [(t, a) for t, a in zip(unseen["title"], unseen["abstract"], strict=True)]
    (tmp_path / "new.txt").write_bytes(listing(*pairs))
    out = tmp_path / "o"
    summary = update_from_files(world["run"], [tmp_path / "new.txt"], out, world["config"])
    assert (summary["papers_offered"], summary["already_in_run"], summary["added"]) == (5, 1, 4)
    assert summary["novel"] == 4 and summary["ingest"]["records_read"] == 6
    assert summary["out"] == str(out) and len(summary["novel_papers"]) == 4
    ledger = pd.read_parquet(out / "update_ledger.parquet")
    assert len(ledger) == 6 and (ledger["status"] == "kept").sum() == 4
    dup = ledger[ledger["status"] == "duplicate"]
    assert len(dup) == 2 and (dup["doc_id"] == run_corpus["doc_id"][3]).all()
    assert dup["reason"].str.contains("already in run").sum() == 1
    kept_ids = set(ledger.loc[ledger["status"] == "kept", "doc_id"])
    assert kept_ids == set(pd.read_parquet(out / "novel.parquet")["doc_id"])


# --------------------------------------------------------------------------- a run with levels

OFF_THEME = [  # papers of no theme of the run: novel, outliers at every level
    ("Sourdough", "Wild yeast and lactic bacteria leaven sourdough bread during a long proof."),
    ("Sonnets", "Petrarchan sonnets turn at the volta between octave and sestet."),
    ("Knitting", "Cable stitches cross groups of loops to give knitted fabric its braids."),
]


def _fill_cache(config, themes, theme_embeddings):
    """The theme vectors in the config's embedding cache, as the update will read it."""
    backend, precision = resolve_embedding(config.embed.backend, config.embed.precision)
    cache = EmbeddingCache(
        Path(config.paths.interim) / "embeddings",
        model_identity(config.embed.model, precision, backend),
    )
    cache.add([text_digest(t) for t in corpus_texts(themes)], theme_embeddings)
    return backend, precision


def _built_run(run, themes, x, config):
    """A run folder in the fit's layout with 3 levels, every topic split in two subtopics.

    Themes join topics {0, 1} and {2, 3}; topics are the corpus's themes; each
    topic's subtopics are its papers on either side of its first principal axis.
    Built by hand so that every topic has a choice of subtopics whatever the
    clustering gives.
    """
    topic = themes["theme"].map({t: i for i, t in enumerate(themes["theme"].unique())})
    topic = topic.to_numpy(dtype=np.int64)
    sub = np.empty_like(topic)
    for t in np.unique(topic):
        rows = x[topic == t] - x[topic == t].mean(axis=0)
        axis = np.linalg.svd(rows, full_matrices=False)[2][0]
        sub[topic == t] = 2 * t + (rows @ axis > 0)
    levels = Levels((topic // 2, topic, sub), 1, (1.0, 2.0, 8.0), np.ones(len(topic)), 1)
    ids, n = global_ids(levels), len(topic)
    rows = []
    for k, labels in enumerate(levels.labels):
        parents = levels.parents(k)
        for t, size in enumerate(np.bincount(labels)):
            members = themes["doc_id"][labels == t].tolist()
            rows.append(
                {
                    "topic": int(ids[k][t]), "level": k,
                    "parent": int(ids[k - 1][parents[t]]) if k else -1,
                    "label": f"level {k} topic {t}", "name": f"level {k} topic {t}",
                    "size": int(size), "terms": terms((f"term {k} {t}", 1.0)),
                    "ctfidf_terms": terms((f"term {k} {t}", 1.0)),
                    "representative_doc_ids": members[:3],
                    "representative_titles": themes["title"][labels == t].tolist()[:3],
                    "name_coverage": 0.5, "name_distinctiveness": 2.0,
                }
            )  # fmt: skip
    tree = pd.DataFrame(rows).sort_values(["level", "topic"], kind="stable")
    tree = tree.reset_index(drop=True)
    write_parquet(run / "topics.parquet", tree)
    write_parquet(run / "hierarchy.parquet", tree[list(HIERARCHY_COLUMNS)])
    write_json(run / "metrics.json", {"n_topics": 4, "levels": {"topic_level": 1, "note": ""}})
    write_json(
        run / "provenance.json",
        {
            "model": config.embed.model, "config": config.to_dict(),
            "corpus_sha256": corpus_hash(themes), "n_docs": n,
        },
    )  # fmt: skip
    (run / "model").mkdir()
    (run / "model" / "config.json").write_text('{"fake": true}')
    label_of = dict(zip(tree["topic"], tree["label"], strict=True))
    xy = np.random.default_rng(0).random((n, 2)) + topic[:, None]
    documents = pd.DataFrame(
        {
            "doc_id": themes["doc_id"], "topic": topic,
            "topic_label": [label_of[t] for t in topic], "probability": 1.0,
            "x": xy[:, 0], "y": xy[:, 1], **level_columns(levels),
        }
    )  # fmt: skip
    write_parquet(run / "documents.parquet", documents)


@pytest.fixture(scope="module", params=["built", "fitted"])
def levelled(request, tmp_path_factory, themes, theme_embeddings):
    """A run with levels (built by hand, or fitted) and an update of it."""
    root = tmp_path_factory.mktemp(f"update-{request.param}")
    config = dataclasses.replace(
        Config(),
        paths=PathsConfig(interim=str(root / "interim"), processed=str(root / "proc")),
        topics=TopicsConfig(levels=3, seed=0),
    )
    backend, precision = _fill_cache(config, themes, theme_embeddings)
    run = root / "run"
    if request.param == "fitted":
        write_run(fit(themes, embeddings=theme_embeddings, config=config), run)
    else:
        _built_run(run, themes, theme_embeddings, config)
    write_parquet(root / "proc" / "corpus.parquet", themes)
    before = pd.read_parquet(run / "documents.parquet")
    more = theme_corpus(n_per_theme=26)  # papers 20.. of each theme are new
    fresh = more[more.groupby("theme").cumcount() >= 20]
    odd = pd.DataFrame(
        {
            "doc_id": [make_doc_id("title", t) for t, _ in OFF_THEME],
            "title": [t for t, _ in OFF_THEME],
            "abstract": [a for _, a in OFF_THEME],
        }
    )
    new = pd.concat([fresh, odd], ignore_index=True)
    result = update_run(run, new, root / "out", config)
    vectors, _ = embed_texts(
        corpus_texts(result.corpus), config.embed.model, Path(config.paths.interim) / "embeddings",
        precision=precision, backend=backend,
    )  # fmt: skip
    return {
        "kind": request.param, "root": root, "run": run, "out": root / "out",
        "config": config, "new": new, "odd": odd, "before": before, "result": result,
        "vectors": vectors,
    }  # fmt: skip


def _levels(docs):
    return [f"level_{k}" for k in range(sum(c.startswith("level_") for c in docs.columns))]


def test_update_gives_added_papers_every_level_nested(levelled):
    out, old = levelled["out"], levelled["before"]
    docs = pd.read_parquet(out / "documents.parquet")
    tree = pd.read_parquet(out / "topics.parquet")
    t = json.loads((out / "metrics.json").read_text())["levels"]["topic_level"]
    cols = _levels(docs)
    assert cols == _levels(old) and len(cols) >= 2
    assert (docs[cols].dtypes == "int64").all()
    assert (docs[f"level_{t}"] == docs["topic"]).all()
    parent_of = dict(zip(tree["topic"], tree["parent"], strict=True))
    level_of = dict(zip(tree["topic"], tree["level"], strict=True))
    for k, col in enumerate(cols):
        ids = docs[col]
        assert ((ids == -1) == (docs["topic"] == -1)).all()  # outliers at every level
        assert all(level_of[i] == k for i in set(ids) - {-1})
        if k:  # nesting, for every paper, old or added
            inside = ids >= 0
            assert (ids[inside].map(parent_of) == docs.loc[inside, cols[k - 1]]).all()
    # Old papers keep every level; added ones were placed, the off-theme ones novel.
    pd.testing.assert_frame_equal(docs.iloc[: len(old)][list(old.columns)], old)
    added = docs[docs["added"]]
    assert len(added) == len(levelled["result"].placement) > 0
    assert (added["topic"] >= 0).sum() > 0
    assert set(levelled["odd"]["doc_id"]) <= set(added.loc[added["novel"], "doc_id"])


def test_update_puts_added_papers_in_the_subtopic_with_the_closest_centroid(levelled):
    docs = pd.read_parquet(levelled["out"] / "documents.parquet")
    tree = pd.read_parquet(levelled["out"] / "topics.parquet")
    t = json.loads((levelled["out"] / "metrics.json").read_text())["levels"]["topic_level"]
    x = levelled["vectors"]
    old = ~docs["added"].to_numpy()
    parent_of = dict(zip(tree["topic"], tree["parent"], strict=True))
    cols = _levels(docs)
    checked = split = 0
    for above, col in zip(cols[t:], cols[t + 1 :], strict=False):
        fine, coarse = docs[col].to_numpy(), docs[above].to_numpy()
        for i in np.flatnonzero(~old & (coarse >= 0)):
            children = [c for c in np.unique(fine[old & (fine >= 0)]) if parent_of[c] == coarse[i]]
            # Centroids of the run's own papers, as with_topics computes them.
            centroids = np.array([x[old & (fine == c)].mean(axis=0) for c in children])
            centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
            assert fine[i] == children[int(np.argmax(centroids @ x[i]))]
            checked += 1
            split += len(children) > 1
    if levelled["kind"] == "built":  # every topic has two subtopics there
        assert checked == split > 0


def test_update_recounts_sizes_at_every_level(levelled):
    out, run = levelled["out"], levelled["run"]
    docs = pd.read_parquet(out / "documents.parquet")
    tree = pd.read_parquet(out / "topics.parquet")
    parent_tree = pd.read_parquet(run / "topics.parquet")
    t = json.loads((out / "metrics.json").read_text())["levels"]["topic_level"]
    real = tree[tree["topic"] >= 0]
    for row in real.itertuples():
        assert row.size == (docs[f"level_{row.level}"] == row.topic).sum()
    assert real["size"].sum() == (docs["topic"] >= 0).sum() * len(_levels(docs))
    # The novel papers are in the topics level's one outlier row.
    outliers = tree[tree["topic"] == -1]
    assert len(outliers) == 1 and outliers["size"].iloc[0] == (docs["topic"] == -1).sum() > 0
    assert (outliers["level"].iloc[0], outliers["parent"].iloc[0]) == (t, -1)
    assert list(tree.columns) == list(parent_tree.columns)
    assert (tree.dtypes == parent_tree.dtypes).all()
    keep = ["topic", "level", "parent", "label", "terms"]
    old_real = parent_tree[parent_tree["topic"] >= 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(real[keep].reset_index(drop=True), old_real[keep])
    hierarchy = pd.read_parquet(out / "hierarchy.parquet")
    before = pd.read_parquet(run / "hierarchy.parquet")
    pd.testing.assert_frame_equal(hierarchy.drop(columns="size"), before.drop(columns="size"))
    size_of = dict(zip(tree["topic"], tree["size"], strict=True))
    assert (hierarchy["size"] == hierarchy["topic"].map(size_of)).all()
    assert (hierarchy["size"] >= before["size"]).all() and (
        hierarchy["size"] > before["size"]
    ).any()


def test_update_of_a_levelled_run_reads_back_as_a_run(levelled):
    out = levelled["out"]
    loaded = load_run(out)
    assert (loaded.topics["level"] == loaded.topic_level).all()
    assert set(loaded.topics["topic"]) == set(loaded.documents["topic"]) | {-1}
    assert set(loaded.hierarchy["topic"]) == set(loaded.all_topics["topic"]) - {-1}
    # An update of the update adds nothing twice and changes no level.
    out2 = levelled["root"] / "out2"
    again = update_run(out, levelled["new"], out2, levelled["config"])
    assert len(again.placement) == 0
    second = pd.read_parquet(out2 / "documents.parquet")
    first = pd.read_parquet(out / "documents.parquet")
    pd.testing.assert_frame_equal(second.drop(columns="added"), first.drop(columns="added"))
    for name in ("topics.parquet", "hierarchy.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out2 / name), pd.read_parquet(out / name))
