"""The map laid out in a second process: same numbers as in this process, never needed."""

import sys
import time

import numpy as np
import pytest

from conftest import blobs
from landscape.fit import background, layout
from landscape.fit.knn import knn_graph


@pytest.fixture(scope="module")
def knn():
    x, _ = blobs(n_per=60, centres=4, dim=20, spread=0.08, rng=3)
    return knn_graph(x, 10)


def test_second_process_gives_the_same_layout(knn):
    here = layout.umap_layout(knn, seed=2, min_dist=0.05)
    with background.start_layout(knn, 2, min_dist=0.05, background=True) as pending:
        there = pending.result()
        assert pending.in_background
    np.testing.assert_array_equal(there, here)
    assert there.dtype == here.dtype == np.float32


def test_small_corpus_stays_in_this_process(knn):
    with background.start_layout(knn, 0) as pending:
        xy = pending.result()
        assert not pending.in_background
    np.testing.assert_array_equal(xy, layout.umap_layout(knn, seed=0))


@pytest.mark.parametrize("command", [["/nonexistent/python"], ["/bin/false"]])
def test_a_failed_second_process_falls_back_with_a_warning(knn, monkeypatch, command):
    monkeypatch.setattr(background, "_command", lambda *a: command)
    with (
        pytest.warns(UserWarning, match="map layout"),
        background.start_layout(knn, 1, background=True) as pending,
    ):
        xy = pending.result()
    assert not pending.in_background
    np.testing.assert_array_equal(xy, layout.umap_layout(knn, seed=1))


def test_close_stops_the_worker_and_removes_its_files(knn, monkeypatch):
    # A worker that would run for a minute: close() must not wait for it.
    monkeypatch.setattr(background, "_command", lambda *a: ["/bin/sleep", "60"])
    pending = background.start_layout(knn, 0, background=True)
    folder = pending._dir
    assert folder is not None and folder.exists()
    t0 = time.perf_counter()
    pending.close()
    assert time.perf_counter() - t0 < 10
    assert not folder.exists()
    assert pending._proc is None


def test_worker_module_runs_on_its_own(knn, tmp_path):
    import subprocess

    np.save(tmp_path / "indices.npy", knn.indices)
    np.save(tmp_path / "distances.npy", knn.distances)
    cmd = [sys.executable, "-m", "landscape.fit.layout_worker", str(tmp_path), "4", "2", "0.1"]
    subprocess.run(cmd, check=True)
    np.testing.assert_array_equal(
        np.load(tmp_path / "layout.npy"), layout.umap_layout(knn, seed=4, min_dist=0.1)
    )
    assert not (tmp_path / "layout.tmp.npy").exists()
