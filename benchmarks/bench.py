"""Speed and memory, landscape against vanilla BERTopic, side by side in one run (issue 6).

``make bench`` runs this script. Every measurement runs in a fresh Python process,
so import and JIT costs count as a user meets them, and peak memory is that
process's own (``ru_maxrss``). Stages:

Stages, landscape / vanilla BERTopic (defaults):

- import: the landscape modules of a run / ``import bertopic``
- ingest: parse, clean, dedup, write corpus and ledger / none (given the same texts)
- embed: cache-backed, precision "auto" / its SentenceTransformer inside fit_transform
- reduce: exact (NN-descent above 30k) cosine kNN graph / UMAP to 5-D
- cluster: consensus Leiden / HDBSCAN
- topic terms: c-TF-IDF + KeyBERTInspired + MMR / c-TF-IDF (the rest of fit_transform)
- 2-D map: UMAP layout of the same kNN graph / UMAP to 2-D (as visualize_documents)
- maps: document map figure and standalone map.html / visualize_documents + write_html
- report: every notebook rendered, static figures (default cold only) / none

Sizes:

- ``default``: the default corpus (data/raw), ``first`` (the first run on a machine:
  empty embedding cache and no converted OpenVINO graph, so landscape's embed stage
  includes converting the model, about 2 s; the conversion is kept once per user, as
  numba keeps compiled code), ``cold`` (empty embedding cache, converted graph
  kept from the first run; vanilla embeds with its own model in both) and ``warm``
  (cache filled by the cold run; vanilla gets the same vectors precomputed, as
  ``fit_transform(docs, embeddings)``). The per-user cache is a folder of the run's
  own (``LANDSCAPE_CACHE``), never the user's.
- ``10k``: a stratified sample of ../shared/corpora/arxiv_dev_labelled.parquet
  (benchmarks/samples.py); ``100k``: the whole arXiv dev corpus (100,877 papers).
  Both get the same vectors for both tools: all-MiniLM-L6-v2 with the default
  settings (``precision = "auto"``: OpenVINO int8 on a CPU with VNNI), computed
  once by ``--prefill`` (24 minutes for the 100k corpus on 2 cores, which
  covers the 10k sample: same papers, same cleaned texts) and kept in the
  embedding cache, data/interim/embeddings. A size run without it embeds
  the missing texts inside landscape's (then timed) embed stage.

Usage::

    python benchmarks/bench.py [--sizes default,10k] [--out benchmarks/results]
    python benchmarks/bench.py --prefill 100k        # once: embed and cache the corpus
    python benchmarks/bench.py --sizes 100k          # about 10 minutes on 2 cores
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
STAGES = ("import", "ingest", "embed", "reduce", "cluster", "topic_terms", "map_2d", "maps")
TARGET_STAGES = ("ingest", "embed", "reduce", "cluster", "topic_terms", "map_2d", "maps")


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
    from landscape.ingest import ingest, write_ingest
    from landscape.pipeline import fit, write_run
    from landscape.report.standalone import write_map_html

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
    fitted = fit(corpus, embeddings=np.asarray(vectors), config=cfg)
    stages = fitted.metrics["timings_s"]
    times.update(
        reduce=stages["knn"], cluster=stages["cluster"], topic_terms=stages["topic_terms"],
        map_2d=stages["map_2d"], quality=stages["quality"],
    )  # fmt: skip
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


def _run(tool: str, size: str, mode: str, work: Path, cache: Path, user_cache: Path) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, "--size", size, "--mode", mode,
           "--work", str(work), "--cache", str(cache)]  # fmt: skip
    t = time.perf_counter()
    env = {**os.environ, "TQDM_DISABLE": "1", "LANDSCAPE_CACHE": str(user_cache)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{tool} {size} {mode} failed:\n{done.stderr[-3000:]}")
    res = json.loads(done.stdout.strip().splitlines()[-1])
    res["process_wall_s"] = wall
    return res


def _target_total(times: dict) -> float:
    return sum(times.get(s, 0.0) for s in TARGET_STAGES)


def _markdown(results: list[dict]) -> str:
    lines = [
        "# landscape vs vanilla BERTopic: wall time per stage (s) and peak memory",
        "",
        f"Machine: {os.cpu_count()} CPUs. Each cell is one fresh process; "
        "`total` is ingest + embed + reduce + cluster + topic terms + 2-D map + maps "
        "(imports are listed apart and included in `process`).",
        "",
        "| size | tool | " + " | ".join(STAGES) + " | quality | report | total | process | "
        "peak RSS GB | topics | ratio |",
        "|" + "---|" * (len(STAGES) + 10),
    ]
    for r in results:
        for tool in ("landscape", "vanilla"):
            m = r[tool]
            t = m["times"]
            ratio = ""
            if tool == "landscape":
                ratio = f"{_target_total(t) / _target_total(r['vanilla']['times']):.2f}"
            cells = [f"{t[s]:.1f}" if s in t else "-" for s in STAGES]
            cells += [f"{t[s]:.1f}" if s in t else "-" for s in ("quality", "report")]
            cells += [
                f"{_target_total(t):.1f}", f"{m['process_wall_s']:.1f}",
                f"{m['peak_rss_gb']:.2f}", str(m["n_topics"]), ratio,
            ]  # fmt: skip
            lines.append(f"| {r['size']} {r['mode']} | {tool} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "`ratio` = landscape total / vanilla total (target: <= 0.5 cold). `process` is the "
        "whole process (imports, model loading, reading inputs included).",
    ]
    for r in results:
        note = r["landscape"].get("embedding")
        if note:
            lines.append(f"- {r['size']} {r['mode']}: landscape embeddings: {note}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="default,10k")
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

    results = []
    from samples import ARXIV

    for size in args.sizes.split(","):
        if size != "default" and not ARXIV.exists():
            print(f"{size}: skipped, {ARXIV} not found (a clone outside /work has no ../shared)")
            continue
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as tmp:
            work, cache = Path(tmp) / "work", Path(tmp) / "interim"
            work.mkdir()
            modes = ("first", "cold", "warm") if size == "default" else ("warm",)
            user_cache = Path(tmp) / "user-cache"
            for mode in modes:
                if mode == "cold":  # the first run's vectors go; its converted graph stays
                    shutil.rmtree(cache / "embeddings", ignore_errors=True)
                # landscape first: it writes the corpus both tools read.
                ours = _run("ours", size, mode, work, cache, user_cache)
                vanilla = _run("vanilla", size, mode, work, cache, user_cache)
                results.append({"size": size, "mode": mode, "landscape": ours, "vanilla": vanilla})
                print(
                    f"{size} {mode}: landscape {_target_total(ours['times']):.1f} s, "
                    f"vanilla {_target_total(vanilla['times']):.1f} s",
                    flush=True,
                )
                shutil.rmtree(work / "runs", ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "bench" if args.sizes == "default,10k" else "bench-" + args.sizes.replace(",", "-")
    (out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"{stem}.md").write_text(_markdown(results))
    print(_markdown(results))


if __name__ == "__main__":
    main()
