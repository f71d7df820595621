"""Topic overview figures: sizes with top terms, the hierarchy, topic similarity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from landscape.embed import l2_normalize
from landscape.maps.style import (
    LINE_COLOR,
    OUTLIER_COLOR,
    SMALL_FONT,
    as_list,
    base_layout,
    clean_text,
    empty_figure,
    escape,
    html_lines,
    label_map,
    term_list,
    topic_colors,
    topic_name,
    truncate,
)


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

    Each bar ends in its count (the axis leaves room for it); the terms are in
    the hover.

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
        return empty_figure("No topics", title, width, height)
    table = table.sort_values(["size", "topic"], ascending=[False, True], kind="stable")
    colors = topic_colors(topics["topic"])
    term_col = "terms" if "terms" in table else "ctfidf_terms" if "ctfidf_terms" in table else None
    terms = []
    for _, row in table.iterrows():
        picked = term_list(row[term_col], n_terms) if term_col else []
        if not picked and "ctfidf_terms" in table:
            picked = term_list(row["ctfidf_terms"], n_terms)
        terms.append(escape(", ".join(picked)))
    full = [
        topic_name({int(t): clean_text(lab)}, int(t)) for t, lab in table[["topic", "label"]].values
    ]
    labels = [escape(truncate(name, 60)) for name in full]
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
            # The count at the bar's end; the terms are in the hover. (Terms as bar
            # text were cut at the plot's edge wherever a bar was too short.)
            text=[f"{int(n):,}" for n in table["size"]],
            textposition="outside",
            textfont={"size": SMALL_FONT},
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
    # Room at the right for the longest bar's count.
    fig.update_xaxes(title="Documents", range=[0, max(1, int(table["size"].max())) * 1.12])
    return base_layout(
        fig, title, width, height or max(400, 30 * len(table) + 140), showlegend=False
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
        return empty_figure("Fewer than 2 topics: no hierarchy to draw", title, width, height)
    merges: dict[int, tuple[int, int, float, str, int]] = {}
    for row in hierarchy.itertuples(index=False):
        n_topics = len(as_list(getattr(row, "Topics", None)))
        merges[int(row.Parent_ID)] = (
            int(row.Child_Left_ID),
            int(row.Child_Right_ID),
            float(row.Distance),
            clean_text(getattr(row, "Parent_Name", "")).replace("_", ", "),
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

    labels = label_map(topics)
    sizes = {}
    if topics is not None and "size" in topics:
        sizes = {int(t): int(s) for t, s in zip(topics["topic"], topics["size"], strict=True)}
    ids = set(leaf_order) | (set(labels) if topics is not None else set())
    colors = topic_colors(ids)
    fig = go.Figure()
    parents = list(merges)
    fig.add_trace(
        go.Scatter(
            x=[height_of[p] for p in parents],
            y=[position[p] for p in parents],
            mode="markers",
            marker={"size": 7, "color": LINE_COLOR},
            customdata=[
                [html_lines(truncate(merges[p][3], 200), 60), merges[p][4]] for p in parents
            ],
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
                [escape(topic_name(labels, leaf)), leaf, sizes.get(leaf, "?")]
                for leaf in leaf_order
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
        ticktext=[escape(truncate(topic_name(labels, leaf), 50)) for leaf in leaf_order],
        range=[len(leaf_order) - 0.5, -0.5],
        showgrid=False,
        zeroline=False,
        title=None,
    )
    fig.update_xaxes(range=[-0.03 * max_dist, max_dist * 1.05], title="Merge distance")
    return base_layout(
        fig, title, width, height or max(400, 26 * len(leaf_order) + 140), shapes=shapes
    )


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
    emb = l2_normalize(emb)
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
        return empty_figure("No topics", title, width, height)
    labels = label_map(topics)
    names = [topic_name(labels, t) for t in topic_ids]
    ticks = [escape(truncate(name, 40)) for name in names]
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
    return base_layout(fig, title, width or side + 100, height or side)


# --------------------------------------------------------------------------- sources
