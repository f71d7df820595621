"""Emerging and fading themes on the dated arXiv dev corpus (issue 8).

The arXiv category of each paper stands in for its topic (ground truth, no fitting),
and years are the periods. Checks:

1. Archives (9: math, cs, physics, nlin, ...), 1993-2019 (years with >= 100 papers):
   computer science and statistics should grow as a share of arXiv, nonlinear
   science and mathematics should fade.
2. Primary categories (111 with papers), 2000-2018: the fastest growing and fading ones with
   their evidence; cs.CL (computational linguistics) should show a burst over the
   deep-learning years. Its share is U-shaped over 2000-2018 (3.4% in 2000, 0.3% in
   2008, 6% in 2018), so Mann-Kendall rightly finds no monotone trend there. 2019 is
   left out because nine categories (cs.CL, math.NA, cs.DS, ...) have no paper in
   2019 in this sample, a harvest gap rather than a real drop; years before 2000 hold
   old archives (alg-geom, dg-ga) that were renamed.
3. Calibration: years shuffled across papers (5 permutations) destroy every trend,
   so the categories called growing or fading there are false discoveries.
4. Quarters: cs.CL per quarter, 2010-2018: it should grow, and its bursts show
   when the surge starts.

Results go to benchmarks/results/trends_arxiv.{json,md}. Run time: about 15 s.

Usage: python benchmarks/trends_arxiv.py [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import machine
from samples import ARXIV

from landscape.stats.trends import theme_trends, topic_period_counts, trends_from_counts

TOP = 10
COLUMNS = ["label", "n_dated", "first_share", "last_share", "slope", "tau", "q", "evidence"]


def as_run(df: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Documents (category as topic) and corpus (dates) tables of the papers in ``df``."""
    names = sorted(df[by].unique())
    code = {name: i for i, name in enumerate(names)}
    documents = pd.DataFrame(
        {"doc_id": df["arxiv_id"], "topic": df[by].map(code).astype(int), "topic_label": df[by]}
    )
    dates = [c for c in ("date", "year") if c in df.columns]
    corpus = df[["arxiv_id", *dates]].rename(columns={"arxiv_id": "doc_id"})
    return documents, corpus


def plain(record: dict) -> dict:
    """A table row for JSON: floats to 4 significant digits."""
    return {k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in record.items()}


def rows(table: pd.DataFrame, direction: str, n: int = TOP) -> list[dict]:
    part = table[table["direction"] == direction].head(n)[COLUMNS]
    return [plain(r) for r in part.to_dict("records")]


def summary(table: pd.DataFrame) -> dict:
    return {k: int(v) for k, v in table["direction"].value_counts().items()}


def archives(df: pd.DataFrame) -> dict:
    table = theme_trends(*as_run(df, "archive"), min_period_docs=100)
    by = table.set_index("label")
    checks = {
        "cs growing": by.loc["cs", "direction"] == "growing",
        "stat growing": by.loc["stat", "direction"] == "growing",
        "nlin fading": by.loc["nlin", "direction"] == "fading",
        "math fading": by.loc["math", "direction"] == "fading",
    }
    return {
        "window": f"{table['first_period'].iloc[0]}-{table['last_period'].iloc[0]}",
        "directions": summary(table),
        "table": [plain(r) for r in table[["label", "direction", *COLUMNS[1:]]].to_dict("records")],
        "checks": {k: bool(v) for k, v in checks.items()},
    }


