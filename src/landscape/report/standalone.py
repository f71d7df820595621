r"""A self-contained, offline HTML page of the document map.

:func:`write_map_html` writes one ``.html`` file holding plotly.js, the document
map (:func:`landscape.maps.document_map`), a search box, a side panel with the
clicked paper and a provenance footer. The page makes no network request, so it
opens from ``file://`` on a machine with no network.

Security: data reaches the page in two ways only. Strings written by Python into
the HTML go through :func:`html.escape`; the figure and the search data are JSON
in ``<script type="application/json">`` blocks with ``<``, ``>`` and ``&``
written as ``\u003c``, ``\u003e`` and ``\u0026``, so no corpus string can close
the script element. The page script (``map_page.js``) puts corpus strings into
the document with ``textContent`` only, and the figure's own strings are escaped
by :mod:`landscape.maps`.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from landscape.io import write_text
from landscape.maps import document_map
from landscape.maps.style import as_list, clean_text, file_name, label_map, topic_name, truncate

#: Total characters of abstracts embedded before each abstract is shortened.
ABSTRACT_BUDGET = 12_000_000
#: Shortest cut abstract (characters) when the budget is exceeded.
MIN_ABSTRACT_CHARS = 120

#: Plotly config of the page: no logo, no MathJax, no link to the plotly cloud.
PLOT_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "typesetMath": False,
    "showLink": False,
    "scrollZoom": True,
}


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


def map_figure_html(fig: go.Figure, div_id: str = "landscape-map") -> str:
    """The HTML of a figure for a page that already loads plotly.js.

    The figure travels as JSON in ``<script type="application/json"
    id="{div_id}-figure">`` next to an empty ``<div id="{div_id}">``; the page
    script draws it with ``Plotly.newPlot``.

    Args:
        fig: The figure (its strings must already be escaped for plotly).
        div_id: Id of the plot div (trusted, plain identifier).

    Returns:
        The two elements as an HTML fragment.
    """
    div = html.escape(div_id)
    return (
        f'<div id="{div}" class="landscape-map"></div>\n'
        f'<script type="application/json" id="{div}-figure">{script_json(fig.to_json())}</script>'
    )


def _search_data(
    fig: go.Figure, documents: pd.DataFrame, corpus: pd.DataFrame | None, topics: Any
) -> dict[str, Any]:
    """Per-point text in the figure's point order (trace by trace)."""
    docs = documents.reset_index(drop=True)
    doc_ids = docs["doc_id"].astype(str)
    info = pd.DataFrame(index=doc_ids)
    if corpus is not None:
        cols = [c for c in ("title", "abstract", "source_names", "source_files") if c in corpus]
        table = corpus[["doc_id", *cols]].copy()
        table["doc_id"] = table["doc_id"].astype(str)
        info = table.drop_duplicates("doc_id").set_index("doc_id").reindex(doc_ids)
    labels = label_map(topics, documents)
    topic_of = dict(zip(doc_ids, docs["topic"].astype(int), strict=True))
    row_of = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    escaped = {html.escape(d, quote=False): d for d in doc_ids}

    order: list[str] = []
    counts: list[int] = []
    for trace in fig.data:
        ids = [] if trace.customdata is None else [row[0] for row in trace.customdata]
        counts.append(len(ids))
        order.extend(_unescape_id(i, escaped) for i in ids)

    def column(name: str) -> list[Any]:
        if name not in info:
            return [None] * len(order)
        values = info[name].tolist()
        return [values[row_of[d]] for d in order]

    titles = [clean_text(t) for t in column("title")]
    abstracts = [clean_text(a) for a in column("abstract")]
    total = sum(map(len, abstracts))
    cap = None
    if total > ABSTRACT_BUDGET and abstracts:
        cap = max(MIN_ABSTRACT_CHARS, ABSTRACT_BUDGET // len(abstracts))
        abstracts = [truncate(a, cap) for a in abstracts]

    label_names: list[str] = []
    label_index: dict[str, int] = {}
    source_names: list[str] = []
    source_index: dict[tuple, int] = {}
    label_col, source_col = [], []
    # Readable source names (landscape.runs.load_run adds them) over file names.
    named = "source_names" in info
    shown = clean_text if named else file_name
    for doc_id, files in zip(
        order, column("source_names" if named else "source_files"), strict=True
    ):
        name = topic_name(labels, topic_of[doc_id])
        label_col.append(label_index.setdefault(name, len(label_names)))
        if label_col[-1] == len(label_names):
            label_names.append(name)
        key = tuple(dict.fromkeys(shown(f) for f in as_list(files)))
        if key not in source_index:
            source_index[key] = len(source_names)
            source_names.append(list(key))
        source_col.append(source_index[key])
    return {
        "counts": counts,
        "doc_id": order,
        "title": titles,
        "abstract": abstracts,
        "abstract_cap": cap,
        "labels": label_names,
        "label": label_col,
        "sources": source_names,
        "source": source_col,
    }


def _unescape_id(value: str, escaped: dict[str, str]) -> str:
    if value in escaped:
        return escaped[value]
    return html.unescape(value)


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
    return f'<footer id="landscape-provenance">\n{rows}</footer>'


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
        documents: Document table of a run (``doc_id``, ``topic``, ``x``, ``y``, ...).
        corpus: Corpus table (``doc_id``, ``title``, ``abstract``, ``source_files``).
        topics: Topic table (``topic``, ``label``, ...).
        provenance: The run's ``provenance.json`` as a dict.
        title: Page and map title (plain text; escaped).
        highlight: Doc ids highlighted when the page opens (in this order in the
            results list), for example the hits of ``landscape search``; the
            search box clears them.
        highlight_name: Heading of that list (plain text, shown via textContent).

    Returns:
        The HTML text.
    """
    fig = document_map(documents, corpus, topics, title="", width=None, height=None)
    fig.update_layout(autosize=True, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    data = _search_data(fig, documents, corpus, topics)
    if highlight is not None:
        position = {d: k for k, d in enumerate(data["doc_id"])}
        data["preset"] = {
            "name": highlight_name,
            "index": [position[str(d)] for d in highlight if str(d) in position],
        }
    # The page script rebuilds each point's hover text (customdata) from the
    # search data, so the text is embedded once: half the size of a large map.
    fig.update_traces(customdata=None)
    n = len(data["doc_id"])
    page_title = html.escape(title)
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
{map_figure_html(fig)}
<aside id="landscape-panel" aria-live="polite">
<p class="hint">Click a point to read the paper here.</p>
<h2 id="panel-title"></h2>
<p id="panel-topic" class="meta"></p>
<p id="panel-sources" class="meta"></p>
<p id="panel-abstract"></p>
<h3 id="results-heading" hidden>Matching papers</h3>
<ol id="landscape-results"></ol>
</aside>
</main>
{_footer(provenance, n, _title_only(corpus))}
<script type="application/json" id="landscape-data">{script_json(data)}</script>
<script type="application/json" id="landscape-config">{script_json(PLOT_CONFIG)}</script>
<script>{get_plotlyjs()}</script>
<script>{_asset("map_page.js")}</script>
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
    it opens from ``file://`` offline. It has the document map, a search box
    (all words must occur in the title or abstract, case-insensitive; matching
    papers are highlighted and the rest dimmed), a side panel with the clicked
    paper (title, topic, sources, abstract) and a provenance footer (corpus
    hash, seed, model, method, resolution, versions, creation date).

    Abstracts are embedded in full unless together they pass
    :data:`ABSTRACT_BUDGET` characters; then each is cut to an equal share
    (at least :data:`MIN_ABSTRACT_CHARS`), which keeps a 100,000-paper page small.

    Args:
        documents: Document table of a run (``doc_id``, ``topic``, ``x``, ``y``, ...).
        corpus: Corpus table (``doc_id``, ``title``, ``abstract``, ``source_files``).
        topics: Topic table (``topic``, ``label``, ...).
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
