"""Commands beside a run: embed, search (and a highlighted map), update, labels, fit --previous."""

import json

import pandas as pd
import pytest

from conftest import theme_corpus
from landscape.cli import main
from landscape.config import Config, PathsConfig
from landscape.embed import corpus_texts, embed_texts
from landscape.fit.pipeline import fit
from landscape.runs import write_run


@pytest.fixture(scope="module")
def setup(tmp_path_factory, themes):
    base = tmp_path_factory.mktemp("commands")
    paths = PathsConfig(
        raw=str(base / "raw"), interim=str(base / "interim"), processed=str(base / "processed"),
        runs=str(base / "runs"), reports=str(base / "reports"),
    )  # fmt: skip
    config_file = base / "landscape.toml"
    config_file.write_text("[paths]\n" + "".join(f'{k} = "{v}"\n' for k, v in vars(paths).items()))
    (base / "processed").mkdir()
    themes.to_parquet(base / "processed" / "corpus.parquet")
    vectors, _ = embed_texts(corpus_texts(themes), cache_dir=base / "interim" / "embeddings")
    run = base / "runs" / "default"
    write_run(fit(themes, embeddings=vectors, config=Config(paths=paths)), run)
    return {"base": base, "config": str(config_file), "run": run}


def test_embed_reads_the_cache(setup, capsys, monkeypatch):
    # The fixture embedded the corpus into the cache: the command computes nothing.
    from landscape.embed import distributed

    calls = []
    real = distributed.embed_distributed

    def spy(*args, **kwargs):
        vectors, stats = real(*args, **kwargs)
        calls.append(stats)
        return vectors, stats

    monkeypatch.setattr(distributed, "embed_distributed", spy)
    assert main(["embed", "--config", setup["config"]]) == 0
    (stats,) = calls
    n = len(pd.read_parquet(setup["base"] / "processed" / "corpus.parquet"))
    assert (stats.n_texts, stats.n_cached, stats.n_computed) == (n, n, 0)
    out = capsys.readouterr().out
    assert "this process" in out
    # The printed table says the same: every text from the cache, none computed.
    rows = {
        cells[0]: cells[-1]
        for line in out.splitlines()
        if len(cells := [c.strip() for c in line.strip("│┃║| ").split("│")]) >= 2
    }
    assert (rows["from the cache"], rows["computed"]) == (str(n), "0")


def test_search_prints_hits_and_writes_a_highlighted_map(setup, capsys):
    page = setup["base"] / "found.html"
    args = ["search", "dark matter halos of dwarf galaxies", "-k", "3", "--run", str(setup["run"])]
    assert main([*args, "--highlight", str(page), "--config", setup["config"]]) == 0
    out = capsys.readouterr().out
    assert "3 papers nearest to" in out
    assert "galax" in out.lower()
    html = page.read_text(encoding="utf-8")
    assert '"preset"' in html and "Nearest to: dark matter" in html


def test_search_of_a_missing_run_is_one_line(setup, capsys):
    assert main(["search", "x", "--run", str(setup["base"] / "nope"), "--config", setup["config"]])
    err = capsys.readouterr().err
    assert "not a complete run" in err and "Traceback" not in err


def test_labels_init_show_and_rename(setup, capsys):
    run = setup["run"]
    assert main(["labels", "init", "--run", str(run), "--config", setup["config"]]) == 0
    path = run / "labels.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("# 0 = "))
    lines[first] = '0 = "My renamed theme"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["labels", "show", "--run", str(run), "--json", "--config", setup["config"]]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_topic = {r["topic"]: r for r in rows}
    assert by_topic[0]["label"] == "My renamed theme" and by_topic[0]["label_source"] == "user"
    assert all(r["label_source"] == "auto" for t, r in by_topic.items() if t != 0)
    # A second init keeps the user's file.
    assert main(["labels", "init", "--run", str(run), "--config", setup["config"]]) == 1
    path.unlink()


def test_labels_llm_needs_an_endpoint(setup, capsys):
    assert main(["labels", "llm", "--run", str(setup["run"]), "--config", setup["config"]]) == 1
    assert "no LLM configured" in capsys.readouterr().err


