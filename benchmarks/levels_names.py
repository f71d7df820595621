"""Topic levels and names on labelled arXiv samples (issue 17).

For each seed: fit the levels (clustering only, embeddings precomputed), name
them, and report per level: topics, outlier share, AMI against ``group`` and
``primary_category``, the names' median coverage and distinctiveness, the share
of names with distinctiveness >= 3, duplicate sibling names; and the mean
pairwise ARI of each level over the seeds (5 seeds, as the issue asks of the
default corpus). Timed cells: median [min-max].

Two ceilings say what the data allow, whatever the method:

- ``ami_group_bound`` (level 0): the AMI against ``group`` of the best themes
  that keep topics whole, each topic given its papers' most common group.
  Themes nest topics, so no theme level of these topics scores above it.
- ``coverage_ceiling_median``: per topic, the largest coverage of any phrase of
  the index at least 3 times as common as among its siblings; the median over
  the level's topics. A one-phrase name distinctive enough cannot cover more.

Usage: python benchmarks/levels_names.py [--sample report|tune] [--seeds 0,1,2,3,4]
"""

from __future__ import annotations

import argparse
import json
import os
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
from landscape.fit.hierarchy import membership
from landscape.fit.naming import name_levels
from landscape.fit.phrases import phrase_index
from landscape.fit.pipeline import cluster_levels
from landscape.fit.quality import pairwise_ari


def group_bound(topics: np.ndarray, group: np.ndarray) -> float:
    """AMI against ``group`` of the topics' best union: each topic -> its majority group."""
    out = np.full(len(topics), "(outlier)", dtype=object)
    for t in np.unique(topics[topics >= 0]):
        values, counts = np.unique(group[topics == t], return_counts=True)
        out[topics == t] = values[counts.argmax()]
    return float(ami(group, out.astype(str)))


def coverage_ceiling(index, labels: np.ndarray, parents: np.ndarray) -> float:
    """Median over topics of the best coverage of a phrase >= 3x as common as in its siblings."""
    m = membership(labels)
    counts = np.asarray((m.T @ index.presence.astype(np.float32)).todense())
    sizes = np.asarray(m.sum(axis=0)).ravel()
    best = []
    for t in range(len(sizes)):
        sib = np.flatnonzero(parents == parents[t])
        sib = sib[sib != t]
        cov = counts[t] / sizes[t]
        if len(sib):
            n_bg = sizes[sib].sum()
            cov = np.where(cov >= 3 * np.maximum(counts[sib].sum(axis=0) / n_bg, 0.5 / n_bg),
                           cov, 0)  # fmt: skip
        best.append(cov.max() if len(cov) else 0.0)
    return float(np.median(best))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", default="report", choices=["tune", "report"])
    ap.add_argument("--seeds", default="0,1,2,3,4")
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
                    "coverage_ceiling_median": round(
                        coverage_ceiling(index, labels, parents[k]), 4
                    ),
                    "ami_group_bound": (
                        round(group_bound(levels.labels[1], sample["group"].to_numpy()), 4)
                        if k == 0 and len(levels.labels) > 1
                        else None
                    ),
                    "names": [n.text for n in names[k]] if k == 0 else None,
                }
            )
    depth = min(len(r.labels) for r in runs)
    ari = {k: pairwise_ari([r.labels[k] for r in runs])["mean"] for k in range(depth)}
    result = {
        "machine": machine.facts(),
        "load1_after": os.getloadavg()[0],
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
