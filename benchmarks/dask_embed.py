"""Embedding throughput: this process versus a 2-worker Dask LocalCluster (issue 6).

Embeds N abstracts (a seeded sample of ../shared/corpora/arxiv_dev_labelled.parquet)
twice, each into its own empty temporary cache: with landscape.embed.embed_texts in
this process (torch's default threads), and with landscape.embed.distributed.embed_distributed
on a LocalCluster of 2 workers x 1 thread (torch limited to 1 thread per worker).
Both use the same chunks (chunk_size = partition_size), so the vectors should be
bitwise equal. The workers load the model before timing starts; the converted
OpenVINO graph goes to a per-user cache of the run's own (``LANDSCAPE_CACHE`` in a
temporary folder), filled by an untimed warm-up, never the user's. To keep a change
in the machine's load from favouring one path, the texts are embedded in rounds
(at least 3) that alternate the two paths; each path's papers per second is
reported as the median [min-max] over the rounds, and as N over its summed time.
The 1-minute load average at the start and end of each round, and the cores other
processes kept busy (benchmarks/machine.py), are recorded: on a shared machine,
other work skews the numbers. No settings are tuned: the sample is only timed.

Usage: python benchmarks/dask_embed.py [--n 2000] [--rounds 4] [--partition-size 125]
    [--precision auto] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import ARXIV

from landscape.embed import corpus_texts, embed_texts
from landscape.embed.distributed import dask_client, embed_distributed

WORKERS = 2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=4)
    # Both paths use it (chunk_size locally), so they encode the same batches.
    ap.add_argument("--partition-size", type=int, default=125)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    parquet = ARXIV
    if not parquet.exists():
        sys.exit(f"{parquet} not found: the benchmark needs ../shared/corpora")
    if args.rounds < machine.MIN_RUNS:
        sys.exit(f"--rounds {args.rounds}: each path needs at least {machine.MIN_RUNS} rounds")
    # The converted OpenVINO graph: a per-user cache of this run's own; the
    # workers, started below, inherit it.
    user_cache = tempfile.TemporaryDirectory(prefix="dask-embed-user-cache-")
    os.environ["LANDSCAPE_CACHE"] = user_cache.name
    import torch

    corpus = pd.read_parquet(parquet, columns=["title", "abstract"])
    corpus = corpus.sample(n=min(args.n, len(corpus)), random_state=0)
    texts = corpus_texts(corpus)
    facts = machine.facts()
    load_before = os.getloadavg()
    rounds = np.array_split(np.arange(len(texts)), args.rounds)
    local_parts, dist_parts = [], []
    per_round: dict[str, list[float]] = {"local": [], "dask": []}  # papers/s
    seconds = {"local": 0.0, "dask": 0.0}
    loads = []
    kwargs = {"batch_size": args.batch_size, "precision": args.precision}
    local_threads = torch.get_num_threads()  # torch's default here, before Dask starts
    with tempfile.TemporaryDirectory() as local_cache, tempfile.TemporaryDirectory() as dask_cache:
        t0 = time.perf_counter()
        with dask_client("local", n_workers=WORKERS) as client:
            start_s = time.perf_counter() - t0
            # Load the model on both workers, untimed: 8 one-text tasks reach both.
            warm_up = [f"warm-up text {i}" for i in range(8)]
            embed_distributed(warm_up, cache_dir=None, scheduler=client, partition_size=1, **kwargs)
            with tempfile.TemporaryDirectory() as throwaway:
                # Model files into the page cache, the converted graph into LANDSCAPE_CACHE.
                embed_texts(warm_up, cache_dir=throwaway, **kwargs)
            workers = tuple(client.run(os.getpid).values())  # their CPU is ours, not other work
            for idx in rounds:
                part = [texts[i] for i in idx]
                machine.wait_for_quiet(30)  # other work, if any, stops first (30 s at most)
                with machine.Meter(workers) as meter:
                    torch.set_num_threads(local_threads)
                    vectors, stats = embed_texts(
                        part, cache_dir=local_cache, chunk_size=args.partition_size, **kwargs
                    )
                    local_parts.append(vectors)
                    seconds["local"] += stats.seconds
                    per_round["local"].append(len(part) / stats.seconds)
                    vectors, dist_stats = embed_distributed(
                        part,
                        cache_dir=dask_cache,
                        scheduler=client,
                        partition_size=args.partition_size,
                        **kwargs,
                    )
                    dist_parts.append(vectors)
                    seconds["dask"] += dist_stats.seconds
                    per_round["dask"].append(len(part) / dist_stats.seconds)
                loads.append(meter.record)
            worker_threads = client.run(lambda: __import__("torch").get_num_threads())
    local, dist = np.concatenate(local_parts), np.concatenate(dist_parts)
    cos = (local * dist).sum(axis=1)
    user_cache.cleanup()
    res = {
        "machine": facts,
        "sample": f"{len(texts)} papers of {parquet.name}, drawn at random with seed 0",
        "tuning": "none: nothing is chosen from these numbers",
        "papers": len(texts),
        "cpus": os.cpu_count(),
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        "precision": {
            "asked": args.precision,
            "local": stats.precision,
            "dask": dist_stats.precision,
        },
        "load_average_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "load_per_round": loads,
        "local": {
            "torch_threads": local_threads,
            "seconds": round(seconds["local"], 1),
            "papers_per_s": round(len(texts) / seconds["local"], 1),
            "papers_per_s_per_round": machine.spread(per_round["local"], digits=1),
        },
        "dask_local_cluster": {
            "workers": WORKERS,
            "threads_per_worker": 1,
            "torch_threads_per_worker": sorted(set(worker_threads.values())),
            "partition_size": args.partition_size,
            "cluster_start_s": round(start_s, 1),
            "seconds": round(seconds["dask"], 1),
            "papers_per_s": round(len(texts) / seconds["dask"], 1),
            "papers_per_s_per_round": machine.spread(per_round["dask"], digits=1),
        },
        "agreement": {
            "bitwise_equal": bool(np.array_equal(local, dist)),
            "max_abs_diff": float(np.abs(local - dist).max()),
            "min_cosine": round(float(cos.min()), 7),
            "allclose_atol_1e-5": bool(np.allclose(local, dist, atol=1e-5)),
        },
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dask_embed.json").write_text(json.dumps(res, indent=2) + "\n")
    d, loc, agr = res["dask_local_cluster"], res["local"], res["agreement"]
    lines = [
        "# Embedding throughput: this process vs a 2-worker Dask LocalCluster",
        "",
        *machine.facts_markdown(facts),
        "",
        f"Embedding {res['papers']} arXiv abstracts ({res['sample']}; no tuning), "
        f"all-MiniLM-L6-v2 {res['precision']['local']} (local) / {res['precision']['dask']} "
        f"(Dask), batch {res['batch_size']}, on {res['cpus']} CPUs (1-min load average "
        f"{res['load_average_1min_before_after'][0]} before, "
        f"{res['load_average_1min_before_after'][1]} after; per round: "
        f"{machine.load_summary(loads)}).",
        "",
        f"| path | papers/s per round, median [min-max] of {res['rounds']} | papers/s overall "
        "| seconds | notes |",
        "|---|---|---|---|---|",
        f"| this process | {machine.cell(loc['papers_per_s_per_round'])} | "
        f"{loc['papers_per_s']} | {loc['seconds']} | torch threads {loc['torch_threads']} |",
        f"| LocalCluster {d['workers']} x 1 | {machine.cell(d['papers_per_s_per_round'])} | "
        f"{d['papers_per_s']} | {d['seconds']} | "
        f"torch threads/worker {d['torch_threads_per_worker']}, partitions of "
        f"{d['partition_size']}; not included: cluster start ({d['cluster_start_s']} s) "
        "and model loading on the workers |",
        "",
        f"Texts embedded in {res['rounds']} rounds alternating the two paths; the local "
        "path's time includes loading the model once per round (page-cached; with OpenVINO, "
        "also reading and compiling its converted graph).",
        "",
        f"Agreement: bitwise equal: {agr['bitwise_equal']}; max |difference| "
        f"{agr['max_abs_diff']:.2e}, minimum cosine "
        f"{agr['min_cosine']}, allclose(atol=1e-5): {agr['allclose_atol_1e-5']}.",
    ]
    (out / "dask_embed.md").write_text("\n".join(lines) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
