"""Tests of landscape.maps.labels (name anchors and placement) and of the theme colours."""

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape.maps.labels import CANDIDATE_COLUMNS, label_candidates, level_columns, place_labels
from landscape.maps.style import OUTLIER_COLOR, delta_e, oklch, theme_colors

EPS = 1e-6
HEX = re.compile(r"^#[0-9A-F]{6}$")


def tree(n_themes: int, children: int = 3, grandchildren: int = 2) -> pd.DataFrame:
    """A topic table of three levels: themes, their children, and theirs (ids unique)."""
    rows, next_id = [], 0
    for t in range(n_themes):
        theme = next_id
        rows.append({"topic": theme, "level": 0, "parent": -1, "size": 1000 - t})
        next_id += 1
        for c in range(children):
            child = next_id
            rows.append({"topic": child, "level": 1, "parent": theme, "size": 100 - c})
            next_id += 1
            for g in range(grandchildren):
                rows.append({"topic": next_id, "level": 2, "parent": child, "size": 10 - g})
                next_id += 1
    out = pd.DataFrame(rows)
    return out.assign(label=[f"Topic {t}" for t in out["topic"]])


def hue_gap(first: str, second: str) -> float:
    gap = abs(oklch(first)[2] - oklch(second)[2]) % 360
    return min(gap, 360 - gap)


# --------------------------------------------------------------------------- theme colours


@pytest.mark.parametrize("n", range(1, 31))
def test_theme_colours_are_far_apart(n):
    topics = tree(n, children=0)
    colors = theme_colors(topics)
    themes = [colors[t] for t in topics["topic"]]
    assert all(HEX.match(c) for c in themes)
    gaps = [delta_e(a, b) for a, b in itertools.combinations(themes, 2)]
    # Up to 10 themes are far apart; 30 stay clearly distinguishable (2.3 is just noticeable).
    assert min(gaps, default=math.inf) >= (25 if n <= 10 else 15)
    assert min(delta_e(c, OUTLIER_COLOR) for c in themes) >= 30
    assert min(delta_e(c, "#FFFFFF") for c in themes) >= 20  # visible on white


def test_theme_hues_are_distinct():
    topics = tree(30, children=0)
    colors = theme_colors(topics)
    hues = [colors[t] for t in topics["topic"]]
    assert min(hue_gap(a, b) for a, b in itertools.combinations(hues, 2)) >= 360 / 30 - 2


def test_children_are_shades_of_their_theme():
    topics = tree(8)
    colors = theme_colors(topics)
    parent = dict(zip(topics["topic"], topics["parent"], strict=True))

    def theme_of(t):
        while parent[t] != -1:
            t = parent[t]
        return t

    for topic, level in zip(topics["topic"], topics["level"], strict=True):
        if level > 0:
            assert hue_gap(colors[topic], colors[theme_of(topic)]) <= 3
    # Siblings differ in lightness, so subtopics stay apart within a theme.
    for _, kids in topics[topics["level"] == 1].groupby("parent"):
        lights = sorted(oklch(colors[t])[0] for t in kids["topic"])
        assert min(np.diff(lights)) >= 0.05


def test_theme_colours_are_deterministic_and_cover_every_topic():
    topics = tree(5)
    colors = theme_colors(topics)
    shuffled = topics.sample(frac=1.0, random_state=3)
    assert theme_colors(shuffled) == colors
    assert set(colors) == {*topics["topic"], -1}
    assert colors[-1] == OUTLIER_COLOR
    assert topics.equals(tree(5))  # input not changed


def test_theme_colours_without_levels():
    colors = theme_colors(pd.DataFrame({"topic": [0, 1, 2], "label": ["a", "b", "c"]}))
    assert len({colors[0], colors[1], colors[2]}) == 3
    assert colors[-1] == OUTLIER_COLOR


def test_theme_colours_of_orphans_and_empty():
    topics = pd.DataFrame({"topic": [0, 5], "level": [0, 1], "parent": [-1, 99], "size": [3, 1]})
    colors = theme_colors(topics)
    assert set(colors) == {0, 5, -1}
    assert theme_colors(topics.iloc[:0]) == {-1: OUTLIER_COLOR}


# --------------------------------------------------------------------------- label candidates


