r"""A self-contained, offline HTML page of the document map.

:func:`write_map_html` writes one ``.html`` file: the map fills the window, a
search box sits above it, and a side panel holds, in tabs, the topic tree
(themes, topics, subtopics: click to highlight, hover to outline), the filters
(a year histogram with a brush, a source list), the paper under the cursor or
clicked, and the current selection (box or lasso, a search, a topic) with a
CSV download; a provenance footer closes the panel. Topic names are placed on
the map at the level that suits the zoom, never overlapping; at the initial
zoom a theme name with no room on its anchor moves to the nearest free spot,
with a thin leader line (``map_labels.js``).

Size: numbers travel as base64 typed arrays, plotly.js as gzip-compressed
base64 that the browser inflates (``DecompressionStream``), texts as blocks of
raw deflate, and abstracts are cut to fit
:data:`landscape.report.map_data.ABSTRACT_BUDGET`; see :mod:`landscape.report.map_data`.

Memory: the texts stay compressed in the page (a block is inflated to show a
paper, the whole stream to search), the base64 text of the data and of
plotly.js is dropped once decoded, a highlight is drawn as extra traces, and
the box and lasso tools are the page's own (plotly's keep per-point arrays), so
a 1,000,000-paper page keeps about 120 MB of JavaScript heap and typed arrays
(``benchmarks/map_render.py``).

The page makes no network request, so it opens from ``file://`` on a machine
with no network. Security: data reaches the page in two ways only. Strings
written by Python into the HTML go through :func:`html.escape`; the data are
JSON in ``<script type="application/json">`` blocks with ``<``, ``>`` and ``&``
written as ``\u003c``, ``\u003e`` and ``\u0026``, so no corpus string can close
the script element. The page scripts put corpus strings into the document with
``textContent`` (and ``data-`` attributes) only, never as markup.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from plotly.offline import get_plotlyjs

from landscape.io import write_text
from landscape.report.map_data import page_data

#: Plotly config of the page: no logo, no MathJax, no link to the plotly cloud.
PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "typesetMath": False,
    "showLink": False,
    "scrollZoom": True,
    "doubleClick": "reset",
    "displayModeBar": True,
    # Box zoom would stretch one axis; scroll and the +/- buttons keep scales equal.
    # The page has box and lasso buttons of its own (plotly's keep per-point arrays).
    "modeBarButtonsToRemove": [
        "zoom2d",
        "autoScale2d",
        "toggleSpikelines",
        "resetViews",
        "select2d",
        "lasso2d",
    ],
}
#: Plotly layout of the map: no axes, drag to pan, scroll to zoom. The page sets
#: ranges of equal scale itself: ``scaleanchor`` would recompute every point's
#: colour and index on each zoom step (a second for 100,000 points).
PLOT_LAYOUT = {
    "autosize": True,
    "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
    "xaxis": {"visible": False, "showgrid": False, "zeroline": False},
    "yaxis": {"visible": False, "showgrid": False, "zeroline": False},
    "dragmode": "pan",
    "hovermode": "closest",
    "hoverdistance": 12,
    "showlegend": False,
    "plot_bgcolor": "#ffffff",
    "paper_bgcolor": "#ffffff",
    "selectdirection": "any",
}
#: The page scripts, in order: the panel and label helpers, then the page itself.
SCRIPTS = ("map_labels.js", "map_panel.js", "map_page.js")


def _asset(name: str) -> str:
    return resources.files("landscape.report").joinpath(name).read_text(encoding="utf-8")


def script_json(obj: Any) -> str:
    r"""JSON for a ``<script type="application/json">`` element.

    ``<``, ``>`` and ``&`` are written as JSON ``\u`` escapes, so the text can
    never contain ``</script>`` or ``<!--`` and parses back to the same value.

    Args:
        obj: A JSON-serialisable value.

    Returns:
        The JSON text, safe inside a script element.
    """
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # U+2028/2029 are valid JSON but end lines in some JS parsers.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@functools.cache
def packed_plotly() -> str:
    """plotly.js, gzip-compressed and base64-encoded (2 MB of its 4.8 MB)."""
    raw = get_plotlyjs().encode("utf-8")
    return base64.b64encode(gzip.compress(raw, 9, mtime=0)).decode("ascii")


def _title_only(corpus: pd.DataFrame | None) -> int:
    """Papers of the corpus kept without an abstract (``has_abstract`` False)."""
    if corpus is None or "has_abstract" not in corpus:
        return 0
    return int((~corpus["has_abstract"].fillna(True).astype(bool)).sum())


def _footer(provenance: dict[str, Any], n_docs: int, title_only: int = 0) -> str:
    """The provenance footer (every value escaped); ``title_only``: papers without abstract."""
    cfg = (provenance.get("config") or {}).get("topics") or {}
    run = {
        "seed": provenance.get("seed", cfg.get("seed")),
        "model": provenance.get("model"),
        "method": cfg.get("method"),
        "resolution": cfg.get("resolution"),
    }
    versions = provenance.get("versions") or {}
    items = [
        ("Papers", f"{n_docs:,}"),
        ("Corpus SHA-256", provenance.get("corpus_sha256") or "unknown"),
        ("Run", ", ".join(f"{k} {v}" for k, v in run.items() if v is not None) or "unknown"),
        ("Versions", ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) or "unknown"),
        ("Created", provenance.get("created") or "unknown"),
    ]
    if title_only:
        has = "paper has" if title_only == 1 else "papers have"
        items.insert(1, ("Title only", f"{title_only:,} {has} no abstract (title only)"))
    rows = "".join(
        f'<span class="prov"><b>{html.escape(k)}:</b> '
        f'<span data-key="{html.escape(k)}">{html.escape(str(v))}</span></span>\n'
        for k, v in items
    )
    summary = f"About this map: {n_docs:,} papers, how it was made"
    return (
        f'<footer id="landscape-provenance">\n<details><summary>{html.escape(summary)}</summary>\n'
        f"{rows}</details></footer>"
    )


_PANEL = """\
<aside id="landscape-panel">
<div id="landscape-tabs" role="tablist">
<button type="button" role="tab" data-tab="topics" aria-controls="tab-topics">Topics</button>
<button type="button" role="tab" data-tab="filters" aria-controls="tab-filters">Filters</button>
<button type="button" role="tab" data-tab="paper" aria-controls="tab-paper">Paper</button>
<button type="button" role="tab" data-tab="selection"
 aria-controls="tab-selection">Selection</button>
