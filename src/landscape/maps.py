"""Interactive figures of a fitted landscape (plotly).

One function per figure; each takes the artifacts of a run (see
:mod:`landscape.pipeline`) and returns a new :class:`plotly.graph_objects.Figure`:

- :func:`document_map`: the 2-D projection, one WebGL trace per topic.
- :func:`topic_sizes`: topic sizes with their top terms.
- :func:`topic_hierarchy`: the topic dendrogram, built from the hierarchy table.
- :func:`topic_similarity`: a topic x topic similarity heatmap
  (see :func:`topic_similarity_matrix`).
- :func:`source_comparison`: topic shares per source file or label.
- :func:`topics_over_time`: topic counts or shares per period.

Inputs are never mutated and nothing is kept between calls.

Security: plotly renders a subset of HTML (``<b>``, ``<br>``, ``<a href>``) in
hover text, annotations, legend names and tick labels. Every string that comes
from the data (titles, abstracts, labels, terms, source names) goes through
:func:`escape` before it is put in a figure, so markup in a title shows as text.
Figure titles passed by the caller are trusted markup and are not escaped.
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
_SMALL_FONT = 12
_TITLE_FONT = 18
_TEMPLATE = "plotly_white"

_TEMPLATE_CHARS = re.compile(r"[\"'%{}]")
_ENTITIES = str.maketrans({'"': "&#34;", "'": "&#39;", "%": "&#37;", "{": "&#123;", "}": "&#125;"})
_FREQ = {"year": "Y", "y": "Y", "quarter": "Q", "q": "Q", "month": "M", "m": "M"}


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


def _clean(value: Any) -> str:
    """A data value as one line of plain text (whitespace collapsed)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def _cut(text: str, limit: int) -> str:
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


def _html_lines(text: str, width: int) -> str:
    """One-line plain text, escaped and wrapped into ``<br>``-separated lines."""
    return escape(_wrap(text, width)).replace("\n", "<br>")


def _as_list(value: Any) -> list[Any]:
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


