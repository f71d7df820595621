"""Topic levels and names on labelled arXiv samples (issue 17); a first, partial benchmark.

For each seed: fit the levels (clustering only, embeddings precomputed), name
them, and report per level: topics, outlier share, AMI against ``group`` and
``primary_category``, the names' median coverage and distinctiveness, the share
of names with distinctiveness >= 3, duplicate sibling names; and the mean
pairwise ARI of each level over the seeds. Timed cells: median [min-max].

Usage: python benchmarks/levels_names.py [--sample report|tune] [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import tune_and_report
from sklearn.metrics import adjusted_mutual_info_score as ami

from landscape.config import Config
from landscape.embed import corpus_texts, embed_texts
from landscape.fit.naming import name_levels
from landscape.fit.phrases import phrase_index
from landscape.fit.pipeline import cluster_levels
from landscape.fit.quality import pairwise_ari


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", default="report", choices=["tune", "report"])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    tune, report, description = tune_and_report(10_000, 10_000)
    sample = report if args.sample == "report" else tune
    texts = corpus_texts(sample)
    emb, _ = embed_texts(texts, cache_dir="data/interim/embeddings")
    cfg = Config().topics
    seeds = [int(s) for s in args.seeds.split(",")]
    runs, rows, times = [], [], []
    for seed in seeds:
        t0 = time.perf_counter()
        levels, _ = cluster_levels(emb, cfg, seed)
        index = phrase_index(texts, min_df=5)
        parents = [levels.parents(k) for k in range(len(levels.labels))]
        names = name_levels(index, texts, levels.labels, parents)
        times.append(time.perf_counter() - t0)
        runs.append(levels)
        for k, labels in enumerate(levels.labels):
            cov = [n.coverage for n in names[k]]
            dist = [n.distinctiveness for n in names[k]]
            dup = sum(
                len(names_p) - len({names[k][t].words for t in names_p})
                for names_p in (
                    np.flatnonzero(parents[k] == p).tolist() for p in np.unique(parents[k])
                )
            )
            rows.append(
                {
                    "seed": seed,
                    "level": k,
                    "n_topics": int(labels.max()) + 1,
                    "outlier_share": round(float((labels < 0).mean()), 4),
                    "ami_group": round(float(ami(sample["group"], labels)), 4),
                    "ami_primary_category": round(
                        float(ami(sample["primary_category"], labels)), 4
                    ),
                    "name_coverage_median": round(float(np.median(cov)), 4),
                    "name_distinctiveness_median": round(float(np.median(dist)), 4),
                    "share_distinctiveness_ge_3": round(float(np.mean(np.array(dist) >= 3)), 4),
                    "duplicate_sibling_names": int(dup),
                    "names": [n.text for n in names[k]] if k == 0 else None,
                }
            )
    depth = min(len(r.labels) for r in runs)
    ari = {k: pairwise_ari([r.labels[k] for r in runs])["mean"] for k in range(depth)}
    result = {
        "machine": machine.facts(),
        "note": "times measured while other work ran on the same 2 cores: not comparable",
        "sample": args.sample,
        "description": description,
        "seconds": {"median": float(np.median(times)), "min": min(times), "max": max(times)},
        "ari_per_level": ari,
        "rows": rows,
    }
    out = Path(args.out) / f"levels_names-{args.sample}.json"
    out.write_text(json.dumps(result, indent=1, default=str))
    print(
        json.dumps({k: v for k, v in result.items() if k != "description"}, indent=1, default=str)
    )


if __name__ == "__main__":
    main()
