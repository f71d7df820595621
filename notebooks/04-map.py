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
# # 4. The map
#
# Interactive figures of run `runs_dir/run_name`: the 2-D document map, topic
# sizes, the topic hierarchy and topic similarity. Hover a point for its title
# and abstract; click a legend entry to hide a topic, double-click to show it alone.
#
# The figures read the run's files; the similarity heatmap needs the document
# embeddings, which come from the embedding cache in `interim_dir` (computed with
# `model` when missing).

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
runs_dir = "runs"
run_name = "default"
interim_dir = "data/interim"
model = "all-MiniLM-L6-v2"

# %%
import json
from pathlib import Path

import pandas as pd

from landscape import maps
from landscape.embed import corpus_texts, embed_texts

run_dir = Path(runs_dir) / run_name
corpus = pd.read_parquet(corpus_path)
documents = pd.read_parquet(run_dir / "documents.parquet")
topics = pd.read_parquet(run_dir / "topics.parquet")
hierarchy = pd.read_parquet(run_dir / "hierarchy.parquet")
provenance = json.loads((run_dir / "provenance.json").read_text(encoding="utf-8"))
print(f"run {run_dir}: {len(documents)} papers in {int((topics['topic'] >= 0).sum())} topics")

# %% [markdown]
# ## Document map
#
# Each point is a paper, placed so that similar abstracts lie close together
# (UMAP of the kNN graph); colours are topics, grey points are outliers.

# %%
fig = maps.document_map(documents, corpus, topics)
fig.show()

# %% [markdown]
# ## Topic sizes
#
# Papers per topic, with each topic's top terms in the hover.

# %%
fig = maps.topic_sizes(topics)
fig.show()

# %% [markdown]
# ## Topic hierarchy
#
# Topics merged by similarity: topics joined further left are closer. Cut the tree
# at a distance to see which topics would form broader themes.

# %%
fig = maps.topic_hierarchy(hierarchy, topics)
fig.show()

# %% [markdown]
# ## Topic similarity
#
# Cosine similarity of the topics' mean embeddings. Bright off-diagonal cells are
# topics that share vocabulary and could be merged.

# %%
by_id = corpus.set_index("doc_id").loc[documents["doc_id"]].reset_index()
embeddings, _ = embed_texts(
    corpus_texts(by_id), provenance.get("model", model), cache_dir=Path(interim_dir) / "embeddings"
)
similarity, topic_ids = maps.topic_similarity_matrix(embeddings, documents)
fig = maps.topic_similarity(similarity, topics, topic_ids=topic_ids)
fig.show()
