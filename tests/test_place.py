import numpy as np
import pandas as pd
import pytest

from conftest import blobs
from landscape.errors import LandscapeError
from landscape.explore.place import PLACE_COLUMNS, novelty_threshold, place

SPREAD = 0.5 / 3  # noise of standard deviation 0.5 around centres of norm 3


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(7)
    centres = np.eye(16)[:3] * 3.0
    run, labels = blobs(100, centres, spread=SPREAD, rng=rng)
    # Map positions: one well separated square per topic.
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])[labels] + rng.random((len(run), 2))
    docs = pd.DataFrame({"topic": labels, "x": xy[:, 0], "y": xy[:, 1]})
    return run, docs, centres, rng


def test_place_recovers_topics_and_stays_in_topic_area(synthetic):
    run, docs, centres, rng = synthetic
    new, truth = blobs(50, centres, spread=SPREAD, rng=rng)
    out = place(new, run, docs, k=10)
    assert list(out.columns) == list(PLACE_COLUMNS) and len(out) == len(new)
    placed = out[~out["novel"]]
    assert (placed["topic"].to_numpy() == truth[~out["novel"].to_numpy()]).all()
    assert (out["nearest_topic"].to_numpy() == truth).all()
    assert out["confidence"].between(0, 1).all() and placed["confidence"].min() > 0.9
    # Each placed paper lies inside its topic's box of the map.
    lo = np.array([[0, 0], [10, 0], [0, 10]])[placed["topic"]]
    inside = (placed[["x", "y"]].to_numpy() >= lo) & (placed[["x", "y"]].to_numpy() <= lo + 1)
    assert inside.all()
    assert np.allclose(place(new, run, docs, k=10)[["x", "y"]], out[["x", "y"]])


def test_novelty_threshold_is_calibrated_on_the_run(synthetic):
    run, docs, centres, rng = synthetic
    # Papers drawn like the run's own are flagged at about the chosen rate ...
    same, _ = blobs(1000, centres, spread=SPREAD, rng=rng)
    share = place(same, run, docs, percentile=5.0)["novel"].mean()
    assert 0.01 <= share <= 0.10
    assert place(same, run, docs, percentile=20.0)["novel"].mean() > share
    # ... and papers of an unseen direction all are, keeping their closest topic.
    unseen, _ = blobs(20, [np.eye(16)[5] * 3.0], spread=SPREAD, rng=rng)
    out = place(unseen, run, docs)
    assert out["novel"].all() and (out["topic"] == -1).all()
    assert out["nearest_topic"].isin([0, 1, 2]).all()
    assert (out["similarity"] < novelty_threshold(run, docs["topic"].to_numpy())).all()


def test_leave_one_out_threshold_is_not_inflated_by_the_paper_itself():
    # Two papers per topic: with itself in its centroid, papers 0 and 1 would score 0.71.
    v = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.1, 1.0]])
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    loo = novelty_threshold(v, np.array([0, 0, 1, 1]), percentile=0)
    assert loo == pytest.approx(0.0, abs=1e-9)


def test_place_rejects_misaligned_input(synthetic):
    run, docs, _, _ = synthetic
    with pytest.raises(LandscapeError, match="do not align"):
        place(run[:3], run[:-1], docs)
    with pytest.raises(LandscapeError, match="do not match"):
        place(run[:3, :8], run, docs)
    with pytest.raises(LandscapeError, match="no topics"):
        place(run[:3], run, docs.assign(topic=-1))
