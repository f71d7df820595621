"""Speed and memory, landscape against vanilla BERTopic, side by side in one run (issue 6).

``make bench`` runs this script. Every measurement runs in a fresh Python process,
so import and JIT costs count as a user meets them, and peak memory is that
process's own (``ru_maxrss``). Each cell is the median of ``--repeats`` runs (at
least 3) with the minimum and maximum beside it; the runs go in rounds (each
round runs every mode of a size once, landscape then vanilla), so a change in the
machine's load spreads over all of them. Before each run the driver waits (at
most ``--quiet-wait`` seconds) for other processes to stop using the CPUs, and
records the 1-minute load average at the start and end of the run and how many
cores other processes kept busy meanwhile (benchmarks/machine.py).

Stages, landscape / vanilla BERTopic (defaults):

- import: the landscape modules of a run / ``import bertopic``
- ingest: parse, clean, dedup, write corpus and ledger / none (given the same texts)
- embed: cache-backed, precision "auto" / its SentenceTransformer inside fit_transform
- reduce: exact (NN-descent above 30k) cosine kNN graph / UMAP to 5-D
- cluster: consensus Leiden / HDBSCAN
- topic terms: c-TF-IDF + KeyBERTInspired + MMR / c-TF-IDF (the rest of fit_transform)
- 2-D map: UMAP layout of the same kNN graph / UMAP to 2-D (as visualize_documents)
- quality: NPMI, topic diversity, silhouette (``fit`` computes them) / none
- other fit: the rest of ``fit``'s wall time: its other timed stages (normalising
  the vectors; outlier reduction and stability when configured) and untimed glue
- save: write_run, the run folder ``landscape fit`` writes / none (vanilla saves nothing)
- maps: document map figure and standalone map.html / visualize_documents + write_html
- report: every notebook rendered, static figures (default cold only; not in the
  total, it is ``landscape report``) / none

landscape's total is ingest + embed + the whole of ``fit`` (every stage it runs,
quality included) + save + maps; vanilla's is fit_transform + 2-D map + maps.

Sizes:

- ``default``: the default corpus (data/raw), in three modes. ``first`` is the
  first run on a machine: each run starts with an empty embedding cache (a
  folder of the run's own), an empty per-user cache (``LANDSCAPE_CACHE``: no
  converted OpenVINO graph, so landscape's embed stage includes converting the
  model) and an empty numba cache (``NUMBA_CACHE_DIR``, one folder per tool, so
  UMAP's, pynndescent's and landscape's layout's cache=True functions compile
  again); the user's own caches are never read or deleted. Not cleared: the
  operating system's file cache and Python's bytecode (written at install).
  ``cold``: empty embedding cache; the converted graph and numba's compiled
  code kept from the first run (vanilla embeds with its own model in both).
  ``warm``: the cache filled by the cold run; vanilla gets the same vectors
  precomputed, as ``fit_transform(docs, embeddings)``.
- ``10k``: a stratified sample of ../shared/corpora/arxiv_dev_labelled.parquet
  (benchmarks/samples.py); ``100k``: the whole arXiv dev corpus (100,877 papers).
  Both get the same vectors for both tools: all-MiniLM-L6-v2 with the default
  settings (``precision = "auto"``: OpenVINO int8 on a CPU with VNNI), computed
  once by ``--prefill`` (24 minutes for the 100k corpus on 2 cores, which
  covers the 10k sample: same papers, same cleaned texts) and kept in the
  embedding cache, data/interim/embeddings. A size run without it embeds
  the missing texts inside landscape's (then timed) embed stage. These sizes
  run warm only, after one untimed run per tool that fills numba's cache.

No settings are tuned here: both tools run with their defaults.

Usage::

    python benchmarks/bench.py [--sizes default,10k] [--repeats 3] [--out benchmarks/results]
    python benchmarks/bench.py --prefill 100k        # once: embed and cache the corpus
    python benchmarks/bench.py --sizes 100k          # about 10 minutes per round on 2 cores
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import machine  # noqa: E402

# The columns of the table; a tool's total is the sum of its TOTAL stages.
COLUMNS = ("import", "ingest", "embed", "reduce", "cluster", "topic_terms", "map_2d", "quality",
           "fit_other", "save", "maps")  # fmt: skip
TOTAL = {
    "landscape": ("ingest", "embed", "fit", "save", "maps"),
    "vanilla": ("embed", "reduce", "cluster", "topic_terms", "map_2d", "maps"),
}
# fit's timer stages shown in their own columns; the rest of fit is "fit_other".
FIT_COLUMNS = {"knn": "reduce", "cluster": "cluster", "topic_terms": "topic_terms",
               "map_2d": "map_2d", "quality": "quality"}  # fmt: skip


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


# --------------------------------------------------------------------------- inputs


def _sample(size: str, work: Path) -> Path:
    """A source file for ``size``: the raw folder, or a Parquet sample of the arXiv corpus."""
    if size == "default":
        return ROOT / "data" / "raw"
    from samples import ARXIV, stratified_sample

    if not ARXIV.exists():
        raise SystemExit(f"{ARXIV} not found: the 10k and 100k sizes need ../shared")
    import pandas as pd

    df = stratified_sample(10_000) if size == "10k" else pd.read_parquet(ARXIV)
    path = work / f"arxiv-{size}.parquet"
    df[["arxiv_id", "title", "abstract", "date"]].to_parquet(path)
    return path


def _vectors(texts: list[str], progress: bool = False):
    """The vectors the 10k and 100k sizes share between both tools (see module docstring)."""
    from landscape.embed import embed_texts

    vectors, stats = embed_texts(
        texts, cache_dir=ROOT / "data/interim/embeddings", progress=progress
    )
    return vectors, (
        f"all-MiniLM-L6-v2 {stats.backend} {stats.precision} from the cache "
        f"({stats.n_cached} cached, {stats.n_computed} computed)"
    )


def prefill(size: str) -> None:
    """Embed a size's corpus into the embedding cache, outside any timing."""
    from samples import ARXIV

    from landscape.config import Config
    from landscape.embed import corpus_texts
    from landscape.ingest import ingest

    if size != "default" and not ARXIV.exists():
        print(f"{size}: nothing to prefill, {ARXIV} not found")
        return
    with tempfile.TemporaryDirectory(prefix="bench-prefill-") as tmp:
        source = _sample(size, Path(tmp))
        corpus = ingest([source], Config().ingest).corpus
    t = time.perf_counter()
    _, note = _vectors(corpus_texts(corpus), progress=True)
    print(f"{size}: {len(corpus)} papers, {note}, {time.perf_counter() - t:.0f} s")


