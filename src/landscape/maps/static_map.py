"""The static map for papers and slides: theme-coloured points, names placed without overlap.

:func:`static_map` draws every document as a small dot in its topic's shade of
its theme's hue (:func:`~landscape.maps.style.theme_colors`), writes the theme
names on the map in a size that stays readable when the figure is printed 7
inches wide, and, where there is room, the topic names in a lighter second
layer. :func:`place_labels` decides where each name goes: it is a pure function
(:mod:`landscape.maps.labels`) is a pure function of the anchors and the text
boxes, in the figure's pixel space, so its guarantees (no two names overlap,
none leaves the plot) are tested on their own.

The figure uses SVG markers (``Scatter``), not WebGL: static export (PNG, SVG,
PDF) draws them as vectors, and a WebGL canvas needs a GPU context in the
headless browser. Past ``max_points`` documents a fixed random sample is drawn,
which keeps SVG and PDF files small while showing the same shapes.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from landscape.maps.labels import label_candidates, place_labels
from landscape.maps.style import (
    OUTLIER_COLOR,
    base_layout,
    clean_text,
    escape,
    oklch,
    theme_colors,
    truncate,
    with_lightness,
)

#: Font of the names: Arial or its metric twin (Liberation Sans), narrower than
#: plotly's default (Verdana, or DejaVu Sans in its place).
FONT_FAMILY = "Arial, 'Liberation Sans', Helvetica, sans-serif"
#: Text sizes in px; printed 7 inches wide, a 1400 px figure makes 24 px about 8.6 pt
#: and 15 px about 5.4 pt.
THEME_FONT, TOPIC_FONT, NOTE_FONT = 24, 15, 14
#: Estimated width of one character, in em (generous for Arial: text fits its box).
CHAR_EM, BOLD_CHAR_EM = 0.6, 0.64
LINE_EM = 1.3
#: Padding between the text and the white halo around it, in px.
HALO_PAD = 3
#: OKLCH lightness of the topic names (theme names are darker, at most 0.32), so
#: the themes read first and the topics second.
TOPIC_LIGHTNESS = 0.46
_HALO = "rgba(255,255,255,0.68)"
_LEADER_COLOR = "#444444"


@dataclass(frozen=True)
class _Frame:
    """Data <-> pixel mapping of the plot area, equal scale on both axes (y grows down in px)."""

    x0: float
    y1: float
    scale: float
    width: float
    height: float

    def to_px(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.stack([(x - self.x0) * self.scale, (self.y1 - y) * self.scale], axis=-1)

    def to_data(self, px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.x0 + px[:, 0] / self.scale, self.y1 - px[:, 1] / self.scale

    @property
    def ranges(self) -> tuple[list[float], list[float]]:
        return (
            [self.x0, self.x0 + self.width / self.scale],
            [self.y1 - self.height / self.scale, self.y1],
        )


def _frame(x: np.ndarray, y: np.ndarray, width: float, height: float) -> _Frame:
    """The plot area's mapping: all points inside with a 3% margin, centred, aspect kept."""
    if len(x) == 0:
        x, y = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    lo, hi = np.array([x.min(), y.min()]), np.array([x.max(), y.max()])
    extent = np.maximum(hi - lo, 1e-9) * 1.06
    scale = float(min(width / extent[0], height / extent[1]))
    mid = (lo + hi) / 2
    return _Frame(
        x0=float(mid[0] - width / scale / 2),
        y1=float(mid[1] + height / scale / 2),
        scale=scale,
        width=width,
        height=height,
    )


def _text_box(label: str, font: int, wrap: int, bold: bool) -> tuple[list[str], np.ndarray]:
    """A name cut into at most 3 lines of about ``wrap`` characters, and its box in px, (2,)."""
    lines = textwrap.wrap(truncate(clean_text(label), 3 * wrap), wrap) or [""]
    em = BOLD_CHAR_EM if bold else CHAR_EM
    size = (
        np.array([max(len(s) for s in lines) * em * font, len(lines) * LINE_EM * font])
        + 2 * HALO_PAD
    )
    return lines, size


