"""Where to put each topic's name on the map: anchors, and boxes placed without overlap.

:func:`label_candidates` gives, for every topic at every level, a point on the
map to hang its name on, how far the cluster reaches around it, and the order
in which names should claim space. The static map (:mod:`landscape.maps.static_map`)
and the interactive page place names from this table; :func:`place_labels`
places text boxes in pixel space so that none overlaps another or leaves the
plot, with a leader line where a name had to move off its cluster.

The anchor is a document of the cluster (the one nearest the coordinate-wise
median), not the centroid: the centroid of a curved or ring-shaped cluster can
fall in empty space, or inside another cluster. Everything is computed with a
few sorts of all points per level, so a million points take about a second per
level; no loop runs over the points of each topic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Columns of :func:`label_candidates`, in order.
CANDIDATE_COLUMNS = ["topic", "level", "parent", "label", "size", "x", "y", "radius", "priority"]
_LEVEL_COLUMN = re.compile(r"level_(\d+)$")


def level_columns(documents: pd.DataFrame) -> dict[int, str]:
    """``{level: column}`` of the ``level_N`` columns of ``documents``, by level.

    A run made before levels has none: its ``topic`` column is level 0.
    """
    found = {int(m.group(1)): c for c in documents.columns if (m := _LEVEL_COLUMN.match(str(c)))}
    return dict(sorted(found.items())) if found else {0: "topic"}


def _within_groups(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Order of the points by group, then by value within each group, shape (n,).

    One float sort of ``key + scaled value`` (value scaled into [0, 0.5)): five
    times faster than :func:`numpy.lexsort` on two keys, and exact enough for
    medians: float64 keeps the value to ~1e-12 of its range next to a group
    index below 10**4.
    """
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo if hi > lo else 1.0
    return np.argsort(keys + (values - lo) * (0.5 / span))


def _group_starts(keys: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, counts)`` of each group's run in an order sorted by group, shape (n_groups,)."""
    counts = np.bincount(keys, minlength=n_groups)
    return np.concatenate([[0], np.cumsum(counts)[:-1]]), counts


