"""Shared samples of the development corpora for benchmarks (read from ../shared).

A benchmark that chooses settings must not score them on the papers it chose
them on: :func:`tune_and_report` draws a tuning sample and a report sample of
the labelled arXiv corpus that share no paper (checked by arXiv id).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
ARXIV = SHARED / "arxiv_dev_labelled.parquet"
ID = "arxiv_id"


def stratified_sample(
    n: int, by: str = "primary_category", seed: int = 0, exclude: Collection[str] = ()
) -> pd.DataFrame:
    """Return ``n`` papers of the labelled arXiv corpus, stratified by ``by``.

    Each stratum contributes in proportion to its size (at least one paper), so
    the label distribution of the sample matches the corpus. Papers whose arXiv
    id is in ``exclude`` are never drawn (the proportions are those of the rest).
    """
    df = pd.read_parquet(ARXIV)
    if exclude:
        df = df[~df[ID].isin(set(exclude))]
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


def tune_and_report(
    n_tune: int, n_report: int, tune_seed: int = 0, report_seed: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """A tuning sample and a disjoint report sample, both stratified by primary category.

    The tuning sample is ``stratified_sample(n_tune, seed=tune_seed)`` (with the
    defaults, the 10k sample of bench.py, on which landscape's settings were
    chosen); the report sample is drawn with ``report_seed`` from the papers the
    tuning sample does not hold. Raises ``AssertionError`` if they share an id.

    Returns:
        ``(tune, report, description)``; the description is for results files.
    """
    tune = stratified_sample(n_tune, seed=tune_seed)
    report = stratified_sample(n_report, seed=report_seed, exclude=tune[ID].tolist())
    shared = set(tune[ID]) & set(report[ID])
    assert not shared, f"tuning and report samples share {len(shared)} papers"
    assert tune[ID].is_unique and report[ID].is_unique
    description = {
        "corpus": ARXIV.name,
        "tune": {"n": len(tune), "seed": tune_seed, "stratified_by": "primary_category"},
        "report": {
            "n": len(report),
            "seed": report_seed,
            "stratified_by": "primary_category",
            "drawn_from": "the corpus less the tuning sample",
        },
        "shared_arxiv_ids": len(shared),
        "disjoint_checked_by": "arxiv_id, in benchmarks/samples.py:tune_and_report",
    }
    return tune, report, description


def describe_markdown(d: dict) -> str:
    t, r = d["tune"], d["report"]
    return (
        f"Samples of {d['corpus']}, stratified by primary category: settings are tuned on "
        f"{t['n']:,} papers (seed {t['seed']}) and scored on a disjoint {r['n']:,} papers "
        f"(seed {r['seed']}, drawn from the rest of the corpus); the two share "
        f"{d['shared_arxiv_ids']} arXiv ids (checked in code)."
    )
