"""Shared style and safety helpers of the figures: escaping, text, palette, layout.

Every figure module and the standalone map page use these, so that text is
escaped, cut and wrapped the same way everywhere.
"""

from __future__ import annotations

import colorsys
import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.colors as pcolors
import plotly.graph_objects as go

#: Colour of the outlier topic (-1) in every figure.
OUTLIER_COLOR = "#9E9E9E"
#: Colour of the "other" group in :func:`topics_over_time`.
OTHER_COLOR = "#C8C8C8"
#: Line colour of the dendrogram.
LINE_COLOR = "#555555"

_FONT = 13
SMALL_FONT = 12
_TITLE_FONT = 18
_TEMPLATE = "plotly_white"

_TEMPLATE_CHARS = re.compile(r"[\"'%{}]")
_ENTITIES = str.maketrans({'"': "&#34;", "'": "&#39;", "%": "&#37;", "{": "&#123;", "}": "&#125;"})


# --------------------------------------------------------------------------- text


def escape(value: Any) -> str:
    """Escape a data string for a plotly text field.

    ``&``, ``<`` and ``>`` become entities (:func:`html.escape`), so plotly shows
    markup as literal text. Quotes become numeric entities (``&#34;``, ``&#39;``)
    because plotly decodes numeric entities but not ``&quot;``. ``%``, ``{`` and
    ``}`` become numeric entities too, so a string placed in a ``hovertemplate``
    or ``texttemplate`` can never be read as a ``%{...}`` placeholder.

    Args:
        value: Any value; ``None`` and NaN give ``""``.

    Returns:
        The escaped string; it renders as the original text.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = html.escape(str(value), quote=False)
    if _TEMPLATE_CHARS.search(text):
        text = text.translate(_ENTITIES)
    return text


def clean_text(value: Any) -> str:
    """A data value as one line of plain text (whitespace collapsed)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to about ``limit`` characters at a word boundary, ending with "…"."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    if space >= limit * 0.6:
        head = head[:space]
    return head.rstrip(" ,;:.-·") + "…"


def _wrap(text: str, width: int) -> str:
    """Break one-line text into newline-separated lines of at most ``width`` characters.

    Breaks at spaces; a word longer than ``width`` stays whole.
    """
    if len(text) <= width:
        return text
    lines = []
    start = 0
    while len(text) - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:
            cut = text.find(" ", start + width)
            if cut == -1:
                break
        lines.append(text[start:cut])
        start = cut + 1
    lines.append(text[start:])
    return "\n".join(lines)


def html_lines(text: str, width: int) -> str:
    """One-line plain text, escaped and wrapped into ``<br>``-separated lines."""
    return escape(_wrap(text, width)).replace("\n", "<br>")


