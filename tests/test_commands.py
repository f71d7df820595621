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