def _group_medians(keys: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Median (the lower one) of ``values`` in each group, shape (n_groups,).

    Args:
        keys: Group index of each point in ``[0, n_groups)``, every group present,
            shape (n,).
        values: Values, shape (n,).
        n_groups: Number of groups.
    """
    starts, counts = _group_starts(keys, n_groups)
    return values[_within_groups(keys, values)[starts + (counts - 1) // 2]]


def _group_argmin(keys: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Index of the smallest value in each group, the first on ties, shape (n_groups,).

    Same input as :func:`_group_medians`.
    """
    smallest = np.full(n_groups, np.inf)
    np.minimum.at(smallest, keys, values)
    hits = np.flatnonzero(values == smallest[keys])
    # hits is increasing, so the first hit of each group is its first tie.
    _, first = np.unique(keys[hits], return_index=True)
    return hits[first]


def _dense_keys(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(topics, keys)``: the distinct ids (sorted) and each id's index among them.

    Ids are small non-negative integers, so a lookup table replaces a sort.
    """
    if len(ids) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if int(ids.max()) > 4 * len(ids) + 1_000_000:
        return np.unique(ids, return_inverse=True)
    present = np.bincount(ids) > 0
    topics = np.flatnonzero(present)
    lookup = np.cumsum(present) - 1
    return topics, lookup[ids]


def _level_anchors(
    ids: np.ndarray, xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Anchor and extent of each topic of one level.

    Args:
        ids: Topic id of each point at this level, shape (n,); -1 is left out.
        xy: Map coordinates, shape (n, 2).

    Returns:
        ``(topics, anchors, radius, count)``: topic ids, shape (k,); anchor
        coordinates, shape (k, 2); median distance of the topic's points to its
        anchor, shape (k,); number of points, shape (k,).
    """
    keep = ids >= 0
    topics, keys = _dense_keys(ids[keep])
    pts = xy[keep]
    k = len(topics)
    if k == 0:
        return topics, np.zeros((0, 2)), np.zeros(0), np.zeros(0, dtype=np.int64)
    median = np.stack([_group_medians(keys, pts[:, j], k) for j in range(2)], axis=1)
    # The document nearest the median: always one of the cluster's own points.
    near = np.sum((pts - median[keys]) ** 2, axis=1)
    anchors = pts[_group_argmin(keys, near, k)]
    radius = _group_medians(keys, np.sqrt(np.sum((pts - anchors[keys]) ** 2, axis=1)), k)
    return topics, anchors, radius, np.bincount(keys, minlength=k)


def _topic_rows(topics: pd.DataFrame) -> pd.DataFrame:
    """``topic, level, parent, label`` (+ ``size`` when known) of every topic."""
    rows = pd.DataFrame({"topic": topics["topic"].astype(np.int64)})
    rows["level"] = topics["level"].astype(np.int64) if "level" in topics else 0
    rows["parent"] = topics["parent"].astype(np.int64) if "parent" in topics else -1
    label = topics["label"] if "label" in topics else pd.Series(pd.NA, index=topics.index)
    if "name" in topics:
        label = label.where(label.notna() & (label.astype(str) != ""), topics["name"])
    fallback = "Topic " + rows["topic"].astype(str)
    rows["label"] = [
        str(lab) if isinstance(lab, str) and lab else fb
        for lab, fb in zip(label, fallback, strict=True)
    ]
    if "size" in topics:
        rows["size"] = topics["size"].astype(np.int64)
    return rows[rows["topic"] >= 0].reset_index(drop=True)


def label_candidates(documents: pd.DataFrame, topics: pd.DataFrame) -> pd.DataFrame:
    """Where each topic's name can go: one row per topic at every level.

    Args:
        documents: One row per document: ``x``, ``y`` (map coordinates) and the
            topic id at each level, ``level_0``, ``level_1``, ... (-1 for
            outliers); a run made before levels has ``topic`` only (level 0).
        topics: One row per topic at every level: ``topic``, ``level``,
            ``parent``, ``label`` (or ``name``), ``size`` (``Run.all_topics``).

    Returns:
        A new frame, one row per topic with at least one document, ordered by
        ``priority``: ``topic``, ``level``, ``parent``, ``label`` (the raw name:
        escape it where it goes into HTML), ``size`` (from ``topics``, else the
        number of documents), ``x``, ``y`` (the anchor: the topic's document
        nearest the coordinate-wise median of its documents), ``radius`` (the
        median distance of its documents to the anchor, in map units) and
        ``priority`` (0, 1, ...: level ascending, then size descending, then
        topic id; the order in which names claim space).
    """
    rows = _topic_rows(topics)
    xy = documents[["x", "y"]].to_numpy(dtype=np.float64)
    parts = []
    for level, column in level_columns(documents).items():
        if column not in documents:
            continue
        ids, anchors, radius, count = _level_anchors(documents[column].to_numpy(dtype=np.int64), xy)
        parts.append(
            pd.DataFrame(
                {
                    "topic": ids,
                    "x": anchors[:, 0],
                    "y": anchors[:, 1],
                    "radius": radius,
                    "count": count,
                    "doc_level": level,
                }
            )
        )
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["topic"])
    # Topic ids are unique across levels, so each id is found in one level column.
    found = found.drop_duplicates("topic")
    out = rows.merge(found, on="topic", how="inner")
    if "size" not in out:
        out["size"] = out["count"]
    out = out.sort_values(["level", "size", "topic"], ascending=[True, False, True])
    out = out.reset_index(drop=True)
    out["priority"] = np.arange(len(out), dtype=np.int64)
    out["size"] = out["size"].astype(np.int64)
    return out[CANDIDATE_COLUMNS]


# --------------------------------------------------------------------------- placement


@dataclass(frozen=True)
class Placement:
    """Where :func:`place_labels` put each label.

    Attributes:
        centers: Box centres in px, shape (n, 2); NaN where not placed.
        placed: Whether each label found room, shape (n,).
        leader: Whether a label needs a line to its anchor, because its box does
            not cover the anchor, shape (n,); False where not placed.
    """

    centers: np.ndarray
    placed: np.ndarray
    leader: np.ndarray


def _overlaps(centers: np.ndarray, size: np.ndarray, boxes: np.ndarray, pad: float) -> np.ndarray:
    """Whether a box of ``size`` at each of ``centers`` (m, 2) meets any of ``boxes`` (k, 4).

    Boxes are ``(cx, cy, w, h)``; two boxes meet when they are closer than ``pad``.
    """
    if len(boxes) == 0:
        return np.zeros(len(centers), dtype=bool)
    gap_x = (
        np.abs(centers[:, None, 0] - boxes[None, :, 0]) < (size[0] + boxes[None, :, 2]) / 2 + pad
    )
    gap_y = (
        np.abs(centers[:, None, 1] - boxes[None, :, 1]) < (size[1] + boxes[None, :, 3]) / 2 + pad
    )
    return np.any(gap_x & gap_y, axis=1)


def _candidates(
    anchor: np.ndarray, size: np.ndarray, bounds: tuple[float, ...], reach: float, step: float
) -> np.ndarray:
    """Centres for a box of ``size`` near ``anchor``, inside ``bounds``, nearest first, (m, 2).

    A grid of pitch ``step`` through the anchor (moved inside the bounds), cut
    to the disc of radius ``reach`` around the anchor.
    """
    lo = np.array(bounds[:2], dtype=float) + size / 2
    hi = np.array(bounds[2:], dtype=float) - size / 2
    start = np.clip(anchor, lo, hi)
    axes = []
    for d in range(2):
        first = math.ceil((max(lo[d], anchor[d] - reach) - start[d]) / step - 1e-9)
        last = math.floor((min(hi[d], anchor[d] + reach) - start[d]) / step + 1e-9)
        axes.append(start[d] + step * np.arange(first, last + 1))
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    grid = np.clip(grid, lo, hi)  # guards float drift at the edges
    dist = np.hypot(*(grid - anchor).T)
    keep = dist <= reach + 1e-9
    return grid[keep][np.argsort(dist[keep], kind="stable")]


def _segments_hit_boxes(seg: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Whether each segment ``(x0, y0, x1, y1)`` (m, 4) passes through each box (k, 4), (m, k).

    The slab test: the segment's parameter interval inside both axis slabs is not empty.
    """
    p0, d = seg[:, None, :2], seg[:, None, 2:] - seg[:, None, :2]
    lo, hi = (
        boxes[None, :, :2] - boxes[None, :, 2:] / 2,
        boxes[None, :, :2] + boxes[None, :, 2:] / 2,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lo - p0) / d, (hi - p0) / d
    flat = d == 0  # parallel to an axis: inside that slab or never
    inside = (p0 >= lo) & (p0 <= hi)
    t_in = np.where(flat, np.where(inside, -np.inf, np.inf), np.minimum(t1, t2))
    t_out = np.where(flat, np.where(inside, np.inf, -np.inf), np.maximum(t1, t2))
    enter = np.maximum(t_in.max(axis=2), 0.0)
    leave = np.minimum(t_out.min(axis=2), 1.0)
    return enter <= leave


def _segments_cross(seg: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Whether each segment (m, 4) properly crosses each of ``others`` (k, 4), (m, k)."""

    def turn(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.sign((b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1])
                       - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0]))  # fmt: skip

    a, b = seg[:, None, :2], seg[:, None, 2:]
    c, d = others[None, :, :2], others[None, :, 2:]
    return (turn(a, b, c) * turn(a, b, d) < 0) & (turn(c, d, a) * turn(c, d, b) < 0)


