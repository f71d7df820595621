"""Figures of sub-corpus contrasts: topic enrichment and distinctive terms.

Both take the tables of :mod:`landscape.stats.contrast` and :mod:`landscape.stats.terms` and
return a new figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from landscape.maps.style import base_layout, empty_figure, escape, file_name, truncate

#: Diverging scale for log2 enrichment: blue under, white even, red over.
_DIVERGING = [
    [0.0, "#2166AC"],
    [0.25, "#92C5DE"],
    [0.5, "#F7F7F7"],
    [0.75, "#F4A582"],
    [1.0, "#B2182B"],
]
#: Bar colours of the two sides of a term contrast.
_SIDE_COLORS = ("#B2182B", "#2166AC")


def _group_names(groups: list[str], basename: bool | None) -> list[str]:
    """Display names of groups: file names for paths, unless two share a file name."""
    if basename is None:
        basename = all("/" in g or "\\" in g for g in groups)
    short = [file_name(g) for g in groups] if basename else list(groups)
    return short if len(set(short)) == len(short) else list(groups)


def enrichment_heatmap(
    enrichment: pd.DataFrame,
    *,
    alpha: float = 0.05,
    basename: bool | None = None,
    max_abs: float | None = None,
    title: str = "Topic enrichment per group",
    width: int | None = 1100,
    height: int | None = None,
) -> go.Figure:
    """Groups x topics heatmap of log2 enrichment, significant cells marked.

    Colour is ``log2_enrichment`` (red: over-represented in the group, blue:
    under-represented) on a scale symmetric around 0. Cells with
    ``q_value < alpha`` carry a "●" (over) or "○" (under).

    Args:
        enrichment: :func:`landscape.stats.contrast.topic_enrichment`'s table; shape
            (n_groups * n_topics, >=10).
        alpha: q-value below which a cell is marked.
        basename: Show groups by file name; by default when every group is a
            path (and no two share a file name).
        max_abs: Colour scale limit in log2 units; by default the largest
            absolute value (at least 1).
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px (``None``: grows with the number of groups).

    Returns:
        A figure with one ``go.Heatmap`` trace (rows: groups, sorted; columns:
        topics by id), or an empty figure when the table is empty.
    """
    if enrichment.empty:
        return empty_figure("No groups to compare", title, width, height)
    groups = sorted(enrichment["group"].astype(str).unique())
    topics = sorted(int(t) for t in enrichment["topic"].unique())
    table = enrichment.assign(group=enrichment["group"].astype(str), topic=enrichment["topic"])
    grid = table.set_index(["group", "topic"])
    names = _group_names(groups, basename)
    label_of = table.drop_duplicates("topic").set_index("topic")["label"].astype(str).to_dict()
    columns = [escape(truncate(f"{t}: {label_of.get(t, '')}", 40)) for t in topics]

    z = np.full((len(groups), len(topics)), np.nan)
    marks = np.full(z.shape, "", dtype=object)
    hover = np.full(z.shape, "", dtype=object)
    for i, group in enumerate(groups):
        for j, topic in enumerate(topics):
            if (group, topic) not in grid.index:
                continue
            row = grid.loc[(group, topic)]
            z[i, j] = float(row["log2_enrichment"])
            significant = float(row["q_value"]) < alpha
            if significant:
                marks[i, j] = "●" if row["share_in"] > row["share_rest"] else "○"
            hover[i, j] = (
                f"<b>{escape(names[i])}</b><br>{escape(truncate(label_of.get(topic, ''), 80))}"
                f"<br>in group: {int(row['count_in'])} of {int(row['size_in'])}"
                f" ({float(row['share_in']):.1%})"
                f"<br>in rest: {int(row['count_rest'])} of {int(row['size_rest'])}"
                f" ({float(row['share_rest']):.1%})"
                f"<br>log2 enrichment {z[i, j]:+.2f}, q = {float(row['q_value']):.2g}"
                + (f" ({escape(str(row['verdict']))})" if significant else "")
            )
    finite = np.abs(z[np.isfinite(z)])
    limit = max_abs if max_abs is not None else max(1.0, float(finite.max()) if finite.size else 1)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(range(len(topics))),
            y=list(range(len(groups))),
            zmin=-limit,
            zmax=limit,
            zmid=0,
            colorscale=_DIVERGING,
            colorbar={"title": {"text": "log2<br>enrichment"}},
            text=marks,
            texttemplate="%{text}",
            textfont={"size": 14, "color": "#222222"},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_xaxes(
        tickmode="array",
        tickvals=list(range(len(topics))),
        ticktext=columns,
        tickangle=-45,
        title=None,
    )
    fig.update_yaxes(
        tickmode="array",
        tickvals=list(range(len(groups))),
        ticktext=[escape(truncate(n, 40)) for n in names],
        autorange="reversed",
        title=None,
    )
    fig.add_annotation(
        text=f"● over, ○ under-represented (q &lt; {alpha:g})",
        x=1.0,
        y=1.02,
        xref="paper",
        yref="paper",
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"size": 12},
    )
    return base_layout(fig, title, width, height or max(380, 40 * len(groups) + 320))


def distinctive_terms_chart(
    terms: pd.DataFrame,
    *,
    top_n: int = 15,
    title: str = "Distinctive terms",
    width: int | None = 900,
    height: int | None = None,
) -> go.Figure:
    """Diverging bars of the z-scores of two sides' most distinctive terms.

    The first side (``z > 0``) grows to the right, the second to the left; the
    strongest terms of each side are at the outer ends (top and bottom). Dotted
    lines mark ``|z| = 1.96`` (uncorrected, a guide rather than a test).

    Args:
        terms: :func:`landscape.stats.terms.distinctive_terms`'s table (or the
            rows of one group in ``GroupComparison.terms``); shape
            (n_terms, >=7).
        top_n: Terms shown per side.
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px (``None``: grows with the number of terms).

    Returns:
        A figure with one horizontal ``go.Bar`` trace per side, or an empty
        figure when there are no terms.
    """
    if terms.empty:
        return empty_figure("No distinctive terms", title, width, height)
    sides = list(dict.fromkeys(terms["side"].astype(str)))
    fig = go.Figure()
    parts = []
    for side in sides[:2]:
        part = terms[terms["side"].astype(str) == side]
        parts.append(part.loc[part["z"].abs().sort_values(ascending=False).index[:top_n]])
    # Sorted by z: the first side's strongest terms on top, the second's at the bottom.
    shown = pd.concat(parts).sort_values("z", ascending=False, kind="stable")
    shown = shown.reset_index(drop=True)
    order = list(range(len(shown)))
    names = [file_name(s) if ("/" in s or "\\" in s) else s for s in sides]
    for k, side in enumerate(sides[:2]):
        mask = (shown["side"].astype(str) == side).to_numpy()
        part = shown[mask]
        positions = [p for p, m in zip(order, mask, strict=True) if m]
        fig.add_trace(
            go.Bar(
                x=part["z"].to_numpy(dtype=float),
                y=positions,
                orientation="h",
                name=escape(truncate(names[k], 50)),
                marker={"color": _SIDE_COLORS[k], "line": {"width": 0}},
                customdata=np.stack(
                    [
                        [escape(t) for t in part["term"]],
                        part["count_a"].to_numpy(),
                        part["count_b"].to_numpy(),
                        part["docs_a"].to_numpy(),
                        part["docs_b"].to_numpy(),
                    ],
                    axis=1,
                ).astype(object),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>z = %{x:.2f}<br>"
                    f"{escape(truncate(names[0], 50))}: %{{customdata[1]}} times in "
                    "%{customdata[3]} texts<br>"
                    + (f"{escape(truncate(names[1], 50))}: " if len(names) > 1 else "other side: ")
                    + "%{customdata[2]} times in %{customdata[4]} texts<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(
        tickmode="array",
        tickvals=order,
        ticktext=[escape(truncate(str(t), 40)) for t in shown["term"]],
        autorange="reversed",
        title=None,
    )
    for edge in (-1.96, 1.96):  # |z| > 1.96: about p < 0.05 for one term, uncorrected
        fig.add_vline(x=edge, line={"color": "#999999", "width": 1, "dash": "dot"})
    fig.update_xaxes(title="z-score of the log-odds ratio", zeroline=True, zerolinecolor="#555555")
    return base_layout(
        fig,
        title,
        width,
        height or max(350, 22 * len(shown) + 160),
        barmode="overlay",
        legend={"orientation": "h", "y": -0.12},
    )
