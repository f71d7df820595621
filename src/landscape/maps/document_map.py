"""The document map: the 2-D projection, coloured by theme, the theme names on it.

:func:`document_map` is the interactive plotly figure of the map (WebGL, zoom,
hover). For a run with levels (``Run.all_topics``) every topic is drawn in a
shade of its theme's hue (:func:`~landscape.maps.style.theme_colors`) and the
theme names sit on the map, placed without overlap, with a white halo: the same
names, in the same places, as on :func:`~landscape.maps.static_map.static_map`
drawn at the same size, whose name layer it reuses. For a run made before
levels it keeps the one-level look: a colour and a legend entry per topic,
boxed labels at the topics' medians.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from landscape.maps.static_map import FONT_FAMILY, NOTE_FONT, map_layout
from landscape.maps.style import (
    OUTLIER_COLOR,
    SMALL_FONT,
    as_list,
    base_layout,
    clean_text,
    escape,
    html_lines,
    label_map,
    source_text,
    theme_colors,
    topic_colors,
    topic_name,
    truncate,
)

#: Size the names are placed for when the figure is responsive (``width=None``).
PLACEMENT_SIZE = (1100, 750)
#: Size of the names relative to the static map's print sizes (theme names of
#: 24 px become 19 px): on a screen the figure is seen at its own size.
NAME_SCALE = 0.8


def _hover_rows(
    doc_ids: pd.Series, corpus: pd.DataFrame | None, abstract_chars: int, hover_width: int
) -> tuple[np.ndarray, bool]:
    """Each point's escaped ``[doc_id, title, sources, abstract]``, shape (n, 4).

    Returns the rows and whether the corpus names the papers' sources.
    """
    n = len(doc_ids)
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
    return custom, source_col in info


def _levels(
    documents: pd.DataFrame, topics: pd.DataFrame | None, all_topics: pd.DataFrame | None
) -> pd.DataFrame | None:
    """The topic table at every level, if the caller gave one (else None: one-level look).

    ``all_topics`` wins; a ``topics`` table with several levels (``Run.all_topics``
    passed as ``topics``) serves too when the documents have ``level_0``.
    """
    if all_topics is not None:
        return all_topics
    if topics is None or "level" not in topics or "parent" not in topics:
        return None
    return topics if "level_0" in documents and topics["level"].nunique() > 1 else None


def _themes_of(documents: pd.DataFrame, present: list[int]) -> dict[int, int]:
    """Theme (level 0) of each topic of ``documents.topic``; itself without ``level_0``."""
    if "level_0" not in documents:
        return {t: t for t in present}
    pairs = documents[["topic", "level_0"]].drop_duplicates("topic")
    found = {int(t): int(g) for t, g in pairs.itertuples(index=False)}
    return {t: found.get(t, t) for t in present}


def _medians_notes(
    xs: np.ndarray, ys: np.ndarray, groups: dict[int, np.ndarray], labels: dict, colors: dict
) -> list[dict]:
    """One-level look: each topic's label in a box at the medians of its points."""
    return [
        {
            "x": float(np.median(xs[rows])),
            "y": float(np.median(ys[rows])),
            "text": html_lines(topic_name(labels, topic), 28),
            "showarrow": False,
            "font": {"size": SMALL_FONT, "color": "#222222"},
            "bgcolor": "rgba(255,255,255,0.8)",
            "bordercolor": colors[topic],
            "borderwidth": 1.5,
            "borderpad": 3,
        }
        for topic, rows in groups.items()
        if topic != -1 and len(rows)
    ]


