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
# # 3. Topics and their quality
#
# **What this page shows.** The topics found in the papers, each with its name,
# size, characteristic terms and most typical titles, and how well the name fits
# the topic's own papers. It ends with measures of how coherent, distinct and
# stable the topics are, so you can judge how far to trust them.
#
# This notebook reads the topics of run `runs_dir/run_name`, as written by
# `landscape run` (or `landscape fit`), so nothing is refitted.

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
runs_dir = "runs"
run_name = "default"
# A labels file other than runs/NAME/labels.toml, or None.
labels_file = None
# Representative titles and top terms shown per topic.
n_titles = 3
n_terms = 8

# %%
import json

import pandas as pd
from IPython.display import display

from landscape.config import project_path
from landscape.labels.evidence import label_evidence
from landscape.runs import load_run

# Relative paths are the project's (data/..., runs/...), wherever the kernel started.
run_dir, corpus_path = project_path(runs_dir) / run_name, project_path(corpus_path)
labels_file = None if labels_file is None else project_path(labels_file)
run = load_run(run_dir, corpus_path, labels_file=labels_file)
documents, topics, metrics, provenance = run.documents, run.topics, run.metrics, run.provenance
print(f"run {run_dir}: {len(documents)} papers")
print(f"model {provenance['model']}, seed {provenance['seed']}, fitted {provenance['created']}")
print("labels:", topics["label_source"].value_counts().to_dict())

# %% [markdown]
# ## The topic table
#
# One row per topic. Topic `-1`, when present, holds the outliers: papers that
# belong to no topic.
#
# - **label** and **source**: the name shown everywhere in the reports, and where
#   it comes from: `auto` (a phrase from the topic's own papers, chosen for how
#   many of them use it and how few of its sibling topics' papers do; see
#   docs/method.md, "Names"), `llm` (written by a language model from the same
#   evidence) or `user` (your `labels.toml`).
# - **size**: papers in the topic.
# - **label fit**: the share of the topic's papers whose title or abstract
#   contains at least one of the label's terms (the label split at `·`, `,`,
#   `and`...; plurals, hyphens and stop words are matched the way the topic model
#   read the text). **background**: the same share among all the other papers.
# - **verdict**: `generic` when the background is at least half the label fit, so
#   the label names the field more than this topic; "language models" in a corpus of
#   language-model papers is such a label: true of the topic, but not what sets it
#   apart. `low fit` when fewer than a third of the topic's papers contain the
#   label's terms; `ok` otherwise. `landscape labels show` prints the same verdicts.
# - **top terms (weight)**: the words and phrases that characterise the topic,
#   with their weights (a higher weight means more characteristic of this topic
#   than of the others).
# - **representative titles**: the papers nearest the topic's centre.
#
# How to read it: a good label has a high fit and a low background. A low fit
# (say under 30%) means most of the topic's papers never use the label's words:
# the label was drawn from a few papers, so check it against the titles before
# you use it in a figure or a text. A user label is scored the same way, so the
# table also checks your own names against the papers.

# %%
evidence = label_evidence(topics, documents, run.corpus, n_titles=n_titles, n_terms=n_terms)
table = pd.DataFrame(
    {
        "topic": evidence["topic"],
        "label": evidence["label"],
        "source": evidence["label_source"],
        "size": evidence["size"],
        "label fit": evidence["label_fit"],
        "background": evidence["background_fit"],
        "verdict": evidence["verdict"],
        "top terms (weight)": [
            ", ".join(f"{t['term']} ({t['weight']:.2f})" for t in terms)
            for terms in evidence["terms"]
        ],
        "representative titles": evidence["representative_titles"].map("\n".join),
    }
)
percent = {"label fit": "{:.0%}", "background": "{:.0%}"}
display(
    table.style.hide(axis="index")
    .format(percent, na_rep="–")
    .set_properties(**{"white-space": "pre-line", "text-align": "left", "vertical-align": "top"})
)

# %% [markdown]
# ## Every level: themes, topics, subtopics
#
# The run's topics are nested: each theme (level 0) holds whole topics, and on
# larger corpora each topic holds subtopics. Every topic at every level has a
# name taken from its own papers, with its evidence: **name coverage** is the
# share of the topic's papers that contain the name (for a name "A and B", either
# phrase), **distinctiveness** how many times more often they do than the papers
# of its sibling topics (same parent). Names are built so that siblings never
# share a name, and a parent's name is what its children share.

# %%
every = label_evidence(run.all_topics, documents, run.corpus, n_titles=n_titles, n_terms=n_terms)
every = every[every["topic"] >= 0]
label_of = dict(zip(every["topic"], every["label"], strict=True))
tree = pd.DataFrame(
    {
        "level": every["level"],
        "parent": [label_of.get(p, "") for p in every["parent"]],
        "label": every["label"],
        "size": every["size"],
        "name coverage": every["name_coverage"],
        "distinctiveness": every["name_distinctiveness"],
        "top terms": [", ".join(t["term"] for t in terms[:5]) for terms in every["terms"]],
    }
).sort_values(["level", "parent", "size"], ascending=[True, True, False])
print(f"{len(tree)} topics over {tree['level'].nunique()} levels")
display(
    tree.style.hide(axis="index").format(
        {"name coverage": "{:.0%}", "distinctiveness": "{:.1f}x"}, na_rep="–"
    )
)

# %% [markdown]
# Labels that deserve a second look: generic ones, and those whose terms appear in
# fewer than a third of the topic's papers.

# %%
weak = table[evidence["weak"].to_numpy()]
print(f"{len(weak)} of {len(table)} labels to check")
columns = ["topic", "label", "source", "size", "label fit", "background", "verdict"]
display(weak[columns].style.hide(axis="index").format(percent, na_rep="–"))

# %% [markdown]
# ## Renaming topics
#
# Labels are yours to change; the topics (which paper is in which) stay as fitted.
#
# 1. `landscape labels init --run runs/NAME` writes `runs/NAME/labels.toml`: every
#    topic with its size, top terms and a commented line holding its automatic
#    label (the package function is `landscape.labels.overrides.write_label_template`).
# 2. Uncomment and edit the lines of the topics to rename, e.g.
#    `3 = "Representation learning"`. Topics you leave commented keep their label.
# 3. Re-run `landscape report --run runs/NAME` (or this notebook). Every report
#    then shows your labels, this table marks them `user`, and their fit is scored
#    against the papers like any other.
#
# Your labels win over LLM labels (`llm_labels.json` in the run folder), which win
# over the automatic ones. A template records which fit it was written for (its
# `[fit]` table): after a refit that changed the topics, the file is refused rather
# than silently putting old names on new themes. Check each label against the new
# evidence, then delete the `[fit]` table.

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

# %% [markdown]
# ## What to do next
#
# - Rename weak or generic labels: `landscape labels init --run runs/NAME`, edit
#   `runs/NAME/labels.toml`, then `landscape report --run runs/NAME`.
# - See every label's evidence: `landscape labels show --run runs/NAME`; more
#   terms and titles per topic here with `n_terms` and `n_titles`.
# - Check how stable the topics are: `landscape run --name NAME --stability 5`,
#   or another seed (`landscape run --name other --seed 7`), then set
#   `run_name = "other"` here.
# - Next page: *4. The map*.
