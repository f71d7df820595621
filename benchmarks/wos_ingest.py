"""Ingest of a 100,000-record Web of Science plain-text export: time and peak memory (issue 16).

Web of Science exports at most 1,000 records a file, but a user concatenating a
search's files, or a bibliometrics group, can hold 100,000. No such file is
public, so one is written from the real titles, abstracts, years and categories
of ../shared/corpora/arxiv_dev_labelled.parquet, in the tagged syntax of the
export (FN/VR header, PT ... ER records, three-space continuation lines wrapped
at 70 characters, AU/AF authors one per line, DE keywords, UT accession numbers,
EF at the end). Each measurement is a fresh process (``landscape.ingest.ingest``
then ``write_ingest``), ``--repeats`` times; cells are median [min-max].

Target: <= 30 s and <= 1.5 GB peak RSS on 2 cores.

Usage: python benchmarks/wos_ingest.py [--records 100000] [--repeats 3] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import SHARED

_CHILD = r"""
import json, resource, sys, tempfile, time
from landscape.ingest import ingest, write_ingest
t0 = time.perf_counter()
result = ingest([sys.argv[1]])
with tempfile.TemporaryDirectory() as tmp:
    write_ingest(result, tmp)
out = result.summary()
out["formats"] = sorted({f.format for f in result.files})
out["seconds"] = round(time.perf_counter() - t0, 2)
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def _field(tag: str, text: str) -> list[str]:
    lines = textwrap.wrap(" ".join(str(text).split()), 70) or [""]
    return [f"{tag} {lines[0]}", *(f"   {line}" for line in lines[1:])]


def write_export(path: Path, n: int) -> int:
    """Write ``n`` records (fewer if the corpus has fewer) as a WoS export; the count."""
    import pandas as pd

    corpus = pd.read_parquet(SHARED / "arxiv_dev_labelled.parquet").head(n)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("FN Clarivate Analytics Web of Science\nVR 1.0\n")
        for i, row in enumerate(corpus.itertuples(index=False)):
            record = ["PT J", "AU Author, A", "   Writer, B", "AF Author, Ann", "   Writer, Bo"]
            record += _field("TI", row.title)
            record += _field("SO", "JOURNAL OF SYNTHETIC EXPORTS")
            record += _field("DE", str(getattr(row, "primary_category", "")).replace(".", "; "))
            record += _field("AB", row.abstract)
            year = getattr(row, "year", None)
            record += [f"PY {int(year)}" if pd.notna(year) else "PY 2020"]
            record += [f"DI 10.9999/synthetic.{i}", f"UT WOS:{i:015d}", "ER", ""]
            fh.write("\n".join(record) + "\n")
        fh.write("EF\n")
    return len(corpus)


def measure_once(path: Path) -> dict:
    with machine.Meter() as meter:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
        )
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "load": meter.record}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=machine.MIN_RUNS)
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    if not (SHARED / "arxiv_dev_labelled.parquet").exists():
        sys.exit("../shared/corpora/arxiv_dev_labelled.parquet not found: the benchmark needs it")
    facts = machine.facts()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "savedrecs.txt"
        n = write_export(path, args.records)
        size_mb = round(path.stat().st_size / 1e6, 1)
        runs = []
        for _ in range(args.repeats):
            machine.wait_for_quiet(30)
            runs.append(measure_once(path))
    first = {k: v for k, v in runs[0].items() if k not in ("seconds", "peak_rss_mb", "load")}
    res = {
        "records_written": n,
        "file_mb": size_mb,
        "counts": first,
        "seconds": machine.spread([r["seconds"] for r in runs], 2, args.repeats < 3),
        "peak_rss_mb": machine.spread([r["peak_rss_mb"] for r in runs], 1, args.repeats < 3),
        "load": [r["load"] for r in runs],
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "wos_ingest.json").write_text(json.dumps({"machine": facts, **res}, indent=2) + "\n")
    lines = [
        "# Ingest of a Web of Science plain-text export",
        "",
        *machine.facts_markdown(facts),
        "",
        f"A synthetic `savedrecs.txt` of {n:,} records ({size_mb} MB) written from the arXiv"
        " dev corpus in Web of Science's tagged syntax; each run a fresh process.",
        "",
        "| records | file MB | formats | read | kept | dropped | seconds | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
        f"| {n:,} | {size_mb} | {', '.join(first.get('formats', []))} | {first['records_read']:,}"
        f" | {first['kept']:,} | {first['dropped']:,} | {machine.cell(res['seconds'])}"
        f" | {machine.cell(res['peak_rss_mb'], '.0f')} |",
        "",
        "Target: <= 30 s and <= 1,500 MB on 2 cores.",
        "",
        f"Load per run: {machine.load_summary(res['load'])}.",
        "",
    ]
    (out / "wos_ingest.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
