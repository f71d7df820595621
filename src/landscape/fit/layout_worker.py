"""``python -m landscape.fit.layout_worker DIR SEED N_COMPONENTS MIN_DIST``.

Reads ``DIR/indices.npy`` and ``DIR/distances.npy`` (a kNN graph), writes
``DIR/layout.npy``: :func:`landscape.fit.layout.umap_layout` run in its own
process (see :mod:`landscape.fit.background`). The output is written under a
temporary name and renamed, so a half-written layout is never read.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from landscape.fit.knn import Knn
from landscape.fit.layout import umap_layout


def main(argv: list[str]) -> int:
    """Lay out the graph in ``argv[0]`` with seed, components and min_dist from the rest."""
    folder = Path(argv[0])
    seed, n_components, min_dist = int(argv[1]), int(argv[2]), float(argv[3])
    knn = Knn(np.load(folder / "indices.npy"), np.load(folder / "distances.npy"))
    xy = umap_layout(knn, seed, n_components=n_components, min_dist=min_dist)
    tmp = folder / "layout.tmp.npy"
    np.save(tmp, xy)
    os.replace(tmp, folder / "layout.npy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
