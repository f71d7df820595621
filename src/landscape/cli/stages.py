"""The pipeline's commands: ingest, fit, report, run (all three), evaluate."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from landscape.cli.app import (
    ColOpt,
    ConfigOpt,
    SeedOpt,
    StabilityOpt,
    app,
    console,
    out,
    read_corpus,
    run_dir,
)
from landscape.config import Config, load_config, override
from landscape.errors import LandscapeError
from landscape.ingest import IngestResult, discover, ingest, write_ingest
from landscape.io import folder_lock

# Inputs larger than this get a progress bar; small ones finish before it would draw.
_PROGRESS_MIN_BYTES = 2_000_000
# Ignored files named in the summary; the rest are in ingest_report.json.
_IGNORED_SHOWN = 10

KeepTitleOpt = Annotated[
    bool | None,
    typer.Option(
        "--keep-title-only/--drop-title-only",
        help="Keep papers without an abstract, embedded on their title alone "
        "(default: drop them as no-abstract; [ingest] keep_title_only).",
    ),
]


def _print_summary(result: IngestResult, elapsed: float, report_path: Path | None = None) -> None:
    s = result.summary()
    formats = ", ".join(
        f"{n} {f}" for f, n in Counter(r.format for r in result.files).most_common()
    )
    table = Table(
        title=f"ingest: {s['files_read']} files ({formats}) in {elapsed:.1f} s", show_header=True
    )
    table.add_column("records")
    table.add_column("count", justify="right")
    table.add_row("read", str(s["records_read"]))
    table.add_row("kept", str(s["kept"]))
    if s["title_only"]:
        table.add_row("  kept: no abstract (title only)", str(s["title_only"]))
    table.add_row("merged (duplicate)", str(s["duplicate"]))
    table.add_row("dropped", str(s["dropped"]))
    for reason, n in s["dropped_by_reason"].items():
        table.add_row(f"  dropped: {reason}", str(n))
    table.add_row("chrome lines skipped", str(s["chrome_lines_skipped"]))
    out.print(table)
    for err in result.file_errors:
        console.print(f"[yellow]warning:[/] skipped file: {err}", highlight=False)
    for report in result.files:
        for warning in report.warnings:
            console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if result.ignored:
        # Every file that is not read is named, here or in the report: none is skipped unseen.
        shown = result.ignored[:_IGNORED_SHOWN]
        more = len(result.ignored) - len(shown)
        where = f" (all listed in {report_path})" if report_path is not None else ""
        console.print(
            f"note: {len(result.ignored)} files in the input folders are in no supported "
            f"format and were not read: {', '.join(shown)}"
            + (f" and {more} more{where}" if more else ""),
            highlight=False,
            soft_wrap=True,  # paths stay whole, to copy
        )


def run_ingest(paths: list[Path], out_dir: Path, config: Config) -> IngestResult:
    """Ingest ``paths`` into ``out_dir`` with a progress bar on large inputs."""
    started = time.perf_counter()
    files, _ = discover(paths)
    total = sum(p.stat().st_size for p in files)
    if total >= _PROGRESS_MIN_BYTES:
        with Progress(
            TextColumn("reading"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("read", total=total)
            result = ingest(paths, config.ingest, lambda _p, n: progress.advance(task, n))
    else:
        result = ingest(paths, config.ingest)
    with folder_lock(out_dir):
        written = write_ingest(result, out_dir)
    _print_summary(result, time.perf_counter() - started, written["report"])
    console.print(f"wrote {written['corpus']} and {written['ledger']}", highlight=False)
    return result


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to read (default: data/raw).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: data/processed).")
    ] = None,
    config_file: ConfigOpt = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of plain-text sources (default utf-8).")
    ] = None,
    min_abstract_words: Annotated[
        int | None, typer.Option(help="Drop abstracts with fewer words (default 20).")
    ] = None,
    keep_title_only: KeepTitleOpt = None,
    title_col: ColOpt = None,
    abstract_col: ColOpt = None,
    id_col: ColOpt = None,
    year_col: ColOpt = None,
    doi_col: ColOpt = None,
    authors_col: ColOpt = None,
    date_col: ColOpt = None,
    venue_col: ColOpt = None,
) -> None:
    """Read sources into DIR/corpus.parquet with a ledger of every input record.

    Formats are detected from content and name: listing pages (.txt), arXiv API
    Atom and metadata snapshot, OpenAlex, Semantic Scholar, BibTeX, RIS, CSV,
    TSV and Parquet, each optionally gzipped.
    """
    config = load_config(config_file)
    config = override(
        config,
        "ingest",
        encoding=encoding,
        min_abstract_words=min_abstract_words,
        keep_title_only=keep_title_only,
        title_col=title_col,
        abstract_col=abstract_col,
        id_col=id_col,
        year_col=year_col,
        doi_col=doi_col,
        authors_col=authors_col,
        date_col=date_col,
        venue_col=venue_col,
    )
    run_ingest(paths or [Path(config.paths.raw)], out_dir or Path(config.paths.processed), config)


def run_fit(
    corpus_path: Path,
    out_dir: Path,
    config: Config,
    embeddings_path: Path | None = None,
    previous: Path | None = None,
) -> None:
    """Fit a run from a corpus file and print where it went.

    With ``previous`` (an earlier run), also write ``topic_mapping.parquet``:
    which old topic became which new one.
    """
    from landscape.embed import load_embeddings
    from landscape.fit.pipeline import fit
    from landscape.runs import write_run

    corpus = read_corpus(corpus_path)
    embeddings = load_embeddings(embeddings_path, len(corpus)) if embeddings_path else None
    started = time.perf_counter()
    with folder_lock(out_dir):
        result = fit(corpus, embeddings=embeddings, config=config, progress=True)
        write_run(result, out_dir)
        if previous is not None:
            from landscape.explore.topic_mapping import write_topic_mapping

            write_topic_mapping(previous, result.documents, out_dir)
    m = result.metrics
    table = Table(title=f"fit: {len(corpus)} papers in {time.perf_counter() - started:.1f} s")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("topics", str(m["n_topics"]))
    table.add_row("outlier share", f"{m['outliers']['share']:.1%}")
    table.add_row("NPMI (top-10 terms)", f"{m['npmi']:.3f}" if m["npmi"] is not None else "-")
    table.add_row("topic diversity (top-25)", f"{m['diversity']:.3f}")
    table.add_row("silhouette (cosine)", f"{m['silhouette']:.3f}")
    if "stability" in m:
        table.add_row(
            f"stability: mean ARI over {len(m['stability']['seeds'])} seeds",
            f"{m['stability']['ari']['mean']:.3f}",
        )
    for stage, secs in m["timings_s"].items():
        table.add_row(f"time: {stage}", f"{secs:.1f} s")
    out.print(table)
    console.print(f"wrote run to {out_dir}", highlight=False)


@app.command("fit")
def fit_cmd(
    corpus: Annotated[
        Path | None, typer.Option(help="Corpus (default data/processed/corpus.parquet).")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Run folder.")] = None,
    seed: SeedOpt = None,
    config_file: ConfigOpt = None,
    embeddings: Annotated[
        Path | None, typer.Option(help=".npy embeddings aligned with the corpus rows.")
    ] = None,
    stability: StabilityOpt = None,
    model: Annotated[str | None, typer.Option(help="Embedding model name or folder.")] = None,
    previous: Annotated[
        Path | None,
        typer.Option(help="An earlier run: write topic_mapping.parquet (old -> new topic ids)."),
    ] = None,
) -> None:
    """Fit topics and a 2-D map; write the run folder (documents, topics, metrics...)."""
    config = load_config(config_file)
    config = override(config, "topics", seed=seed, stability_runs=stability)
    config = override(config, "embed", model=model)
    run_fit(
        corpus or Path(config.paths.processed) / "corpus.parquet",
        out_dir or Path(config.paths.runs) / "default",
        config,
        embeddings,
        previous,
    )


def run_report(config: Config, run: Path, out_dir: Path | None = None) -> None:
    """Build the reports of a run and print where they went."""
    from landscape.report.build import build_report

    started = time.perf_counter()
    target = out_dir or Path(config.paths.reports)
    with folder_lock(target):
        done = build_report(
            run, target, processed_dir=config.paths.processed, interim_dir=config.paths.interim,
            raw_dir=config.paths.raw, labels_file=config.labels.file or None,
        )  # fmt: skip
    for warning in done["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(
        f"wrote {target}/index.html (the summary"
        + (", also as summary.pdf" if done.get("pdf") else "")
        + f"), map.html, {len(done['pages'])} notebook pages and "
        f"{len(done['figures'])} static figures in {time.perf_counter() - started:.1f} s",
        highlight=False,
    )


@app.command("report")
def report_cmd(
    run: Annotated[Path, typer.Option(help="Run folder.")] = Path("runs/default"),
    out_dir: Annotated[Path | None, typer.Option("--out", help="Report folder.")] = None,
    config_file: ConfigOpt = None,
) -> None:
    """Render the summary page (index.html, summary.pdf), the map, notebook pages and figures."""
    run_report(load_config(config_file), run, out_dir)


@app.command("run")
def run_cmd(
    config_file: ConfigOpt = None,
    raw: Annotated[Path | None, typer.Option(help="Source folder (default: data/raw).")] = None,
    name: Annotated[str, typer.Option(help="Run name: the run goes to runs/NAME.")] = "default",
    seed: SeedOpt = None,
    stability: StabilityOpt = None,
    report: Annotated[bool, typer.Option(help="Also build the reports.")] = True,
    keep_title_only: KeepTitleOpt = None,
) -> None:
    """Run the whole pipeline: ingest, fit topics and the map, build the reports."""
    config = load_config(config_file)
    config = override(config, "topics", seed=seed, stability_runs=stability)
    config = override(config, "ingest", keep_title_only=keep_title_only)
    target = run_dir(config, name)  # checked before any work is done
    processed = Path(config.paths.processed)
    run_ingest([raw or Path(config.paths.raw)], processed, config)
    run_fit(processed / "corpus.parquet", target, config)
    if report:
        run_report(config, target)


@app.command("evaluate")
def evaluate_cmd(
    labels: Annotated[str, typer.Option(help="Corpus column holding reference labels.")],
    run: Annotated[Path, typer.Option(help="Run folder.")] = Path("runs/default"),
    corpus: Annotated[Path | None, typer.Option(help="Corpus the run was fitted on.")] = None,
) -> None:
    """Score a run's topics against a label column (NMI, AMI, ARI); adds them to metrics.json."""
    from landscape.fit.quality import label_agreement
    from landscape.runs import read_documents, read_metrics, write_metrics

    metrics = read_metrics(run)
    corpus_path = corpus or Path(load_config(None).paths.processed) / "corpus.parquet"
    table = read_corpus(corpus_path)
    if labels not in table.columns:
        raise LandscapeError(
            f"{corpus_path}: no column {labels!r}; columns: {', '.join(map(str, table.columns))}"
        )
    docs = read_documents(run)
    merged = docs.merge(table[["doc_id", labels]], on="doc_id", how="left")
    if merged[labels].isna().all():
        raise LandscapeError(f"{corpus_path}: no document of run {run} has a {labels!r} value")
    known = merged[merged[labels].notna()]
    scores = label_agreement(known["topic"].to_numpy(), known[labels].tolist())
    scores["n_docs_labelled"] = len(known)
    metrics.setdefault("labels", {})[labels] = scores
    write_metrics(run, metrics)
    out.print_json(data=scores)