# --------------------------------------------------------------------------- workers


def worker_ours(size: str, mode: str, work: Path, cache: Path) -> dict:
    t0 = time.perf_counter()
    # bertopic is imported lazily by the topic stage; imported here, its cost
    # (several seconds) is counted under "import" for both tools alike.
    import bertopic  # noqa: F401
    import numpy as np

    from landscape import maps
    from landscape.config import Config, PathsConfig
    from landscape.embed import corpus_texts, embed_texts
    from landscape.fit.pipeline import fit
    from landscape.ingest import ingest, write_ingest
    from landscape.report.standalone import write_map_html
    from landscape.runs import write_run

    times = {"import": time.perf_counter() - t0}
    source = _sample(size, work)
    cfg = Config(
        paths=PathsConfig(
            raw=str(source), interim=str(cache), processed=str(work / "processed"),
            runs=str(work / "runs"), reports=str(work / "reports"),
        )
    )  # fmt: skip
    t = time.perf_counter()
    result = ingest([source], cfg.ingest)
    write_ingest(result, work / "processed")
    times["ingest"] = time.perf_counter() - t
    corpus = result.corpus
    texts = corpus_texts(corpus)
    t = time.perf_counter()
    note = ""
    if size == "default":
        vectors, stats = embed_texts(texts, cache_dir=Path(cache) / "embeddings")
        note = f"{stats.n_computed} computed ({stats.precision}), {stats.n_cached} cached"
    else:
        vectors, note = _vectors(texts)
    times["embed"] = time.perf_counter() - t
    # fit's whole wall time counts (every stage it runs, quality included); its
    # timer's stages are shown apart, the rest of it as fit_other.
    t = time.perf_counter()
    fitted = fit(corpus, embeddings=np.asarray(vectors), config=cfg)
    times["fit"] = time.perf_counter() - t
    stages = fitted.metrics["timings_s"]
    for stage, column in FIT_COLUMNS.items():
        times[column] = stages[stage]
    times["fit_other"] = times["fit"] - sum(stages[s] for s in FIT_COLUMNS)
    t = time.perf_counter()
    write_run(fitted, work / "runs" / "bench")
    times["save"] = time.perf_counter() - t
    t = time.perf_counter()
    maps.document_map(fitted.documents, corpus, fitted.topics)
    write_map_html(fitted.documents, corpus, fitted.topics, fitted.provenance, work / "map.html")
    times["maps"] = time.perf_counter() - t
    if size == "default" and mode == "cold":
        from landscape.report.build import build_report

        t = time.perf_counter()
        build_report(
            work / "runs" / "bench", work / "reports", processed_dir=work / "processed",
            interim_dir=cache, raw_dir=source, notebook_dir=ROOT / "notebooks",
        )  # fmt: skip
        times["report"] = time.perf_counter() - t
    return {
        "times": times,
        "fit_timings_s": stages,
        "n_docs": len(corpus),
        "n_topics": fitted.metrics["n_topics"],
        "embedding": note,
        "peak_rss_gb": _rss_gb(),
    }


