"""The 2-D map laid out in a second process while the topics are clustered and named.

At 100,000 papers the layout (UMAP's optimiser, single-threaded so that a seed
fixes it) takes about 40 s, and clustering and naming, also single-threaded,
about 90 s; neither needs the other, only the kNN graph. On a machine with a
second core :func:`start_layout` runs the layout in a fresh Python process
(``python -m landscape.fit.layout_worker``) and :meth:`PendingLayout.result`
collects it; the numbers are the same as :func:`landscape.fit.layout.umap_layout`
in this process gives (same function, same seed, the graph passed exactly).

A fresh interpreter rather than :mod:`multiprocessing`: a spawned child
re-imports the caller's main script, and a forked one inherits the threads of
BLAS and numba; a plain subprocess does neither. If the worker cannot start or
fails, the layout is computed here instead, with a warning: the run never
depends on the second process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

from landscape.fit.knn import Knn
from landscape.fit.layout import umap_layout

#: From this many papers the layout runs in a second process. The second
#: interpreter costs about 1.6 s to start (numpy, UMAP, numba); the layout takes
#: 11 s at 10,000 papers and about 40 s at 100,000 here, and both sizes were
#: measured with it (benchmarks/fit_time.py). Smaller corpora, unmeasured, keep
#: the layout in this process.
BACKGROUND_MIN_DOCS = 10_000


def _command(folder: Path, seed: int, n_components: int, min_dist: float) -> list[str]:
    """The worker's command line (:mod:`landscape.fit.layout_worker`)."""
    return [
        sys.executable, "-m", "landscape.fit.layout_worker", str(folder),
        str(int(seed)), str(int(n_components)), repr(float(min_dist)),
    ]  # fmt: skip


class PendingLayout:
    """A layout being computed: call :meth:`result` for the ndarray.

    Use as a context manager so that the worker is stopped if the caller fails
    before collecting it.
    """

    def __init__(self, knn: Knn, seed: int, n_components: int, min_dist: float, background: bool):
        self._args = (knn, seed, n_components, min_dist)
        self._proc: subprocess.Popen | None = None
        self._dir: Path | None = None
        self._value: np.ndarray | None = None
        self._used_process = False
        if background:
            self._start()

    @property
    def in_background(self) -> bool:
        """Whether a second process computed (or is computing) the layout."""
        return self._used_process

    def _start(self) -> None:
        knn, seed, n_components, min_dist = self._args
        self._dir = Path(tempfile.mkdtemp(prefix="landscape-layout-"))
        np.save(self._dir / "indices.npy", np.asarray(knn.indices))
        np.save(self._dir / "distances.npy", np.asarray(knn.distances))
        try:
            self._proc = subprocess.Popen(
                _command(self._dir, seed, n_components, min_dist),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as err:
            warnings.warn(f"map layout: no second process ({err}); laying out here", stacklevel=3)
            self._cleanup()

    def result(self) -> np.ndarray:
        """The layout, float32 ndarray of shape (n_docs, n_components)."""
        if self._value is not None:
            return self._value
        if self._proc is not None:
            _, stderr = self._proc.communicate()
            out = self._dir / "layout.npy" if self._dir else None
            if self._proc.returncode == 0 and out is not None and out.exists():
                self._value = np.load(out)
                self._used_process = True
            else:
                tail = (stderr or "").strip().splitlines()[-3:]
                warnings.warn(
                    f"map layout: the second process failed (exit {self._proc.returncode}: "
                    f"{' | '.join(tail)}); laying out here",
                    stacklevel=2,
                )
            self._proc = None
            self._cleanup()
        if self._value is None:
            self._value = umap_layout(*self._args)
        return self._value

    def close(self) -> None:
        """Stop the worker, if still running, and remove its files."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> PendingLayout:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_layout(
    knn: Knn,
    seed: int,
    n_components: int = 2,
    min_dist: float = 0.1,
    background: bool | None = None,
) -> PendingLayout:
    """Start :func:`landscape.fit.layout.umap_layout`, in a second process when it pays.

    Args:
        knn: The kNN graph.
        seed: UMAP's random state.
        n_components: Output dimensions.
        min_dist: How tightly UMAP packs points.
        background: ``None`` for a second process from :data:`BACKGROUND_MIN_DOCS`
            papers on a machine with more than one core; ``True`` or ``False`` to choose.

    Returns:
        A :class:`PendingLayout`.
    """
    if background is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        background = knn.indices.shape[0] >= BACKGROUND_MIN_DOCS and (cores or 1) > 1
    return PendingLayout(knn, seed, n_components, min_dist, background)
