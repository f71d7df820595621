"""The document map: the 2-D projection, one WebGL trace per topic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from landscape.maps.style import (
    SMALL_FONT,
    as_list,
    base_layout,
    clean_text,
    escape,
    html_lines,
    label_map,
    source_text,
    topic_colors,
    topic_name,
    truncate,
)


def document_map(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    topics: pd.DataFrame | None,
    *,
    title: str = "Document map",
    width: int | None = 1100,
    height: int | None = 750,
    marker_size: float | None = None,
    abstract_chars: int = 200,
    hover_width: int = 100,
    show_labels: bool = True,
    highlight: Sequence[str] | None = None,
    highlight_name: str = "Search results",
) -> go.Figure:
    """The 2-D projection of the documents, one WebGL trace per topic.

    Outliers (topic -1) come first, in a muted grey with low opacity, so topics
    draw over them. Each point's ``customdata`` row is ``[doc_id, title,
    sources, abstract]`` (all escaped; sources are file basenames, the abstract
    is cut to about ``abstract_chars`` characters and ends with "…" when cut)
    and the hover is a ``hovertemplate`` over it, so the per-point payload is
    four short strings and two float32 coordinates. Labels are annotations at
    the medians of each topic's points; the legend (label and size) toggles
    topics.

    Args:
        documents: One row per document: ``doc_id``, ``topic``, ``x``, ``y``
            (and optionally ``topic_label``); shape (n_docs, >=4).
        corpus: Table with ``doc_id`` and optionally ``title``, ``abstract``,
            ``source_files``; ``None`` shows ids only.
        topics: Topic table (``topic``, ``label``); ``None`` uses
            ``documents.topic_label``.
        title: Figure title (trusted markup).
        width: Figure width in px (``None``: responsive).
        height: Figure height in px.
        marker_size: Point size; by default 7, 5 or 3 px as the map grows.
        abstract_chars: Characters of the abstract shown on hover.
        hover_width: Characters per hover line (titles and abstracts are wrapped).
        show_labels: Draw topic labels at cluster centres.
        highlight: Doc ids to pick out (search results, new papers): the other
            points are dimmed and these are drawn on top, ringed, as one more
            trace named ``highlight_name`` (ids not on the map are ignored).
        highlight_name: Legend name of the highlighted trace (escaped).

    Returns:
        A figure with one ``go.Scattergl`` trace per topic (outliers first),
        plus the highlighted trace when ``highlight`` is given.
    """
    n = len(documents)
    if marker_size is None:
        marker_size = 7 if n < 2_000 else 5 if n < 20_000 else 3
    docs = documents[["doc_id", "topic", "x", "y"]].reset_index(drop=True)
    doc_ids = docs["doc_id"].astype(str)
    columns = [
        c
        for c in ("title", "abstract", "source_names", "source_files")
        if corpus is not None and c in corpus
    ]
    if corpus is not None and columns:
        info = corpus[["doc_id", *columns]].copy()
        info["doc_id"] = info["doc_id"].astype(str)
        info = info.drop_duplicates("doc_id").set_index("doc_id").reindex(doc_ids)
    else:
        info = pd.DataFrame(index=doc_ids)

    titles = info["title"].tolist() if "title" in info else [None] * n
    abstracts = info["abstract"].tolist() if "abstract" in info else [None] * n
    # Readable source names (landscape.runs.load_run adds them) over file paths.
    as_files = "source_names" not in info
    source_col = "source_files" if as_files else "source_names"
    sources = info[source_col].tolist() if source_col in info else [None] * n
    custom = np.empty((n, 4), dtype=object)
    custom[:, 0] = [escape(d) for d in doc_ids]
    custom[:, 1] = [
        html_lines(truncate(clean_text(t), 300), hover_width) or "(no title)" for t in titles
    ]
    source_cache: dict[Any, str] = {}
    col = []
    for value in sources:
        key = tuple(as_list(value))
        if key not in source_cache:
            source_cache[key] = source_text(key, as_files=as_files)
        col.append(source_cache[key])
    custom[:, 2] = col
    # Only the head of an abstract is shown: clean no more than needed.
    heads = [a[: abstract_chars * 2] if isinstance(a, str) else a for a in abstracts]
    custom[:, 3] = [html_lines(truncate(clean_text(a), abstract_chars), hover_width) for a in heads]

    topic_col = docs["topic"].to_numpy(dtype=np.int64)
    xs = docs["x"].to_numpy(dtype=np.float32)
    ys = docs["y"].to_numpy(dtype=np.float32)
    present = sorted(set(topic_col.tolist()))
    labels = label_map(topics, documents)
    ids = set(present) | ({int(t) for t in topics["topic"]} if topics is not None else set())
    colors = topic_colors(ids)

    source_line = "Source: %{customdata[2]}<br>" if source_col in info else ""
    picked = (
        np.flatnonzero(doc_ids.isin({str(d) for d in highlight}).to_numpy())
        if highlight is not None
        else None
    )
    dim = picked is not None
    order = np.argsort(topic_col, kind="stable")
    bounds = np.searchsorted(topic_col[order], [*present, max(present, default=0) + 1])
    fig = go.Figure()
    annotations = []
    for i, topic in enumerate(present):
        rows = order[bounds[i] : bounds[i + 1]]
        label = topic_name(labels, topic)
        outlier = topic == -1
        fig.add_trace(
            go.Scattergl(
                x=xs[rows],
                y=ys[rows],
                customdata=custom[rows],
                mode="markers",
                name=escape(f"{label} ({len(rows):,})"),
                legendgroup=str(topic),
                marker={
                    "size": marker_size * (0.8 if outlier else 1.0),
                    "color": colors[topic],
                    # Dimmed when some points are highlighted, so those stand out.
                    "opacity": (0.35 if outlier else 0.8) * (0.3 if dim else 1.0),
                    "line": {"width": 0},
                },
                hovertemplate=(
                    "<b>%{customdata[1]}</b><br>"
                    f"<i>Topic: {escape(label)}</i><br>"
                    f"{source_line}%{{customdata[3]}}<extra></extra>"
                ),
            )
        )
        if show_labels and not outlier and len(rows):
            annotations.append(
                {
                    "x": float(np.median(xs[rows])),
                    "y": float(np.median(ys[rows])),
                    "text": html_lines(label, 28),
                    "showarrow": False,
                    "font": {"size": SMALL_FONT, "color": "#222222"},
                    "bgcolor": "rgba(255,255,255,0.8)",
                    "bordercolor": colors[topic],
                    "borderwidth": 1.5,
                    "borderpad": 3,
                }
            )
    if picked is not None:
        fig.add_trace(
            go.Scattergl(
                x=xs[picked],
                y=ys[picked],
                customdata=custom[picked],
                mode="markers",
                name=escape(f"{highlight_name} ({len(picked):,})"),
                marker={
                    "size": marker_size * 2.2,
                    "color": [colors[int(t)] for t in topic_col[picked]],
                    "opacity": 1.0,
                    "line": {"width": 2, "color": "#111111"},
                },
                hovertemplate=(
                    f"<b>%{{customdata[1]}}</b><br>{source_line}%{{customdata[3]}}<extra></extra>"
                ),
            )
        )
    axis = {"showgrid": False, "zeroline": False, "showticklabels": False, "title": None}
    return base_layout(
        fig,
        title,
        width,
        height,
        annotations=annotations,
        xaxis=axis,
        yaxis=axis,
        hovermode="closest",
        legend={
            "itemsizing": "constant",
            "title": {"text": "Topics (click to toggle)"},
        },
    )


# --------------------------------------------------------------------------- topic sizes