def worker_vanilla(size: str, mode: str, work: Path, cache: Path) -> dict:
    t0 = time.perf_counter()
    import bertopic
    import hdbscan
    import numpy as np
    import pandas as pd
    import umap
    from bertopic.backend import BaseEmbedder
    from sentence_transformers import SentenceTransformer

    from landscape.embed import corpus_texts, embed_texts, resolve_model

    times = {"import": time.perf_counter() - t0}
    spent = {"embed": 0.0, "reduce": 0.0, "cluster": 0.0}

    def timed(cls, stage):
        class Timed(cls):
            def fit(self, *a, **k):
                t = time.perf_counter()
                out = super().fit(*a, **k)
                spent[stage] += time.perf_counter() - t
                return out

            def transform(self, *a, **k):
                t = time.perf_counter()
                out = super().transform(*a, **k)
                spent[stage] += time.perf_counter() - t
                return out

        Timed.__name__ = cls.__name__
        return Timed

    class TimedEmbedder(BaseEmbedder):
        def __init__(self, model):
            super().__init__()
            self.embedding_model = model

        def embed(self, documents, verbose=False):
            t = time.perf_counter()
            out = self.embedding_model.encode(documents, show_progress_bar=False)
            spent["embed"] += time.perf_counter() - t
            self.last = out
            return out

    # The cleaned texts of the same corpus (vanilla has no ingest of its own).
    corpus = pd.read_parquet(work / "processed" / "corpus.parquet")
    texts = corpus_texts(corpus)
    encoder = SentenceTransformer(resolve_model("all-MiniLM-L6-v2"), device="cpu")
    embedder = TimedEmbedder(encoder)
    # BERTopic's defaults, with timing wrappers.
    model = bertopic.BERTopic(
        embedding_model=embedder,
        umap_model=timed(umap.UMAP, "reduce")(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False
        ),
        hdbscan_model=timed(hdbscan.HDBSCAN, "cluster")(
            min_cluster_size=10, metric="euclidean", cluster_selection_method="eom",
            prediction_data=True,
        ),
    )  # fmt: skip
    if size == "default" and mode in ("first", "cold"):
        vectors = None
    elif size == "default":
        # The vectors landscape's cold run cached (same model and precision).
        vectors, _ = embed_texts(texts, cache_dir=Path(cache) / "embeddings")
    else:
        vectors, _ = _vectors(texts)
    t = time.perf_counter()
    topics, _ = model.fit_transform(texts, embeddings=vectors)
    total = time.perf_counter() - t
    times.update(spent)
    times["topic_terms"] = total - sum(spent.values())
    if vectors is None:
        vectors = embedder.last  # the documents, embedded inside fit_transform
    # visualize_documents reduces to 2-D with this UMAP, then draws.
    t = time.perf_counter()
    xy = umap.UMAP(n_neighbors=10, n_components=2, min_dist=0.0, metric="cosine").fit_transform(
        vectors
    )
    times["map_2d"] = time.perf_counter() - t
    t = time.perf_counter()
    fig = model.visualize_documents(texts, reduced_embeddings=xy, hide_annotations=False)
    fig.write_html(work / "vanilla.html")
    times["maps"] = time.perf_counter() - t
    return {
        "times": times,
        "n_docs": len(texts),
        "n_topics": len(set(topics) - {-1}),
        "outlier_share": float(np.mean(np.asarray(topics) == -1)),
        "peak_rss_gb": _rss_gb(),
    }


