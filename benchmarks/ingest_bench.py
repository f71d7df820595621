"""Ingest speed and memory on the development corpora (issue 4 figures).

Each measurement runs in a fresh subprocess so its peak RSS is its own:

- ingest of ../shared/corpora/arxiv_dev_labelled.parquet (100,877 rows): wall time
  and peak memory (target: <= 30 s, <= 3 GB on 2 cores);
- near-duplicate detection alone (landscape.dedup.find_duplicates) over the same
  100k records (target: <= 60 s);
- ingest of ai_arxiv_papers.csv.gz (10,000 rows, gzipped CSV) with no options.

Usage: python benchmarks/ingest_bench.py [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"

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
    from landscape.clean import title_key
    from landscape.dedup import find_duplicates
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


def measure(task: str, path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, task, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    parquet, csv = SHARED / "arxiv_dev_labelled.parquet", SHARED / "ai_arxiv_papers.csv.gz"
    if not parquet.exists():
        sys.exit(f"{parquet} not found: the benchmark needs ../shared/corpora")
    res = {
        "ingest_arxiv_100k": measure("ingest", parquet),
        "dedup_arxiv_100k": measure("dedup", parquet),
        "ingest_ai_csv_gz_10k": measure("ingest", csv),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(res, indent=2))
    lines = ["| measurement | seconds | peak RSS (MB) | target |", "|---|---|---|---|"]
    targets = {"ingest_arxiv_100k": "<= 30 s, <= 3 GB", "dedup_arxiv_100k": "<= 60 s",
               "ingest_ai_csv_gz_10k": "-"}  # fmt: skip
    for name, r in res.items():
        lines.append(f"| {name} | {r['seconds']} | {r['peak_rss_mb']} | {targets[name]} |")
    (out / "ingest.md").write_text("\n".join(lines) + "\n")
    print(json.dumps(res, indent=2))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