def as_list(value: Any) -> list[Any]:
    """A list-valued cell as a list (``None``/NaN give ``[]``, a scalar gives ``[value]``)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return list(value)
    try:
        if pd.isna(value):
            return []
    except (TypeError, ValueError):
        pass
    return [value]


def file_name(path: Any) -> str:
    """The file name of a path (slash or backslash separated)."""
    return str(path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def term_list(value: Any, n: int) -> list[str]:
    """The first ``n`` terms of a ``terms`` cell (``{term, weight}`` dicts, pairs or strings)."""
    out: list[str] = []
    for item in as_list(value):
        if isinstance(item, dict):
            term = item.get("term")
        elif isinstance(item, (list, tuple, np.ndarray)) and len(item):
            term = item[0]
        else:
            term = item
        if term is not None and str(term):
            out.append(str(term))
        if len(out) == n:
            break
    return out


# --------------------------------------------------------------------------- colours


def _hex_to_rgb(color: str) -> tuple[float, float, float]:
    color = color.lstrip("#")
    return tuple(int(color[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _rgb_to_hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02X}" for c in rgb)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB colours, shape (n, 3) in [0, 1] -> (n, 3)."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array(
        [[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]]
    )
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1
    )


def _usable(rgb: tuple[float, float, float]) -> bool:
    """Not grey (reserved for outliers) and not too light to see on white."""
    lab = _lab(np.array([rgb]))[0]
    return math.hypot(lab[1], lab[2]) >= 20 and lab[0] <= 88


def palette(n: int) -> list[str]:
    """``n`` distinct colours for topics, as ``#RRGGBB`` strings.

    Plotly's qualitative palettes come first (Dark24, Alphabet, Light24; greys,
    near-duplicates and colours too light to read on white left out). Beyond
    them, colours are drawn from an HSL grid by farthest-point sampling in CIE
    L*a*b*, away from the outlier grey and from white, so colours never repeat.
    The result is deterministic and prefix-stable: ``palette(k)`` is the start
    of ``palette(n)`` for ``k <= n``.

    Args:
        n: Number of colours (0 gives ``[]``).

    Returns:
        A list of ``n`` unique colours.

    Raises:
        ValueError: ``n`` is negative.
    """
    if n < 0:
        raise ValueError(f"palette size must be >= 0, got {n}")
    reserved = [_hex_to_rgb(OUTLIER_COLOR), (1.0, 1.0, 1.0)]
    chosen: list[tuple[float, float, float]] = []
    chosen_lab = _lab(np.array(reserved))
    base = [*pcolors.qualitative.Dark24, *pcolors.qualitative.Alphabet]
    base += pcolors.qualitative.Light24
    for color in base:
        if len(chosen) >= n:
            break
        rgb = _hex_to_rgb(color)
        lab = _lab(np.array([rgb]))
        if not _usable(rgb) or np.min(np.linalg.norm(chosen_lab - lab, axis=1)) < 12:
            continue
        chosen.append(rgb)
        chosen_lab = np.vstack([chosen_lab, lab])
    if len(chosen) < n:
        candidates = [
            colorsys.hls_to_rgb(h / 360, light, sat)
            for h in range(0, 360, 3)
            for light in (0.28, 0.36, 0.44, 0.52, 0.6, 0.68)
            for sat in (0.5, 0.72, 0.95)
        ]
        candidates = [c for c in dict.fromkeys(candidates) if _usable(c)]
        cand_lab = _lab(np.array(candidates))
        dist = np.min(np.linalg.norm(cand_lab[:, None, :] - chosen_lab[None], axis=2), axis=1)
        seen = {_rgb_to_hex(c) for c in chosen}
        while len(chosen) < n:
            best = int(np.argmax(dist))
            if dist[best] <= 0:
                raise ValueError(f"cannot make {n} distinct colours")
            dist = np.minimum(dist, np.linalg.norm(cand_lab - cand_lab[best], axis=1))
            dist[best] = -1.0
            if _rgb_to_hex(candidates[best]) in seen:
                continue
            seen.add(_rgb_to_hex(candidates[best]))
            chosen.append(candidates[best])
    return [_rgb_to_hex(c) for c in chosen[:n]]


def topic_colors(topic_ids: Iterable[int]) -> dict[int, str]:
    """Colour of each topic: palette by rank of id among non-negative ids; -1 is grey."""
    ids = sorted({int(t) for t in topic_ids})
    real = [t for t in ids if t >= 0]
    colors = dict(zip(real, palette(len(real)), strict=True))
    colors.update({t: OUTLIER_COLOR for t in ids if t < 0})
    return colors


#: OKLab <- LMS^(1/3) and LMS <- linear sRGB (Ottosson 2020).
_OKLAB_M2 = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
_OKLAB_M1 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
#: OKLCH lightness of the themes: hue neighbours alternate between the two, so
#: 30 themes stay >= 15 delta E apart, where one lightness gives 8.
_THEME_LIGHTNESS = (0.56, 0.71)
_THEME_CHROMA = 0.17
_THEME_HUE0 = 30.0
#: Lightness spread of the shades of a theme's children (halved at each deeper level).
_SHADE_SPREAD = 0.13
_SHADE_RANGE = (0.36, 0.82)


def _oklch_linear(light: np.ndarray, chroma: np.ndarray, hue: np.ndarray) -> np.ndarray:
    """Linear sRGB of OKLCH colours (hue in degrees), shape (n, 3), not clipped."""
    rad = np.radians(hue)
    lab = np.stack([light, chroma * np.cos(rad), chroma * np.sin(rad)], axis=-1)
    lms = (lab @ np.linalg.inv(_OKLAB_M2).T) ** 3
    return lms @ np.linalg.inv(_OKLAB_M1).T


def _in_gamut_chroma(light: np.ndarray, hue: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """The largest chroma <= ``cap`` at which each (lightness, hue) is in sRGB, shape (n,)."""
    lo, hi = np.zeros_like(cap), cap.astype(float)
    fits = np.all(np.abs(_oklch_linear(light, hi, hue) - 0.5) <= 0.5, axis=-1)
    for _ in range(25):  # bisection to ~1e-8 chroma
        mid = (lo + hi) / 2
        ok = np.all(np.abs(_oklch_linear(light, mid, hue) - 0.5) <= 0.5, axis=-1)
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return np.where(fits, cap, lo)


def _oklch_hex(light: Sequence[float], chroma: Sequence[float], hue: Sequence[float]) -> list[str]:
    """``#RRGGBB`` of OKLCH colours, chroma reduced (hue and lightness kept) into sRGB."""
    light_a, hue_a = np.asarray(light, float), np.asarray(hue, float)
    chroma_a = _in_gamut_chroma(light_a, hue_a, np.asarray(chroma, float))
    linear = np.clip(_oklch_linear(light_a, chroma_a, hue_a), 0.0, 1.0)
    rgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return [_rgb_to_hex(c) for c in rgb]


