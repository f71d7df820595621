"""The ``landscape`` command line.

Every user error (:class:`~landscape.errors.LandscapeError`) is printed as one
line and exits non-zero without a traceback; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys

# Importing the command modules registers their commands on `app`.
from landscape.cli import commands, stages
from landscape.cli.app import app, console
from landscape.errors import LandscapeError

__all__ = ["app", "commands", "main", "stages"]


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
