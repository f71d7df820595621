"""Figures of emerging and fading themes, from the tables of :mod:`landscape.stats.trends`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from landscape.maps.style import (
    OUTLIER_COLOR,
    base_layout,
    empty_figure,
    escape,
    html_lines,
    topic_colors,
    truncate,
)
from landscape.stats.trends import PeriodCounts

#: Bar colours of :func:`trend_strength_figure`, by direction.
DIRECTION_COLORS = {"growing": "#1B7F5B", "fading": "#C0392B", "flat": OUTLIER_COLOR}
_PANELS = (("growing", "Growing themes"), ("fading", "Fading themes"))


def theme_trends_figure(
    trends: pd.DataFrame,
    period_counts: PeriodCounts,
    top_n: int = 5,
    *,
    colors: Mapping[int, str] | None = None,
    noun: str = "themes",
    title: str = "Emerging and fading themes",
    width: int | None = 1000,
    height: int | None = 700,
) -> go.Figure:
    """Share per period of the ``top_n`` growing and ``top_n`` fading themes.

    Two panels share the time axis: growing themes above, fading themes below.
    Periods inside a burst are drawn as larger diamonds; hovering a point shows the
    papers behind the share and the theme's evidence sentence. Only the periods the
    trend was tested on (the table's ``first_period`` to ``last_period``) are shown.

    Args:
        trends: Output of :func:`landscape.stats.trends.trends_from_counts`; shape (n_topics, 17).
        period_counts: The :class:`~landscape.stats.trends.PeriodCounts` the table came from.
        top_n: Themes per panel, taken in table order (strongest first).
        colors: ``{topic: "#RRGGBB"}``, for example the map's colours
            (:func:`landscape.maps.theme_colors`); default one colour per theme.
        noun: What the rows are, in the panel titles ("Growing themes", "Growing topics").
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px.

    Returns:
        A figure with one ``go.Scatter`` per shown theme (``y``: share in [0, 1]),
        or an empty figure saying there is no growing or fading theme.
    """
    shown = {
        direction: trends[trends["direction"] == direction].head(max(top_n, 0))
        for direction, _ in _PANELS
    }
    if trends.empty or all(part.empty for part in shown.values()):
        return empty_figure("No significantly growing or fading themes", title, width, height)
    first, last = trends["first_period"].iloc[0], trends["last_period"].iloc[0]
    periods = [p for p in period_counts.counts.index if first <= p <= last]
    counts = period_counts.counts.loc[periods]
    totals = period_counts.totals.loc[periods].to_numpy()
    colors = {**topic_colors(trends["topic"]), **(colors or {})}
    panels = [(direction, f"{name.split()[0]} {noun}") for direction, name in _PANELS]
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=[name for _, name in panels],
    )
    for row, (direction, name) in enumerate(panels, start=1):
        part = shown[direction]
        if part.empty:
            fig.add_annotation(
                text=f"No {name.lower()}",
                xref=f"x{row if row > 1 else ''} domain",
                yref=f"y{row if row > 1 else ''} domain",
                x=0.5,
                y=0.5,
                showarrow=False,
                font={"color": "#666666"},
            )
        for i, theme in enumerate(part.itertuples(index=False)):
            trace = _theme_trace(theme, periods, counts[theme.topic].to_numpy(), totals)
            trace.update(
                line={"color": colors[int(theme.topic)], "width": 2},
                legendgroup=direction,
                legendgrouptitle_text=name if i == 0 else None,
            )
            fig.add_trace(trace, row=row, col=1)
        fig.update_yaxes(title="Share of papers", tickformat=".1%", rangemode="tozero", row=row)
    is_year = isinstance(periods[0], (int, np.integer))
    fig.update_xaxes(
        type="linear" if is_year else "date",
        dtick=1 if is_year and len(periods) <= 20 else None,
        tickformat="d" if is_year else None,
    )
    fig.update_xaxes(title="Year" if is_year else "Period start", row=2)
    return base_layout(
        fig, title, width, height, hovermode="closest", legend={"groupclick": "toggleitem"}
    )


def _theme_trace(
    theme: Any, periods: list[Any], counts: np.ndarray, totals: np.ndarray
) -> go.Scatter:
    """Line of one theme's share; burst periods marked. Shapes: (n_periods,)."""
    in_burst = np.zeros(len(periods), dtype=bool)
    position = {p: i for i, p in enumerate(periods)}
    for burst in theme.bursts:
        if burst["start"] in position and burst["end"] in position:
            in_burst[position[burst["start"]] : position[burst["end"]] + 1] = True
    share = np.divide(counts, totals, out=np.full(len(periods), np.nan), where=totals > 0)
    label = escape(theme.label)
    return go.Scatter(
        x=periods,
        y=share,
        mode="lines+markers",
        name=escape(truncate(str(theme.label), 50)),
        marker={
            "size": np.where(in_burst, 11, 6),
            "symbol": np.where(in_burst, "diamond", "circle"),
        },
        customdata=np.stack(
            [counts, totals, np.where(in_burst, "<br>in a burst", "")], axis=1
        ).astype(object),
        hovertemplate=(
            f"<b>{label}</b><br>%{{x}}: %{{y:.2%}} (%{{customdata[0]}} of "
            f"%{{customdata[1]}} papers)%{{customdata[2]}}<br>"
            f"{html_lines(theme.evidence, 70)}<extra></extra>"
        ),
    )


def trend_strength_figure(
    trends: pd.DataFrame,
    top_n: int = 10,
    *,
    title: str = "Trend strength of each theme",
    width: int | None = 1000,
    height: int | None = None,
) -> go.Figure:
    """Kendall's tau of share against time for the ``top_n`` growing and fading themes.

    One horizontal bar per theme, growing themes on top, coloured by direction;
    hovering a bar shows the evidence sentence.

    Args:
        trends: Output of :func:`landscape.stats.trends.trends_from_counts`; shape (n_topics, 17).
        top_n: Themes shown per direction, in table order (strongest first).
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px (``None``: grows with the number of bars).

    Returns:
        A figure with one ``go.Bar`` trace per direction shown (``x``: tau in
        [-1, 1]), or an empty figure saying there is no growing or fading theme.
    """
    parts = [
        trends[trends["direction"] == direction].head(max(top_n, 0)) for direction, _ in _PANELS
    ]
    rows = pd.concat(parts) if not trends.empty else trends
    if rows.empty:
        return empty_figure("No significantly growing or fading themes", title, width, height)
    names = [escape(truncate(str(label), 50)) for label in rows["label"]]
    positions = list(range(len(rows)))
    fig = go.Figure()
    for direction, name in _PANELS:
        mask = (rows["direction"] == direction).to_numpy()
        if not mask.any():
            continue
        part = rows[mask]
        fig.add_trace(
            go.Bar(
                x=part["tau"].to_numpy(dtype=float),
                y=[p for p, keep in zip(positions, mask, strict=True) if keep],
                orientation="h",
                name=name,
                marker={"color": DIRECTION_COLORS[direction], "line": {"width": 0}},
                customdata=np.stack(
                    [
                        [escape(label) for label in part["label"]],
                        [html_lines(text, 70) for text in part["evidence"]],
                    ],
                    axis=1,
                ).astype(object),
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
            )
        )
    fig.update_yaxes(
        tickmode="array", tickvals=positions, ticktext=names, autorange="reversed", title=None
    )
    fig.update_xaxes(title="Kendall's tau of share vs time", range=[-1, 1], zeroline=True)
    return base_layout(fig, title, width, height or max(350, 26 * len(rows) + 160))