# --------------------------------------------------------------------------- driver


def _run(tool: str, size: str, mode: str, dirs: dict, quiet_wait: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, "--size", size, "--mode", mode,
           "--work", str(dirs["work"]), "--cache", str(dirs["interim"])]  # fmt: skip
    env = {
        **os.environ,
        "TQDM_DISABLE": "1",
        "LANDSCAPE_CACHE": str(dirs["user_cache"]),
        "NUMBA_CACHE_DIR": str(dirs[f"numba_{tool}"]),
    }
    quiet = machine.wait_for_quiet(quiet_wait) if quiet_wait > 0 else {}
    with machine.Meter() as meter:
        t = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{tool} {size} {mode} failed:\n{done.stderr[-3000:]}")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    res["process_wall_s"] = wall
    res["times"]["total"] = sum(
        res["times"][s] for s in TOTAL["landscape" if tool == "ours" else "vanilla"]
    )
    res["load"] = {**meter.record, **({"waited_for_quiet_s": quiet["waited_s"]} if quiet else {})}
    return res


def _clear(*paths: Path) -> None:
    """Empty folders of this run's own (never the user's caches)."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)


def _summarise(runs: list[dict], allow_fewer: bool) -> list[dict]:
    """One row per size, mode and tool: each measure's median, minimum and maximum."""
    rows = []

    def spread(values: list[float]) -> dict:
        return machine.spread(values, allow_fewer=allow_fewer)

    keys = list(dict.fromkeys((r["size"], r["mode"]) for r in runs))
    for size, mode in keys:
        group = [r for r in runs if (r["size"], r["mode"]) == (size, mode)]
        for tool in ("landscape", "vanilla"):
            ms = [r[tool] for r in group]
            stages = list(dict.fromkeys(k for m in ms for k in m["times"]))
            row = {
                "size": size, "mode": mode, "tool": tool, "runs": len(ms),
                "times": {k: spread([m["times"][k] for m in ms]) for k in stages},
                "process_wall_s": spread([m["process_wall_s"] for m in ms]),
                "peak_rss_gb": spread([m["peak_rss_gb"] for m in ms]),
                "n_docs": sorted({m["n_docs"] for m in ms}),
                "n_topics": sorted({m["n_topics"] for m in ms}),
                "load": [m["load"] for m in ms],
            }  # fmt: skip
            if tool == "landscape":
                ratios = [
                    r["landscape"]["times"]["total"] / r["vanilla"]["times"]["total"] for r in group
                ]
                row["ratio_per_round"] = spread(ratios)
                whole = [  # landscape's report (cold) is `landscape report`, not fit: left out
                    (r["landscape"]["process_wall_s"] - r["landscape"]["times"].get("report", 0))
                    / r["vanilla"]["process_wall_s"]
                    for r in group
                ]
                row["process_ratio_per_round"] = spread(whole)
                row["embedding"] = sorted({m.get("embedding", "") for m in ms})
            rows.append(row)
    return rows