def _names_layer(
    rows: pd.DataFrame, frame: _Frame, font: int, wrap: int, bold: bool
) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """Text lines, boxes (n, 2) and anchors in px (n, 2) of the names in ``rows``."""
    boxes = [_text_box(lab, font, wrap, bold) for lab in rows["label"]]
    lines = [b[0] for b in boxes]
    sizes = np.array([b[1] for b in boxes]).reshape(-1, 2)
    anchors = frame.to_px(rows["x"].to_numpy(float), rows["y"].to_numpy(float)).reshape(-1, 2)
    return lines, sizes, anchors


def _annotation(
    lines: list[str],
    center: np.ndarray,
    anchor: np.ndarray,
    leader: bool,
    font: dict,
    frame: _Frame,
) -> dict:
    """One name as a plotly annotation with a white halo, and a leader line when moved away."""
    (cx,), (cy,) = frame.to_data(center[None])
    text = "<br>".join(escape(s) for s in lines)
    note = {
        "text": f"<b>{text}</b>" if font.get("bold") else text,
        "font": {k: v for k, v in font.items() if k != "bold"},
        "bgcolor": _HALO,
        "borderpad": HALO_PAD,
        "borderwidth": 0,
        "align": "center",
        "xref": "x",
        "yref": "y",
    }
    if not leader:
        return {**note, "x": cx, "y": cy, "showarrow": False}
    (axd,), (ayd,) = frame.to_data(anchor[None])
    # The arrow runs from the box's edge to the anchor: x, y is the head, ax, ay the text.
    return {
        **note,
        "x": axd,
        "y": ayd,
        "ax": cx,
        "ay": cy,
        "axref": "x",
        "ayref": "y",
        "showarrow": True,
        "arrowhead": 6,
        "arrowsize": 1.2,
        "arrowwidth": 1.2,
        "arrowcolor": _LEADER_COLOR,
        "standoff": 2,
    }


def _points(
    x: np.ndarray,
    y: np.ndarray,
    ids: np.ndarray,
    colors: dict[int, str],
    size: float,
    opacity: float,
    outliers: bool,
) -> go.Scatter:
    """One marker trace of points (n,) in their topics' colours.

    Colours go in as integer codes on a colorscale with one stop per colour:
    plotly validates a list of colour strings one by one (seconds for 100,000).
    """
    palette, codes = np.unique(ids, return_inverse=True)
    shades = [colors.get(int(t), OUTLIER_COLOR) for t in palette] or [OUTLIER_COLOR]
    last = max(len(shades) - 1, 1)
    scale = [[i / last, c] for i, c in enumerate(shades)]
    if len(shades) == 1:
        scale.append([1.0, shades[0]])
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        hoverinfo="skip",
        marker={
            "size": size * (0.8 if outliers else 1.0),
            "color": codes.astype(np.int32),
            "colorscale": scale,
            "cmin": 0,
            "cmax": last,
            "showscale": False,
            "opacity": opacity * (0.6 if outliers else 1.0),
            "line": {"width": 0},
        },
    )


def _topics_level(documents: pd.DataFrame, topics: pd.DataFrame) -> int | None:
    """The level of the ids in ``documents.topic`` (the run's topic level), if known."""
    if "level" not in topics or "topic" not in documents:
        return None
    ids = set(documents["topic"].unique()) - {-1}
    levels = topics.loc[topics["topic"].isin(ids), "level"]
    return int(levels.mode().iloc[0]) if len(levels) else None


def _point_style(n: int) -> tuple[float, float]:
    """Marker size (px) and opacity for ``n`` points: smaller and fainter as they crowd."""
    size = float(np.clip(30 / max(n, 1) ** 0.2, 2.0, 9.0))
    opacity = float(np.clip(1.1 - 0.15 * math.log10(max(n, 10)), 0.25, 0.8))
    return size, opacity


