# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Compare sources and follow topics over time
#
# Each source file (a listing page, an export) is a sample of the field. The first
# figure shows the topic mix of each source; the second, when the corpus has dates
# or years, the number of papers per topic and period.
#
# Set `by` to another corpus column (a label) to compare groups other than files,
# `normalize = False` to show counts, and `freq` to `"quarter"` or `"month"`.

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
runs_dir = "runs"
run_name = "default"
by = "source_files"
normalize = True
freq = "year"
top_n = 10

# %%
from pathlib import Path

import pandas as pd

from landscape import maps

run_dir = Path(runs_dir) / run_name
corpus = pd.read_parquet(corpus_path)
documents = pd.read_parquet(run_dir / "documents.parquet")

# %% [markdown]
# ## Topic mix per source
#
# One bar per source; a paper found in several sources counts once in each.

# %%
fig = maps.source_comparison(documents, corpus, by=by, normalize=normalize)
fig.show()

# %% [markdown]
# ## Topics over time

# %%
date_columns = [c for c in ("date", "year") if c in corpus.columns and corpus[c].notna().any()]
if date_columns:
    print(f"dates from column {date_columns[0]!r}")
    fig = maps.topics_over_time(documents, corpus, date_col=date_columns[0], freq=freq, top_n=top_n)
    fig.show()
else:
    print(
        "This corpus has no dates or years (listing pages carry none), so there is no "
        "trend to show. Sources with dates (arXiv, OpenAlex, BibTeX, a CSV with a year "
        "column) give one figure of papers per topic and period here."
    )