def _markdown(summary: list[dict], facts: dict, repeats: int) -> str:
    cols = [*COLUMNS, "total", "report", "process", "peak RSS GB"]
    lines = [
        "# landscape vs vanilla BERTopic: wall time per stage (s) and peak memory",
        "",
        *machine.facts_markdown(facts),
        "",
        f"Each cell: median [min-max] of {repeats} runs, each a fresh process. landscape's "
        "`total` = ingest + embed + the whole of `fit` (reduce, cluster, topic terms, 2-D map, "
        "quality and other fit, i.e. every stage `landscape fit` runs) + save + maps; "
        "vanilla's = embed + reduce + cluster + topic terms + 2-D map + maps. `total` is the "
        "median of each run's total, so the stage medians need not add up to it. `import` "
        "and `report` are apart from the total; `process` is the whole process (imports, "
        "model loading, reading inputs included). No settings are tuned: both tools run "
        "with their defaults.",
        "",
        "Modes (default corpus): `first` = the first run on a machine: empty embedding cache, "
        "empty per-user cache (no converted OpenVINO graph) and empty numba cache "
        "(`NUMBA_CACHE_DIR`, one per tool), all folders of the benchmark's own, emptied before "
        "each first run (not cleared: the OS file cache, Python bytecode); `cold` = empty "
        "embedding cache, converted graph and compiled numba code kept; `warm` = everything "
        "cached, vanilla given the same vectors. Sizes other than default run warm only, after "
        "one untimed run per tool that fills numba's cache; their vectors were prefilled "
        "(`--prefill`), untimed.",
        "",
        "| size | tool | "
        + " | ".join(c.replace("_", " ") for c in cols)
        + " | topics | ratio | process ratio |",
        "|" + "---|" * (len(cols) + 5),
    ]
    for row in summary:
        t = row["times"]
        cells = [machine.cell(t.get(c)) for c in (*COLUMNS, "total", "report")]
        cells += [machine.cell(row["process_wall_s"]), machine.cell(row["peak_rss_gb"], ".2f")]
        cells.append("/".join(str(n) for n in row["n_topics"]))
        for key in ("ratio_per_round", "process_ratio_per_round"):
            cells.append(machine.cell(row[key], ".2f") if key in row else "")
        lines.append(f"| {row['size']} {row['mode']} | {row['tool']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "`ratio` = landscape total / vanilla total of the same round (target: <= 0.5 cold), "
        "median [min-max] over the rounds; `process ratio` the same for the whole processes, "
        "imports included (in `first`, imports compile numba's cache=True functions anew), "
        "less landscape's report in `cold`.",
        "",
        "Load while measuring, per run (1-minute load average at start -> end; the benchmark "
        "itself brings it towards 2 on these 2 cores), and the cores other processes kept "
        "busy during the run (0 on a quiet machine):",
        "",
    ]
    for row in summary:
        lines.append(
            f"- {row['size']} {row['mode']} {row['tool']}: {machine.load_summary(row['load'])}"
        )
    busy = [x.get("other_cores") or 0.0 for row in summary for x in row["load"]]
    if busy and max(busy) >= 0.3:
        lines += [
            "",
            f"**Other work ran during {sum(b >= 0.3 for b in busy)} of {len(busy)} runs** (at "
            f"least 0.3 and up to {max(busy):.1f} of the 2 cores busy besides the benchmark): "
            "those runs are slower than on a quiet machine, and the ratios move with them.",
        ]
    lines.append("")
    for row in summary:
        for note in row.get("embedding", []):
            if note:
                lines.append(f"- {row['size']} {row['mode']}: landscape embeddings: {note}")
    return "\n".join(lines) + "\n"


