"""Time the name anchors and the static name placement on 1,000,000 points in 4 levels.

The layout is synthetic, built from nested Gaussian blobs so that it has four
real levels: 20 themes (centres spread with sd 12 map units), each split into 5
topics (offsets sd 2.5), each into 4 sub-topics (sd 0.8), each into 4 leaves
(sd 0.3), and every point jittered around its leaf (sd 0.25); 5% of the points
are outliers (-1 at every level), spread over the whole map. That is 20 + 100 +
400 + 1,600 topics with unique ids across levels, like ``topics.parquet``. A
UMAP layout of a real 1M corpus looks like this at the scales that matter here:
many clusters of very unequal size, nested, and overlapping at the edges.

Timed, each ``--repeats`` times (at least 3), median [min-max] in seconds:

- ``label_candidates``: :func:`landscape.maps.labels.label_candidates` on all
  points and levels (the target: <= 10 s);
- ``place_themes``: :func:`landscape.maps.labels.place_labels` of the 20 theme
  names in a 1400 x 1000 px figure (boxes from the map's font size);
- ``place_topics``: the same for the 100 level-1 names, around the placed themes,
  each within reach of its cluster (the map's second name layer);
- ``static_map``: the whole :func:`landscape.maps.static_map` figure (anchors,
  placement, 30,000 sampled points), without the image export.

Writes benchmarks/results/map_labels.json with the machine's facts.

Usage: python benchmarks/map_labels.py [--n 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import machine

from landscape.maps.labels import label_candidates, place_labels
from landscape.maps.static_map import (
    BOLD_CHAR_EM,
    CHAR_EM,
    HALO_PAD,
    LINE_EM,
    THEME_FONT,
    TOPIC_FONT,
    static_map,
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "map_labels.json"
#: Children per topic at each level, and the spread of their centres (map units).
BRANCHING = (20, 5, 4, 4)
SPREAD = (12.0, 2.5, 0.8, 0.3)
JITTER, OUTLIERS = 0.25, 0.05
WIDTH, HEIGHT = 1400, 1000


def nested_blobs(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(documents, topics)`` of a synthetic 4-level map of ``n`` points (see module doc)."""
    rng = np.random.default_rng(seed)
    centres, ids, parents, rows, next_id = np.zeros((1, 2)), [], [np.array([-1])], [], 0
    for level, (k, sd) in enumerate(zip(BRANCHING, SPREAD, strict=True)):
        centres = np.repeat(centres, k, axis=0) + rng.normal(scale=sd, size=(len(centres) * k, 2))
        level_ids = next_id + np.arange(len(centres))
        parent = np.repeat(parents[-1], k)
        rows += [
            {"topic": int(t), "level": level, "parent": int(p), "label": f"L{level} topic {t}"}
            for t, p in zip(level_ids, parent, strict=True)
        ]
        ids.append(level_ids)
        parents.append(level_ids)
        next_id += len(centres)
    # Leaves of unequal size (Zipf-like weights), as real topics are.
    weights = 1.0 / rng.permutation(np.arange(1, len(centres) + 1)) ** 0.8
    leaf = rng.choice(len(centres), size=n, p=weights / weights.sum())
    xy = centres[leaf] + rng.normal(scale=JITTER, size=(n, 2))
    out = rng.random(n) < OUTLIERS
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    xy[out] = rng.uniform(lo, hi, size=(int(out.sum()), 2))
    documents = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    # A leaf's ancestor at level L is leaf // (product of the branching below L).
    below = np.cumprod((*BRANCHING[1:], 1)[::-1])[::-1]
    for level in range(len(BRANCHING)):
        documents[f"level_{level}"] = np.where(out, -1, ids[level][leaf // below[level]])
    documents["topic"] = documents[f"level_{len(BRANCHING) - 1}"]
    topics = pd.DataFrame(rows)
    counts = pd.concat([documents[f"level_{i}"] for i in range(len(BRANCHING))]).value_counts()
    topics["size"] = topics["topic"].map(counts).fillna(0).astype(np.int64)
    return documents, topics


def to_px(cands: pd.DataFrame, documents: pd.DataFrame) -> np.ndarray:
    """Anchors in the figure's pixel space (1400 x 1000, aspect kept), shape (k, 2)."""
    lo = documents[["x", "y"]].min().to_numpy()
    hi = documents[["x", "y"]].max().to_numpy()
    scale = min(WIDTH / (hi - lo)[0], HEIGHT / (hi - lo)[1])
    xy = cands[["x", "y"]].to_numpy()
    return np.stack([(xy[:, 0] - lo[0]) * scale, (hi[1] - xy[:, 1]) * scale], axis=1)


def boxes(labels: pd.Series, font: int, em: float) -> np.ndarray:
    """Estimated one-line text boxes in px, as static_map estimates them, shape (k, 2)."""
    chars = labels.str.len().to_numpy()
    return np.stack([chars * em * font, np.full(len(chars), LINE_EM * font)], axis=1) + 2 * HALO_PAD


def timed(fn, repeats: int) -> tuple[dict, object, list[dict]]:
    """Run ``fn`` ``repeats`` times; its spread, its last result and the load around each run."""
    values, loads, result = [], [], None
    for _ in range(repeats):
        with machine.Meter() as meter:
            start = time.perf_counter()
            result = fn()
            values.append(time.perf_counter() - start)
        loads.append(meter.record)
    return machine.spread(values, digits=3, allow_fewer=repeats < 3), result, loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    documents, topics = nested_blobs(args.n)
    made = time.perf_counter() - start
    print(f"{args.n:,} points, {len(topics):,} topics in {len(BRANCHING)} levels ({made:.1f} s)")
    machine.wait_for_quiet()
    result: dict = {
        "machine": machine.facts(),
        "n": args.n,
        "levels": len(BRANCHING),
        "topics_per_level": [int((topics["level"] == i).sum()) for i in range(len(BRANCHING))],
        "layout": "nested Gaussian blobs, see benchmarks/map_labels.py",
        "seconds": {},
        "load": {},
    }
    t_cands, cands, load = timed(lambda: label_candidates(documents, topics), args.repeats)
    result["seconds"]["label_candidates"], result["load"]["label_candidates"] = t_cands, load
    bounds = (0.0, 0.0, float(WIDTH), float(HEIGHT))
    themes, subs = cands[cands["level"] == 0], cands[cands["level"] == 1]
    theme_px, theme_box = to_px(themes, documents), boxes(themes["label"], THEME_FONT, BOLD_CHAR_EM)
    t_themes, spot, load = timed(
        lambda: place_labels(theme_px, theme_box, bounds, padding=6.0), args.repeats
    )
    result["seconds"]["place_themes"], result["load"]["place_themes"] = t_themes, load
    taken = np.concatenate([spot.centers, theme_box], axis=1)[spot.placed]
    sub_px, sub_box = to_px(subs, documents), boxes(subs["label"], TOPIC_FONT, CHAR_EM)
    t_topics, sub_spot, load = timed(
        lambda: place_labels(sub_px, sub_box, bounds, obstacles=taken, max_shift=40.0, padding=3.0),
        args.repeats,
    )
    result["seconds"]["place_topics"], result["load"]["place_topics"] = t_topics, load
    t_map, _, load = timed(lambda: static_map(documents, topics), args.repeats)
    result["seconds"]["static_map"], result["load"]["static_map"] = t_map, load
    result["placed"] = {
        "themes": f"{int(spot.placed.sum())}/{len(themes)} ({int(spot.leader.sum())} with leader)",
        "topics": f"{int(sub_spot.placed.sum())}/{len(subs)}",
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, s in result["seconds"].items():
        print(f"{name:>17}: {machine.cell(s, '.3f')} s")
    print(f"placed: {result['placed']}")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
