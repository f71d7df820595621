"""Killed runs leave nothing a later step would trust; concurrent runs do not mix."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from landscape.fit.pipeline import fit
from landscape.runs import write_run

ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}
CLI = [sys.executable, "-c", "import sys; from landscape.cli import main; sys.exit(main())"]


@pytest.fixture(scope="module")
def fit_inputs(themes, theme_embeddings, tmp_path_factory):
    root = tmp_path_factory.mktemp("kill")
    themes.to_parquet(root / "corpus.parquet")
    np.save(root / "emb.npy", theme_embeddings)
    reference = root / "reference"
    # The uninterrupted run is the same command, so inputs are bit for bit the same.
    # Every fit here runs in ``root`` (its data/interim cache is theirs alone), so
    # nothing else in the suite touches the caches they share.
    done = subprocess.run(
        _fit_args(root, reference), capture_output=True, text=True, env=ENV, cwd=root
    )
    assert done.returncode == 0, done.stderr
    return root, reference


def _fit_args(root, out):
    return [
        *CLI,
        "fit",
        "--corpus",
        str(root / "corpus.parquet"),
        "--out",
        str(out),
        "--embeddings",
        str(root / "emb.npy"),
    ]


@pytest.mark.parametrize("delay", [0.5, 3.0, 6.0])
def test_sigkill_during_fit_then_rerun_matches_uninterrupted(fit_inputs, tmp_path, delay):
    root, reference = fit_inputs
    out = tmp_path / "run"
    # A complete older run is there first: a killed rewrite must not leave it
    # looking complete beside new partial files.
    write_run(fit(*_themes_and_embeddings(root), config=_config(root), seed=7), out)
    old = _generation(out)
    new = _generation(reference)
    proc = subprocess.Popen(
        _fit_args(root, out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
        cwd=root,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")] if out.exists() else []
    if (out / "documents.parquet").exists():
        # A complete run is there: the old one (killed before it wrote) or the new
        # one (killed after), never a mix of the two generations.
        generation = next(
            g for g in (old, new) if (out / "documents.parquet").read_bytes() == g["documents"]
        )
        for name in ("topics.parquet", "hierarchy.parquet"):
            assert (out / name).read_bytes() == generation[name.split(".")[0]]
    # Temporary files may remain after a kill, but never under a final name.
    assert all(name.startswith(".") for name in leftovers)
    rerun = subprocess.run(_fit_args(root, out), capture_output=True, text=True, env=ENV, cwd=root)
    assert rerun.returncode == 0, rerun.stderr
    for name in ("documents.parquet", "topics.parquet", "hierarchy.parquet"):
        assert (out / name).read_bytes() == (reference / name).read_bytes()


def _config(root):
    from landscape.config import Config, PathsConfig

    return Config(paths=PathsConfig(interim=str(root / "data" / "interim")))


def _generation(folder):
    return {n: (folder / f"{n}.parquet").read_bytes() for n in ("documents", "topics", "hierarchy")}


def _themes_and_embeddings(root):
    import pandas as pd

    return pd.read_parquet(root / "corpus.parquet"), np.load(root / "emb.npy")


def test_second_concurrent_fit_stops_with_a_clear_message(fit_inputs, tmp_path):
    root, _ = fit_inputs
    out = tmp_path / "run"
    first = subprocess.Popen(
        _fit_args(root, out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
        cwd=root,
    )
    try:
        for _ in range(100):  # wait until the first run holds the lock
            if (out / ".lock").exists() and (out / ".lock").read_text().startswith("pid"):
                break
            time.sleep(0.1)
        second = subprocess.run(
            _fit_args(root, out), capture_output=True, text=True, env=ENV, cwd=root
        )
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0
    assert second.returncode == 1
    assert "in use by another landscape run" in second.stderr
    assert "Traceback" not in second.stderr


# --------------------------------------------------------------------------- embed

EMBED_SCRIPT = """
import sys
import pandas as pd
from landscape.embed import corpus_texts, embed_texts
texts = corpus_texts(pd.read_parquet(sys.argv[1]))
vectors, _ = embed_texts(texts, cache_dir=sys.argv[2], chunk_size=6, precision="fp32")
import numpy as np
np.save(sys.argv[3], vectors)
"""


def _embed(root, cache, out):
    args = [sys.executable, "-c", EMBED_SCRIPT, str(root / "corpus.parquet"), str(cache), str(out)]
    return args


@pytest.mark.parametrize("delay", [6.0])
def test_sigkill_during_embed_keeps_finished_chunks_and_resumes_identically(
    fit_inputs, tmp_path, delay
):
    from landscape.embed import DEFAULT_MODEL, EmbeddingCache, model_identity

    root, _ = fit_inputs
    reference = tmp_path / "reference.npy"
    done = subprocess.run(_embed(root, tmp_path / "ref-cache", reference), env=ENV, check=False)
    assert done.returncode == 0
    cache = tmp_path / "cache"
    proc = subprocess.Popen(
        _embed(root, cache, tmp_path / "killed.npy"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
    )  # fmt: skip
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    folder = cache / model_identity(DEFAULT_MODEL, "fp32")
    if folder.exists():
        # Every shard under a final name is complete and verified; temporaries are hidden.
        names = [p.name for p in folder.iterdir()]
        assert all(n.startswith(".") or n.startswith("shard-") for n in names)
        store = EmbeddingCache(cache, model_identity(DEFAULT_MODEL, "fp32"))
        store.load()
        assert store.corrupt == []
    rerun = subprocess.run(_embed(root, cache, tmp_path / "rerun.npy"), env=ENV, check=False)
    assert rerun.returncode == 0
    np.testing.assert_array_equal(np.load(tmp_path / "rerun.npy"), np.load(reference))


# --------------------------------------------------------------------------- report


def test_sigkill_during_report_then_rerun_completes(fit_inputs, tmp_path):
    import pandas as pd

    root, reference = fit_inputs
    processed = tmp_path / "processed"
    processed.mkdir()
    corpus = pd.read_parquet(root / "corpus.parquet")
    corpus["source_files"] = [["papers.csv"]] * len(corpus)  # as `landscape ingest` writes
    corpus.to_parquet(processed / "corpus.parquet")
    config = tmp_path / "landscape.toml"
    config.write_text(
        f'[paths]\nprocessed = "{processed}"\ninterim = "{tmp_path / "interim"}"\n'
        f'raw = "{tmp_path / "raw"}"\n'
    )
    (tmp_path / "raw").mkdir()  # notebook 01 re-reads the sources
    pd.read_parquet(root / "corpus.parquet")[["title", "abstract"]].to_csv(
        tmp_path / "raw" / "papers.csv", index=False
    )
    out = tmp_path / "reports"
    args = [*CLI, "report", "--run", str(reference), "--out", str(out), "--config", str(config)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    time.sleep(8.0)  # past the map, into the notebooks
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # The index (the completion marker) is gone until a report completes again.
    if proc.returncode == -signal.SIGKILL:
        assert not (out / "index.html").exists()
    for path in out.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            if path.suffix == ".html":
                assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
            if path.suffix == ".png":
                assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    rerun = subprocess.run(args, capture_output=True, text=True, env=ENV)
    assert rerun.returncode == 0, rerun.stderr
    pages = {p.name for p in out.glob("*.html")}
    assert {"index.html", "map.html", "01-load-and-clean.html", "05-compare-and-trends.html"} <= (
        pages
    )
    for path in out.glob("*.html"):
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), path