def test_labels_llm_names_every_level_and_show_prints_each_level(setup, capsys, monkeypatch):
    from landscape.labels import llm

    sent = []

    def fake_post(url, body, key, where, timeout):
        # No network: answer with the topic's key phrase, the first line of its prompt.
        sent.append(body["messages"])
        phrase = body["messages"][1]["content"].splitlines()[0].removeprefix("Key phrase: ")
        return {"choices": [{"message": {"content": f"LLM {phrase}"}}]}

    monkeypatch.setattr(llm, "_post", fake_post)
    run, config = setup["run"], setup["config"]
    args = ["--run", str(run), "--config", config]
    try:
        assert (
            main(["labels", "llm", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", *args])
            == 0
        )
        topics = pd.read_parquet(run / "topics.parquet")
        named = topics[topics["topic"] != -1]
        stored = json.loads((run / "llm_labels.json").read_text(encoding="utf-8"))
        assert len(sent) == len(stored["audit"]) == len(named)  # under the default cap
        assert {int(t): e["level"] for t, e in stored["audit"].items()} == dict(
            zip(named["topic"], named["level"], strict=True)
        )
        # Bottom-up: every theme was asked after its topics, and lists their LLM names.
        for entry in stored["audit"].values():
            if entry["level"] == 0:
                assert entry["order"] >= len(named) - (named["level"] == 0).sum()
                assert "- LLM " in entry["messages"][1]["content"]
        capsys.readouterr()

        assert main(["labels", "show", "--level", "0", "--json", *args]) == 0
        rows = json.loads(capsys.readouterr().out)
        themes = named[named["level"] == 0]
        assert sorted(r["topic"] for r in rows) == sorted(themes["topic"])
        for row in rows:
            assert row["level"] == 0 and row["parent"] == -1
            assert (row["label"], row["label_source"]) == (f"LLM {row['name']}", "llm")
            assert row["n_docs"] == row["size"] and 0 <= row["name_coverage"] <= 1
            assert row["terms"] and {"term", "weight"} <= set(row["terms"][0])
            assert len(row["representative_titles"]) == 3
            assert 0 <= row["label_fit"] <= 1 and row["verdict"] in {"ok", "low fit", "generic"}

        assert main(["labels", "show", *args]) == 0
        table = capsys.readouterr().out
        assert "level 0 (themes)" in table and "level 1 (topics)" in table
        assert table.index("level 0 (themes)") < table.index("level 1 (topics)")
        assert main(["labels", "show", "--level", "1", *args]) == 0
        table = capsys.readouterr().out
        assert "level 1 (topics)" in table and "level 0" not in table

        assert main(["labels", "show", "--level", "7", *args]) == 1
        assert "no level 7; its levels are 0, 1" in capsys.readouterr().err
    finally:
        (run / "llm_labels.json").unlink(missing_ok=True)


def test_update_places_new_papers_in_a_new_run(setup, capsys):
    new = theme_corpus(n_per_theme=24, seed=5)
    new = new[new["doc_id"].isin(set(new["doc_id"]) - set(pd.read_parquet(
        setup["base"] / "processed" / "corpus.parquet")["doc_id"]))].head(6)  # fmt: skip
    source = setup["base"] / "new.csv"
    new[["title", "abstract"]].to_csv(source, index=False)
    out = setup["base"] / "runs" / "updated"
    args = ["update", str(source), "--run", str(setup["run"]), "--out", str(out)]
    assert main([*args, "--config", setup["config"]]) == 0
    docs = pd.read_parquet(out / "documents.parquet")
    old = pd.read_parquet(setup["run"] / "documents.parquet")
    assert len(docs) > len(old) and docs["added"].sum() == len(docs) - len(old)
    assert "placed in an existing topic" in capsys.readouterr().out


def test_fit_previous_writes_topic_mapping(setup, tmp_path):
    corpus = setup["base"] / "processed" / "corpus.parquet"
    out = tmp_path / "refit"
    args = ["fit", "--corpus", str(corpus), "--out", str(out), "--previous", str(setup["run"])]
    assert main([*args, "--seed", "3", "--config", setup["config"]]) == 0
    mapping = pd.read_parquet(out / "topic_mapping.parquet")
    old_topics = set(pd.read_parquet(setup["run"] / "documents.parquet")["topic"])
    assert set(mapping["old_topic"].dropna().astype(int)) >= old_topics - {-1}
    assert (mapping["jaccard"].dropna() > 0.5).mean() > 0.5
