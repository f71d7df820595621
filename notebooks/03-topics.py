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
# # 3. Topics and their quality
#
# This notebook reads the topics of run `runs_dir/run_name`, as written by
# `landscape run` (or `landscape fit`), so nothing is refitted. If the run does not
# exist yet and `fit_if_missing` is true, it fits one with `seed` and writes it.
#
# To compare settings, fit another run (`landscape run --name other --seed 7`) and
# set `run_name = "other"` here.

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
runs_dir = "runs"
run_name = "default"
interim_dir = "data/interim"
seed = 42
fit_if_missing = False

# %%
import json
from pathlib import Path

import pandas as pd
from IPython.display import display

run_dir = Path(runs_dir) / run_name
if not (run_dir / "documents.parquet").exists():
    if not fit_if_missing:
        raise FileNotFoundError(f"{run_dir}: no run; run `landscape run --name {run_name}` first")
    from landscape.config import Config, PathsConfig
    from landscape.pipeline import fit, write_run

    config = Config(paths=PathsConfig(interim=interim_dir))
    write_run(fit(pd.read_parquet(corpus_path), config=config, seed=seed), run_dir)

documents = pd.read_parquet(run_dir / "documents.parquet")
topics = pd.read_parquet(run_dir / "topics.parquet")
metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
provenance = json.loads((run_dir / "provenance.json").read_text(encoding="utf-8"))
print(f"run {run_dir}: {len(documents)} papers")
print(f"model {provenance['model']}, seed {provenance['seed']}, fitted {provenance['created']}")

# %% [markdown]
# ## The topic table
#
# One row per topic: its label, its size and its top terms. Topic `-1` holds the
# outliers, papers that belong to no topic.

# %%
table = topics[["topic", "label", "size"]].copy()
table["top terms"] = [", ".join(t["term"] for t in list(terms)[:8]) for terms in topics["terms"]]
display(table)

# %% [markdown]
# ## Quality measures
#
# - **NPMI**: coherence of each topic's top terms in the corpus (-1 to 1; higher is better).
# - **diversity**: share of distinct terms among the topics' top 25 (1: no overlap).
# - **silhouette**: how well the topics separate in embedding space (cosine).
# - **outlier share**: papers left in topic -1.
# - **stability**: mean pairwise ARI of the partitions with several seeds, when the
#   run measured it (`landscape run --stability 5`).

# %%
summary = {
    "topics": metrics["n_topics"],
    "NPMI": metrics["npmi"],
    "diversity": metrics["diversity"],
    "silhouette": metrics["silhouette"],
    "outlier share": metrics["outliers"]["share"],
}
if "stability" in metrics:
    summary["stability (mean ARI)"] = metrics["stability"]["ari"]["mean"]
pd.Series(summary, name="value").to_frame()

# %%
pd.DataFrame(metrics["per_topic"])

# %% [markdown]
# ## Time per stage (seconds)

# %%
pd.Series(metrics["timings_s"], name="seconds").to_frame()

# %% [markdown]
# ## Settings of the run

# %%
print(json.dumps(provenance["config"]["topics"], indent=2))
