"""Topic-model quality and stability: landscape vs vanilla BERTopic, same embeddings.

Measures (issue 3):

1. Default corpus (data/processed/corpus.parquet, run `make report` first):
   over 5 seeds, topics, outlier share, and the mean pairwise ARI of the
   partitions, for landscape's defaults and for vanilla BERTopic (UMAP seeded,
   everything else default); and whether the same seed gives a byte-identical
   documents.parquet.
2. A stratified 10,000-paper sample of ../shared/corpora/arxiv_dev_labelled.parquet:
   AMI / NMI / ARI against primary_category (outliers as their own cluster), outlier
   share, and stability over 5 seeds; vanilla BERTopic, and vanilla followed by its
   embedding-based outlier reduction, on the same sample and embeddings.

Embeddings come from landscape's cache (data/interim/embeddings): the first run
embeds the sample once (about 8 minutes on 2 cores), later runs read it.

Usage: python benchmarks/topic_quality.py [--sizes default,10k] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from samples import ARXIV, stratified_sample

from landscape.config import Config
from landscape.embed import corpus_texts, embed_texts
from landscape.pipeline import fit, stability, write_run
from landscape.quality import label_agreement, outlier_share, pairwise_ari

SEEDS = [0, 1, 2, 3, 4]


def vanilla(texts, embeddings, seed, reduce=False):
    """BERTopic with its defaults; only UMAP's seed is set. Returns (labels, seconds)."""
    from bertopic import BERTopic
    from umap import UMAP

    t0 = time.perf_counter()
    umap_model = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
    )
    model = BERTopic(umap_model=umap_model, calculate_probabilities=False)
    topics, _ = model.fit_transform(texts, embeddings=embeddings)
    if reduce:
        topics = model.reduce_outliers(texts, topics, strategy="embeddings", embeddings=embeddings)
    return np.asarray(topics), time.perf_counter() - t0


def bench_default(out: dict) -> None:
    corpus = pd.read_parquet("data/processed/corpus.parquet")
    texts = corpus_texts(corpus)
    emb, _ = embed_texts(texts, cache_dir="data/interim/embeddings")
    ours, times = [], []
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
    van = [vanilla(texts, emb, s) for s in SEEDS]
    out["default"] = {
        "n_docs": len(corpus),
        "landscape": summarise(ours, times),
        "landscape_same_seed_identical_documents_parquet": identical,
        "vanilla_bertopic": summarise([v[0] for v in van], [v[1] for v in van]),
    }


def summarise(partitions, times, truth=None):
    res = {
        "n_topics": [len(set(p.tolist()) - {-1}) for p in partitions],
        "outlier_share": [round(outlier_share(p), 4) for p in partitions],
        "seed_ari": pairwise_ari(partitions),
        "fit_seconds": [round(t, 1) for t in times],
    }
    if truth is not None:
        scores = [label_agreement(p, truth) for p in partitions]
        for key in ("ami", "nmi", "ari"):
            res[f"{key}_vs_labels"] = [round(s[key], 4) for s in scores]
    return res


def bench_10k(out: dict) -> None:
    sample = stratified_sample(10_000)
    truth = sample["primary_category"].to_numpy()
    texts = corpus_texts(sample)
    emb, _ = embed_texts(texts, cache_dir="data/interim/embeddings")
    corpus = sample.assign(doc_id=[f"arxiv:{a}" for a in sample["arxiv_id"]])
    t0 = time.perf_counter()
    result = fit(corpus, embeddings=emb, seed=0)
    fit_s = time.perf_counter() - t0
    stab = stability(emb, Config().topics, SEEDS)
    ours = result.documents["topic"].to_numpy()
    van = vanilla(texts, emb, 0)
    van_red = vanilla(texts, emb, 0, reduce=True)
    out["arxiv_10k"] = {
        "n_docs": len(sample),
        "n_labels": len(set(truth.tolist())),
        "landscape": {
            **summarise([ours], [fit_s], truth),
            "stability_5_seeds": stab,
            "timings_s": result.metrics["timings_s"],
        },
        "vanilla_bertopic": summarise([van[0]], [van[1]], truth),
        "vanilla_bertopic_reduce_outliers": summarise([van_red[0]], [van_red[1]], truth),
    }


def markdown(res: dict) -> str:
    lines = [
        "| corpus | pipeline | topics | outliers | seed ARI (mean) | AMI vs labels |",
        "|---|---|---|---|---|---|",
    ]
    for corpus, block in res.items():
        if not isinstance(block, dict):
            continue
        for name, r in block.items():
            if not isinstance(r, dict) or "n_topics" not in r:
                continue
            ari = r.get("stability_5_seeds", {}).get("ari", r["seed_ari"])["mean"]
            ami = r.get("ami_vs_labels", ["-"])[0]
            lines.append(
                f"| {corpus} | {name} | {r['n_topics']} | {r['outlier_share']} | "
                f"{ari if ari == ari else '-'} | {ami} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="default,10k")
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    res: dict = {"machine": f"{__import__('os').cpu_count()} cpus"}
    sizes = args.sizes.split(",")
    if "default" in sizes:
        bench_default(res)
    if "10k" in sizes:
        if not ARXIV.exists():
            print(f"skipping 10k: {ARXIV} not found")
        else:
            bench_10k(res)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "topic_quality.json").write_text(json.dumps(res, indent=2, default=float))
    (out / "topic_quality.md").write_text(markdown(res))
    print(json.dumps(res, indent=2, default=float))
    print(markdown(res))


if __name__ == "__main__":
    main()
