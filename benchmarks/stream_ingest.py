"""Ingest memory and time against input size (issue 7, "Nothing lost": streaming ingest).

Generates JSON Lines (arXiv metadata snapshot fields) and CSV inputs of about
125 MB, 250 MB, 500 MB and 1 GB of distinct synthetic papers (words drawn from the
word frequencies of the arXiv development corpus, so the vocabulary is realistic;
ids, DOIs and titles unique), ingests each in a fresh subprocess (ingest +
write_ingest into a temporary folder) and records wall time and the child's peak
RSS, ``--repeats`` times per input (at least 3: median [min-max]). Inputs are
written under a temporary folder and deleted after each size. No tuning.

Usage:
    python benchmarks/stream_ingest.py [--sizes 125 250 500 1000] [--formats jsonl csv]
        [--code SRC_DIR --label before] [--repeats 3] [--out benchmarks/results] [--tmp /tmp]

``--code`` runs another copy of the package (``PYTHONPATH=SRC_DIR``), e.g. the code
before the change, and stores its numbers under ``--label``; results are merged
into ``stream_ingest.json`` so before and after sit side by side.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import SHARED

MB = 1_000_000

_CHILD = r"""
import json, resource, sys, tempfile, time
path, work = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
from landscape.ingest import ingest, write_ingest
result = ingest([path])
with tempfile.TemporaryDirectory(dir=work) as out:
    write_ingest(result, out)
    sizes = {p.name: p.stat().st_size for p in __import__("pathlib").Path(out).iterdir()}
summary = result.summary()
print(json.dumps({
    "seconds": round(time.perf_counter() - t0, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    "records": summary["records_read"], "kept": summary["kept"],
    "duplicate": summary["duplicate"], "dropped": summary["dropped"],
    "output_bytes": sizes,
}))
"""


class Papers:
    """Distinct synthetic papers with realistic word frequencies, generated in blocks."""

    def __init__(self, seed: int = 0) -> None:
        abstracts = pq.read_table(SHARED / "arxiv_dev_labelled.parquet", columns=["abstract"])
        words: dict[str, int] = {}
        for text in abstracts.column(0).to_pylist()[:30000]:
            for w in text.split():
                words[w] = words.get(w, 0) + 1
        self.vocab = np.array(list(words), dtype=object)
        counts = np.array(list(words.values()), dtype=np.float64)
        self.p = counts / counts.sum()
        self.rng = np.random.default_rng(seed)
        self.n = 0

    def block(self, size: int = 2000) -> list[dict]:
        """``size`` papers: title 6-12 words, abstract 80-220 words, unique ids."""
        title_len = self.rng.integers(6, 13, size)
        abstract_len = self.rng.integers(80, 221, size)
        words = self.vocab[self.rng.choice(len(self.vocab), int((title_len + abstract_len).sum()),
                                           p=self.p)]  # fmt: skip
        out, at = [], 0
        for t, a in zip(title_len.tolist(), abstract_len.tolist(), strict=True):
            n = self.n
            self.n += 1
            title = " ".join(words[at : at + t]).capitalize() + f" (study {n})"
            abstract = " ".join(words[at + t : at + t + a])
            at += t + a
            out.append(
                {
                    "id": f"{1000 + n // 100000}.{n % 100000:05d}",  # yymm.nnnnn
                    "submitter": "A. Author",
                    "authors": "A. Author, B. Writer and C. Scholar",
                    "title": title,
                    "comments": "12 pages",
                    "journal-ref": None,
                    "doi": f"10.9999/synth.{n}",
                    "categories": "cs.LG stat.ML",
                    "abstract": abstract,
                    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
                    "update_date": "2008-11-13",
                    "authors_parsed": [["Author", "A.", ""], ["Writer", "B.", ""]],
                }
            )
        return out


def generate(path: Path, fmt: str, target: int, papers: Papers) -> int:
    """Write about ``target`` bytes of papers to ``path``; return the number written."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh) if fmt == "csv" else None
        if writer:
            writer.writerow(["id", "title", "abstract", "authors", "doi", "categories", "year"])
        while fh.tell() < target:
            for p in papers.block():
                if writer:
                    fields = ("id", "title", "abstract", "authors", "doi", "categories")
                    writer.writerow([*(p[f] for f in fields), 2007])
                else:
                    fh.write(json.dumps(p) + "\n")
                n += 1
    return n


def measure_once(path: Path, work: Path, code: str | None) -> dict:
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code
    t0 = time.perf_counter()
    with machine.Meter() as meter:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(work)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed",
                "returncode": proc.returncode,
                "wall_seconds": round(time.perf_counter() - t0, 1)}  # fmt: skip
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "load": meter.record}


