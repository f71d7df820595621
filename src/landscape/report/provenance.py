"""The provenance footer of every report page: where the numbers came from.

The notebook pages (:mod:`landscape.report.notebooks`) and the summary page
(:mod:`landscape.report.summary`) end with the same footer: a table (run, corpus
hash, model, seed...), the versions of the software, and folded details (the
run's configuration; a notebook's parameters). Every value is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any


def package_version(name: str) -> str:
    """The installed version of a distribution, or ``"not installed"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def provenance_footer(
    rows: Sequence[tuple[str, Any]],
    versions: Mapping[str, Any],
    details: Sequence[tuple[str, Any]],
    table_style: str = "",
) -> str:
    """The footer's HTML.

    Args:
        rows: ``(heading, value)`` of the table, in order.
        versions: Software name to version, listed sorted by name.
        details: ``(summary, value)`` of each folded block; ``value`` is shown as
            JSON (indented, keys sorted).
        table_style: Inline style of the table ("" for none).

    Returns:
        A ``<footer class="landscape-provenance">`` element.
    """
    e = html.escape
    table = "".join(f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in rows)
    version_text = ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))
    folded = "".join(
        f"<details><summary>{e(summary)}</summary>"
        f"<pre>{e(json.dumps(value, indent=2, sort_keys=True, default=str))}</pre></details>"
        for summary, value in details
    )
    style = f' style="{e(table_style)}"' if table_style else ""
    return (
        '<footer class="landscape-provenance"><h2>Provenance</h2>'
        f"<table{style}>{table}</table><p>Versions: {e(version_text)}</p>{folded}</footer>"
    )
