# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. How the corpus was built
#
# **What this page shows.** How the papers behind the map were gathered: every
# record read from the source files, and whether it was kept, merged as a
# duplicate of another record, or dropped with a reason. Check it first, to make
# sure the corpus holds the papers you meant to map before reading the themes.
#
# The page reads the ledger that `landscape ingest` wrote beside the corpus of run
# `runs_dir/run_name`, after checking that the corpus is the one the run was
# fitted on (same papers, same titles and abstracts), so this page and the map
# describe the same papers. The ledger has one row per input record and says what
# became of it: `kept`, `duplicate` (merged into a kept paper) or `dropped` (with
# a reason).

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
runs_dir = "runs"
run_name = "default"

# %%
import pandas as pd

from landscape.config import project_path
from landscape.runs import load_run, read_ingest

# Relative paths are the project's (data/..., runs/...), wherever the kernel started.
run = load_run(project_path(runs_dir) / run_name, project_path(corpus_path), labels=False)
record = read_ingest(run, missing_ok=True)
summary = record.summary
ledger = record.ledger
print(f"run {run.path}: {len(run.documents)} papers from {run.corpus_path}")
if not record.found:
    print(
        "This corpus was not made by `landscape ingest`: it has no ledger, so the tables are empty."
    )

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
pd.Series(summary.get("dropped_by_reason", {}), name="records", dtype="int64").to_frame()

# %%
dropped = ledger[ledger["status"] == "dropped"]
dropped[["source_name", "line", "reason_code", "reason", "raw_title"]].head(20)

# %% [markdown]
# ## Records per source file
#
# Duplicates found in several files are merged into one paper; the paper keeps
# every file it came from (`source_files`), so the pages can be compared later.

# %%
ledger.groupby(["source_name", "status"]).size().unstack(fill_value=0)

# %% [markdown]
# ## The clean corpus (first rows)

# %%
run.corpus.filter(["doc_id", "title", "year", "n_sources"]).head(10)

# %% [markdown]
# ## What to do next
#
# - Map other sources: `landscape run --raw PATH --name NAME`, then set
#   `run_name = "NAME"` in the parameters of this notebook and the others.
# - Too many records dropped as short or without an abstract: ingest again with
#   `landscape ingest PATH --min-abstract-words N` or `--keep-title-only`, then
#   `landscape fit --out runs/NAME` and `landscape report --run runs/NAME`.
# - Next page: *2. Embed the abstracts*.