</div>
<section id="tab-topics" role="tabpanel" class="tab">
<p class="hint">Click a topic to highlight it on the map (again to clear);
hover to outline it.</p>
<ul id="landscape-tree" role="tree"></ul>
</section>
<section id="tab-filters" role="tabpanel" class="tab" hidden>
<p id="filter-count" class="meta" aria-live="polite"></p>
<div id="filter-years">
<h3>Year</h3>
<svg id="year-histogram" role="img" aria-label="Papers per year; drag to choose years"></svg>
<p class="year-inputs"><label>From <input id="year-from" type="number" step="1"></label>
<label>to <input id="year-to" type="number" step="1"></label>
<button type="button" id="year-clear">All years</button></p>
<p id="year-summary" class="meta"></p>
</div>
<p id="no-years" class="meta" hidden>No publication dates in this corpus.</p>
<div id="filter-sources">
<h3>Sources</h3>
<p><button type="button" id="sources-all">All</button>
<button type="button" id="sources-none">None</button></p>
<ul id="source-list"></ul>
</div>
</section>
<section id="tab-paper" role="tabpanel" class="tab" hidden aria-live="polite">
<p class="hint">Point at a paper to read it here; click to keep it.</p>
<h2 id="panel-title"></h2>
<p id="panel-topic" class="meta"></p>
<p id="panel-year" class="meta"></p>
<p id="panel-sources" class="meta"></p>
<p id="panel-abstract"></p>
</section>
<section id="tab-selection" role="tabpanel" class="tab" hidden>
<h3 id="results-heading" hidden></h3>
<p><span id="selection-count" class="meta"></span>
<button type="button" id="selection-csv" disabled>Download CSV</button></p>
<ol id="landscape-results"></ol>
</section>
{footer}
</aside>"""


def map_page_html(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    topics: pd.DataFrame | None,
    provenance: dict[str, Any],
    *,
    title: str = "Topic map",
    highlight: Sequence[str] | None = None,
    highlight_name: str = "Highlighted papers",
) -> str:
    """The self-contained page of :func:`write_map_html`, as a string.

    Args:
        documents: Document table of a run (``doc_id``, ``topic``, ``x``, ``y``,
            and ``level_0``, ``level_1``, ... for a run with levels).
        corpus: Corpus table (``doc_id``, ``title``, ``abstract``, ``year`` or
            ``date``, ``source_names`` or ``source_files``).
        topics: Topic table: every level (``Run.all_topics``: ``topic``,
            ``level``, ``parent``, ``label``, ``name``) for the tree and the
            names by zoom, or one level (``topic``, ``label``).
        provenance: The run's ``provenance.json`` as a dict.
        title: Page and map title (plain text; escaped).
        highlight: Doc ids highlighted when the page opens (in this order in the
            selection list), for example the hits of ``landscape search``; the
            search box clears them.
        highlight_name: Heading of that list (plain text, shown via textContent).

    Returns:
        The HTML text.
    """
    data = page_data(documents, corpus, topics, highlight=highlight, highlight_name=highlight_name)
    n = data["n"]
    page_title = html.escape(title)
    scripts = "\n".join(_asset(name) for name in SCRIPTS)
    panel = _PANEL.replace("{footer}", _footer(provenance, n, _title_only(corpus)))
    config = {"plot": PLOT_CONFIG, "layout": PLOT_LAYOUT}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; \
worker-src blob:; connect-src 'none'">
<title>{page_title}</title>
<style>{_asset("map_page.css")}</style>
</head>
<body>
<header>
<h1>{page_title}</h1>
<div id="landscape-search-box">
<label for="landscape-search">Search titles and abstracts</label>
<input id="landscape-search" type="search" autocomplete="off" spellcheck="false"
 placeholder="e.g. protein folding">
<span id="landscape-count" aria-live="polite">{n:,} papers</span>
</div>
</header>
<main>
<div id="landscape-stage">
<div id="landscape-map" class="landscape-map"></div>
<svg id="landscape-outline" aria-hidden="true"></svg>
<svg id="landscape-leaders" aria-hidden="true"></svg>
<svg id="landscape-selection" aria-hidden="true"></svg>
<div id="landscape-labels" aria-hidden="true"></div>
<div id="landscape-hover" role="tooltip" hidden></div>
<p id="landscape-loading">Loading the map\u2026</p>
</div>
{panel}
</main>
<script type="application/json" id="landscape-data">{script_json(data)}</script>
<script type="application/json" id="landscape-config">{script_json(config)}</script>
<script type="application/octet-stream" id="landscape-plotly">{packed_plotly()}</script>
<script>{scripts}</script>
</body>
</html>
"""


