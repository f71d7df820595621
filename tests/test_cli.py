import json

import numpy as np
import pandas as pd
import pytest

from conftest import ABSTRACT, ROOT, listing
from landscape.cli import main


def test_ingest_writes_corpus_and_ledger(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["ingest", str(ROOT / "data" / "raw"), "--out", str(out)]) == 0
    assert len(pd.read_parquet(out / "corpus.parquet")) == 682
    assert len(pd.read_parquet(out / "ledger.parquet")) == 770
    printed = capsys.readouterr().out
    assert "770" in printed and "682" in printed


def test_run_ingests_and_fits_with_config_paths(tmp_path, monkeypatch, themes):
    (tmp_path / "raw").mkdir()
    pairs = list(zip(themes.title, themes.abstract, strict=True))
    (tmp_path / "raw" / "page.txt").write_bytes(listing(*pairs))
    (tmp_path / "cfg.toml").write_text(
        '[paths]\nraw = "raw"\nprocessed = "proc"\ninterim = "cache"\nruns = "runs"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--config", "cfg.toml", "--name", "t1", "--no-report"]) == 0
    assert len(pd.read_parquet(tmp_path / "proc" / "corpus.parquet")) == len(themes)
    docs = pd.read_parquet(tmp_path / "runs" / "t1" / "documents.parquet")
    assert len(docs) == len(themes)
    assert list((tmp_path / "cache" / "embeddings").iterdir())


def test_fit_with_embeddings_then_evaluate(tmp_path, themes, theme_embeddings, capsys):
    corpus = tmp_path / "corpus.parquet"
    themes.to_parquet(corpus)
    npy = tmp_path / "e.npy"
    np.save(npy, theme_embeddings)
    run = tmp_path / "run"
    args = ["fit", "--corpus", str(corpus), "--out", str(run), "--embeddings", str(npy)]
    assert main([*args, "--stability", "3"]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["stability"]["ari"]["pairs"] == 3
    assert metrics["embedding"]["source"] == "precomputed"
    assert main(["evaluate", "--run", str(run), "--corpus", str(corpus), "--labels", "theme"]) == 0
    scores = json.loads((run / "metrics.json").read_text())["labels"]["theme"]
    assert scores["ami"] > 0.8 and scores["n_docs_labelled"] == len(themes)
    assert main(["evaluate", "--run", str(run), "--corpus", str(corpus), "--labels", "nope"]) == 1
    assert "no column 'nope'" in capsys.readouterr().err


def test_fit_too_small_corpus_is_one_line(tmp_path, themes, capsys):
    corpus = tmp_path / "corpus.parquet"
    themes.head(5).to_parquet(corpus)
    assert main(["fit", "--corpus", str(corpus), "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert "5 documents" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("name", ["../escape", "a/b", ".."])
def test_run_name_cannot_escape_runs_folder(name, capsys):
    assert main(["run", "--name", name]) == 1
    assert "plain folder name" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p / "nope", "no such file"),
        (lambda p: (p / "e.txt").write_bytes(b"") or p / "e.txt", "empty"),
        (lambda p: (p / "d").mkdir() or p / "d", "no supported file"),
    ],
)
def test_user_errors_are_one_line_without_traceback(tmp_path, capsys, make, needle):
    path = make(tmp_path)
    code = main(["ingest", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code != 0
    assert needle in err and path.name in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_debug_shows_traceback(tmp_path, capsys):
    code = main(["--debug", "ingest", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" in err


def test_bad_config_key_is_named(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ingest]\nmin_abstract_wrds = 3\n")
    assert main(["ingest", "--config", str(cfg)]) != 0
    err = capsys.readouterr().err
    assert "min_abstract_wrds" in err and str(cfg) in err


def test_usage_error_exits_2(capsys):
    assert main(["ingest", "--no-such-flag"]) == 2


def test_cli_flags_override_config(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_bytes(listing(("Good Paper Title", ABSTRACT)))
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ingest]\nmin_abstract_words = 1000\n")
    out = tmp_path / "out"
    args = ["ingest", str(tmp_path / "a.txt"), "--out", str(out), "--config", str(cfg)]
    assert main(args) == 0
    assert len(pd.read_parquet(out / "corpus.parquet")) == 0
    assert main([*args, "--min-abstract-words", "5"]) == 0
    assert len(pd.read_parquet(out / "corpus.parquet")) == 1


def test_keep_title_only_flag_overrides_config(tmp_path, capsys):
    (tmp_path / "a.txt").write_bytes(listing(("Good Paper Title", ABSTRACT)) + b"Lonely Title\n")
    out = tmp_path / "out"
    args = ["ingest", str(tmp_path / "a.txt"), "--out", str(out)]
    assert main(args) == 0
    assert pd.read_parquet(out / "corpus.parquet")["has_abstract"].tolist() == [True]
    assert "title only" not in capsys.readouterr().out
    assert main([*args, "--keep-title-only"]) == 0
    corpus = pd.read_parquet(out / "corpus.parquet").set_index("title")
    assert corpus["has_abstract"].to_dict() == {"Good Paper Title": True, "Lonely Title": False}
    assert "kept: no abstract (title only)" in capsys.readouterr().out
    report = json.loads((out / "ingest_report.json").read_text())
    assert report["summary"]["title_only"] == 1
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ingest]\nkeep_title_only = true\n")
    assert main([*args, "--config", str(cfg), "--drop-title-only"]) == 0
    assert len(pd.read_parquet(out / "corpus.parquet")) == 1


def test_run_passes_keep_title_only_to_ingest(tmp_path, monkeypatch):
    import landscape.cli.stages as stages

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.txt").write_bytes(
        listing(("Good Paper Title", ABSTRACT)) + b"Lonely Title\n"
    )
    (tmp_path / "cfg.toml").write_text('[paths]\nraw = "raw"\nprocessed = "proc"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(stages, "run_fit", lambda *args, **kwargs: None)  # ingest only
    argv = ["run", "--config", "cfg.toml", "--no-report", "--keep-title-only"]
    assert main(argv) == 0
    assert len(pd.read_parquet(tmp_path / "proc" / "corpus.parquet")) == 2


def test_ingest_names_files_it_does_not_read(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(listing(("Good Paper Title", ABSTRACT)))
    for k in range(12):
        (folder / f"scan{k:02d}.pdf").write_bytes(b"%PDF-1.4")
    out = tmp_path / "out"
    assert main(["ingest", str(folder), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "12 files in the input folders are in no supported format" in err
    assert "scan00.pdf" in err and "scan09.pdf" in err and "and 2 more" in err
    assert "ingest_report.json" in err  # where the rest are named
    report = json.loads((out / "ingest_report.json").read_text())
    assert len(report["ignored_files"]) == report["summary"]["files_ignored"] == 12