def oklch(color: str) -> tuple[float, float, float]:
    """OKLCH of a ``#RRGGBB`` colour: lightness in [0, 1], chroma, hue in degrees [0, 360)."""
    rgb = np.array(_hex_to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    light, a, b = np.cbrt(_OKLAB_M1 @ linear) @ _OKLAB_M2.T
    return float(light), float(math.hypot(a, b)), float(math.degrees(math.atan2(b, a)) % 360)


def with_lightness(color: str, lightness: float) -> str:
    """``color`` at another OKLCH lightness in [0, 1], hue kept (chroma reduced into sRGB).

    Used for text in a topic's colour: a dark shade reads on white, the hue ties it
    to the points.
    """
    _, chroma, hue = oklch(color)
    return _oklch_hex([lightness], [chroma], [hue])[0]


def delta_e(first: str, second: str) -> float:
    """CIE76 colour difference of two ``#RRGGBB`` colours (about 2.3 is just noticeable)."""
    lab = _lab(np.array([_hex_to_rgb(first), _hex_to_rgb(second)]))
    return float(np.linalg.norm(lab[0] - lab[1]))


def _by_size(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by size, largest first, then by topic id (deterministic)."""
    if "size" not in rows.columns:
        return rows.sort_values("topic", kind="stable")
    return rows.sort_values(["size", "topic"], ascending=[False, True], kind="stable")


def _shade_offsets(rank: np.ndarray, count: np.ndarray, spread: float) -> np.ndarray:
    """Lightness offset of the ``rank``-th largest of ``count`` siblings, shape (n,).

    Siblings spread evenly over ``[-spread, spread]``; the largest takes the
    offset nearest 0 (its parent's shade), the next ones go outwards.
    """
    out = np.zeros(len(rank))
    for k in np.unique(count):
        if k > 1:
            steps = np.linspace(-spread, spread, int(k))
            steps = steps[np.argsort(np.abs(steps), kind="stable")]
            out[count == k] = steps[rank[count == k]]
    return out


def theme_colors(topics: pd.DataFrame) -> dict[int, str]:
    """A colour for every topic at every level: a hue per theme, shades of it below.

    Themes (level 0) get hues evenly spaced around the OKLCH circle, in order of
    size (largest first), and hue neighbours alternate between two lightnesses,
    so that up to 30 themes stay at least ~15 CIE76 delta E apart. A topic below
    keeps its theme's hue and takes a lighter or darker shade of its parent's
    colour (children spread evenly around the parent's lightness, the largest
    child nearest it; the spread halves at each deeper level). Outliers (-1) are
    :data:`OUTLIER_COLOR`.

    Args:
        topics: One row per topic at every level: ``topic``, ``level`` (0 =
            themes), ``parent`` (-1 at level 0), and optionally ``size``. Without
            ``level``/``parent`` (a run made before levels) every topic is a theme.

    Returns:
        ``{topic id: "#RRGGBB"}`` for every topic of ``topics`` and for -1.
    """
    rows = topics.copy()
    if "level" not in rows.columns or "parent" not in rows.columns:
        rows = rows.assign(level=0, parent=-1)
    rows = rows[rows["topic"] >= 0]
    themes = _by_size(rows[rows["level"] == rows["level"].min()]) if len(rows) else rows
    n = len(themes)
    slot = np.arange(n)
    hue = (_THEME_HUE0 + 360.0 * slot / max(n, 1)) % 360
    light = np.array([_THEME_LIGHTNESS[i % 2] for i in slot])
    if n > 3 and n % 2:  # the last and first slots are hue neighbours: split the difference
        light[-1] = sum(_THEME_LIGHTNESS) / 2
    chroma = _in_gamut_chroma(light, hue, np.full(n, _THEME_CHROMA))
    lch = {
        int(t): (lt, c, h) for t, lt, c, h in zip(themes["topic"], light, chroma, hue, strict=True)
    }
    children = rows[rows["level"] > rows["level"].min()] if len(rows) else rows
    for depth, (_, level_rows) in enumerate(children.groupby("level", sort=True), start=1):
        # A parent missing from the table leaves its children to the fallback below.
        kids = _by_size(level_rows[level_rows["parent"].isin(list(lch))])
        kids = kids.sort_values("parent", kind="stable")  # by parent, by size within
        rank = kids.groupby("parent").cumcount().to_numpy()
        count = kids.groupby("parent")["topic"].transform("size").to_numpy()
        offsets = _shade_offsets(rank, count, _SHADE_SPREAD / 2 ** (depth - 1))
        for topic, parent, offset in zip(kids["topic"], kids["parent"], offsets, strict=True):
            p_light, p_chroma, p_hue = lch[int(parent)]
            lch[int(topic)] = (float(np.clip(p_light + offset, *_SHADE_RANGE)), p_chroma, p_hue)
    ids = list(lch)
    hexes = _oklch_hex(*np.array(list(lch.values())).T) if ids else []
    colors = dict(zip(ids, hexes, strict=True))
    # Topics whose parent chain does not reach a theme: a colour of their own.
    orphans = [int(t) for t in rows["topic"] if int(t) not in colors]
    colors.update(zip(orphans, palette(len(orphans)), strict=True))
    colors[-1] = OUTLIER_COLOR
    return colors


# --------------------------------------------------------------------------- layout


def base_layout(
    fig: go.Figure, title: str, width: int | None, height: int | None, **extra: Any
) -> go.Figure:
    """Shared print-friendly layout: plotly_white, fonts >= 12 px, 18 px title."""
    fig.update_layout(
        template=_TEMPLATE,
        title={"text": title, "font": {"size": _TITLE_FONT}, "x": 0.01, "xanchor": "left"},
        font={"size": _FONT},
        hoverlabel={"font": {"size": SMALL_FONT}, "align": "left"},
        legend={"font": {"size": SMALL_FONT}},
        width=width,
        height=height,
    )
    fig.update_layout(**extra)
    return fig


def empty_figure(message: str, title: str, width: int | None, height: int | None) -> go.Figure:
    """A figure with no data that says why."""
    fig = go.Figure()
    fig.add_annotation(
        text=escape(message),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 16, "color": "#666666"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base_layout(fig, title, width, height or 400)


def label_map(topics: pd.DataFrame | None, documents: pd.DataFrame | None = None) -> dict:
    """Topic id -> label, from ``topics`` then ``documents.topic_label``."""
    labels: dict[int, str] = {}
    if documents is not None and "topic_label" in documents.columns:
        pairs = documents[["topic", "topic_label"]].drop_duplicates("topic")
        labels.update({int(t): clean_text(lab) for t, lab in pairs.itertuples(index=False)})
    if topics is not None and len(topics):
        labels.update(
            {
                int(t): clean_text(lab)
                for t, lab in zip(topics["topic"], topics["label"], strict=True)
            }
        )
    return labels


def topic_name(labels: dict[int, str], topic: int) -> str:
    """A topic's label from :func:`label_map`, or a name made from its id."""
    if labels.get(topic):
        return labels[topic]
    return "Outliers" if topic == -1 else f"Topic {topic}"


# --------------------------------------------------------------------------- document map


def source_text(value: Any, max_files: int = 3, as_files: bool = True) -> str:
    """The sources of a paper as escaped hover text, at most ``max_files`` named.

    ``value`` holds file paths (shown by file name) or, with ``as_files=False``,
    readable source names (shown as they are).
    """
    shown_as = file_name if as_files else clean_text
    names = list(dict.fromkeys(shown_as(f) for f in as_list(value)))
    if not names:
        return ""
    shown = ", ".join(names[:max_files])
    if len(names) > max_files:
        shown += f" +{len(names) - max_files} more"
    return escape(shown)
