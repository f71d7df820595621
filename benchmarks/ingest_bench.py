"""Ingest speed and memory on the development corpora (issue 4 figures).

Each measurement runs in a fresh subprocess so its peak RSS is its own, ``--repeats``
times (at least 3; each cell is the median [min-max]):

- ingest of ../shared/corpora/arxiv_dev_labelled.parquet (100,877 rows): wall time
  and peak memory (target: <= 30 s, <= 3 GB on 2 cores);
- near-duplicate detection alone (landscape.ingest.dedup.find_duplicates) over the same
  100k records (target: <= 60 s);
- ingest of ai_arxiv_papers.csv.gz (10,000 rows, gzipped CSV) with no options.

No settings are tuned: the corpora are only timed.

Usage: python benchmarks/ingest_bench.py [--repeats 3] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import SHARED

_CHILD = r"""
import json, resource, sys, tempfile, time
task, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
out = {}
if task == "ingest":
    from landscape.ingest import ingest, write_ingest
    result = ingest([path])
    with tempfile.TemporaryDirectory() as tmp:
        write_ingest(result, tmp)
    out.update(result.summary())
elif task == "dedup":
    import pandas as pd
    from landscape.ingest.clean import title_key
    from landscape.ingest.dedup import find_duplicates
    df = pd.read_parquet(path)
    keys = [title_key(t) for t in df["title"]]
    t0 = time.perf_counter()  # time the detection alone
    group, links = find_duplicates(keys, df["abstract"].tolist(), [None] * len(df),
                                   [None] * len(df), df["year"].tolist())
    out["records"] = len(df)
    out["merged"] = len(links)
    out["rules"] = {r: sum(1 for l in links.values() if l.rule == r) for r in
                    {l.rule for l in links.values()}}
out["seconds"] = round(time.perf_counter() - t0, 2)
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def measure_once(task: str, path: Path) -> dict:
    with machine.Meter() as meter:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, task, str(path)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "load": meter.record}


def measure(task: str, path: Path, repeats: int) -> dict:
    """``repeats`` fresh runs: the first run's counts, seconds and peak RSS as spreads."""
    runs = [measure_once(task, path) for _ in range(repeats)]
    out = {k: v for k, v in runs[0].items() if k not in ("seconds", "peak_rss_mb", "load")}
    out["seconds"] = machine.spread([r["seconds"] for r in runs], digits=2)
    out["peak_rss_mb"] = machine.spread([r["peak_rss_mb"] for r in runs], digits=1)
    out["load"] = [r["load"] for r in runs]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results")
    ap.add_argument("--repeats", type=int, default=machine.MIN_RUNS)
    args = ap.parse_args()
    parquet, csv = SHARED / "arxiv_dev_labelled.parquet", SHARED / "ai_arxiv_papers.csv.gz"
    if not parquet.exists():
        sys.exit(f"{parquet} not found: the benchmark needs ../shared/corpora")
    facts = machine.facts()
    res = {
        "ingest_arxiv_100k": measure("ingest", parquet, args.repeats),
        "dedup_arxiv_100k": measure("dedup", parquet, args.repeats),
        "ingest_ai_csv_gz_10k": measure("ingest", csv, args.repeats),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest.json").write_text(json.dumps({"machine": facts, **res}, indent=2) + "\n")
    lines = [
        "# Ingest speed and memory",
        "",
        *machine.facts_markdown(facts),
        "",
        f"Each cell: median [min-max] of {args.repeats} fresh processes. No tuning.",
        "",
        "| measurement | seconds | peak RSS (MB) | target | load (1 min, start->end) |",
        "|---|---|---|---|---|",
    ]
    targets = {"ingest_arxiv_100k": "<= 30 s, <= 3 GB", "dedup_arxiv_100k": "<= 60 s",
               "ingest_ai_csv_gz_10k": "-"}  # fmt: skip
    for name, r in res.items():
        lines.append(
            f"| {name} | {machine.cell(r['seconds'], '.2f')} | {machine.cell(r['peak_rss_mb'])} "
            f"| {targets[name]} | {machine.load_summary(r['load'])} |"
        )
    (out / "ingest.md").write_text("\n".join(lines) + "\n")
    print(json.dumps(res, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
