"""Size, first render and zoom redraw of the standalone map at 100,000 and 1,000,000 points.

- The layout is real: a run fitted on the 20,000 arXiv abstracts of the tuning and
  report samples of benchmarks/samples.py (their embeddings are in the cache the
  levels benchmark fills; three levels of topics, with their names), fitted once
  and kept in data/interim/map_bench/. Embedding 100,000 abstracts takes about an
  hour on 2 CPUs, so the 100,000 and 1,000,000-point maps are synthesised from it:
  each real point is copied N/20,000 times, jittered by a third of the distance to
  its 5th nearest neighbour, keeping its topic at every level. Titles, abstracts
  and years are N arXiv papers (repeated past 100,877), sources their arXiv group.
- For each size: file size, write time, first render (navigation to the first
  frame drawn), the page ready (wall), a zoom step (Plotly.relayout to a view
  twice as close, around the densest area, until the names are placed and a frame
  is painted; four steps from 1x to 16x and back out, each one cell value), a pan
  step, a search round trip, and the page's memory after those (see below).
  Timed cells: median [min-max] of --repeats page loads (at least 3) with the load
  of the machine meanwhile.
- Memory, after the load, the zoom and pan steps and the search: ``js_heap_mb``,
  the JavaScript heap in use as Chromium reports it (CDP Performance.getMetrics
  JSHeapUsedSize, garbage included: the figure of earlier runs); then, after a
  forced collection (CDP HeapProfiler.collectGarbage), ``js_heap_live_mb`` (the
  heap, Runtime.getHeapUsage usedSize) and ``array_buffers_mb`` (the backing
  stores of typed arrays and external strings, Runtime.getHeapUsage
  backingStorageSize: outside the heap, so JSHeapUsedSize never counts them);
  ``page_mb`` is their sum, the memory the page keeps (issue 18: <= 150 MB at
  1,000,000 papers). Around them, from /proc (smaps_rollup): the renderer
  process of the page, resident (``renderer_rss_mb``, shared libraries
  included) and private (``renderer_private_mb``: its own pages, what closing
  the tab frees), and the private memory of the GPU process
  (``gpu_private_mb``: with --disable-gpu, WebGL runs in software there and
  plotly's point buffers live in it). Memory does not depend on the machine's
  load; single values per page load, median [min-max] over the loads.
- Screenshots at the initial view, 4x and 16x (--shots), and with --png a
  screenshot of runs/default's page (the README picture is the static map that
  `make report` writes, reports/figures/map.png, not this screenshot).

Needs /usr/bin/chromium (apt-get install -y chromium) and pip install playwright.

Usage: python benchmarks/map_render.py [--sizes 100000,1000000] [--repeats 3]
       [--shots benchmarks/results/map_shots] [--png /tmp/map-page.png]
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

from landscape.report.pdf import CHROMIUM_ARGS
from landscape.report.standalone import write_map_html

ROOT = Path(__file__).resolve().parents[1]
ARXIV = ROOT.parent / "shared" / "corpora" / "arxiv_dev_labelled.parquet"
LAYOUT = ROOT / "data" / "interim" / "map_bench"
CHROMIUM = "/usr/bin/chromium"
ARGS = list(CHROMIUM_ARGS)
#: Zoom factors of the zoom steps, in order (each step halves or doubles the span).
ZOOM_STEPS = [2, 4, 8, 16, 8, 4]
#: The memory measures of each page load (MB; see the module doc).
MEMORY = (
    "js_heap_mb", "js_heap_live_mb", "array_buffers_mb", "page_mb", "renderer_rss_mb",
    "renderer_private_mb", "gpu_private_mb",
)  # fmt: skip


def real_layout(folder: Path = LAYOUT) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(documents, topics)`` of a run fitted on 20,000 arXiv papers (fitted once, then read)."""
    if not (folder / "documents.parquet").exists():
        from samples import tune_and_report

        from landscape.embed import corpus_texts, embed_texts
        from landscape.fit.pipeline import fit

        tune, report, _ = tune_and_report(10_000, 10_000)
        corpus = pd.concat([tune, report], ignore_index=True)
        corpus["doc_id"] = corpus["arxiv_id"].astype(str)
        vectors, _ = embed_texts(corpus_texts(corpus), cache_dir=ROOT / "data/interim/embeddings")
        result = fit(corpus, embeddings=vectors)
        folder.mkdir(parents=True, exist_ok=True)
        result.documents.to_parquet(folder / "documents.parquet")
        result.all_topics.to_parquet(folder / "topics.parquet")
    return pd.read_parquet(folder / "documents.parquet"), pd.read_parquet(folder / "topics.parquet")