def static_map(
    documents: pd.DataFrame,
    topics: pd.DataFrame,
    title: str | None = None,
    width: int = 1400,
    height: int = 1000,
    *,
    topic_names: bool = True,
    max_points: int = 30_000,
    seed: int = 0,
) -> go.Figure:
    """The document map for print: coloured points, theme names, topic names where they fit.

    Theme names (level 0) are placed first, largest theme first, by
    :func:`place_labels` in the figure's pixel space: on their cluster's
    anchor (:func:`~landscape.maps.labels.label_candidates`) when free, else at
    the nearest free spot, with a leader line to the anchor when the name no
    longer covers it. Topic names (the level of ``documents.topic``) follow in
    a smaller, lighter layer, each only when it fits near its cluster without
    touching another name; the rest are left out. Every name has a white halo.

    Args:
        documents: One row per document: ``x``, ``y``, ``topic`` and
            ``level_0``, ``level_1``, ... (topic ids, -1 for outliers).
        topics: One row per topic at every level: ``topic``, ``level``,
            ``parent``, ``label``, ``size`` (``Run.all_topics``).
        title: Figure title (trusted markup); ``None`` for none (a caption in
            the paper says it).
        width: Figure width in px; names are placed for this size.
        height: Figure height in px.
        topic_names: Also write topic names where they fit.
        max_points: Draw at most this many documents (a fixed random sample).
        seed: Seed of the sample and of the drawing order.

    Returns:
        A new figure whose pixel layout is fixed (margins, axis ranges), so the
        names stay where they were placed when exported at ``width`` x ``height``.
    """
    x = documents["x"].to_numpy(float)
    y = documents["y"].to_numpy(float)
    colors = theme_colors(topics)
    ids = documents["topic"].to_numpy(np.int64)
    rng = np.random.default_rng(seed)
    # A random drawing order, so that no topic is always drawn over its neighbours.
    order = rng.permutation(len(documents))[:max_points]
    size, opacity = _point_style(len(order))
    fig = go.Figure()
    for outliers in (True, False):
        rows = order[(ids[order] == -1) == outliers]
        fig.add_trace(_points(x[rows], y[rows], ids[rows], colors, size, opacity, outliers))
    layout = map_layout(
        documents, topics, title, width, height, topic_names=topic_names, drawn=len(order)
    )
    return base_layout(fig, title or "", width, height, **layout, paper_bgcolor="white")


def map_layout(
    documents: pd.DataFrame,
    topics: pd.DataFrame,
    title: str | None,
    width: int,
    height: int,
    *,
    topic_names: bool = True,
    drawn: int | None = None,
) -> dict[str, Any]:
    """The layout of :func:`static_map` without its points: names, caption, frame.

    Args:
        documents: As for :func:`static_map`.
        topics: As for :func:`static_map`.
        title: Figure title, or ``None``: the top margin depends on it.
        width: Figure width in px; names are placed for this size.
        height: Figure height in px.
        topic_names: Also write topic names where they fit.
        drawn: How many documents the map draws, when fewer than all (the
            caption says so).

    Returns:
        Keyword arguments of :func:`~landscape.maps.style.base_layout`:
        ``annotations`` (dicts; names in data coordinates, the caption in paper
        coordinates), ``showlegend``, ``margin``, ``xaxis`` and ``yaxis`` (fixed
        ranges of equal scale), ``plot_bgcolor``, ``hovermode``.
    """
    margin = {"l": 12, "r": 12, "t": 56 if title else 12, "b": 34}
    plot_w, plot_h = width - margin["l"] - margin["r"], height - margin["t"] - margin["b"]
    x = documents["x"].to_numpy(float)
    y = documents["y"].to_numpy(float)
    frame = _frame(x, y, plot_w, plot_h)
    colors = theme_colors(topics)
    cands = label_candidates(documents, topics)
    bounds = (0.0, 0.0, float(plot_w), float(plot_h))
    theme_level = int(cands["level"].min()) if len(cands) else 0
    themes, taken = _theme_names(cands[cands["level"] == theme_level], frame, bounds, colors)
    level = _topics_level(documents, topics)
    annotations = []
    if topic_names and level is not None and level != theme_level:
        annotations += _topic_names(cands, level, frame, bounds, taken, colors)
    annotations += themes  # drawn last: on top
    shown = len(documents) if drawn is None else drawn
    annotations.append(_caption(documents, cands, theme_level, level, shown))
    x_range, y_range = frame.ranges
    axis = {"visible": False, "fixedrange": True, "autorange": False}
    return {
        "annotations": annotations,
        "showlegend": False,
        "margin": {**margin, "autoexpand": False},
        "xaxis": {**axis, "range": x_range},
        "yaxis": {**axis, "range": y_range},
        "plot_bgcolor": "white",
        "hovermode": False,
    }