def write_map_html(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    topics: pd.DataFrame | None,
    provenance: dict[str, Any],
    path: str | os.PathLike[str],
    *,
    title: str = "Topic map",
    highlight: Sequence[str] | None = None,
    highlight_name: str = "Highlighted papers",
) -> Path:
    """Write the document map as one self-contained HTML file (atomically).

    The page embeds plotly.js and all data and requests nothing from any host:
    it opens from ``file://`` offline. The map is coloured by theme (each topic
    a shade of its theme's hue, outliers light grey) and named at the level
    that suits the zoom; a search box (all words must occur in the title or
    abstract, case-insensitive) highlights the matching papers and dims the
    rest; the side panel has the topic tree, the filters (years, sources), the
    paper under the cursor or clicked, the current selection with a CSV
    download, and the provenance (corpus hash, seed, model, method,
    resolution, versions, creation date).

    Abstracts are embedded in full unless together they pass
    :data:`~landscape.report.map_data.ABSTRACT_BUDGET` characters; then each
    is cut to an equal share, or left out when that share is under
    :data:`~landscape.report.map_data.MIN_ABSTRACT_CHARS`, which keeps a
    100,000-paper page under 15 MB.

    Args:
        documents: Document table of a run (``doc_id``, ``topic``, ``x``, ``y``,
            ``level_0``, ``level_1``, ...).
        corpus: Corpus table (``doc_id``, ``title``, ``abstract``, ``year`` or
            ``date``, ``source_names`` or ``source_files``).
        topics: Topic table, best at every level (``Run.all_topics``); see
            :func:`map_page_html`.
        provenance: The run's ``provenance.json`` as a dict.
        path: Output ``.html`` path.
        title: Page and map title (plain text; escaped).
        highlight: See :func:`map_page_html`.
        highlight_name: See :func:`map_page_html`.

    Returns:
        The written path.
    """
    text = map_page_html(
        documents, corpus, topics, provenance, title=title, highlight=highlight,
        highlight_name=highlight_name,
    )  # fmt: skip
    return write_text(path, text)
