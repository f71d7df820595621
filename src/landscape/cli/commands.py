"""``landscape`` commands that work beside a fitted run: embed, search, update, labels.

Registered on :data:`landscape.cli.app.app` when :mod:`landscape.cli` is imported;
the pipeline commands (ingest, fit, report, run, evaluate) are in :mod:`landscape.cli.stages`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from landscape.cli.app import ConfigOpt, app, console, out, read_corpus
from landscape.config import load_config, override
from landscape.errors import LandscapeError

RunOpt = Annotated[Path, typer.Option(help="Run folder.")]


@app.command("embed")
def embed_cmd(
    corpus: Annotated[
        Path | None, typer.Option(help="Corpus (default data/processed/corpus.parquet).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="'local' for a Dask LocalCluster here, or a dask.distributed scheduler "
            "address (tcp://host:8786); default: embed in this process."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes of the LocalCluster.")
    ] = None,
    precision: Annotated[
        str | None, typer.Option(help="auto (default), fp32, bf16 or fp16 (CUDA).")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="auto (default: OpenVINO on a CPU), torch or openvino.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Embedding model name or folder.")] = None,
    config_file: ConfigOpt = None,
) -> None:
    """Embed the corpus into the cache (data/interim/embeddings), here or on a Dask cluster."""
    from landscape.embed import corpus_texts
    from landscape.embed.distributed import embed_distributed, scheduler_from_config

    config = load_config(config_file)
    config = override(
        config, "embed", scheduler=scheduler, workers=workers, precision=precision,
        backend=backend, model=model,
    )  # fmt: skip
    path = corpus or Path(config.paths.processed) / "corpus.parquet"
    texts = corpus_texts(read_corpus(path))
    target = scheduler_from_config(config.embed.scheduler, config.embed.workers)
    started = time.perf_counter()
    _, stats = embed_distributed(
        texts, config.embed.model, Path(config.paths.interim) / "embeddings",
        scheduler=target, n_workers=config.embed.workers, batch_size=config.embed.batch_size,
        precision=config.embed.precision, progress=True, backend=config.embed.backend,
    )  # fmt: skip
    where = "this process" if target is None else f"Dask ({target})"
    table = Table(title=f"embed: {stats.n_texts} texts in {time.perf_counter() - started:.1f} s")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in (
        ("computed on", where),
        ("precision", stats.precision),
        ("backend", stats.backend),
        ("from the cache", str(stats.n_cached)),
        ("computed", str(stats.n_computed)),
        ("corrupt cache shards set aside", str(stats.n_corrupt_shards)),
        ("texts per second (computed)", f"{stats.docs_per_second:.1f}"),
    ):
        table.add_row(name, value)
    out.print(table)


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to look for, in plain language.")],
    k: Annotated[int, typer.Option("-k", help="How many papers.")] = 10,
    run: RunOpt = Path("runs/default"),
    highlight: Annotated[
        Path | None,
        typer.Option(help="Also write a standalone map (HTML) with the results highlighted."),
    ] = None,
    config_file: ConfigOpt = None,
) -> None:
    """Find the papers nearest to a query by embedding (the run's model)."""
    from landscape.explore.search import search

    config = load_config(config_file)
    corpus_path = Path(config.paths.processed) / "corpus.parquet"
    hits = search(
        query, k, run=run, corpus_path=corpus_path,
        cache_dir=Path(config.paths.interim) / "embeddings",
    )  # fmt: skip
    table = Table(title=f"{len(hits)} papers nearest to {query!r}")
    for col in ("rank", "score", "topic_label", "title"):
        table.add_column(col)
    for row in hits.itertuples():
        table.add_row(str(row.rank), f"{row.score:.3f}", row.topic_label, row.title)
    out.print(table)
    if highlight is not None:
        from landscape.report.standalone import write_map_html
        from landscape.runs import load_run

        art = load_run(run, corpus_path, config.labels.file or None)
        written = write_map_html(
            art.documents, art.corpus, art.all_topics, art.provenance, highlight,
            title=f"Nearest to: {query}", highlight=hits["doc_id"].tolist(),
            highlight_name=f"{len(hits)} papers nearest to “{query}”",
        )  # fmt: skip
        console.print(f"wrote {written}", highlight=False)


@app.command("update")
def update_cmd(
    paths: Annotated[list[Path], typer.Argument(help="New source files or folders.")],
    run: Annotated[Path, typer.Option(help="The run to place the new papers on.")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="New run folder (default: RUN-update).")
    ] = None,
    k: Annotated[int, typer.Option(help="Neighbours that vote on each paper's topic.")] = 15,
    novelty_percentile: Annotated[
        float,
        typer.Option(
            help="A paper less similar to every topic than this percentile of the "
            "run's own papers fits no existing theme."
        ),
    ] = 5.0,
    config_file: ConfigOpt = None,
) -> None:
    """Map new papers onto a run without refitting; list those that fit no theme."""
    from landscape.explore.update import update_from_files

    config = load_config(config_file)
    target = out_dir or run.parent / f"{run.name}-update"
    started = time.perf_counter()
    summary = update_from_files(
        run, paths, target, config, corpus_path=Path(config.paths.processed) / "corpus.parquet",
        k=k, percentile=novelty_percentile,
    )  # fmt: skip
    table = Table(title=f"update of {run}: {time.perf_counter() - started:.1f} s")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name in ("papers_offered", "already_in_run", "duplicates_within_update", "added"):
        table.add_row(name.replace("_", " "), str(summary[name]))
    table.add_row("placed in an existing topic", str(summary["placed"]))
    table.add_row("fit no existing theme (novel)", str(summary["novel"]))
    out.print(table)
    if summary["placed_by_topic"]:
        placed = Table(title="placed per topic")
        placed.add_column("topic")
        placed.add_column("papers", justify="right")
        for label, n in summary["placed_by_topic"].items():
            placed.add_row(label, str(n))
        out.print(placed)
    if summary["novel_papers"]:
        novel = Table(title="candidates for a new topic (least similar first)")
        for col in ("title", "nearest topic", "similarity"):
            novel.add_column(col)
        for row in summary["novel_papers"]:
            novel.add_row(row["title"], row["nearest_label"], f"{row['similarity']:.3f}")
        out.print(novel)
    console.print(f"wrote run to {summary['out']}", highlight=False)