def measure(path: Path, work: Path, code: str | None, repeats: int) -> dict:
    """``repeats`` fresh ingests: seconds and peak RSS as median [min-max]; stops at an error."""
    runs = []
    for _ in range(repeats):
        runs.append(measure_once(path, work, code))
        if "error" in runs[-1]:
            return runs[-1]
    out = {k: v for k, v in runs[0].items() if k not in ("seconds", "peak_rss_mb", "load")}
    out["seconds"] = machine.spread([r["seconds"] for r in runs], digits=1)
    out["peak_rss_mb"] = machine.spread([r["peak_rss_mb"] for r in runs], digits=1)
    out["load"] = [r["load"] for r in runs]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[125, 250, 500, 1000])
    ap.add_argument("--formats", nargs="+", default=["jsonl", "csv"])
    ap.add_argument("--code", default=None, help="PYTHONPATH of another copy of the package")
    ap.add_argument("--label", default="after")
    ap.add_argument("--out", default="benchmarks/results")
    ap.add_argument("--tmp", default=tempfile.gettempdir())
    ap.add_argument("--repeats", type=int, default=machine.MIN_RUNS)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "stream_ingest.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results.setdefault("machine", {})[args.label] = machine.facts()
    runs = results.setdefault(args.label, {})
    work = Path(tempfile.mkdtemp(prefix="stream-ingest-", dir=args.tmp))
    try:
        for fmt in args.formats:
            for size in args.sizes:
                papers = Papers()
                path = work / f"papers_{size}mb.{fmt}"
                n = generate(path, fmt, size * MB, papers)
                row = {"input_bytes": path.stat().st_size, "input_records": n}
                print(f"{args.label} {fmt} {size} MB: {n} records ...", flush=True)
                row |= measure(path, work, args.code, args.repeats)
                print(json.dumps(row), flush=True)
                runs[f"{fmt}_{size}mb"] = row
                path.unlink()
                results_path.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_markdown(results, out / "stream_ingest.md")


def write_markdown(results: dict, path: Path) -> None:
    lines = [
        "# Streaming ingest: memory and time against input size",
        "",
        "Distinct synthetic papers (arXiv snapshot JSON Lines, or CSV); ingest + write_ingest",
        "in a fresh subprocess; peak RSS is the child's `ru_maxrss`. Cells: median [min-max]",
        "of the runs (a row measured before this rule shows its single run).",
        "",
    ]
    for label, facts in results.get("machine", {}).items():
        lines += [f"Code `{label}`:", "", *machine.facts_markdown(facts), ""]
    lines += [
        "| code | input | MB | records | seconds | peak RSS (MB) | RSS / input byte |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, runs in results.items():
        if label == "machine":
            continue
        for name, r in runs.items():
            mb = r["input_bytes"] / MB
            if "error" in r:
                lines.append(f"| {label} | {name} | {mb:.0f} | {r['input_records']} | "
                             f"failed: {r['error'][:60]} | | |")  # fmt: skip
                continue
            rss, secs = r["peak_rss_mb"], r["seconds"]
            ratio = (rss["median"] if isinstance(rss, dict) else rss) * 2**20 / r["input_bytes"]
            if isinstance(rss, dict):
                rss, secs = machine.cell(rss), machine.cell(secs)
            lines.append(
                f"| {label} | {name} | {mb:.0f} | {r['records']} | {secs} | {rss} | {ratio:.2f} |"
            )
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
