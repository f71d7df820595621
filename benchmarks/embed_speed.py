"""CPU embedding throughput and agreement with the fp32 reference (issue 6 figures).

Embeds the default corpus (data/processed/corpus.parquet; run `make report` first)
with all-MiniLM-L6-v2 in each precision, without the cache, and reports papers per
second and, for each faster path, its agreement with fp32: mean cosine of the
vectors and the share of 10 nearest neighbours kept (targets: >= 0.99, >= 0.95).
Each path is timed ``--repeats`` times (at least 3): median [min-max]. No tuning.

Usage: python benchmarks/embed_speed.py [--n 682] [--batch-sizes 16,32] [--repeats 3]
    [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import machine

from landscape.embed import corpus_texts, encode, load_encoder, resolve_precision


def knn_overlap(a: np.ndarray, b: np.ndarray, k: int = 10) -> float:
    def knn(x):
        s = x @ x.T
        np.fill_diagonal(s, -np.inf)
        return np.argsort(-s, axis=1)[:, :k]

    ka, kb = knn(a), knn(b)
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(ka, kb, strict=True)]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=0, help="papers (0: all)")
    ap.add_argument("--batch-sizes", default="16,32", help="comma-separated")
    ap.add_argument("--repeats", type=int, default=machine.MIN_RUNS)
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    corpus = pd.read_parquet("data/processed/corpus.parquet")
    texts = corpus_texts(corpus.head(args.n) if args.n else corpus)
    model = load_encoder("all-MiniLM-L6-v2", device="cpu")
    encode(texts[:8], model)  # warm-up: first call pays one-off costs
    res = {
        "machine": machine.facts(),
        "papers": len(texts),
        "cpus": os.cpu_count(),
        "auto_resolves_to": resolve_precision("auto", "cpu"),
        "runs": [],
    }
    ref = None
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        for precision in ("fp32", "bf16"):
            encode(texts[:8], model, precision=precision)  # warm-up of this path
            seconds = []
            with machine.Meter() as meter:
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    vectors = encode(texts, model, batch_size, precision=precision)
                    seconds.append(time.perf_counter() - t0)
            run = {
                "precision": precision,
                "batch_size": batch_size,
                "seconds": machine.spread(seconds, digits=1),
                "papers_per_s": machine.spread([len(texts) / s for s in seconds], digits=1),
                "load": meter.record,
            }
            if precision == "fp32" and ref is None:
                ref = vectors  # the reference: fp32 at the first batch size
            run["mean_cosine_to_fp32"] = round(float((ref * vectors).sum(axis=1).mean()), 5)
            run["knn10_overlap"] = round(knn_overlap(ref, vectors), 4)
            res["runs"].append(run)
            print(run, flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "embed_speed.json").write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
