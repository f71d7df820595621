"""Size and first-render time of a 100,000-point standalone map, plus the README screenshot.

- Builds a map of ``--n`` papers (default 100,000) from the titles and abstracts of
  ../shared/corpora/arxiv_dev_labelled.parquet (synthetic text when it is absent),
  with random 2-D points and 40 topics, writes it with
  landscape.report.standalone.write_map_html and reports file size, write time,
  time to first render in headless Chromium (until Plotly.newPlot resolved, i.e.
  after the first plotly_afterplot) and one search round trip; each timed
  ``--repeats`` times (at least 3), as median [min-max], with the machine's facts.
- If a fitted run exists (``--run``, default runs/default), writes its map and saves a
  PNG screenshot of the page to docs/map.png (the README hero image).

Needs /usr/bin/chromium (apt-get install -y chromium) and pip install playwright.

Usage: python benchmarks/map_render.py [--n 100000] [--run runs/default] [--png docs/map.png]
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

import machine

from landscape.report.standalone import write_map_html

ROOT = Path(__file__).resolve().parents[1]
ARXIV = ROOT.parent / "shared" / "corpora" / "arxiv_dev_labelled.parquet"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def synthetic_run(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    if ARXIV.exists():
        text = pd.read_parquet(ARXIV, columns=["title", "abstract"])
        text = text.sample(n, replace=len(text) < n, random_state=seed).reset_index(drop=True)
        titles, abstracts = text["title"].tolist(), text["abstract"].tolist()
    else:
        vocab = np.array(["model", "graph", "protein", "galaxy", "learning", "data", "quantum"])
        words = rng.choice(vocab, size=(n, 130))
        titles = [" ".join(w[:10]) for w in words]
        abstracts = [" ".join(w) for w in words]
    centres = rng.normal(scale=8, size=(40, 2))
    topic = rng.integers(-1, 40, n)
    xy = centres[np.maximum(topic, 0)] + rng.normal(size=(n, 2))
    documents = pd.DataFrame(
        {"doc_id": [f"W{i:07d}" for i in range(n)], "topic": topic, "x": xy[:, 0], "y": xy[:, 1]}
    )
    corpus = pd.DataFrame(
        {
            "doc_id": documents["doc_id"],
            "title": titles,
            "abstract": abstracts,
            "source_files": [["arxiv_dev_labelled.parquet"]] * n,
        }
    )
    topics = pd.DataFrame({"topic": range(40), "label": [f"topic {i}" for i in range(40)]})
    return documents, corpus, topics


def open_page(browser, path: Path, width: int = 1400, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    external: list[str] = []
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith("file://")
            else (external.append(r.request.url), r.abort())
        ),
    )
    start = time.perf_counter()
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.landscapeReady === true", timeout=120_000)
    return page, time.perf_counter() - start, external


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--run", type=Path, default=ROOT / "runs" / "default")
    parser.add_argument("--corpus", type=Path, default=ROOT / "data/processed/corpus.parquet")
    parser.add_argument("--png", type=Path, default=ROOT / "docs" / "map.png")
    parser.add_argument("--repeats", type=int, default=machine.MIN_RUNS)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    result: dict = {"machine": machine.facts(), "n": args.n}
    timed: dict[str, list[float]] = {"write_s": [], "first_render_s": [], "ready_wall_s": [],
                                     "search_s": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        documents, corpus, topics = synthetic_run(args.n)
        with machine.Meter() as meter:
            for _ in range(args.repeats):
                start = time.perf_counter()
                path = write_map_html(documents, corpus, topics, {}, Path(tmp) / "map.html")
                timed["write_s"].append(time.perf_counter() - start)
                page, wall, external = open_page(browser, path)
                timed["first_render_s"].append(page.evaluate("window.landscapeRenderMs") / 1000)
                timed["ready_wall_s"].append(wall)
                start = time.perf_counter()
                page.fill("#landscape-search", "neural network")
                page.wait_for_function(
                    "document.getElementById('landscape-count').textContent.includes('match')"
                )
                timed["search_s"].append(time.perf_counter() - start)
                result["search_count"] = page.text_content("#landscape-count")
                page.close()
        result["size_mb"] = round(path.stat().st_size / 1e6, 1)
        result["external_requests"] = len(external)
        for key, values in timed.items():
            result[key] = machine.spread(values, digits=2, allow_fewer=args.repeats < 3)
        result["load"] = meter.record
        print(json.dumps(result, indent=2))

        if (args.run / "documents.parquet").exists() and args.corpus.exists():
            run_docs = pd.read_parquet(args.run / "documents.parquet")
            run_topics = pd.read_parquet(args.run / "topics.parquet")
            prov = json.loads((args.run / "provenance.json").read_text(encoding="utf-8"))
            path = write_map_html(
                run_docs, pd.read_parquet(args.corpus), run_topics, prov, Path(tmp) / "run.html"
            )
            page, _, _ = open_page(browser, path, 1600, 1000)
            page.wait_for_timeout(500)
            args.png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.png))
            print(f"screenshot of {args.run}: {args.png}")
        else:
            print(f"no run at {args.run} (or no corpus at {args.corpus}): no screenshot")
        browser.close()


if __name__ == "__main__":
    main()
