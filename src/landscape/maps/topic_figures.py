"""Topic overview figures: sizes with top terms, the hierarchy, topic similarity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from landscape.embed import l2_normalize
from landscape.maps.style import (
    SMALL_FONT,
    base_layout,
    clean_text,
    empty_figure,
    escape,
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
    topics: pd.DataFrame | None = None,
    *,
    title: str = "Themes and topics",
    width: int | None = 1000,
    height: int | None = None,
    depth: int = 3,
) -> go.Figure:
    """The topic tree as an icicle: themes on the left, their topics and subtopics to the right.

    Each box is a topic with its name and paper count. Every topic of the
    deepest level shown gets the same height, so a small topic's name is as
    readable as a large one's (boxes drawn to scale by the papers hid the
    names of a third of the default corpus's topics; :func:`topic_sizes` draws
    sizes to scale). Clicking a box opens it to its children (plotly's icicle),
    so a deep tree stays readable.

    Args:
        hierarchy: The tree (``hierarchy.parquet``): ``topic``, ``level``,
            ``parent`` (-1 at level 0), ``label``, ``size``; one row per topic.
        topics: Any table with ``topic`` and ``label`` whose labels replace the
            tree's (a user's renames); ``None`` keeps the tree's.
        title: Figure title (trusted markup).
        width: Figure width in px.
        height: Figure height in px (``None``: grows with the number of themes).
        depth: Levels shown at once, the root ("All papers") included.

    Returns:
        A figure with one ``Icicle`` trace, or an empty figure saying why there
        is no tree (a run made before levels has BERTopic's merge table instead).

    Raises:
        ValueError: The table is not a tree (a topic twice, or a parent missing).
    """
    needed = {"topic", "level", "parent", "label", "size"}
    if hierarchy is None or hierarchy.empty or not needed <= set(hierarchy.columns):
        return empty_figure(
            "No topic tree in this run (fitted before levels): fit again to draw it",
            title,
            width,
            height,
        )
    tree = hierarchy[hierarchy["topic"] >= 0]
    if not tree["topic"].is_unique:
        raise ValueError("hierarchy is not a tree: a topic appears twice")
    known = set(tree["topic"].astype(int))
    missing = set(tree["parent"].astype(int)) - known - {-1}
    if missing:
        raise ValueError(f"hierarchy is not a tree: parent {min(missing)} is not a topic")
    labels = dict(zip(tree["topic"].astype(int), tree["label"], strict=True))
    if topics is not None:
        labels |= label_map(topics)
    kinds = {0: "theme", 1: "topic", 2: "subtopic"}
    shown = min(depth - 2, int(tree["level"].max()))
    rows = _equal_rows(tree, shown)
    total = int(tree.loc[tree["level"] == 0, "size"].sum())
    ids = ["all"] + [f"t{t}" for t in tree["topic"]]
    parents = [""] + ["all" if p < 0 else f"t{p}" for p in tree["parent"]]
    names = ["All papers"] + [escape(truncate(topic_name(labels, t), 60)) for t in tree["topic"]]
    kind = [""] + [kinds.get(int(k), f"level {int(k)}") for k in tree["level"]]
    sizes = [total, *tree["size"].astype(int).tolist()]
    fig = go.Figure(
        go.Icicle(
            ids=ids,
            labels=names,
            parents=parents,
            values=[sum(rows[t] for t in tree.loc[tree["level"] == 0, "topic"]), *rows.values()],
            branchvalues="total",
            maxdepth=depth,
            tiling={"orientation": "h"},
            customdata=list(zip(kind, sizes, strict=True)),
            texttemplate="%{label}<br>%{customdata[1]} papers",
            hovertemplate=(
                "<b>%{label}</b><br>%{customdata[0]}, %{customdata[1]} papers<extra></extra>"
            ),
            root={"color": "#f2f2f2"},
        )
    )
    # Room for a readable two-line box per topic of the deepest level shown.
    n_rows = sum(1 for k in tree["level"] if k == shown)
    return base_layout(fig, title, width, height or max(450, 36 * n_rows + 120), margin={"t": 60})


def _equal_rows(tree: pd.DataFrame, shown: int) -> dict[int, float]:
    """Box heights that give every topic of level ``shown`` the same height.

    A topic of that level counts 1, a broader one the sum of its children, a
    finer one an equal share of its parent's: so a small topic's name is as
    readable as a large one's (its size is written in its box, and drawn to
    scale by :func:`topic_sizes`).

    Returns:
        ``{topic: height}`` in the order of ``tree``'s rows.
    """
    topic = tree["topic"].astype(int).tolist()
    parent = dict(zip(topic, tree["parent"].astype(int), strict=True))
    level = dict(zip(topic, tree["level"].astype(int), strict=True))
    children: dict[int, list[int]] = {}
    for t in topic:
        children.setdefault(parent[t], []).append(t)
    height: dict[int, float] = {}
    for t in sorted(topic, key=lambda t: -level[t]):  # finest first: children before parents
        if level[t] == shown:
            height[t] = 1.0
        elif level[t] < shown:
            height[t] = sum(height[c] for c in children.get(t, []))
    for t in sorted(topic, key=lambda t: level[t]):  # broadest first: parents before children
        if level[t] > shown:
            height[t] = height[parent[t]] / len(children[parent[t]])
    return {t: height[t] for t in topic}


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
