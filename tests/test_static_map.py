"""Tests of landscape.maps.static_map: the static map figure and its export."""

import html
import itertools
import re
import struct

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from conftest import require_chromium
from landscape.maps.static_map import (
    BOLD_CHAR_EM,
    CHAR_EM,
    HALO_PAD,
    LINE_EM,
    THEME_FONT,
    TOPIC_FONT,
    static_map,
)
from landscape.maps.style import OUTLIER_COLOR, theme_colors

EPS = 1e-6


# --------------------------------------------------------------------------- the figure


def levelled_run(n: int = 1500, seed: int = 0):
    """Documents in 5 themes (blobs) of 3 topics each, 4% outliers; topics at both levels."""
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 15, n)
    theme = 100 + fine // 3
    centres = np.array([[0, 0], [8, 1], [3, 7], [-6, 5], [9, 9]], float)
    xy = centres[fine // 3] + rng.normal(scale=0.8, size=(15, 2))[fine] + rng.normal(size=(n, 2))
    out = rng.random(n) < 0.04
    docs = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "topic": np.where(out, -1, fine),
            "level_0": np.where(out, -1, theme),
            "level_1": np.where(out, -1, fine),
        }
    )
    names = ["Proteins & <folding>", "Galaxies", "Graph networks", "Monetary policy", "Climate"]
    rows = [{"topic": 100 + t, "level": 0, "parent": -1, "label": names[t]} for t in range(5)] + [
        {"topic": f, "level": 1, "parent": 100 + f // 3, "label": f"Subject {f}"} for f in range(15)
    ]
    topics = pd.DataFrame(rows)
    counts = pd.concat([docs["level_0"], docs["level_1"]]).value_counts()
    topics["size"] = topics["topic"].map(counts).fillna(0).astype(int)
    return docs, topics


def px_boxes(fig: go.Figure):
    """Each name annotation's estimated box in px, and whether it is a theme name."""
    lay = fig.layout
    plot_w = lay.width - lay.margin.l - lay.margin.r
    plot_h = lay.height - lay.margin.t - lay.margin.b
    (x0, x1), (y0, y1) = lay.xaxis.range, lay.yaxis.range
    out = []
    for a in lay.annotations:
        if a.xref != "x":
            continue
        cx, cy = (a.ax, a.ay) if a.showarrow else (a.x, a.y)
        px = np.array([(cx - x0) / (x1 - x0) * plot_w, (y1 - cy) / (y1 - y0) * plot_h])
        bold = a.text.startswith("<b>")
        lines = html.unescape(re.sub(r"</?b>", "", a.text)).split("<br>")
        em = BOLD_CHAR_EM if bold else CHAR_EM
        size = np.array(
            [max(map(len, lines)) * em * a.font.size, len(lines) * LINE_EM * a.font.size]
        )
        out.append((px, size + 2 * HALO_PAD, bold, a))
    return out, (plot_w, plot_h)


def test_static_map_names_every_theme_without_overlap():
    docs, topics = levelled_run()
    before = docs.copy(), topics.copy()
    fig = static_map(docs, topics, title="Test map")
    assert isinstance(fig, go.Figure)
    assert all(isinstance(t, go.Scatter) for t in fig.data)  # SVG markers: exportable as vectors
    boxes, (plot_w, plot_h) = px_boxes(fig)
    themes = [b for b in boxes if b[2]]
    assert len(themes) == 5
    texts = {html.unescape(re.sub(r"</?b>", "", b[3].text)) for b in themes}
    assert "Proteins & <folding>" in texts
    assert all("<folding>" not in b[3].text for b in boxes)  # escaped in the figure
    assert all(b[3].font.size >= THEME_FONT for b in themes)
    topic_names = [b for b in boxes if not b[2]]
    assert topic_names and all(b[3].font.size >= TOPIC_FONT >= 14 for b in topic_names)
    for (ca, sa, *_), (cb, sb, *_) in itertools.combinations(boxes, 2):
        assert (np.abs(ca - cb) >= (sa + sb) / 2 - EPS).any()
    for c, s, *_ in boxes:
        assert (c - s / 2 >= -EPS).all() and (c + s / 2 <= [plot_w + EPS, plot_h + EPS]).all()
    # Equal scale on both axes: the map is not stretched.
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    assert (x1 - x0) / plot_w == pytest.approx((y1 - y0) / plot_h)
    assert docs.equals(before[0]) and topics.equals(before[1])


def test_static_map_colours_points_by_topic_shade():
    docs, topics = levelled_run(n=400)
    fig = static_map(docs, topics)
    colors = theme_colors(topics)
    outliers, points = fig.data
    assert len(outliers.x) + len(points.x) == len(docs)

    def shades(trace):
        # Integer codes on a colorscale with one stop per colour, at i / cmax.
        stops = {round(at * trace.marker.cmax): c for at, c in trace.marker.colorscale}
        return [stops[int(code)] for code in trace.marker.color]

    assert set(shades(outliers)) <= {OUTLIER_COLOR}
    by_xy = dict(zip(zip(docs["x"], docs["y"], strict=True), docs["topic"], strict=True))
    for x, y, c in zip(points.x, points.y, shades(points), strict=True):
        assert c == colors[by_xy[(x, y)]]
    caption = fig.layout.annotations[-1].text
    assert "400 documents" in caption and "5 themes" in caption and "15 topics" in caption


def test_static_map_samples_large_maps_and_draws_leaders_where_crowded():
    docs, topics = levelled_run(n=6000)
    # Squeeze all themes into one spot: names must move off their anchors.
    docs = docs.assign(x=docs["x"] * 0.02, y=docs["y"] * 0.02)
    docs.loc[0, ["x", "y"]] = [5.0, 5.0]  # one far point makes the crowd small in px
    fig = static_map(docs, topics, max_points=2000, topic_names=False)
    assert sum(len(t.x) for t in fig.data) == 2000
    assert "2,000 drawn" in fig.layout.annotations[-1].text
    boxes, _ = px_boxes(fig)
    assert len(boxes) == 5 and any(b[3].showarrow for b in boxes)
    for *_, a in boxes:
        if a.showarrow:  # the arrow's head is the cluster's anchor, its tail the name
            assert a.axref == "x" and a.ayref == "y"


def test_static_map_of_a_run_before_levels_and_of_nothing():
    docs = pd.DataFrame({"x": [0.0, 1, 5, 6], "y": [0.0, 1, 5, 6], "topic": [0, 0, 1, -1]})
    topics = pd.DataFrame({"topic": [0, 1], "label": ["First", "Second"]})
    boxes, _ = px_boxes(static_map(docs, topics))
    assert sorted(html.unescape(re.sub(r"</?b>", "", b[3].text)) for b in boxes) == [
        "First",
        "Second",
    ]
    empty = static_map(docs.iloc[:0], topics)
    assert isinstance(empty, go.Figure)


def test_static_export_png_svg_pdf(tmp_path):
    require_chromium()
    from landscape.report.static import PrintSize, write_static_figures

    docs, topics = levelled_run(n=300)
    written = write_static_figures(
        {"map": static_map(docs, topics)},
        tmp_path,
        formats=("png", "svg", "pdf"),
        sizes={"map": PrintSize(1400, 1000, scale=1)},
    )
    assert sorted(p.name for p in written) == ["map.pdf", "map.png", "map.svg"]
    png = (tmp_path / "map.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1400, 1000)  # drawn at the size it was laid out
    assert (tmp_path / "map.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Galaxies" in (tmp_path / "map.svg").read_text(encoding="utf-8")
