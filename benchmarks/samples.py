"""Shared samples of the development corpora for benchmarks (read from ../shared)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ARXIV = SHARED / "arxiv_dev_labelled.parquet"


def stratified_sample(n: int, by: str = "primary_category", seed: int = 0) -> pd.DataFrame:
    """Return ``n`` papers of the labelled arXiv corpus, stratified by ``by``.

    Each stratum contributes in proportion to its size (at least one paper), so
    the label distribution of the sample matches the corpus.
    """
    df = pd.read_parquet(ARXIV)
    frac = n / len(df)
    parts = [
        g.sample(n=max(1, round(len(g) * frac)), random_state=seed)
        for _, g in df.groupby(by, sort=True)
    ]
    out = pd.concat(parts)
    if len(out) < n:  # rounding left a few short: top up at random from the rest
        rest = df.drop(index=out.index)
        out = pd.concat([out, rest.sample(n=n - len(out), random_state=seed)])
    out = out.sample(frac=1.0, random_state=seed)
    return out.head(n).reset_index(drop=True)