def _moved(cands: np.ndarray, anchor: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Whether a box of ``size`` at each candidate (m, 2) no longer covers ``anchor``, (m,)."""
    return np.any(np.abs(cands - anchor) > size / 2, axis=1)


def _costs(
    cands: np.ndarray,
    anchor: np.ndarray,
    size: np.ndarray,
    others: np.ndarray,
    boxes: np.ndarray,
    leaders: np.ndarray,
) -> np.ndarray:
    """Cost of each candidate centre (m, 2): distance, plus penalties in box heights.

    Covering another label's anchor costs 1.5 box heights; a box over another
    leader line, or a leader across another, 5; a leader through a placed box,
    which hides the line's course, 8. A name rather moves a few hundred px than
    tangles its line with others.
    """
    cost = np.hypot(*(cands - anchor).T)
    cost += 1.5 * size[1] * np.sum(np.all(np.abs(cands[:, None] - others[None]) <= size / 2, 2), 1)
    if len(leaders):
        here = np.concatenate([cands, np.broadcast_to(size, cands.shape)], axis=1)
        cost += 5.0 * size[1] * _segments_hit_boxes(leaders, here).sum(axis=0)
    moved = _moved(cands, anchor, size)
    if moved.any() and (len(boxes) or len(leaders)):
        seg = np.concatenate([cands[moved], np.broadcast_to(anchor, cands[moved].shape)], axis=1)
        hits = _segments_hit_boxes(seg, boxes).sum(axis=1) if len(boxes) else 0
        crossings = _segments_cross(seg, leaders).sum(axis=1) if len(leaders) else 0
        cost[moved] += size[1] * (8.0 * hits + 5.0 * crossings)
    return cost


def place_labels(
    anchors_px: np.ndarray,
    sizes_px: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    obstacles: np.ndarray | None = None,
    max_shift: float | np.ndarray | None = None,
    padding: float = 4.0,
    step: float | None = None,
) -> Placement:
    """Place text boxes near their anchors, greedily, so that no two overlap.

    First every label whose own spot (centred on its anchor, pushed inside the
    bounds) is free takes it, in the given order (the most important first).
    Then each other label takes the cheapest free point of a grid around its
    anchor (a fine grid within 3 (w + h) px, else a coarse one over the whole
    reach): the cost is the distance moved, plus penalties for covering another
    label's anchor and for a leader line that would run through a placed box or
    across another leader (see :func:`_costs`). A label with no free point
    within ``max_shift`` is left out (``placed`` False).

    Args:
        anchors_px: Where each label belongs, in px, shape (n, 2).
        sizes_px: Width and height of each label's box in px, shape (n, 2).
        bounds: ``(x0, y0, x1, y1)``: every box stays inside.
        obstacles: Boxes already taken, ``(cx, cy, w, h)`` in px, shape (k, 4).
        max_shift: How far a box centre may move from its anchor, in px, one
            value or one per label, shape (n,); ``None``: anywhere in bounds.
        padding: Smallest gap between two boxes, in px.
        step: Pitch of the candidate grid in px; default a third of the box's
            smaller side (at least 2 px).

    Returns:
        A :class:`Placement`; ``leader`` is True where the box does not cover
        its anchor (it moved more than half its size on some axis).
    """
    anchors = np.asarray(anchors_px, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes_px, dtype=float).reshape(-1, 2)
    n = len(anchors)
    span = math.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1])
    reach = np.broadcast_to(np.asarray(span if max_shift is None else max_shift, float), (n,))
    boxes = np.zeros((0, 4)) if obstacles is None else np.asarray(obstacles, float).reshape(-1, 4)
    leaders = np.zeros((0, 4))
    centers = np.full((n, 2), np.nan)
    fits = (sizes[:, 0] <= bounds[2] - bounds[0]) & (sizes[:, 1] <= bounds[3] - bounds[1])
    pending = []
    for i in np.flatnonzero(fits):  # pass 1: names that can sit on their anchors
        lo = np.array(bounds[:2]) + sizes[i] / 2
        spot = np.clip(anchors[i], lo, np.array(bounds[2:]) - sizes[i] / 2)[None]
        near = np.hypot(*(spot - anchors[i]).T) <= reach[i] + 1e-9
        on_anchor = near[0] and not _moved(spot, anchors[i], sizes[i])[0]
        if on_anchor and not _overlaps(spot, sizes[i], boxes, padding)[0]:
            centers[i] = spot[0]
            boxes = np.vstack([boxes, [*spot[0], *sizes[i]]])
            continue
        pending.append(i)
    for i in pending:  # pass 2: the others, nearby, where they clutter least
        size = sizes[i]
        pitch = step if step is not None else max(2.0, float(min(size)) / 3)
        # Near the anchor on a fine grid first; the whole reach on a coarse one
        # only when that is full (a fine grid over a large plot is slow).
        near = min(float(reach[i]), 3 * float(size.sum()))
        for radius, grid in ((near, pitch), (float(reach[i]), max(pitch, float(min(size))))):
            cands = _candidates(anchors[i], size, bounds, radius, grid)
            cands = cands[~_overlaps(cands, size, boxes, padding)] if len(cands) else cands
            if len(cands) or radius >= reach[i]:
                break
        if not len(cands):
            continue
        others = np.delete(anchors, i, axis=0)
        best = cands[int(np.argmin(_costs(cands, anchors[i], size, others, boxes, leaders)))]
        centers[i] = best
        boxes = np.vstack([boxes, [*best, *size]])
        if _moved(best[None], anchors[i], size)[0]:
            leaders = np.vstack([leaders, [*best, *anchors[i]]])
    placed = ~np.isnan(centers[:, 0])
    leader = placed & np.any(np.abs(centers - anchors) > sizes / 2, axis=1)
    return Placement(centers=centers, placed=placed, leader=leader)
