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
# # 1. Load and clean the sources
#
# This notebook reads every source file under `raw_dir` (listing pages, arXiv,
# OpenAlex, BibTeX, RIS, CSV, ...), cleans the records and merges duplicates. The
# ledger has one row per input record and says what became of it: `kept`,
# `duplicate` (merged into a kept paper) or `dropped` (with a reason).
#
# To read other sources, change `raw_dir` in the parameters cell below (or pass
# `-p raw_dir PATH` to papermill). Set `write_corpus = True` to also write
# `corpus.parquet` and `ledger.parquet` into `processed_dir`, as `landscape ingest` does.

# %% tags=["parameters"]
raw_dir = "data/raw"
processed_dir = "data/processed"
write_corpus = False

# %%
import pandas as pd

from landscape.ingest import ingest, write_ingest

result = ingest([raw_dir])
summary = result.summary()

# %% [markdown]
# ## What was read
#
# `records_read` is every title/abstract pair found; `read = kept + duplicate + dropped`
# always holds.

# %%
pd.Series({k: v for k, v in summary.items() if k != "dropped_by_reason"}, name="count").to_frame()

# %% [markdown]
# ## Dropped records, by reason
#
# An empty table means nothing was dropped. Each reason code is explained in the
# `reason` column of the ledger.

# %%
pd.Series(summary["dropped_by_reason"], name="records", dtype="int64").to_frame()

# %%
dropped = result.ledger[result.ledger["status"] == "dropped"]
dropped[["source", "line", "reason_code", "reason", "raw_title"]].head(20)

# %% [markdown]
# ## Records per source file
#
# Duplicates found in several files are merged into one paper; the paper keeps
# every file it came from (`source_files`), so the pages can be compared later.

# %%
result.ledger.groupby(["source", "status"]).size().unstack(fill_value=0)

# %% [markdown]
# ## The clean corpus (first rows)

# %%
result.corpus[["doc_id", "title", "n_sources"]].head(10)

# %%
if write_corpus:
    written = write_ingest(result, processed_dir)
    print({name: str(path) for name, path in written.items()})