def _basename(path: Any) -> str:
    """The file name of a path (slash or backslash separated)."""
    return str(path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _terms(value: Any, n: int) -> list[str]:
    """The first ``n`` terms of a ``terms`` cell (``{term, weight}`` dicts, pairs or strings)."""
    out: list[str] = []
    for item in _as_list(value):
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


def _topic_colors(topic_ids: Iterable[int]) -> dict[int, str]:
    """Colour of each topic: palette by rank of id among non-negative ids; -1 is grey."""
    ids = sorted({int(t) for t in topic_ids})
    real = [t for t in ids if t >= 0]
    colors = dict(zip(real, palette(len(real)), strict=True))
    colors.update({t: OUTLIER_COLOR for t in ids if t < 0})
    return colors


# --------------------------------------------------------------------------- layout


def _layout(
    fig: go.Figure, title: str, width: int | None, height: int | None, **extra: Any
) -> go.Figure:
    """Shared print-friendly layout: plotly_white, fonts >= 12 px, 18 px title."""
    fig.update_layout(
        template=_TEMPLATE,
        title={"text": title, "font": {"size": _TITLE_FONT}, "x": 0.01, "xanchor": "left"},
        font={"size": _FONT},
        hoverlabel={"font": {"size": _SMALL_FONT}, "align": "left"},
        legend={"font": {"size": _SMALL_FONT}},
        width=width,
        height=height,
    )
    fig.update_layout(**extra)
    return fig


def _empty(message: str, title: str, width: int | None, height: int | None) -> go.Figure:
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
    return _layout(fig, title, width, height or 400)


def _label_map(topics: pd.DataFrame | None, documents: pd.DataFrame | None = None) -> dict:
    """Topic id -> label, from ``topics`` then ``documents.topic_label``."""
    labels: dict[int, str] = {}
    if documents is not None and "topic_label" in documents.columns:
        pairs = documents[["topic", "topic_label"]].drop_duplicates("topic")
        labels.update({int(t): _clean(lab) for t, lab in pairs.itertuples(index=False)})
    if topics is not None and len(topics):
        labels.update(
            {int(t): _clean(lab) for t, lab in zip(topics["topic"], topics["label"], strict=True)}
        )
    return labels


def _label(labels: dict[int, str], topic: int) -> str:
    if labels.get(topic):
        return labels[topic]
    return "Outliers" if topic == -1 else f"Topic {topic}"


# --------------------------------------------------------------------------- document map


def _source_text(value: Any, max_files: int = 3) -> str:
    names = list(dict.fromkeys(_basename(f) for f in _as_list(value)))
    if not names:
        return ""
    shown = ", ".join(names[:max_files])
    if len(names) > max_files:
        shown += f" +{len(names) - max_files} more"
    return escape(shown)


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

    Returns:
        A figure with one ``go.Scattergl`` trace per topic (outliers first).
    """
    n = len(documents)
    if marker_size is None:
        marker_size = 7 if n < 2_000 else 5 if n < 20_000 else 3
    docs = documents[["doc_id", "topic", "x", "y"]].reset_index(drop=True)
    doc_ids = docs["doc_id"].astype(str)
    columns = [
        c for c in ("title", "abstract", "source_files") if corpus is not None and c in corpus
    ]
    if corpus is not None and columns:
        info = corpus[["doc_id", *columns]].copy()
        info["doc_id"] = info["doc_id"].astype(str)
        info = info.drop_duplicates("doc_id").set_index("doc_id").reindex(doc_ids)
    else:
        info = pd.DataFrame(index=doc_ids)

    titles = info["title"].tolist() if "title" in info else [None] * n
    abstracts = info["abstract"].tolist() if "abstract" in info else [None] * n
    sources = info["source_files"].tolist() if "source_files" in info else [None] * n
    custom = np.empty((n, 4), dtype=object)
    custom[:, 0] = [escape(d) for d in doc_ids]
    custom[:, 1] = [_html_lines(_cut(_clean(t), 300), hover_width) or "(no title)" for t in titles]
    source_cache: dict[Any, str] = {}
    col = []
    for value in sources:
        key = tuple(_as_list(value))
        if key not in source_cache:
            source_cache[key] = _source_text(key)
        col.append(source_cache[key])
    custom[:, 2] = col
    # Only the head of an abstract is shown: clean no more than needed.
    heads = [a[: abstract_chars * 2] if isinstance(a, str) else a for a in abstracts]
    custom[:, 3] = [_html_lines(_cut(_clean(a), abstract_chars), hover_width) for a in heads]

    topic_col = docs["topic"].to_numpy(dtype=np.int64)
    xs = docs["x"].to_numpy(dtype=np.float32)
    ys = docs["y"].to_numpy(dtype=np.float32)
    present = sorted(set(topic_col.tolist()))
    labels = _label_map(topics, documents)
    ids = set(present) | ({int(t) for t in topics["topic"]} if topics is not None else set())
    colors = _topic_colors(ids)

    source_line = "Source: %{customdata[2]}<br>" if "source_files" in info else ""
    order = np.argsort(topic_col, kind="stable")
    bounds = np.searchsorted(topic_col[order], [*present, max(present, default=0) + 1])
    fig = go.Figure()
    annotations = []
    for i, topic in enumerate(present):
        rows = order[bounds[i] : bounds[i + 1]]
        label = _label(labels, topic)
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
                    "opacity": 0.35 if outlier else 0.8,
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
                    "text": _html_lines(label, 28),
                    "showarrow": False,
                    "font": {"size": _SMALL_FONT, "color": "#222222"},
                    "bgcolor": "rgba(255,255,255,0.8)",
                    "bordercolor": colors[topic],
                    "borderwidth": 1.5,
                    "borderpad": 3,
                }
            )
    axis = {"showgrid": False, "zeroline": False, "showticklabels": False, "title": None}
    return _layout(
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


def topic_sizes(
    topics: pd.DataFrame,
    n_terms: int = 5,
    *,
    title: str = "Topic sizes",
    width: int | None = 1000,
    height: int | None = None,
    include_outliers: bool = False,
) -> go.Figure:
    """Horizontal bar chart of topic sizes, largest on top, with each topic's top terms.

    The terms are the bar text (where they fit at 12 px) and are always in the
    hover.

    Args:
        topics: Topic table: ``topic``, ``label``, ``size``, and ``terms`` or
            ``ctfidf_terms``; shape (n_topics, >=3).
        n_terms: Terms shown per topic.
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px (``None``: grows with the number of topics).
        include_outliers: Show the outlier topic (-1) as a grey bar.

    Returns:
        A figure with one ``go.Bar`` trace (one bar per topic), or an empty
        figure saying so when there are no topics.
    """
    table = topics if include_outliers else topics[topics["topic"] != -1]
    if table.empty:
        return _empty("No topics", title, width, height)
    table = table.sort_values(["size", "topic"], ascending=[False, True], kind="stable")
    colors = _topic_colors(topics["topic"])
    term_col = "terms" if "terms" in table else "ctfidf_terms" if "ctfidf_terms" in table else None
    terms = []
    for _, row in table.iterrows():
        picked = _terms(row[term_col], n_terms) if term_col else []
        if not picked and "ctfidf_terms" in table:
            picked = _terms(row["ctfidf_terms"], n_terms)
        terms.append(escape(", ".join(picked)))
    full = [_label({int(t): _clean(lab)}, int(t)) for t, lab in table[["topic", "label"]].values]
    labels = [escape(_cut(name, 60)) for name in full]
    positions = list(range(len(table)))
    custom = np.array(
        [
            [escape(name), int(t), terms[i]]
            for i, (name, t) in enumerate(zip(full, table["topic"], strict=True))
        ],
        dtype=object,
    )
    fig = go.Figure(
        go.Bar(
            x=table["size"].astype(int).tolist(),
            y=positions,
            orientation="h",
            marker={"color": [colors[int(t)] for t in table["topic"]]},
            text=terms,
            textposition="auto",
            textfont={"size": _SMALL_FONT},
            insidetextanchor="start",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=(
                "<b>%{customdata[0]}</b> (topic %{customdata[1]})<br>"
                "%{x:,} documents<br>Top terms: %{customdata[2]}<extra></extra>"
            ),
        )
    )
    fig.update_yaxes(
        tickmode="array", tickvals=positions, ticktext=labels, autorange="reversed", title=None
    )
    fig.update_xaxes(title="Documents")
    return _layout(
        fig,
        title,
        width,
        height or max(400, 30 * len(table) + 140),
        uniformtext={"minsize": _SMALL_FONT, "mode": "hide"},
        showlegend=False,
    )


# --------------------------------------------------------------------------- hierarchy


def topic_hierarchy(
    hierarchy: pd.DataFrame,
    topics: pd.DataFrame | None,
    *,
    title: str = "Topic hierarchy",
    width: int | None = 1000,
    height: int | None = None,
) -> go.Figure:
    """The topic hierarchy as a dendrogram (leaves on the left, merge distance across).

    Built from the hierarchy table alone: each merge is one path shape in
    ``layout.shapes`` joining its two children at the height of its
    ``Distance``; leaves (topic ids that are never a ``Parent_ID``) sit at
    distance 0 in depth-first order, so branches never cross. Merge points and
    leaves have hover markers.

    Args:
        hierarchy: BERTopic hierarchical topics, one row per merge:
            ``Parent_ID``, ``Parent_Name``, ``Topics``, ``Child_Left_ID``,
            ``Child_Right_ID``, ``Distance``; shape (n_merges, >=6).
        topics: Topic table (``topic``, ``label``, ``size``) for leaf labels;
            ``None`` labels leaves by id.
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px (``None``: grows with the number of leaves).

    Returns:
        A figure with one path shape per merge and two marker traces (merges,
        leaves), or an empty figure saying there is no hierarchy.

    Raises:
        ValueError: The table is not a tree (a node has two parents).
    """
    if hierarchy is None or hierarchy.empty:
        return _empty("Fewer than 2 topics: no hierarchy to draw", title, width, height)
    merges: dict[int, tuple[int, int, float, str, int]] = {}
    for row in hierarchy.itertuples(index=False):
        n_topics = len(_as_list(getattr(row, "Topics", None)))
        merges[int(row.Parent_ID)] = (
            int(row.Child_Left_ID),
            int(row.Child_Right_ID),
            float(row.Distance),
            _clean(getattr(row, "Parent_Name", "")).replace("_", ", "),
            n_topics,
        )
    children = {c for left, right, *_ in merges.values() for c in (left, right)}
    roots = sorted((p for p in merges if p not in children), key=lambda p: -merges[p][2])

    leaf_order: list[int] = []
    stack = list(reversed(roots))
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            raise ValueError(f"hierarchy is not a tree: node {node} is reached twice")
        seen.add(node)
        if node in merges:
            left, right = merges[node][:2]
            stack.extend([right, left])
        else:
            leaf_order.append(node)
    position = {leaf: float(i) for i, leaf in enumerate(leaf_order)}
    height_of = dict.fromkeys(leaf_order, 0.0)

    def place(node: int) -> None:
        # Iterative post-order: children before parents.
        todo = [(node, False)]
        while todo:
            current, done = todo.pop()
            if current in position:
                continue
            left, right, dist = merges[current][:3]
            if done:
                position[current] = (position[left] + position[right]) / 2
                height_of[current] = dist
            else:
                todo.extend([(current, True), (left, False), (right, False)])

    for root in roots:
        place(root)

    shapes = []
    for parent, (left, right, dist, _, _) in merges.items():
        path = (
            f"M {height_of[left]},{position[left]} H {dist} V {position[right]} "
            f"H {height_of[right]}"
        )
        shapes.append(
            {
                "type": "path",
                "path": path,
                "line": {"color": LINE_COLOR, "width": 1.5},
                "layer": "below",
                "xref": "x",
                "yref": "y",
                "name": f"merge {parent}",
            }
        )

    labels = _label_map(topics)
    sizes = {}
    if topics is not None and "size" in topics:
        sizes = {int(t): int(s) for t, s in zip(topics["topic"], topics["size"], strict=True)}
    ids = set(leaf_order) | (set(labels) if topics is not None else set())
    colors = _topic_colors(ids)
    fig = go.Figure()
    parents = list(merges)
    fig.add_trace(
        go.Scatter(
            x=[height_of[p] for p in parents],
            y=[position[p] for p in parents],
            mode="markers",
            marker={"size": 7, "color": LINE_COLOR},
            customdata=[[_html_lines(_cut(merges[p][3], 200), 60), merges[p][4]] for p in parents],
            hovertemplate=(
                "<b>Merge</b> of %{customdata[1]} topics at distance %{x:.3f}<br>"
                "%{customdata[0]}<extra></extra>"
            ),
            showlegend=False,
            name="merges",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0.0] * len(leaf_order),
            y=[position[leaf] for leaf in leaf_order],
            mode="markers",
            marker={"size": 10, "color": [colors.get(leaf, OUTLIER_COLOR) for leaf in leaf_order]},
            customdata=[
                [escape(_label(labels, leaf)), leaf, sizes.get(leaf, "?")] for leaf in leaf_order
            ],
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>topic %{customdata[1]}, "
                "%{customdata[2]} documents<extra></extra>"
            ),
            showlegend=False,
            name="topics",
        )
    )
    max_dist = max([dist for _, _, dist, _, _ in merges.values()] + [1e-9])
    fig.update_yaxes(
        tickmode="array",
        tickvals=list(range(len(leaf_order))),
        ticktext=[escape(_cut(_label(labels, leaf), 50)) for leaf in leaf_order],
        range=[len(leaf_order) - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
        title=None,
    )
    fig.update_xaxes(range=[-0.03 * max_dist, max_dist * 1.05], title="Merge distance")
    return _layout(fig, title, width, height or max(400, 26 * len(leaf_order) + 140), shapes=shapes)


# --------------------------------------------------------------------------- similarity


def topic_similarity_matrix(
    embeddings: np.ndarray, documents: pd.DataFrame
) -> tuple[np.ndarray, list[int]]:
    """Cosine similarity of topic centroids of document embeddings.

    Args:
        embeddings: ndarray of shape (n_docs, dim), aligned with ``documents`` rows.
        documents: Table with a ``topic`` column; shape (n_docs, >=1). Outliers
            (-1) are left out.

    Returns:
        ``(similarity, topic_ids)``: a symmetric float64 ndarray of shape
        (n_topics, n_topics) with ones on the diagonal, values in [-1, 1], rows
        in the order of ``topic_ids`` (sorted non-negative topic ids).

    Raises:
        ValueError: ``embeddings`` is not 2-D or not aligned with ``documents``.
    """
    emb = np.asarray(embeddings, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[0] != len(documents):
        raise ValueError(
            f"embeddings of shape {emb.shape} do not align with {len(documents)} documents"
        )
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    emb = emb / np.where(norms == 0, 1, norms)
    labels = documents["topic"].to_numpy(dtype=np.int64)
    topic_ids = sorted(int(t) for t in set(labels.tolist()) if t >= 0)
    if not topic_ids:
        return np.zeros((0, 0)), []
    centroids = np.stack([emb[labels == t].mean(axis=0) for t in topic_ids])
    c_norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = centroids / np.where(c_norms == 0, 1, c_norms)
    sim = centroids @ centroids.T
    sim = np.clip((sim + sim.T) / 2, -1.0, 1.0)
    np.fill_diagonal(sim, 1.0)
    return sim, topic_ids


def topic_similarity(
    similarity: np.ndarray,
    topics: pd.DataFrame | None,
    *,
    topic_ids: Sequence[int] | None = None,
    title: str = "Topic similarity",
    width: int | None = None,
    height: int | None = None,
) -> go.Figure:
    """Heatmap of a topic x topic similarity matrix, topic labels on both axes.

    Args:
        similarity: ndarray of shape (n_topics, n_topics); rows in the order of
            ``topic_ids`` or, by default, of ``topics`` without -1.
        topics: Topic table (``topic``, ``label``) for the labels.
        topic_ids: Topic of each row (as returned by :func:`topic_similarity_matrix`).
        title: Figure title (trusted markup).
        width: Figure width in px (``None``: grows with the number of topics).
        height: Figure height in px (``None``: grows with the number of topics).

    Returns:
        A figure with one ``go.Heatmap`` trace (row 0 at the top).

    Raises:
        ValueError: The matrix is not square or does not match the topics.
    """
    sim = np.asarray(similarity, dtype=np.float64)
    if topic_ids is None:
        if topics is None:
            topic_ids = list(range(sim.shape[0]))
        else:
            topic_ids = [int(t) for t in topics["topic"] if int(t) != -1]
    topic_ids = [int(t) for t in topic_ids]
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1] or sim.shape[0] != len(topic_ids):
        raise ValueError(f"similarity of shape {sim.shape} does not match {len(topic_ids)} topics")
    if not topic_ids:
        return _empty("No topics", title, width, height)
    labels = _label_map(topics)
    names = [_label(labels, t) for t in topic_ids]
    ticks = [escape(_cut(name, 40)) for name in names]
    full = [escape(name) for name in names]
    text = [[f"{full[i]}<br>× {full[j]}" for j in range(len(names))] for i in range(len(names))]
    positions = list(range(len(names)))
    off = sim[~np.eye(len(names), dtype=bool)]
    zmin = float(off.min()) if off.size else 0.0
    zmin = zmin if zmin < 1.0 else 0.0
    fig = go.Figure(
        go.Heatmap(
            z=np.round(sim, 4),
            x=positions,
            y=positions,
            text=text,
            hovertemplate="%{text}<br>similarity %{z:.3f}<extra></extra>",
            colorscale="Blues",
            zmin=zmin,
            zmax=1.0,
            colorbar={"title": {"text": "cosine"}},
        )
    )
    axis = {"tickmode": "array", "tickvals": positions, "ticktext": ticks, "showgrid": False}
    fig.update_xaxes(**axis, tickangle=-45, side="bottom")
    fig.update_yaxes(**axis, autorange="reversed")
    side = max(450, 22 * len(names) + 300)
    return _layout(fig, title, width or side + 100, height or side)


# --------------------------------------------------------------------------- sources


def source_comparison(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    by: str = "source_files",
    normalize: bool = True,
    *,
    basename: bool | None = None,
    title: str | None = None,
    width: int | None = 1000,
    height: int | None = None,
) -> go.Figure:
    """Topic share per source (file or label) as stacked horizontal bars.

    A list-valued ``by`` column is exploded, so a paper found in three files
    counts once in each. Values of a path column are shown by file name (the
    full path where two share a name). Documents with no value form a "(none)"
    group.

    Args:
        documents: ``doc_id``, ``topic`` (and optionally ``topic_label``);
            shape (n_docs, >=2).
        corpus: Table with ``doc_id`` and the ``by`` column (looked up in
            ``documents`` when ``corpus`` lacks it).
        by: Column naming the source of each paper: list-valued (e.g.
            ``source_files``) or a plain label.
        normalize: Show shares (each bar sums to 1) instead of counts.
        basename: Show values as file names; by default when ``by`` ends in
            ``file``, ``files``, ``path`` or ``paths``.
        title: Figure title (trusted markup); by default names ``by``.
        width: Figure width in px.
        height: Figure height in px (``None``: grows with the number of sources).

    Returns:
        A figure with one ``go.Bar`` trace per topic (outliers last, grey), one
        bar per source; ``x`` holds shares or counts.

    Raises:
        KeyError: Neither table has the ``by`` column.
    """
    title = title or f"Topics by {escape(by)}"
    docs = documents[["doc_id", "topic"]].copy()
    docs["doc_id"] = docs["doc_id"].astype(str)
    if corpus is not None and by in corpus.columns:
        values = corpus[["doc_id", by]].copy()
        values["doc_id"] = values["doc_id"].astype(str)
        values = values.drop_duplicates("doc_id").set_index("doc_id")[by]
        docs["_source"] = values.reindex(docs["doc_id"]).to_numpy()
    elif by in documents.columns:
        docs["_source"] = documents[by].to_numpy()
    else:
        raise KeyError(f"no column {by!r} in the corpus or the documents")
    docs["_source"] = [
        [str(v) for v in _as_list(cell) if str(v)] or ["(none)"] for cell in docs["_source"]
    ]
    long = docs.explode("_source", ignore_index=True)
    if long.empty:
        return _empty("No documents", title, width, height)
    counts = pd.crosstab(long["_source"], long["topic"])
    counts = counts.reindex(sorted(counts.index, key=str))
    counts = counts[sorted(counts.columns, key=lambda t: (t == -1, t))]
    totals = counts.sum(axis=1)
    values = counts.div(totals, axis=0) if normalize else counts

    raw = [str(s) for s in counts.index]
    if basename is None:
        basename = by.lower().endswith(("file", "files", "path", "paths"))
    short = [_basename(s) if basename and s != "(none)" else s for s in raw]
    if len(set(short)) < len(short):  # two paths share a file name: show the paths
        short = raw
    names = [escape(_cut(s, 60)) for s in short]
    positions = list(range(len(names)))
    labels = _label_map(None, documents)
    colors = _topic_colors(counts.columns)
    fig = go.Figure()
    for topic in counts.columns:
        label = _label(labels, int(topic))
        fig.add_trace(
            go.Bar(
                x=values[topic].to_numpy(dtype=float),
                y=positions,
                orientation="h",
                name=escape(_cut(label, 60)),
                marker={"color": colors[int(topic)], "line": {"width": 0}},
                customdata=np.stack(
                    [names, counts[topic].to_numpy(), totals.to_numpy()], axis=1
                ).astype(object),
                hovertemplate=(
                    f"<b>{escape(label)}</b><br>%{{customdata[0]}}<br>"
                    + ("%{x:.1%} " if normalize else "")
                    + "(%{customdata[1]} of %{customdata[2]})<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(
        tickmode="array", tickvals=positions, ticktext=names, autorange="reversed", title=None
    )
    fig.update_xaxes(
        title="Share of papers" if normalize else "Papers",
        tickformat=".0%" if normalize else None,
        range=[0, 1] if normalize else None,
    )
    return _layout(
        fig,
        title,
        width,
        height or max(350, 34 * len(names) + 180),
        barmode="stack",
        legend={"traceorder": "normal"},
    )


# --------------------------------------------------------------------------- time


def _periods(values: pd.Series, freq: str) -> tuple[pd.Series, list[Any]]:
    """Period of each value (NaN when unknown) and the full, gap-free list of periods.

    Numeric values are years; strings are parsed as dates (ISO 8601 first).
    """
    code = _FREQ.get(freq.lower())
    if code is None:
        raise ValueError(f"freq must be one of year, quarter, month; got {freq!r}")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        years = pd.to_numeric(values, errors="coerce")
        years = years.where((years >= 1) & (years <= 9999) & (years == years.round()))
        if years.notna().sum() == 0:
            return years, []
        lo, hi = int(years.min()), int(years.max())
        return years, list(range(lo, hi + 1))
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = pd.to_datetime(values, errors="coerce", utc=True)
    else:
        text = values.map(lambda v: None if v is None or _clean(v) == "" else _clean(v))
        text = text.astype(object).where(text.notna(), None)
        dates = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        retry = dates.isna() & text.notna()
        if retry.any():
            dates[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed", utc=True)
    dates = dates.dt.tz_convert(None)
    if dates.notna().sum() == 0:
        return pd.Series(np.nan, index=values.index), []
    if code == "Y":
        years = dates.dt.year.astype("float64")
        return years, list(range(int(years.min()), int(years.max()) + 1))
    periods = dates.dt.to_period(code)
    full = pd.period_range(periods.min(), periods.max(), freq=code)
    start = {p: p.start_time.strftime("%Y-%m-%d") for p in full}
    return periods.map(lambda p: start.get(p) if pd.notna(p) else np.nan), list(start.values())


def topics_over_time(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    date_col: str = "date",
    freq: str = "year",
    top_n: int = 10,
    normalize: bool = False,
    *,
    title: str = "Topics over time",
    width: int | None = 1000,
    height: int | None = 550,
) -> go.Figure:
    """Documents per period for the ``top_n`` largest topics; the rest as "other".

    Dates come from ``date_col`` (ISO date strings, datetimes or int years) in
    ``corpus`` or ``documents``; when that column is missing, a ``year``
    column is used. Periods without papers show as 0, so gaps are visible.
    Integer years cannot be split finer than a year.

    Args:
        documents: ``doc_id``, ``topic`` (and optionally ``topic_label``);
            shape (n_docs, >=2).
        corpus: Table with ``doc_id`` and the date column, or ``None``.
        date_col: Name of the date column.
        freq: ``"year"``, ``"quarter"`` or ``"month"``.
        top_n: Topics shown by name (largest among dated papers, outliers excluded);
            the other topics and the outliers are grouped as "other".
        normalize: Show each period's shares (stacked areas summing to 1) instead of counts.
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px.

    Returns:
        A figure with one ``go.Scatter`` trace per shown topic plus "other"
        (when any), or an empty figure saying "no dates".
    """
    docs = documents[["doc_id", "topic"]].copy()
    docs["doc_id"] = docs["doc_id"].astype(str)
    column = None
    for name in dict.fromkeys([date_col, "year"]):
        if corpus is not None and name in corpus.columns:
            table = corpus[["doc_id", name]].copy()
            table["doc_id"] = table["doc_id"].astype(str)
            series = table.drop_duplicates("doc_id").set_index("doc_id")[name]
            column = series.reindex(docs["doc_id"]).reset_index(drop=True)
            break
        if name in documents.columns:
            column = documents[name].reset_index(drop=True)
            break
    if column is None:
        return _empty("No dates: no date or year column", title, width, height)
    periods, full = _periods(column, freq)
    docs = docs.reset_index(drop=True)
    docs["_period"] = periods.to_numpy()
    docs = docs[docs["_period"].notna()]
    if docs.empty or not full:
        return _empty("No dates in the corpus", title, width, height)
    if isinstance(full[0], int):
        docs["_period"] = docs["_period"].astype(int)

    sizes = docs.loc[docs["topic"] != -1, "topic"].value_counts()
    ranked = sorted(sizes.index, key=lambda t: (-sizes[t], t))[: max(top_n, 0)]
    keep = set(ranked)
    docs["_group"] = [t if t in keep else "other" for t in docs["topic"]]
    counts = pd.crosstab(docs["_period"], docs["_group"]).reindex(full, fill_value=0)
    groups = [*ranked, *(["other"] if "other" in counts.columns else [])]
    counts = counts.reindex(columns=groups, fill_value=0)
    totals = counts.sum(axis=1)
    values = counts.div(totals.where(totals > 0, 1), axis=0) if normalize else counts

    labels = _label_map(None, documents)
    colors = _topic_colors(documents["topic"])
    fig = go.Figure()
    for group in groups:
        label = "other" if group == "other" else _label(labels, int(group))
        color = OTHER_COLOR if group == "other" else colors[int(group)]
        fig.add_trace(
            go.Scatter(
                x=list(counts.index),
                y=values[group].to_numpy(dtype=float),
                mode="lines" if normalize else "lines+markers",
                stackgroup="share" if normalize else None,
                name=escape(_cut(label, 60)),
                line={"color": color, "width": 2},
                marker={"size": 6},
                customdata=np.stack([counts[group].to_numpy(), totals.to_numpy()], axis=1),
                hovertemplate=(
                    f"<b>{escape(label)}</b><br>%{{x}}: "
                    + ("%{y:.1%} " if normalize else "")
                    + "%{customdata[0]} of %{customdata[1]} papers<extra></extra>"
                ),
            )
        )
    is_year = isinstance(full[0], int)
    fig.update_xaxes(
        title="Year" if is_year else "Period start",
        type="linear" if is_year else "date",
        dtick=1 if is_year and len(full) <= 30 else None,
        tickformat="d" if is_year else None,
    )
    fig.update_yaxes(
        title="Share of papers" if normalize else "Papers",
        tickformat=".0%" if normalize else None,
        rangemode="tozero",
    )
    return _layout(fig, title, width, height, hovermode="closest")
