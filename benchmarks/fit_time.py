"""Fit time with levels and names against the code before levels (issue 17).

Times ``landscape.fit.pipeline.fit`` (every stage it runs, quality included) on
a labelled arXiv sample with precomputed embeddings, in a fresh process per
run, for the code under ``--src`` (default: this checkout's) and, with
``--baseline COMMIT``, for that commit's code checked out into a temporary git
worktree: both in the same session, alternating, so that machine load falls on
both alike. Cells are median [min-max] of ``--repeats`` runs.

Target: fit time with levels and names at most 1.2x the code before levels.

Usage: python benchmarks/fit_time.py [--size 10000|100000] [--baseline a094bab] [--repeats 3]

10000 is the report sample of benchmarks/samples.py; 100000 is the whole labelled
arXiv file (100,877 papers) ingested, as bench.py's 100k size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import ARXIV, tune_and_report

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time
import numpy as np, pandas as pd
from landscape.config import Config
from landscape.fit.pipeline import fit
corpus = pd.read_parquet(sys.argv[1])
emb = np.load(sys.argv[2])
t = time.perf_counter()
result = fit(corpus, embeddings=emb, config=Config())
seconds = time.perf_counter() - t
levels = result.metrics.get("levels", {}).get("per_level", [])
print(json.dumps({"seconds": seconds, "n_topics": int(result.topics["topic"].ge(0).sum()),
                  "levels": [lv.get("n_topics") for lv in levels],
                  "stages": result.metrics.get("timings_s", {})}))
"""


def _corpus(size: int, work: Path) -> pd.DataFrame:
    """The corpus of a size: the 10k report sample, or the whole arXiv file ingested
    as bench.py's 100k size does (so the embedding cache bench.py filled serves it)."""
    if size == 10_000:
        sample = tune_and_report(10_000, 10_000)[1]  # the report sample
        return sample.rename(columns={"arxiv_id": "doc_id"})[["doc_id", "title", "abstract"]]
    from landscape.ingest import ingest

    path = work / "arxiv.parquet"
    pd.read_parquet(ARXIV)[["arxiv_id", "title", "abstract", "date"]].to_parquet(path)
    return ingest([path]).corpus


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--baseline", default="a094bab")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()

    from landscape.embed import corpus_texts, embed_texts

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = _corpus(args.size, tmp)
        emb, stats = embed_texts(
            corpus_texts(corpus), cache_dir=str(ROOT / "data/interim/embeddings")
        )
        print(
            f"{len(corpus)} papers; embeddings: {stats.n_cached} cached, "
            f"{stats.n_computed} computed"
        )
        corpus.to_parquet(tmp / "corpus.parquet")
        np.save(tmp / "emb.npy", np.asarray(emb))
        worktree = tmp / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            codes = {"current": ROOT / "src", f"baseline {args.baseline}": worktree / "src"}
            runs: dict[str, list[dict]] = {name: [] for name in codes}
            for _ in range(args.repeats):
                for name, src in codes.items():
                    env = {**os.environ, "PYTHONPATH": str(src)}
                    load = machine.load1()
                    out = subprocess.run(
                        [sys.executable, "-c", _CHILD, str(tmp / "corpus.parquet"),
                         str(tmp / "emb.npy")],
                        env=env, check=True, capture_output=True, text=True, cwd=tmp,
                    )  # fmt: skip
                    row = json.loads(out.stdout.strip().splitlines()[-1])
                    row["load1_before"] = load
                    runs[name].append(row)
                    print(name, row, flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)],
                check=False,
            )
    summary = {}
    for name, rows in runs.items():
        secs = [r["seconds"] for r in rows]
        summary[name] = {"median": float(np.median(secs)), "min": min(secs), "max": max(secs)}
    base = summary[f"baseline {args.baseline}"]["median"]
    result = {
        "machine": machine.facts(),
        "size": args.size,
        "summary": summary,
        "ratio": summary["current"]["median"] / base,
        "runs": runs,
    }
    out = Path(args.out) / f"fit_time-{args.size}.json"
    out.write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps({k: result[k] for k in ("summary", "ratio")}, indent=1))


if __name__ == "__main__":
    main()