labels_app = typer.Typer(
    no_args_is_help=True, help="Topic labels: rename topics, show their evidence, LLM labels."
)
app.add_typer(labels_app, name="labels")


@labels_app.command("init")
def labels_init_cmd(
    run: RunOpt = Path("runs/default"),
    force: Annotated[bool, typer.Option(help="Replace an existing labels.toml.")] = False,
    config_file: ConfigOpt = None,
) -> None:
    """Write RUN/labels.toml: every topic with its terms, ready to rename by hand."""
    from landscape.labels.overrides import labels_path, write_label_template
    from landscape.runs import load_run

    config = load_config(config_file)
    art = load_run(run, Path(config.paths.processed) / "corpus.parquet")
    path = write_label_template(art.all_topics, labels_path(run), overwrite=force)
    console.print(
        f"wrote {path}: uncomment and edit a line to rename a topic, then run `landscape report`",
        highlight=False,
    )


def _percent(value: float) -> str:
    return "-" if value != value else f"{value:.0%}"  # NaN: nothing measured


def _short(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _json_safe(value: object) -> object:
    """A value of an evidence cell as JSON: NaN as null, arrays as lists."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


@labels_app.command("show")
def labels_show_cmd(
    run: RunOpt = Path("runs/default"),
    level: Annotated[
        int | None, typer.Option(help="Show one level (0: themes); default: every level.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON with all the evidence instead of a table.")
    ] = False,
    config_file: ConfigOpt = None,
) -> None:
    """Each topic's label at every level with its evidence: name, terms, titles, fit."""
    from landscape.labels.evidence import label_evidence
    from landscape.runs import load_run

    config = load_config(config_file)
    art = load_run(run, Path(config.paths.processed) / "corpus.parquet", config.labels.file or None)
    evidence = label_evidence(art.all_topics, art.documents, art.corpus)
    if level is not None:
        levels = sorted(set(evidence["level"]))
        if level not in levels:
            raise LandscapeError(
                f"{run}: no level {level}; its levels are {', '.join(map(str, levels))} "
                f"(topics: level {art.topic_level})"
            )
        evidence = evidence[evidence["level"] == level]
    if as_json:
        rows = [_json_safe(r) for r in evidence.to_dict("records")]
        out.print_json(json.dumps(rows, default=str))
        return
    for k in sorted(set(evidence["level"])):
        out.print(_labels_table(evidence[evidence["level"] == k], f"{run}", k, art.topic_level))


def _level_name(level: int, topic_level: int) -> str:
    if level == topic_level:
        return "topics"
    return "themes" if level < topic_level else "sub-" * (level - topic_level - 1) + "subtopics"


def _labels_table(evidence: pd.DataFrame, run: str, level: int, topic_level: int) -> Table:
    """One level's labels with a short form of their evidence (``--json`` has all of it)."""
    table = Table(title=f"level {level} ({_level_name(level, topic_level)}) of {run}")
    columns = ("topic", "parent", "label", "source", "extractive name", "papers")
    columns += ("name coverage (distinct.)", "label fit (elsewhere)", "verdict")
    for col in (*columns, "top terms", "first title"):
        table.add_column(col)
    for row in evidence.itertuples():
        distinct = row.name_distinctiveness
        table.add_row(
            str(row.topic),
            "-" if row.parent == -1 else str(row.parent),
            row.label,
            row.label_source,
            "=" if row.name == row.label else row.name,
            str(row.size),
            _percent(row.name_coverage) + ("" if distinct != distinct else f" (×{distinct:.1f})"),
            f"{_percent(row.label_fit)} ({_percent(row.background_fit)})",
            row.verdict,
            ", ".join(t["term"] for t in list(row.terms)[:3]),
            _short(row.representative_titles[0]) if len(row.representative_titles) else "",
        )
    return table


@labels_app.command("llm")
def labels_llm_cmd(
    run: RunOpt = Path("runs/default"),
    endpoint: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL (default: [labels] config).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name at the endpoint.")] = None,
    config_file: ConfigOpt = None,
) -> None:
    """Ask a language model you configured for labels at every level (sends no abstracts)."""
    from landscape.labels.evidence import label_evidence
    from landscape.labels.llm import LLM_LABELS_FILE, llm_labels, write_llm_labels
    from landscape.runs import load_run

    config = load_config(config_file)
    config = override(config, "labels", llm_endpoint=endpoint, llm_model=model)
    cfg = config.labels
    if not cfg.llm_endpoint or not cfg.llm_model:
        raise LandscapeError(
            "no LLM configured: give --endpoint and --model, or set llm_endpoint and "
            "llm_model in the [labels] section of a config file"
        )
    art = load_run(run, Path(config.paths.processed) / "corpus.parquet", cfg.file or None)
    evidence = label_evidence(art.all_topics, art.documents, art.corpus)
    result = llm_labels(
        evidence, cfg.llm_endpoint, cfg.llm_model, cfg.llm_api_key_env, cfg.llm_timeout,
        cfg.llm_max_topics, topic_level=art.topic_level,
    )  # fmt: skip
    path = write_llm_labels(result, Path(run) / LLM_LABELS_FILE, cfg.llm_endpoint, cfg.llm_model,
                            art.all_topics)  # fmt: skip
    asked = len(result.answers)
    left = int((evidence["topic"] != -1).sum()) - asked
    rest = f"; {left} topics over llm_max_topics keep their names" if left > 0 else ""
    console.print(
        f"wrote {asked} labels with their prompts and answers to {path}{rest}; "
        "reports use them (your labels.toml wins)",
        highlight=False,
    )
