"""Sub-corpus comparison and topics over time."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from landscape.errors import InputError
from landscape.maps.style import (
    OTHER_COLOR,
    as_list,
    base_layout,
    empty_figure,
    escape,
    file_name,
    label_map,
    topic_colors,
    topic_name,
    truncate,
)
from landscape.stats.periods import periods


def source_comparison(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    by: str = "source_names",
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
            ``source_names``, the readable names :func:`landscape.runs.load_run`
            adds, or ``source_files``) or a plain label. ``source_names`` falls
            back to ``source_files`` for a corpus without names.
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
        InputError: Neither table has the ``by`` column.
    """
    if by == "source_names" and not any(
        by in t.columns for t in (documents, corpus) if t is not None
    ):
        by = "source_files"
    title = title or ("Topics by source" if by.startswith("source_") else f"Topics by {escape(by)}")
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
        known = sorted(set(documents.columns) | set(corpus.columns if corpus is not None else []))
        raise InputError(f"no column {by!r} in the corpus or the documents; columns: {known}")
    docs["_source"] = [
        [str(v) for v in as_list(cell) if str(v)] or ["(none)"] for cell in docs["_source"]
    ]
    long = docs.explode("_source", ignore_index=True)
    if long.empty:
        return empty_figure("No documents", title, width, height)
    counts = pd.crosstab(long["_source"], long["topic"])
    counts = counts.reindex(sorted(counts.index, key=str))
    counts = counts[sorted(counts.columns, key=lambda t: (t == -1, t))]
    totals = counts.sum(axis=1)
    values = counts.div(totals, axis=0) if normalize else counts

    raw = [str(s) for s in counts.index]
    if basename is None:
        basename = by.lower().endswith(("file", "files", "path", "paths"))
    short = [file_name(s) if basename and s != "(none)" else s for s in raw]
    if len(set(short)) < len(short):  # two paths share a file name: show the paths
        short = raw
    names = [escape(truncate(s, 60)) for s in short]
    positions = list(range(len(names)))
    labels = label_map(None, documents)
    colors = topic_colors(counts.columns)
    fig = go.Figure()
    for topic in counts.columns:
        label = topic_name(labels, int(topic))
        fig.add_trace(
            go.Bar(
                x=values[topic].to_numpy(dtype=float),
                y=positions,
                orientation="h",
                name=escape(truncate(label, 60)),
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
    return base_layout(
        fig,
        title,
        width,
        height or max(350, 34 * len(names) + 180),
        barmode="stack",
        legend={"traceorder": "normal"},
    )


# --------------------------------------------------------------------------- time


def topics_over_time(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    date_col: str = "date",
    freq: str = "year",
    top_n: int = 10,
    normalize: bool = False,
    *,
    colors: Mapping[int, str] | None = None,
    min_docs: int = 0,
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
        colors: ``{topic: "#RRGGBB"}``, for example the map's theme colours
            (:func:`landscape.maps.theme_colors`); default one colour per topic.
        min_docs: Periods with fewer dated papers are left out: the share of a
            year with two papers says nothing, and the trend tests skip it too.
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
        return empty_figure("No dates: no date or year column", title, width, height)
    period_of, full = periods(column, freq)
    docs = docs.reset_index(drop=True)
    docs["_period"] = period_of.to_numpy()
    docs = docs[docs["_period"].notna()]
    if docs.empty or not full:
        return empty_figure("No dates in the corpus", title, width, height)
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
    if min_docs > 0:
        kept = totals >= min_docs
        counts, totals = counts[kept], totals[kept]
        if counts.empty:
            return empty_figure(f"No period has {min_docs} dated papers", title, width, height)
    values = counts.div(totals.where(totals > 0, 1), axis=0) if normalize else counts

    labels = label_map(None, documents)
    colors = {**topic_colors(documents["topic"]), **(colors or {})}
    fig = go.Figure()
    for group in groups:
        label = "other" if group == "other" else topic_name(labels, int(group))
        color = OTHER_COLOR if group == "other" else colors[int(group)]
        fig.add_trace(
            go.Scatter(
                x=list(counts.index),
                y=values[group].to_numpy(dtype=float),
                mode="lines" if normalize else "lines+markers",
                stackgroup="share" if normalize else None,
                name=escape(truncate(label, 60)),
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
        dtick=1 if is_year and len(counts) <= 30 else None,
        tickformat="d" if is_year else None,
    )
    fig.update_yaxes(
        title="Share of papers" if normalize else "Papers",
        tickformat=".0%" if normalize else None,
        rangemode="tozero",
    )
    return base_layout(fig, title, width, height, hovermode="closest")
