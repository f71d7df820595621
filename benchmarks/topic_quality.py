"""Topic-model quality and stability: landscape vs vanilla BERTopic, same embeddings.

Measures (issue 3):

1. Default corpus (data/processed/corpus.parquet, run `make report` first):
   over 5 seeds, topics, outlier share, and the mean pairwise ARI of the
   partitions, for landscape's defaults and for vanilla BERTopic (UMAP seeded,
   everything else default); and whether the same seed gives a byte-identical
   documents.parquet. The default corpus has no labels, so nothing is scored
   against labels there.
2. The labelled arXiv corpus (../shared/corpora/arxiv_dev_labelled.parquet), in two
   disjoint stratified samples (benchmarks/samples.py:tune_and_report, checked by
   arXiv id): settings are chosen on the *tuning* sample (seed 0, the 10k sample
   landscape's defaults were looked at on) and scored on the *report* sample
   (seed 1, drawn from the rest of the corpus). On the tuning sample, landscape's
   Leiden resolution is swept and the one with the highest median AMI against
   primary_category is chosen; on the report sample, landscape's defaults, the
   chosen resolution (when it differs) and vanilla BERTopic (with and without its
   embedding-based outlier reduction; no tuning, its defaults) are scored over 3
   seeds: AMI / NMI / ARI against primary_category (outliers as their own
   cluster), topics, outlier share, seed ARI, and fit time.

Every timed cell is the median of at least 3 runs (seeds) with min and max.
Embeddings come from landscape's cache (data/interim/embeddings): the first run
embeds the samples once (about 3 minutes per 10,000 papers on 2 cores with the
default int8 OpenVINO backend), later runs read them; that is not timed.

Usage: python benchmarks/topic_quality.py [--sizes default,10k] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import ARXIV, describe_markdown, tune_and_report

from landscape.config import Config
from landscape.embed import corpus_texts, embed_texts
from landscape.fit.pipeline import cluster_embeddings, fit, neighbours, stability
from landscape.fit.quality import label_agreement, outlier_share, pairwise_ari
from landscape.runs import write_run

SEEDS = [0, 1, 2, 3, 4]  # default corpus; stability on the report sample
SAMPLE_SEEDS = [0, 1, 2]  # fits per pipeline on the arXiv samples
SAMPLE_SIZE = 10_000
RESOLUTIONS = [1.0, 1.5, 2.0, 3.0, 4.0]  # the sweep on the tuning sample


def vanilla(texts, embeddings, seed):
    """BERTopic with its defaults; only UMAP's seed is set.

    Returns ``(labels, seconds, reduced_labels, reduce_seconds)``: the partition
    of fit_transform, and after ``reduce_outliers(strategy="embeddings")`` on the
    same model.
    """
    from bertopic import BERTopic
    from umap import UMAP

    t0 = time.perf_counter()
    umap_model = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
    )
    model = BERTopic(umap_model=umap_model, calculate_probabilities=False)
    topics, _ = model.fit_transform(texts, embeddings=embeddings)
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    if -1 in topics:  # BERTopic raises "No outliers to reduce" otherwise
        reduced = model.reduce_outliers(texts, topics, strategy="embeddings", embeddings=embeddings)
    else:
        reduced = topics
    return np.asarray(topics), seconds, np.asarray(reduced), time.perf_counter() - t0


def summarise(partitions, times, truth=None) -> dict:
    res = {
        "n_topics": [len(set(p.tolist()) - {-1}) for p in partitions],
        "outlier_share": [round(outlier_share(p), 4) for p in partitions],
        "seed_ari": pairwise_ari(partitions),
        "fit_seconds": machine.spread(list(times), digits=2) if times else None,
    }
    if truth is not None:
        scores = [label_agreement(p, truth) for p in partitions]
        for key in ("ami", "nmi", "ari"):
            res[f"{key}_vs_labels"] = machine.spread([s[key] for s in scores], digits=4)
    return res


def bench_default(out: dict) -> None:
    corpus = pd.read_parquet("data/processed/corpus.parquet")
    texts = corpus_texts(corpus)
    emb, _ = embed_texts(texts, cache_dir="data/interim/embeddings")
    ours, times = [], []
    with machine.Meter() as ours_load:
        for s in SEEDS:
            t0 = time.perf_counter()
            r = fit(corpus, embeddings=emb, seed=s)
            times.append(time.perf_counter() - t0)
            ours.append(r.documents["topic"].to_numpy())
    with tempfile.TemporaryDirectory() as tmp:
        write_run(fit(corpus, embeddings=emb, seed=7), Path(tmp) / "a")
        write_run(fit(corpus, embeddings=emb, seed=7), Path(tmp) / "b")
        identical = (Path(tmp) / "a" / "documents.parquet").read_bytes() == (
            Path(tmp) / "b" / "documents.parquet"
        ).read_bytes()
    with machine.Meter() as van_load:
        van = [vanilla(texts, emb, s) for s in SEEDS]
    out["default"] = {
        "n_docs": len(corpus),
        "seeds": SEEDS,
        "tuning": "none here: the corpus has no labels; the default resolution's topic "
        "count was looked at on it, so these figures are not held out",
        "landscape": {**summarise(ours, times), "load": ours_load.record},
        "landscape_same_seed_identical_documents_parquet": identical,
        "vanilla_bertopic": {
            **summarise([v[0] for v in van], [v[1] for v in van]),
            "load": van_load.record,
        },
    }


def _embed(sample: pd.DataFrame) -> np.ndarray:
    emb, _ = embed_texts(corpus_texts(sample), cache_dir="data/interim/embeddings")
    return emb


def tune(sample: pd.DataFrame, emb: np.ndarray) -> dict:
    """Sweep the Leiden resolution on the tuning sample; choose by median AMI."""
    truth = sample["primary_category"].to_numpy()
    base = Config().topics
    sweep = []
    for resolution in RESOLUTIONS:
        cfg = dataclasses.replace(base, resolution=resolution)
        parts = []
        for seed in SAMPLE_SEEDS:
            knn = neighbours(emb, cfg, seed)
            parts.append(cluster_embeddings(emb, cfg, seed, knn)[0].labels)
        sweep.append({"resolution": resolution, **summarise(parts, None, truth)})
        print(f"tuning: resolution {resolution}: AMI {sweep[-1]['ami_vs_labels']}", flush=True)
    best = max(sweep, key=lambda r: r["ami_vs_labels"]["median"])
    return {
        "parameter": "topics.resolution",
        "criterion": f"highest median AMI vs primary_category over seeds {SAMPLE_SEEDS}",
        "default": base.resolution,
        "chosen": best["resolution"],
        "sweep": sweep,
    }


def bench_10k(out: dict, size: int = SAMPLE_SIZE) -> None:
    tune_sample, report, description = tune_and_report(size, size)
    tuned = tune(tune_sample, _embed(tune_sample))
    truth = report["primary_category"].to_numpy()
    texts = corpus_texts(report)
    emb = _embed(report)
    corpus = report.assign(doc_id=[f"arxiv:{a}" for a in report["arxiv_id"]])
    default_cfg = Config()
    parts, times, timings = [], [], []
    with machine.Meter() as ours_load:
        for seed in SAMPLE_SEEDS:
            t0 = time.perf_counter()
            result = fit(corpus, embeddings=emb, config=default_cfg, seed=seed)
            times.append(time.perf_counter() - t0)
            parts.append(result.documents["topic"].to_numpy())
            timings.append(result.metrics["timings_s"])
    stages = {k: machine.spread([t[k] for t in timings], digits=2) for k in timings[0]}
    pipelines = {
        "landscape (defaults)": {
            "settings": f"resolution {default_cfg.topics.resolution} (default)",
            **summarise(parts, times, truth),
            "stability_5_seeds": stability(emb, default_cfg.topics, SEEDS),
            "timings_s": stages,
            "load": ours_load.record,
        }
    }
    if tuned["chosen"] != tuned["default"]:
        cfg = dataclasses.replace(default_cfg.topics, resolution=tuned["chosen"])
        chosen = [cluster_embeddings(emb, cfg, s)[0].labels for s in SAMPLE_SEEDS]
        pipelines["landscape (tuned)"] = {
            "settings": f"resolution {tuned['chosen']} (chosen on the tuning sample; "
            "clustering only, not timed)",
            **summarise(chosen, None, truth),
        }
    with machine.Meter() as van_load:
        van = [vanilla(texts, emb, s) for s in SAMPLE_SEEDS]
    pipelines["vanilla BERTopic"] = {
        "settings": "BERTopic defaults, UMAP seeded; not tuned",
        **summarise([v[0] for v in van], [v[1] for v in van], truth),
        "load": van_load.record,
    }
    pipelines["vanilla BERTopic + reduce_outliers"] = {
        "settings": 'BERTopic defaults, then reduce_outliers(strategy="embeddings"); not tuned',
        **summarise([v[2] for v in van], [v[1] + v[3] for v in van], truth),
    }
    out["arxiv"] = {
        "samples": description,
        "n_labels": int(pd.Series(truth).nunique()),
        "seeds": SAMPLE_SEEDS,
        "tuning": tuned,
        "report": pipelines,
    }


def _list(values) -> str:
    return "/".join(str(v) for v in values)


def markdown(res: dict) -> str:
    lines = [
        "# Topic quality and stability: landscape vs vanilla BERTopic, same embeddings",
        "",
        *machine.facts_markdown(res["machine"]),
        "",
        "Timed cells: median [min-max] over the seeds (fit only; embeddings precomputed; all "
        "fits of a pipeline in one process, so its first fit also pays one-off costs (numba "
        "compilation, lazy imports): the maximum. Load while measuring: 1-minute load "
        "average at the start and end of each pipeline's timed fits, and the cores other "
        "processes kept busy "
        "meanwhile (0 on a quiet machine).",
        "",
    ]

    def load(r: dict) -> str:
        return machine.load_summary([r["load"]]) if r.get("load") else "-"

    if "default" in res:
        d = res["default"]
        lines += [
            f"## Default corpus ({d['n_docs']} papers, seeds {_list(d['seeds'])})",
            "",
            f"Tuning: {d['tuning']}. Same seed, byte-identical documents.parquet: "
            f"{d['landscape_same_seed_identical_documents_parquet']}.",
            "",
            "| pipeline | topics per seed | outlier share per seed | seed ARI (mean) | fit s | "
            "load |",
            "|---|---|---|---|---|---|",
        ]
        for name in ("landscape", "vanilla_bertopic"):
            r = d[name]
            lines.append(
                f"| {name} | {_list(r['n_topics'])} | {_list(r['outlier_share'])} | "
                f"{r['seed_ari']['mean']:.3f} | {machine.cell(r['fit_seconds'])} | {load(r)} |"
            )
        lines.append("")
    if "arxiv" in res:
        a = res["arxiv"]
        t = a["tuning"]
        lines += [
            f"## arXiv: tuned on one sample, scored on another ({a['samples']['report']['n']:,} "
            "papers each)",
            "",
            describe_markdown(a["samples"]) + f" Labels: primary_category ({a['n_labels']} "
            "in the report sample); outliers count as their own cluster.",
            "",
            f"Tuning (tuning sample only): `{t['parameter']}` swept over "
            f"{_list(r['resolution'] for r in t['sweep'])}, {t['criterion']}: chose "
            f"{t['chosen']} (default {t['default']}). Vanilla BERTopic is not tuned.",
            "",
            "| resolution (tuning sample, in-sample) | topics per seed | AMI |",
            "|---|---|---|",
        ]
        lines += [
            f"| {r['resolution']} | {_list(r['n_topics'])} | "
            f"{machine.cell(r['ami_vs_labels'], '.4f')} |"
            for r in t["sweep"]
        ]
        lines += [
            "",
            f"Report sample (held out), seeds {_list(a['seeds'])}:",
            "",
            "| pipeline | settings | topics per seed | outlier share per seed | AMI | NMI | "
            "ARI | seed ARI (mean) | fit s | load |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, r in a["report"].items():
            ari = r.get("stability_5_seeds", {}).get("ari", r["seed_ari"])["mean"]
            lines.append(
                f"| {name} | {r['settings']} | {_list(r['n_topics'])} | "
                f"{_list(r['outlier_share'])} | {machine.cell(r['ami_vs_labels'], '.4f')} | "
                f"{machine.cell(r['nmi_vs_labels'], '.4f')} | "
                f"{machine.cell(r['ari_vs_labels'], '.4f')} | {ari:.3f} | "
                f"{machine.cell(r['fit_seconds'])} | {load(r)} |"
            )
        lines += [
            "",
            "Seed ARI: landscape (defaults) over 5 clusterings (seeds 0-4), the others over "
            "their 3 seeds. The reduce_outliers row's time is fit_transform + the reduction "
            "(same runs as the row above it).",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="default,10k")
    ap.add_argument("--out", default="benchmarks/results")
    ap.add_argument("--sample-size", type=int, default=SAMPLE_SIZE, help="papers per arXiv sample")
    args = ap.parse_args()
    res: dict = {"machine": machine.facts()}
    sizes = args.sizes.split(",")
    if "default" in sizes:
        bench_default(res)
    if "10k" in sizes:
        if not ARXIV.exists():
            print(f"skipping 10k: {ARXIV} not found")
        else:
            bench_10k(res, args.sample_size)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "topic_quality.json").write_text(json.dumps(res, indent=2, default=float) + "\n")
    (out / "topic_quality.md").write_text(markdown(res))
    print(markdown(res))


if __name__ == "__main__":
    main()