def two_level_run(seed: int = 0, n: int = 600):
    """Documents in 3 themes of 2 topics each, some outliers; topics at both levels."""
    rng = np.random.default_rng(seed)
    fine = rng.integers(0, 6, n)
    centres = rng.normal(scale=10, size=(6, 2))
    xy = centres[fine] + rng.normal(size=(n, 2))
    theme = 10 + fine // 2
    outlier = rng.random(n) < 0.05
    docs = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "topic": np.where(outlier, -1, fine),
            "level_0": np.where(outlier, -1, theme),
            "level_1": np.where(outlier, -1, fine),
        }
    )
    sizes = docs["level_1"].value_counts()
    theme_sizes = docs["level_0"].value_counts()
    topics = pd.DataFrame(
        [{"topic": t, "level": 0, "parent": -1, "size": theme_sizes[t]} for t in (10, 11, 12)]
        + [{"topic": t, "level": 1, "parent": 10 + t // 2, "size": sizes[t]} for t in range(6)]
    )
    topics["label"] = [f"<b>T{t}</b> & co" for t in topics["topic"]]
    topics["name"] = "unused"
    return docs, topics


def reference(docs: pd.DataFrame, column: str, topic: int) -> tuple[np.ndarray, float]:
    """Anchor and radius of one topic, computed the slow, obvious way."""
    pts = docs.loc[docs[column] == topic, ["x", "y"]].to_numpy()
    median = np.sort(pts, axis=0)[(len(pts) - 1) // 2]
    anchor = pts[np.argmin(((pts - median) ** 2).sum(axis=1))]
    dist = np.sort(np.sqrt(((pts - anchor) ** 2).sum(axis=1)))
    return anchor, dist[(len(dist) - 1) // 2]


def test_one_row_per_topic_at_every_level():
    docs, topics = two_level_run()
    before = docs.copy(), topics.copy()
    out = label_candidates(docs, topics)
    assert list(out.columns) == CANDIDATE_COLUMNS
    assert sorted(out["topic"]) == sorted(topics["topic"])
    assert -1 not in set(out["topic"])
    assert list(out["priority"]) == list(range(len(out)))
    # Priority: level ascending, then size descending.
    key = list(zip(out["level"], -out["size"], strict=True))
    assert key == sorted(key)
    assert out["label"].str.startswith("<b>").all()  # raw, not escaped here
    assert docs.equals(before[0]) and topics.equals(before[1])


def test_anchor_and_radius_match_the_obvious_computation():
    docs, topics = two_level_run(seed=4)
    out = label_candidates(docs, topics).set_index("topic")
    for topic, level in zip(topics["topic"], topics["level"], strict=True):
        anchor, radius = reference(docs, f"level_{level}", topic)
        assert out.loc[topic, ["x", "y"]].to_numpy() == pytest.approx(anchor)
        assert out.loc[topic, "radius"] == pytest.approx(radius)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=300),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=2**31),
)
def test_anchor_is_one_of_the_clusters_points(n, k, seed):
    rng = np.random.default_rng(seed)
    ids = rng.integers(-1, k, n) * 7 + 3  # sparse, non-contiguous ids
    ids[ids < 0] = -1
    # Repeated coordinates and wide ranges: ties and precision both matter.
    docs = pd.DataFrame(
        {"x": rng.integers(-3, 3, n) * 1e6, "y": rng.normal(size=n).round(1), "topic": ids}
    )
    present = sorted(set(ids) - {-1})
    topics = pd.DataFrame({"topic": present, "label": [str(t) for t in present]})
    out = label_candidates(docs, topics)
    assert sorted(out["topic"]) == present
    assert (out["level"] == 0).all() and (out["parent"] == -1).all()
    for row in out.itertuples():
        pts = docs.loc[docs["topic"] == row.topic, ["x", "y"]].to_numpy()
        assert ((pts == [row.x, row.y]).all(axis=1)).any()
        assert row.size == len(pts)  # no size column: counted
        _, radius = reference(docs, "topic", row.topic)
        assert row.radius == pytest.approx(radius)


def test_anchor_of_a_curved_cluster_lies_on_it():
    # A half ring: its centroid lies in the empty middle, far from every point.
    angle = np.linspace(0, np.pi, 400)
    docs = pd.DataFrame({"x": 10 * np.cos(angle), "y": 10 * np.sin(angle), "level_0": 0})
    topics = pd.DataFrame({"topic": [0], "level": [0], "parent": [-1], "label": ["arc"]})
    row = label_candidates(docs, topics).iloc[0]
    ring = docs[["x", "y"]].to_numpy()
    centroid = ring.mean(axis=0)
    assert np.min(np.linalg.norm(ring - centroid, axis=1)) > 3
    assert np.min(np.linalg.norm(ring - [row.x, row.y], axis=1)) == 0
    assert 0 < row.radius < 10


def test_labels_fall_back_to_names_and_ids():
    docs = pd.DataFrame({"x": [0.0, 1, 2], "y": [0.0, 1, 2], "level_0": [0, 1, 2]})
    topics = pd.DataFrame(
        {
            "topic": [0, 1, 2, 3],
            "level": 0,
            "parent": -1,
            "label": ["Own", "", None, "no documents"],
            "name": ["n0", "n1", None, "n3"],
            "size": [5, 4, 3, 0],
        }
    )
    out = label_candidates(docs, topics).set_index("topic")
    assert out["label"].to_dict() == {0: "Own", 1: "n1", 2: "Topic 2"}  # 3 has no documents
    assert out["size"].to_dict() == {0: 5, 1: 4, 2: 3}


def test_level_columns():
    assert level_columns(pd.DataFrame(columns=["x", "level_1", "level_0", "level_x"])) == {
        0: "level_0",
        1: "level_1",
    }
    assert level_columns(pd.DataFrame(columns=["x", "topic"])) == {0: "topic"}


def test_a_level_of_outliers_only():
    docs = pd.DataFrame({"x": [0.0, 1], "y": [0.0, 1], "level_0": [5, 5], "level_1": [-1, -1]})
    topics = pd.DataFrame({"topic": [5], "level": [0], "parent": [-1], "label": ["a"]})
    out = label_candidates(docs, topics)
    assert list(out["topic"]) == [5]


# --------------------------------------------------------------------------- placement


def check_placement(spot, anchors, sizes, bounds, obstacles=None, padding=4.0, max_shift=None):
    """The guarantees of place_labels, asserted on one result."""
    c, s = spot.centers, sizes
    assert c.shape == anchors.shape and spot.placed.shape == spot.leader.shape == (len(c),)
    assert np.isnan(c[~spot.placed]).all() and not spot.leader[~spot.placed].any()
    p = np.flatnonzero(spot.placed)
    # Inside the bounds.
    assert (c[p] - s[p] / 2 >= np.array(bounds[:2]) - EPS).all()
    assert (c[p] + s[p] / 2 <= np.array(bounds[2:]) + EPS).all()
    # No two boxes closer than the padding, nor any box on an obstacle.
    boxes = [(c[i], s[i]) for i in p] + [(o[:2], o[2:]) for o in (obstacles or [])]
    for (ca, sa), (cb, sb) in itertools.combinations(boxes, 2):
        apart = np.abs(ca - cb) >= (sa + sb) / 2 + padding - EPS
        assert apart.any(), (ca, sa, cb, sb)
    # A leader exactly where the box no longer covers its anchor.
    off = np.abs(c[p] - anchors[p]) > s[p] / 2
    assert (spot.leader[p] == off.any(axis=1)).all()
    if max_shift is not None:
        assert (np.hypot(*(c[p] - anchors[p]).T) <= max_shift + EPS).all()


labels = st.integers(min_value=1, max_value=18).flatmap(
    lambda n: st.tuples(
        st.lists(st.tuples(st.floats(-50, 1050), st.floats(-50, 750)), min_size=n, max_size=n),
        st.lists(st.tuples(st.floats(8, 320), st.floats(8, 70)), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(labels, st.sampled_from([None, 40.0, 150.0]), st.booleans())
def test_placed_boxes_never_overlap_and_stay_inside(data, max_shift, with_obstacle):
    anchors, sizes = np.array(data[0]), np.array(data[1])
    bounds = (0.0, 0.0, 1000.0, 700.0)
    obstacles = [np.array([500.0, 350.0, 200.0, 60.0])] if with_obstacle else None
    spot = place_labels(
        anchors,
        sizes,
        bounds,
        obstacles=np.array(obstacles) if obstacles else None,
        max_shift=max_shift,
    )
    check_placement(spot, anchors, sizes, bounds, obstacles, max_shift=max_shift)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=2**31))
def test_every_label_is_placed_when_there_is_room(n, seed):
    rng = np.random.default_rng(seed)
    # All anchors on one spot: the worst crowding, but the plot has room for all.
    anchors = np.tile(rng.uniform(0, 800, 2), (n, 1))
    sizes = rng.uniform([40, 14], [260, 40], size=(n, 2))
    spot = place_labels(anchors, sizes, (0, 0, 800, 600), padding=2.0)
    assert spot.placed.all()
    check_placement(spot, anchors, sizes, (0, 0, 800, 600), padding=2.0)
    # The first stays on its anchor; the others moved only as far as needed.
    assert np.allclose(
        spot.centers[0], np.clip(anchors[0], sizes[0] / 2, [800, 600] - sizes[0] / 2)
    )


def test_a_free_label_sits_on_its_anchor_without_leader():
    spot = place_labels(np.array([[300.0, 200.0]]), np.array([[120.0, 30.0]]), (0, 0, 800, 600))
    assert spot.placed.all() and not spot.leader.any()
    assert np.allclose(spot.centers, [[300.0, 200.0]])


def test_a_label_at_the_edge_is_pushed_inside():
    spot = place_labels(np.array([[5.0, 595.0]]), np.array([[120.0, 30.0]]), (0, 0, 800, 600))
    assert np.allclose(spot.centers, [[60.0, 585.0]])
    assert not spot.leader.any()  # the box still covers its anchor
    spot = place_labels(np.array([[-30.0, 300.0]]), np.array([[20.0, 20.0]]), (0, 0, 800, 600))
    assert np.allclose(spot.centers, [[10.0, 300.0]]) and spot.leader.all()


def test_a_moved_label_gets_a_leader_only_when_off_its_anchor():
    anchors = np.array([[400.0, 300.0], [400.0, 305.0], [400.0, 300.0]])
    sizes = np.array([[200.0, 30.0], [40.0, 20.0], [200.0, 30.0]])
    spot = place_labels(anchors, sizes, (0, 0, 800, 600), padding=4.0)
    assert spot.placed.all() and not spot.leader[0]
    assert spot.leader[1] and spot.leader[2]
    # Moved just clear of the first box, not across the plot.
    assert np.hypot(*(spot.centers[2] - anchors[2])) <= 30 + 4 + 30 / 3 + EPS


def test_a_leader_goes_around_other_names():
    # B's anchor lies just above A's box; to its left sits C. B's leader must not cut A or C.
    anchors = np.array([[400.0, 300.0], [400.0, 283.0], [250.0, 283.0]])
    sizes = np.array([[300.0, 30.0], [120.0, 30.0], [120.0, 30.0]])
    spot = place_labels(anchors, sizes, (0, 0, 800, 600))
    a, b, c = spot.centers
    assert spot.leader[1]
    for box_c, box_s in ((a, sizes[0]), (c, sizes[2])):
        ts = np.linspace(0, 1, 200)[:, None]
        line = b + ts * (anchors[1] - b)
        inside = np.all(np.abs(line - box_c) < box_s / 2, axis=1)
        assert not inside[: int(0.9 * len(ts))].any()  # the tip may touch A, where the anchor is


def test_placement_is_deterministic_and_does_not_change_its_input():
    rng = np.random.default_rng(5)
    anchors, sizes = rng.uniform(0, 500, (12, 2)), rng.uniform(20, 120, (12, 2))
    kept = anchors.copy(), sizes.copy()
    first = place_labels(anchors, sizes, (0, 0, 500, 500))
    second = place_labels(anchors, sizes, (0, 0, 500, 500))
    assert np.array_equal(first.centers, second.centers, equal_nan=True)
    assert np.array_equal(anchors, kept[0]) and np.array_equal(sizes, kept[1])


def test_labels_too_big_or_too_far_are_left_out():
    spot = place_labels(
        np.array([[50.0, 50.0], [50.0, 50.0]]),
        np.array([[500.0, 20.0], [60.0, 20.0]]),
        (0, 0, 100, 100),
        obstacles=np.array([[50.0, 50.0, 100.0, 40.0]]),
        max_shift=10.0,
    )
    assert not spot.placed.any()