def _write(out: Path, stem: str, runs: list[dict], facts: dict, args) -> None:
    allow_fewer = args.repeats < machine.MIN_RUNS
    summary = _summarise(runs, allow_fewer)
    settings = {"sizes": args.sizes, "repeats": args.repeats, "quiet_wait_s": args.quiet_wait}
    doc = {"machine": facts, "settings": settings, "summary": summary, "runs": runs}
    text = _markdown(summary, facts, args.repeats)
    if allow_fewer:
        text = f"**Smoke test: {args.repeats} run(s) per cell, not a result.**\n\n" + text
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.json").write_text(json.dumps(doc, indent=2) + "\n")
    (out / f"{stem}.md").write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="default,10k")
    ap.add_argument("--repeats", type=int, default=machine.MIN_RUNS, help="runs per cell (>= 3)")
    ap.add_argument(
        "--quiet-wait", type=float, default=30.0,
        help="before each run, wait at most this many seconds for other work to stop",
    )  # fmt: skip
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--worker", choices=("ours", "vanilla"))
    ap.add_argument("--size", default="default")
    ap.add_argument("--mode", default="cold")
    ap.add_argument("--work")
    ap.add_argument("--cache")
    ap.add_argument("--prefill", metavar="SIZE", help="embed SIZE's corpus into the cache, exit")
    args = ap.parse_args()
    if args.prefill:
        prefill(args.prefill)
        return
    if args.worker:
        fn = worker_ours if args.worker == "ours" else worker_vanilla
        res = fn(args.size, args.mode, Path(args.work), Path(args.cache))
        print(json.dumps(res))
        return
    if args.repeats < machine.MIN_RUNS:
        print(f"--repeats {args.repeats}: a smoke test, not a result (cells need 3 runs)")

    from samples import ARXIV

    facts = machine.facts()
    out = Path(args.out)
    stem = "bench" if args.sizes == "default,10k" else "bench-" + args.sizes.replace(",", "-")
    runs: list[dict] = []
    for size in args.sizes.split(","):
        if size != "default" and not ARXIV.exists():
            print(f"{size}: skipped, {ARXIV} not found (a clone outside /work has no ../shared)")
            continue
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as tmp:
            dirs = {
                name: Path(tmp) / name
                for name in ("work", "interim", "user_cache", "numba_ours", "numba_vanilla")
            }
            _clear(*dirs.values())
            modes = ("first", "cold", "warm") if size == "default" else ("warm",)
            if size != "default":
                # Untimed: fills numba's cache (and writes the corpus vanilla reads).
                for tool in ("ours", "vanilla"):
                    _run(tool, size, "warm", dirs, 0)
                shutil.rmtree(dirs["work"] / "runs", ignore_errors=True)
            for round_ in range(1, args.repeats + 1):
                for mode in modes:
                    if mode == "first":  # a machine that never ran either tool
                        _clear(dirs["interim"], dirs["user_cache"], dirs["numba_ours"],
                               dirs["numba_vanilla"])  # fmt: skip
                    elif mode == "cold":  # the first run's vectors go; graph and numba stay
                        _clear(dirs["interim"] / "embeddings")
                    # landscape first: it writes the corpus both tools read.
                    ours = _run("ours", size, mode, dirs, args.quiet_wait)
                    vanilla = _run("vanilla", size, mode, dirs, args.quiet_wait)
                    runs.append({"size": size, "mode": mode, "round": round_,
                                 "landscape": ours, "vanilla": vanilla})  # fmt: skip
                    print(
                        f"{size} {mode} round {round_}: landscape {ours['times']['total']:.1f}"
                        f" s, vanilla {vanilla['times']['total']:.1f} s "
                        f"(load {ours['load']['load1_start']} -> {vanilla['load']['load1_end']})",
                        flush=True,
                    )
                    shutil.rmtree(dirs["work"] / "runs", ignore_errors=True)
        _write(out, stem, runs, facts, args)  # after each size: a stopped run keeps what it has
    if runs:
        print((out / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