def categories(df: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    window = df[df["year"].between(2000, 2018)]
    table = theme_trends(*as_run(window, "primary_category"), min_period_docs=100)
    by = table.set_index("label")
    cl_bursts = by.loc["cs.CL", "bursts"]
    cl_share = (window["primary_category"] == "cs.CL").groupby(window["year"]).mean()
    checks = {
        "cs.CL burst covers 2016-2018": any(
            b["start"] <= 2016 and b["end"] >= 2018 for b in cl_bursts
        ),
        "nlin.CD fading": by.loc["nlin.CD", "direction"] == "fading",
        "math.QA fading": by.loc["math.QA", "direction"] == "fading",
    }
    result = {
        "window": "2000-2018",
        "n_papers": len(window),
        "n_categories": len(table),
        "directions": summary(table),
        "with_bursts": int((table["bursts"].str.len() > 0).sum()),
        "growing": rows(table, "growing"),
        "fading": rows(table, "fading"),
        "cs.CL": {
            "evidence": by.loc["cs.CL", "evidence"],
            "bursts": cl_bursts,
            "yearly_share": {int(y): round(float(v), 4) for y, v in cl_share.items()},
        },
        "checks": {k: bool(v) for k, v in checks.items()},
    }
    return result, window


def calibration(window: pd.DataFrame, n_shuffles: int = 5) -> dict:
    """False discoveries when years are shuffled across papers (no trend anywhere)."""
    called, bursting, weights = [], [], []
    for seed in range(n_shuffles):
        rng = np.random.default_rng(seed)
        years = rng.permutation(window["year"].to_numpy())
        shuffled = window.drop(columns="date").assign(year=years)
        table = theme_trends(*as_run(shuffled, "primary_category"), min_period_docs=100)
        called.append(int((table["direction"] != "flat").sum()))
        bursting.append(int((table["bursts"].str.len() > 0).sum()))
        weights += [b["weight"] for bursts in table["bursts"] for b in bursts]
    return {
        "shuffles": n_shuffles,
        "categories": int(window["primary_category"].nunique()),
        "called_growing_or_fading": called,
        "with_bursts": bursting,
        "max_burst_weight": round(max(weights, default=0.0), 1),
    }


def quarters(window: pd.DataFrame) -> dict:
    recent = window[window["year"] >= 2010]
    documents, corpus = as_run(recent, "primary_category")
    counts = topic_period_counts(documents, corpus, freq="quarter")
    labels = dict(zip(documents["topic"], documents["topic_label"], strict=True))
    table = trends_from_counts(counts, labels, min_period_docs=100).set_index("label")
    cl = table.loc["cs.CL"]
    return {
        "n_periods": int(cl["n_periods"]),
        "cs.CL": {"direction": cl["direction"], "evidence": cl["evidence"], "bursts": cl["bursts"]},
        "directions": summary(table.reset_index()),
        "checks": {"cs.CL growing per quarter 2010-2018": bool(cl["direction"] == "growing")},
    }


def markdown(res: dict) -> str:
    lines = ["# Emerging and fading themes on arXiv (categories as topics)", ""]
    lines += [*machine.facts_markdown(res["machine"]), ""]
    a = res["archives"]
    lines += [f"## Archives, {a['window']}", "", "| archive | direction | evidence |"]
    lines += ["|---|---|---|"]
    lines += [f"| {r['label']} | {r['direction']} | {r['evidence']} |" for r in a["table"]]
    c = res["categories"]
    lines += [
        "",
        f"## Primary categories, {c['window']} ({c['n_papers']:,} papers, "
        f"{c['n_categories']} categories)",
        "",
        f"Directions: {c['directions']}; categories with a burst: {c['with_bursts']}.",
        "",
        f"cs.CL per year: {c['cs.CL']['evidence']}; burst weights "
        f"{[round(b['weight'], 1) for b in c['cs.CL']['bursts']]}.",
    ]
    for direction in ("growing", "fading"):
        lines += ["", f"Top {direction}:", "", "| category | papers | evidence |", "|---|---|---|"]
        lines += [f"| {r['label']} | {r['n_dated']} | {r['evidence']} |" for r in c[direction]]
    q = res["quarters"]
    k = res["calibration"]
    lines += [
        "",
        f"cs.CL per quarter 2010-2018 ({q['n_periods']} quarters): {q['cs.CL']['evidence']}",
        "",
        f"## Calibration: years shuffled across papers ({k['shuffles']} shuffles, "
        f"{k['categories']} categories)",
        "",
        f"Called growing or fading: {k['called_growing_or_fading']}; "
        f"with a burst: {k['with_bursts']} (largest burst weight {k['max_burst_weight']}).",
        "",
        "## Checks",
        "",
    ]
    checks = {**a["checks"], **c["checks"], **q["checks"]}
    lines += [f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks.items()]
    lines += [
        "",
        f"Run time: {machine.cell(res['seconds'])} s (median [min-max] of 3 runs; load "
        f"{machine.load_summary([res['load']])}).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    if not ARXIV.exists():
        print(f"skipping: {ARXIV} not found (the shared dev corpora are not available)")
        return 0
    columns = ["arxiv_id", "primary_category", "archive", "date", "year"]
    seconds = []
    with machine.Meter() as meter:
        for _ in range(machine.MIN_RUNS):  # the same answer each time; timed thrice
            t0 = time.perf_counter()
            df = pd.read_parquet(ARXIV, columns=columns)
            res: dict = {"machine": machine.facts(), "corpus": str(ARXIV.name), "n_papers": len(df)}
            res["tuning"] = "none: thresholds fixed in landscape.stats.trends, not chosen here"
            res["archives"] = archives(df)
            res["categories"], window = categories(df)
            res["quarters"] = quarters(window)
            res["calibration"] = calibration(window)
            seconds.append(time.perf_counter() - t0)
    res["seconds"] = machine.spread(seconds, digits=1)
    res["load"] = meter.record
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "trends_arxiv.json").write_text(json.dumps(res, indent=2, default=str))
    text = markdown(res)
    (out / "trends_arxiv.md").write_text(text)
    print(text)
    blocks = ("archives", "categories", "quarters")
    checks = {k: v for b in blocks for k, v in res[b]["checks"].items()}
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        print(f"checks failed: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
