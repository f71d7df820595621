"""The ``landscape`` command line.

Every user error (:class:`~landscape.errors.LandscapeError`) is printed as one
line and exits non-zero without a traceback; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from landscape.config import Config, load_config, override
from landscape.errors import LandscapeError
from landscape.ingest import IngestResult, discover, ingest, write_ingest

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Map the themes of a field from its abstracts.",
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

# Inputs larger than this get a progress bar; small ones finish before it would draw.
_PROGRESS_MIN_BYTES = 2_000_000

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="TOML settings file (see README).", dir_okay=False)
]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Map the themes of a field from its abstracts."""


def _print_summary(result: IngestResult, elapsed: float) -> None:
    s = result.summary()
    table = Table(title=f"ingest: {s['files_read']} files in {elapsed:.1f} s", show_header=True)
    table.add_column("records")
    table.add_column("count", justify="right")
    table.add_row("read", str(s["records_read"]))
    table.add_row("kept", str(s["kept"]))
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
        console.print(
            f"note: {len(result.ignored)} unsupported files ignored: "
            f"{', '.join(result.ignored[:5])}" + (" ..." if len(result.ignored) > 5 else ""),
            highlight=False,
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
    written = write_ingest(result, out_dir)
    _print_summary(result, time.perf_counter() - started)
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
) -> None:
    """Read sources into DIR/corpus.parquet with a ledger of every input record."""
    config = load_config(config_file)
    config = override(config, "ingest", encoding=encoding, min_abstract_words=min_abstract_words)
    run_ingest(paths or [Path(config.paths.raw)], out_dir or Path(config.paths.processed), config)


@app.command("run")
def run_cmd(
    config_file: ConfigOpt = None,
    raw: Annotated[Path | None, typer.Option(help="Source folder (default: data/raw).")] = None,
) -> None:
    """Run the whole pipeline on a corpus folder (ingest; later steps follow)."""
    config = load_config(config_file)
    run_ingest([raw or Path(config.paths.raw)], Path(config.paths.processed), config)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``landscape`` console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # Standalone mode lets typer report usage errors itself (exit code 2).
        app(args=args, prog_name="landscape")
    except LandscapeError as exc:
        if debug:
            console.print_exception()
        console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
