"""landscape: a map of a field's themes from its abstracts.

The package is a set of small modules (``ingest``, ``embed``, ``pipeline``,
``maps``, ``report``, ...). ``landscape.search("query", k=10)`` finds the papers
of a run nearest in meaning to a query (see :mod:`landscape.explore.search`).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Imported on first use: ``import landscape`` stays cheap for the CLI.
    if name == "search":
        return importlib.import_module("landscape.explore.search").search
    raise AttributeError(f"module 'landscape' has no attribute {name!r}")
