"""The typer application that every command registers on, and what commands share.

The commands themselves live in :mod:`landscape.cli.stages` (ingest, fit,
report, run, evaluate) and :mod:`landscape.cli.commands` (embed, search,
update, labels); :func:`landscape.cli.main` runs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from landscape.config import Config
from landscape.errors import LandscapeError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Map the themes of a field from its abstracts.",
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

ColOpt = Annotated[
    str | None, typer.Option(help="Column of tabular sources to use (default: detected).")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="TOML settings file (see docs/settings.md).", dir_okay=False),
]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Map the themes of a field from its abstracts."""


SeedOpt = Annotated[int | None, typer.Option(help="Random seed (default 42).")]
StabilityOpt = Annotated[
    int | None, typer.Option("--stability", help="Also measure stability over K seeds.")
]


def read_corpus(path: Path) -> pd.DataFrame:
    """Read a corpus table, or say which file is missing or unreadable."""
    if not path.exists():
        raise LandscapeError(f"{path}: corpus not found; run `landscape ingest` first")
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise LandscapeError(f"{path}: not a readable Parquet corpus ({exc})") from None


def run_dir(config: Config, name: str) -> Path:
    """The folder of run ``name``; a name cannot point outside the runs folder."""
    if not name or name in {".", ".."} or any(c in name for c in "/\\\x00"):
        raise LandscapeError(f"run name {name!r} must be a plain folder name")
    return Path(config.paths.runs) / name