def synthesise(documents: pd.DataFrame, n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(documents, corpus)`` of ``n`` papers on the real layout (see the module doc)."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)
    xy = documents[["x", "y"]].to_numpy()
    dist, _ = NearestNeighbors(n_neighbors=6).fit(xy).kneighbors(xy)
    scale = dist[:, -1] / 3
    source = np.arange(n) % len(documents)
    jitter = rng.normal(size=(n, 2)) * scale[source, None]
    levels = [c for c in documents.columns if c.startswith("level_")]
    out = documents.iloc[source][["topic", "topic_label", *levels]].reset_index(drop=True)
    out["x"] = xy[source, 0] + jitter[:, 0]
    out["y"] = xy[source, 1] + jitter[:, 1]
    out.insert(0, "doc_id", [f"W{i:07d}" for i in range(n)])
    text = pd.read_parquet(ARXIV, columns=["title", "abstract", "year", "group"])
    text = text.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    rows = text.iloc[np.arange(n) % len(text)].reset_index(drop=True)
    corpus = pd.DataFrame(
        {
            "doc_id": out["doc_id"],
            "title": rows["title"],
            "abstract": rows["abstract"],
            "year": rows["year"],
            "source_names": [[g] for g in rows["group"]],
        }
    )
    return out, corpus


def open_page(browser, path: Path, width: int = 1400, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    external: list[str] = []
    errors: list[str] = []
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith("file://")
            else (external.append(r.request.url), r.abort())
        ),
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    page.goto(path.resolve().as_uri())
    page.wait_for_function("window.landscapeReady === true", timeout=300_000)
    return page, time.perf_counter() - start, external, errors


#: The centre of the 24 x 24 cell of the initial view with the most papers.
DENSEST = """() => {
  const a = window.landscape.app, h = a.home, G = 24, cells = new Int32Array(G * G);
  for (let k = 0; k < a.n; k++) {
    const i = Math.floor((a.x[k] - h.x[0]) / (h.x[1] - h.x[0]) * G);
    const j = Math.floor((a.y[k] - h.y[0]) / (h.y[1] - h.y[0]) * G);
    if (i >= 0 && i < G && j >= 0 && j < G) { cells[i * G + j]++; }
  }
  let best = 0;
  for (let c = 1; c < G * G; c++) { if (cells[c] > cells[best]) { best = c; } }
  const i = Math.floor(best / G), j = best % G;
  return [h.x[0] + (i + 0.5) / G * (h.x[1] - h.x[0]), h.y[0] + (j + 0.5) / G * (h.y[1] - h.y[0])];
}"""

#: Seconds from Plotly.relayout to names placed and a frame painted.
VIEW = """async ([c, z, dx]) => {
  const a = window.landscape.app, h = a.home;
  const wx = (h.x[1] - h.x[0]) / z / 2, wy = (h.y[1] - h.y[0]) / z / 2;
  const cx = c[0] + dx * wx;
  const t = performance.now();
  await Plotly.relayout(a.gd, {"xaxis.range": [cx - wx, cx + wx],
                               "yaxis.range": [c[1] - wy, c[1] + wy]});
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return (performance.now() - t) / 1000;
}"""


def _processes() -> dict[int, tuple[int, str]]:
    """``pid: (parent pid, command line)`` of every process (Linux /proc)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        out[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), cmd)
    return out


def _smaps_mb(pid: int) -> dict[str, float]:
    """``rss`` and ``private`` (clean + dirty) memory of a process in MB, from smaps_rollup."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, value = line.partition(":")
        fields[key] = float(value.split()[0]) / 1000  # kB -> MB
    return {"rss": fields["Rss"], "private": fields["Private_Clean"] + fields["Private_Dirty"]}


def chromium_memory() -> dict[str, float]:
    """Memory of this process's Chromium: its largest renderer (the page's) and its GPU process.

    Children of this process only (other Chromiums on the machine are left out).
    """
    procs = _processes()
    ours, todo = set(), [os.getpid()]
    while todo:
        parent = todo.pop()
        kids = [pid for pid, (ppid, _) in procs.items() if ppid == parent]
        ours.update(kids)
        todo.extend(kids)
    out: dict[str, float] = {}
    for pid in ours:
        cmd = procs[pid][1]
        kind = "renderer" if "--type=renderer" in cmd else "gpu" if "--type=gpu" in cmd else None
        if kind is None:
            continue
        try:
            mem = _smaps_mb(pid)
        except (OSError, KeyError):
            continue
        if kind == "renderer" and mem["private"] > out.get("renderer_private_mb", -1):
            out["renderer_private_mb"] = mem["private"]
            out["renderer_rss_mb"] = mem["rss"]
        elif kind == "gpu":
            out["gpu_private_mb"] = out.get("gpu_private_mb", 0) + mem["private"]
    return out


def page_memory(page) -> dict[str, float]:
    """The page's memory (see the module doc), in MB."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    out = {"js_heap_mb": metrics["JSHeapUsedSize"] / 1e6}
    cdp.send("HeapProfiler.collectGarbage")
    usage = cdp.send("Runtime.getHeapUsage")
    out["js_heap_live_mb"] = usage["usedSize"] / 1e6
    out["array_buffers_mb"] = usage.get("backingStorageSize", 0) / 1e6
    out["page_mb"] = out["js_heap_live_mb"] + out["array_buffers_mb"]
    out.update(chromium_memory())
    cdp.detach()
    return out


def visible_labels(page) -> list[str]:
    return page.evaluate(
        "Array.from(document.querySelectorAll('[data-label]')).filter(e => !e.hidden)"
        ".map(e => e.dataset.level + ':' + e.dataset.label)"
    )


def measure(browser, path: Path, repeats: int, shots: Path | None, tag: str) -> dict:
    timed: dict[str, list[float]] = {
        "first_render_s": [], "ready_wall_s": [], "zoom_step_s": [], "pan_step_s": [],
        "search_s": [], **{key: [] for key in MEMORY},
    }  # fmt: skip
    loads, out = [], {}
    for repeat in range(repeats):
        out.setdefault("quiet_wait", []).append(machine.wait_for_quiet(max_wait=30))
        with machine.Meter() as meter:
            page, wall, external, errors = open_page(browser, path)
            timed["first_render_s"].append(page.evaluate("window.landscapeRenderMs") / 1000)
            timed["ready_wall_s"].append(wall)
            centre = page.evaluate(DENSEST)
            if shots is not None and repeat == 0:
                page.wait_for_timeout(300)
                page.screenshot(path=str(shots / f"{tag}-1x.png"))
                out["labels_1x"] = visible_labels(page)
            for z in ZOOM_STEPS:
                timed["zoom_step_s"].append(page.evaluate(VIEW, [centre, z, 0]))
                if shots is not None and repeat == 0 and z in (4, 16) and f"labels_{z}x" not in out:
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(shots / f"{tag}-{z}x.png"))
                    out[f"labels_{z}x"] = visible_labels(page)
            timed["pan_step_s"].append(page.evaluate(VIEW, [centre, 4, 0.5]))
            start = time.perf_counter()
            page.fill("#landscape-search", "neural network")
            page.wait_for_function(
                "document.getElementById('landscape-count').textContent.includes('match')",
                timeout=120_000,
            )
            timed["search_s"].append(time.perf_counter() - start)
            memory = page_memory(page)
            for key in MEMORY:
                timed[key].append(memory.get(key, float("nan")))
            out["search_count"] = page.text_content("#landscape-count")
            out["external_requests"] = len(external)
            out["console_errors"] = errors
            page.close()
        loads.append(meter.record)
    for key, values in timed.items():
        out[key] = machine.spread(values, digits=2, allow_fewer=repeats < 3)
    out["load"] = machine.load_summary(loads)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--run", type=Path, default=ROOT / "runs" / "default")
    parser.add_argument("--png", type=Path, default=None)
    parser.add_argument("--shots", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=machine.MIN_RUNS)
    parser.add_argument("--out", type=Path, default=None, help="write the results JSON here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from landscape.runs import load_run

    result: dict = {"machine": machine.facts(), "sizes": {}}
    layout, topics = real_layout()
    levels = topics["level"].nunique()
    result["layout"] = f"real run of {len(layout):,} arXiv papers, {levels} levels"
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for n in [int(s) for s in args.sizes.split(",")]:
            documents, corpus = synthesise(layout, n)
            writes = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                path = write_map_html(documents, corpus, topics, {}, Path(tmp) / f"map-{n}.html")
                writes.append(time.perf_counter() - start)
            row = {"size_mb": round(path.stat().st_size / 1e6, 1)}
            row["write_s"] = machine.spread(writes, digits=2, allow_fewer=args.repeats < 3)
            row.update(measure(browser, path, args.repeats, args.shots, f"map-{n}"))
            result["sizes"][str(n)] = row
            print(json.dumps({str(n): row}, indent=1), flush=True)

        if args.png is not None and (args.run / "documents.parquet").exists():
            run = load_run(args.run)
            path = write_map_html(
                run.documents, run.corpus, run.all_topics, run.provenance, Path(tmp) / "run.html"
            )
            page, _, _, _ = open_page(browser, path, 1600, 1000)
            page.wait_for_timeout(500)
            args.png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.png))
            print(f"screenshot of {args.run}: {args.png}")
        browser.close()
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        args.out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")


def markdown(result: dict) -> str:
    """The results as a table, one row per size (timed cells: median [min-max])."""
    cols = [
        ("write_s", "write (s)"), ("first_render_s", "first render (s)"),
        ("ready_wall_s", "ready (s)"), ("zoom_step_s", "zoom step (s)"),
        ("pan_step_s", "pan step (s)"), ("search_s", "search (s)"),
    ]  # fmt: skip
    mem_cols = [
        ("js_heap_mb", "JS heap, garbage incl."), ("js_heap_live_mb", "JS heap, live"),
        ("array_buffers_mb", "typed arrays"), ("page_mb", "page (live heap + arrays)"),
        ("renderer_private_mb", "renderer private"), ("renderer_rss_mb", "renderer RSS"),
        ("gpu_private_mb", "GPU process private"),
    ]  # fmt: skip
    lines = [
        "# Standalone map: size, first render, zoom step",
        "",
        *machine.facts_markdown(result["machine"]),
        "",
        f"Layout: {result['layout']}, synthesised to each size (benchmarks/map_render.py); "
        "headless Chromium with software WebGL (--disable-gpu).",
        "",
        "| papers | size (MB) | " + " | ".join(name for _, name in cols) + " | load |",
        "|---" * (len(cols) + 3) + "|",
    ]
    for n, row in result["sizes"].items():
        cells = [machine.cell(row[key], ".2f") for key, _ in cols]
        lines.append(
            f"| {int(n):,} | {row['size_mb']} | " + " | ".join(cells) + f" | {row['load']} |"
        )
    lines += [
        "",
        "Memory (MB) after the load, the zoom and pan steps and a search (see the module doc "
        "of benchmarks/map_render.py); it does not depend on the machine's load.",
        "",
        "| papers | " + " | ".join(name for _, name in mem_cols) + " |",
        "|---" * (len(mem_cols) + 1) + "|",
    ]
    for n, row in result["sizes"].items():
        cells = [machine.cell(row[key], ".1f") if key in row else "-" for key, _ in mem_cols]
        lines.append(f"| {int(n):,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