def _theme_layout(
    documents: pd.DataFrame,
    levels: pd.DataFrame,
    title: str,
    width: int | None,
    height: int | None,
    show_labels: bool,
    names_opacity: float = 1.0,
) -> dict[str, Any]:
    """Layout of the theme look: names, caption, margins and equal-scale axis ranges.

    The names and the pixel frame are those of :func:`static_map` drawn
    ``1 / NAME_SCALE`` times larger without topic names (:func:`map_layout`,
    its layout without the points), then shrunk to ``width`` x ``height``:
    placement in pixels is scale-free, so the names still never overlap, and
    the two maps agree. ``names_opacity`` below 1 lets points under the names
    show through.
    """
    w, h = width or PLACEMENT_SIZE[0], height or PLACEMENT_SIZE[1]
    big_w = round(w / NAME_SCALE)
    scale = w / big_w
    frame = map_layout(documents, levels, title, big_w, round(h / scale), topic_names=False)
    notes = []
    for note in frame["annotations"]:
        if note["xref"] != "x":  # the caption, under the map: kept at its size
            notes.append(note)
        elif show_labels:
            font = {**note["font"], "size": note["font"]["size"] * scale}
            pad = note.get("borderpad", 1) * scale
            notes.append({**note, "font": font, "borderpad": pad, "opacity": names_opacity})
    margin = {k: frame["margin"][k] * scale for k in ("l", "r", "t", "b")}
    # Zoom and pan stay free; the y axis keeps the x axis's scale, so the map is not stretched.
    axis = {"visible": False, "showgrid": False, "zeroline": False, "autorange": False}
    return {
        "annotations": notes,
        "margin": {**margin, "autoexpand": False},
        "xaxis": {**axis, "range": list(frame["xaxis"]["range"])},
        "yaxis": {
            **axis,
            "range": list(frame["yaxis"]["range"]),
            "scaleanchor": "x",
            "scaleratio": 1,
        },
        "showlegend": False,
        "plot_bgcolor": "white",
    }


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
    all_topics: pd.DataFrame | None = None,
) -> go.Figure:
    """The 2-D projection of the documents, one WebGL trace per topic.

    Outliers (topic -1) come first, in light grey, so topics draw over them.
    Each point's ``customdata`` row is ``[doc_id, title, sources, abstract]``
    (all escaped; sources are file basenames, the abstract is cut to about
    ``abstract_chars`` characters and ends with "…" when cut) and the hover is
    a ``hovertemplate`` over it, so the per-point payload is four short strings
    and two float32 coordinates.

    With the topics at every level (``all_topics``, or ``Run.all_topics`` given
    as ``topics``), each topic is a shade of its theme's hue, the traces of a
    theme share a ``legendgroup`` (the theme id), there is no legend, and the
    theme names are written on the map with a white halo, placed for
    ``width`` x ``height`` px so that no two overlap (axis ranges and margins
    are fixed to that frame, at equal scale); a caption under the map counts
    documents, themes and outliers. Without levels, each topic has a colour of
    its own and a legend entry (label and size; click to toggle), and labels
    in boxes at the medians of its points.

    Args:
        documents: One row per document: ``doc_id``, ``topic``, ``x``, ``y``
            (and optionally ``topic_label``, ``level_0``, ``level_1``, ...);
            shape (n_docs, >=4).
        corpus: Table with ``doc_id`` and optionally ``title``, ``abstract``,
            ``source_files``; ``None`` shows ids only.
        topics: Topic table of ``documents.topic`` (``topic``, ``label``), or
            of every level; ``None`` uses ``documents.topic_label``.
        title: Figure title (trusted markup).
        width: Figure width in px (``None``: responsive; names are then placed
            for :data:`PLACEMENT_SIZE`).
        height: Figure height in px.
        marker_size: Point size; by default 7, 5 or 3 px as the map grows.
        abstract_chars: Characters of the abstract shown on hover.
        hover_width: Characters per hover line (titles and abstracts are wrapped).
        show_labels: Write the names on the map.
        highlight: Doc ids to pick out (search results, new papers): the other
            points are dimmed and these are drawn on top, ringed, as one more
            trace named ``highlight_name`` (ids not on the map are ignored).
        highlight_name: Name of the highlighted trace (escaped); with levels it
            is also written under the map.
        all_topics: One row per topic at every level (``Run.all_topics``:
            ``topic``, ``level``, ``parent``, ``label``, ``size``): colours by
            theme and theme names. ``None``: taken from ``topics`` when that
            has several levels, else the one-level look.

    Returns:
        A figure with one ``go.Scattergl`` trace per topic (outliers first; with
        levels, grouped by theme), plus the highlighted trace when
        ``highlight`` is given.
    """
    n = len(documents)
    if marker_size is None:
        marker_size = 7 if n < 2_000 else 5 if n < 20_000 else 3
    docs = documents[["doc_id", "topic", "x", "y"]].reset_index(drop=True)
    doc_ids = docs["doc_id"].astype(str)
    custom, has_sources = _hover_rows(doc_ids, corpus, abstract_chars, hover_width)
    topic_col = docs["topic"].to_numpy(dtype=np.int64)
    xs = docs["x"].to_numpy(dtype=np.float32)
    ys = docs["y"].to_numpy(dtype=np.float32)
    present = sorted(set(topic_col.tolist()))
    labels = label_map(topics, documents)
    levels = _levels(documents, topics, all_topics)
    if levels is None:
        ids = set(present) | ({int(t) for t in topics["topic"]} if topics is not None else set())
        colors, theme_of, theme_names = topic_colors(ids), {t: t for t in present}, {}
    else:
        colors = {**topic_colors(present), **theme_colors(levels)}
        theme_of, theme_names = _themes_of(documents, present), label_map(levels)
    # Outliers first (underneath), then the topics theme by theme.
    present.sort(key=lambda t: (t != -1, theme_of[t], t))

    source_line = "Source: %{customdata[2]}<br>" if has_sources else ""
    picked = (
        np.flatnonzero(doc_ids.isin({str(d) for d in highlight}).to_numpy())
        if highlight is not None
        else None
    )
    dim = picked is not None
    order = np.argsort(topic_col, kind="stable")
    ranked = sorted(present)
    bounds = np.searchsorted(topic_col[order], [*ranked, max(ranked, default=0) + 1])
    groups = {t: order[bounds[i] : bounds[i + 1]] for i, t in enumerate(ranked)}
    fig = go.Figure()
    for topic in present:
        rows = groups[topic]
        label = topic_name(labels, topic)
        outlier = topic == -1
        where = f"Topic: {escape(label)}"
        if theme_names and not outlier and theme_of[topic] != topic:
            where = f"Theme: {escape(topic_name(theme_names, theme_of[topic]))}<br>{where}"
        fig.add_trace(
            go.Scattergl(
                x=xs[rows],
                y=ys[rows],
                customdata=custom[rows],
                mode="markers",
                name=escape(f"{label} ({len(rows):,})"),
                legendgroup=str(theme_of[topic]),
                marker={
                    "size": marker_size * (0.8 if outlier else 1.0),
                    "color": colors.get(topic, OUTLIER_COLOR),
                    # Dimmed when some points are highlighted, so those stand out.
                    "opacity": (0.35 if outlier else 0.8) * (0.3 if dim else 1.0),
                    "line": {"width": 0},
                },
                hovertemplate=(
                    f"<b>%{{customdata[1]}}</b><br><i>{where}</i><br>"
                    f"{source_line}%{{customdata[3]}}<extra></extra>"
                ),
            )
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
                    "color": [colors.get(int(t), OUTLIER_COLOR) for t in topic_col[picked]],
                    "opacity": 1.0,
                    "line": {"width": 2, "color": "#111111"},
                },
                hovertemplate=(
                    f"<b>%{{customdata[1]}}</b><br>{source_line}%{{customdata[3]}}<extra></extra>"
                ),
            )
        )
    if levels is not None:
        # Annotations draw over every trace: faint names let the ringed points show.
        faint = 0.55 if picked is not None else 1.0
        extra = _theme_layout(documents, levels, title, width, height, show_labels, faint)
        if picked is not None:
            extra["annotations"] = [*extra["annotations"], _ringed_note(highlight_name, picked)]
    else:
        axis = {"showgrid": False, "zeroline": False, "showticklabels": False, "title": None}
        extra = {
            "annotations": _medians_notes(xs, ys, groups, labels, colors) if show_labels else [],
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"itemsizing": "constant", "title": {"text": "Topics (click to toggle)"}},
        }
    return base_layout(fig, title, width, height, hovermode="closest", **extra)


def _ringed_note(highlight_name: str, picked: np.ndarray) -> dict:
    """The line under the map, right, that says what the ringed points are."""
    return {
        "text": escape(f"ringed: {highlight_name} ({len(picked):,})"),
        "xref": "paper",
        "yref": "paper",
        "x": 1,
        "y": 0,
        "xanchor": "right",
        "yanchor": "top",
        "yshift": -8,
        "showarrow": False,
        "font": {"size": NOTE_FONT, "color": "#111111", "family": FONT_FAMILY},
    }