def _theme_names(
    themes: pd.DataFrame, frame: _Frame, bounds: tuple[float, ...], colors: dict[int, str]
) -> tuple[list[dict], np.ndarray]:
    """Annotations of the theme names, all placed, and their boxes ``(cx, cy, w, h)``, (k, 4)."""
    lines, sizes, anchors = _names_layer(themes, frame, THEME_FONT, 22, bold=True)
    spot = place_labels(anchors, sizes, bounds, padding=6.0)
    notes = []
    for i, topic in enumerate(themes["topic"]):
        if spot.placed[i]:
            color = colors[int(topic)]
            shade = with_lightness(color, min(0.32, oklch(color)[0]))
            font = {"size": THEME_FONT, "color": shade, "family": FONT_FAMILY, "bold": True}
            notes.append(
                _annotation(lines[i], spot.centers[i], anchors[i], spot.leader[i], font, frame)
            )
    return notes, np.concatenate([spot.centers, sizes], axis=1)[spot.placed]


def _topic_names(
    cands: pd.DataFrame,
    level: int,
    frame: _Frame,
    bounds: tuple[float, ...],
    taken: np.ndarray,
    colors: dict[int, str],
) -> list[dict]:
    """Annotations of the names of ``level``'s topics that fit on their clusters."""
    sub = cands[cands["level"] == level]
    parent_label = dict(zip(cands["topic"], cands["label"], strict=True))
    # A topic named like its theme adds nothing to the theme's name.
    sub = sub[sub["label"].to_numpy() != sub["parent"].map(parent_label).to_numpy()]
    lines, sizes, anchors = _names_layer(sub, frame, TOPIC_FONT, 24, bold=False)
    # On the cluster or not at all: within its radius (the median distance of
    # its documents to the anchor), and at least a line and a half.
    reach = np.maximum(sub["radius"].to_numpy(float) * frame.scale, TOPIC_FONT * 1.5)
    spot = place_labels(anchors, sizes, bounds, obstacles=taken, max_shift=reach, padding=3.0)
    notes = []
    for i, topic in enumerate(sub["topic"]):
        if spot.placed[i]:
            shade = with_lightness(colors[int(topic)], TOPIC_LIGHTNESS)
            font = {"size": TOPIC_FONT, "color": shade, "family": FONT_FAMILY}
            notes.append(_annotation(lines[i], spot.centers[i], anchors[i], False, font, frame))
    return notes


def _caption(
    documents: pd.DataFrame, cands: pd.DataFrame, theme_level: int, level: int | None, shown: int
) -> dict:
    """The line under the map: how many documents, themes and topics; what grey means."""
    n_docs = len(documents)
    n_themes = int((cands["level"] == theme_level).sum())
    parts = [f"{n_docs:,} documents", f"{n_themes} themes"]
    if level is not None and level != theme_level:
        parts.append(f"{int((cands['level'] == level).sum())} topics")
    text = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    if shown < n_docs:
        text += f" ({shown:,} drawn)"
    n_out = int((documents["topic"] == -1).sum())
    if n_out:
        text += f"; grey: {n_out:,} outliers"
    return {
        "text": escape(text),
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 0,
        "xanchor": "left",
        "yanchor": "top",
        "yshift": -8,
        "showarrow": False,
        "font": {"size": NOTE_FONT, "color": "#555555", "family": FONT_FAMILY},
    }
