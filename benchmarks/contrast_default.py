"""What each of the five listing pages of the default corpus covers that the others do not.

Runs landscape.stats.contrast.compare_groups on runs/default (documents.parquet) and
data/processed/corpus.parquet, grouped by source file (a paper found on several
pages counts on each), and writes:

- benchmarks/results/contrast_default.md: per page, its significantly over- and
  under-represented topics (Fisher exact, BH q < 0.05 over all page x topic
  tests) and its most distinctive terms against the other pages (weighted
  log-odds with an informative Dirichlet prior, z-scores);
- benchmarks/results/contrast_default.json: the same numbers.

A calibration check goes with it: the page lists are shuffled across papers
(same page sizes and overlaps, topics untouched) and the enrichment redone, to
show how many significant cells chance alone gives. No settings are tuned (alpha
0.05 is fixed beforehand); compare_groups's run time is the median [min-max] of
3 calls.

Usage: python benchmarks/contrast_default.py [--run runs/default]
       [--corpus data/processed/corpus.parquet] [--out benchmarks/results] [--shuffles 100]
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

from landscape.stats.contrast import compare_groups, topic_enrichment

ALPHA = 0.05


def page(path: str) -> str:
    return Path(path).name


def shuffled_calibration(documents, corpus, n_shuffles, seed=0):
    """Significant cells when page lists are shuffled across papers (no real association)."""
    rng = np.random.default_rng(seed)
    counts = []
    for _ in range(n_shuffles):
        lists = corpus["source_files"].to_numpy(copy=True)
        shuffled = corpus.assign(source_files=lists[rng.permutation(len(lists))])
        table = topic_enrichment(documents, shuffled, alpha=ALPHA)
        counts.append(int((table["verdict"] != "neither").sum()))
    counts = np.asarray(counts)
    return {
        "shuffles": int(n_shuffles),
        "mean_significant": float(counts.mean()),
        "max_significant": int(counts.max()),
        "share_with_any": float((counts > 0).mean()),
    }


def topic_rows(rows):
    return [
        {
            "topic": int(r.topic),
            "label": r.label,
            "count_in": int(r.count_in),
            "size_in": int(r.size_in),
            "share_in": round(float(r.share_in), 4),
            "count_rest": int(r.count_rest),
            "size_rest": int(r.size_rest),
            "share_rest": round(float(r.share_rest), 4),
            "log2_enrichment": round(float(r.log2_enrichment), 3),
            "odds_ratio": round(float(r.odds_ratio), 3),
            "q_value": float(f"{r.q_value:.3g}"),
        }
        for r in rows.itertuples(index=False)
    ]


def term_rows(rows):
    return [
        {
            "term": r.term,
            "z": round(float(r.z), 2),
            "count_page": int(r.count_a),
            "count_rest": int(r.count_b),
            "docs_page": int(r.docs_a),
            "docs_rest": int(r.docs_b),
        }
        for r in rows.itertuples(index=False)
    ]


def analyse(run_dir: Path, corpus_path: Path, n_shuffles: int) -> dict:
    documents = pd.read_parquet(run_dir / "documents.parquet")
    corpus = pd.read_parquet(corpus_path)
    seconds = []
    with machine.Meter() as meter:
        for _ in range(machine.MIN_RUNS):  # the same answer each time; timed thrice
            t0 = time.perf_counter()
            result = compare_groups(documents, corpus, by="source_files", alpha=ALPHA, top_n=10)
            seconds.append(time.perf_counter() - t0)
    strict = topic_enrichment(documents, corpus, alpha=ALPHA, method="by")
    enrichment = result.enrichment
    pages = []
    for row in result.summary.itertuples(index=False):
        rows = enrichment[enrichment["group"] == row.group].sort_values(["q_value", "topic"])
        terms = result.terms[(result.terms["group"] == row.group)]
        pages.append(
            {
                "page": page(row.group),
                "papers": int(row.size),
                "papers_only_here": int(
                    corpus["source_files"].map(lambda f, g=row.group: list(f) == [g]).sum()
                ),
                "over": topic_rows(rows[rows["verdict"] == "over"]),
                "under": topic_rows(rows[rows["verdict"] == "under"]),
                "significant_with_by": int(
                    ((strict["group"] == row.group) & (strict["verdict"] != "neither")).sum()
                ),
                "terms": term_rows(terms[terms["side"] == row.group]),
                "terms_against": term_rows(terms[terms["side"] == "rest"].head(5)),
            }
        )
    n_docs = len(documents)
    return {
        "run": str(run_dir),
        "corpus": str(corpus_path),
        "papers": n_docs,
        "outliers": int((documents["topic"] == -1).sum()),
        "papers_on_several_pages": int((corpus["source_files"].map(len) > 1).sum()),
        "topics": int(enrichment["topic"].nunique()),
        "tests": len(enrichment),
        "alpha": ALPHA,
        "significant_bh": int((enrichment["verdict"] != "neither").sum()),
        "significant_by": int((strict["verdict"] != "neither").sum()),
        "seconds_compare_groups": machine.spread(seconds, digits=2),
        "load": meter.record,
        "calibration": shuffled_calibration(documents, corpus, n_shuffles),
        "pages": pages,
    }


def fmt_topic(t: dict) -> str:
    label = t["label"].replace("|", "/")  # a pipe would split the table cell
    return (
        f"| {t['topic']} | {label} | {t['count_in']}/{t['size_in']} ({t['share_in']:.0%}) "
        f"| {t['count_rest']}/{t['size_rest']} ({t['share_rest']:.0%}) "
        f"| {t['log2_enrichment']:+.2f} | {t['q_value']:.2g} |"
    )


def markdown(res: dict) -> str:
    cal = res["calibration"]
    lines = [
        "# What each listing page covers that the others do not",
        "",
        *machine.facts_markdown(res["machine"]),
        "",
        f"Run `{res['run']}`, corpus `{res['corpus']}`: {res['papers']} papers, "
        f"{res['outliers']} outliers, {res['topics']} topics, five pages; "
        f"{res['papers_on_several_pages']} papers are on more than one page and count on each.",
        "",
        "Topics: two-sided Fisher exact test of each page against the papers of the other "
        f"pages, Benjamini-Hochberg q over all {res['tests']} page x topic tests; "
        f"**{res['significant_bh']}** cells have q < {res['alpha']} "
        f"({res['significant_by']} with the stricter Benjamini-Yekutieli correction). "
        f"With the page lists shuffled across papers ({cal['shuffles']} shuffles), chance "
        f"gives {cal['mean_significant']:.2f} significant cells on average (at most "
        f"{cal['max_significant']}; any at all in {cal['share_with_any']:.0%} of shuffles), "
        "so the differences below are not an artefact of testing many cells.",
        "",
        "Terms: weighted log-odds ratio with an informative Dirichlet prior (Monroe et al. "
        "2008), page against the other pages, prior from all papers scaled to the token count "
        "of the smaller side; z-scores, terms in at least 2 papers of the page.",
        "",
    ]
    lines += ["## Summary", "", "| page | papers | over-represented topics | top terms |"]
    lines += ["|---|---:|---|---|"]
    for p in res["pages"]:
        over = "; ".join(
            f"{t['topic']} {' · '.join(t['label'].split(' · ')[:2])} "
            f"({t['share_in']:.0%} vs {t['share_rest']:.0%})"
            for t in p["over"]
        )
        terms = ", ".join(t["term"] for t in p["terms"][:5])
        lines.append(f"| {p['page']} | {p['papers']} | {over or 'none'} | {terms} |")
    smallest = min(res["pages"], key=lambda p: p["papers"])
    lines += [
        "",
        "Small pages have little power: a topic must differ a lot to reach q < "
        f"{res['alpha']} on {smallest['papers']} papers, so few verdicts there do not "
        "mean the page is like the others; its terms still show what it leans to.",
        "",
    ]
    for p in res["pages"]:
        lines += [
            f"## {p['page']} ({p['papers']} papers, {p['papers_only_here']} only here)",
            "",
        ]
        for kind in ("over", "under"):
            if not p[kind]:
                lines += [f"No significantly {kind}-represented topic.", ""]
                continue
            lines += [
                f"{kind.capitalize()}-represented topics:",
                "",
                "| topic | label | on page | on other pages | log2 enr. | q |",
                "|---:|---|---|---|---:|---:|",
                *[fmt_topic(t) for t in p[kind]],
                "",
            ]
        terms = ", ".join(
            f"{t['term']} ({t['z']:.1f}; {t['count_page']} vs {t['count_rest']})"
            for t in p["terms"]
        )
        against = ", ".join(f"{t['term']} ({t['z']:.1f})" for t in p["terms_against"])
        lines += [
            f"Distinctive terms (z; count on page vs other pages): {terms}.",
            "",
            f"Rarer here than elsewhere: {against}.",
            "",
        ]
    lines += [
        f"compare_groups took {machine.cell(res['seconds_compare_groups'], '.2f')} s "
        f"(median [min-max] of 3 calls; load {machine.load_summary([res['load']])}).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default="runs/default")
    parser.add_argument("--corpus", default="data/processed/corpus.parquet")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--shuffles", type=int, default=100)
    args = parser.parse_args()
    res = {"machine": machine.facts(), **analyse(Path(args.run), Path(args.corpus), args.shuffles)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "contrast_default.json").write_text(json.dumps(res, indent=2, ensure_ascii=False))
    (out / "contrast_default.md").write_text(markdown(res))
    print(markdown(res))


if __name__ == "__main__":
    main()
