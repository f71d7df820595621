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
# # 4. The map
#
# Interactive figures of run `runs_dir/run_name`: the 2-D document map, topic
# sizes, the topic hierarchy and topic similarity, then a search of the map. Hover
# a point for its title and abstract; click a legend entry to hide a topic,
# double-click to show it alone.
#
# The figures read the run's files, with the topic labels the reports use
# (automatic, LLM or your own `labels.toml`; see notebook 3). The similarity
# heatmap and the search need the document embeddings, which come from the
# embedding cache in `interim_dir` (computed with the run's model when missing).

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
runs_dir = "runs"
run_name = "default"
interim_dir = "data/interim"
# Search: free text, and how many papers to return.
query = "state space models for long sequences"
k = 10

# %%

from IPython.display import display

from landscape import maps
from landscape.config import project_path
from landscape.explore.search import search
from landscape.runs import load_run

# Relative paths are the project's (data/..., runs/...), wherever the kernel started.
run_dir, corpus_path = project_path(runs_dir) / run_name, project_path(corpus_path)
cache_dir = project_path(interim_dir) / "embeddings"
run = load_run(run_dir, corpus_path)
documents, topics, corpus, provenance = run.documents, run.topics, run.corpus, run.provenance
print(f"run {run_dir}: {len(documents)} papers in {int((topics['topic'] >= 0).sum())} topics")

# %% [markdown]
# ## Document map
#
# Each point is a paper, placed so that similar abstracts lie close together
# (UMAP of the kNN graph); colours are topics, grey points are outliers.
#
# Distances on the map are only roughly meaningful: neighbours are similar, but
# the gap between two far-apart clusters says little, and the x and y axes have
# no meaning of their own.

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
fig = maps.topic_hierarchy(run.hierarchy, topics)
fig.show()

# %% [markdown]
# ## Topic similarity
#
# Cosine similarity of the topics' mean embeddings. Bright off-diagonal cells are
# topics that share vocabulary and could be merged.
#
# The embeddings are those the run was fitted with (same model, precision and
# backend), read from the cache by the run itself.

# %%
embeddings = run.embeddings(cache_dir)
similarity, topic_ids = maps.topic_similarity_matrix(embeddings, documents)
fig = maps.topic_similarity(similarity, topics, topic_ids=topic_ids)
fig.show()

# %% [markdown]
# ## Search
#
# The `k` papers nearest in meaning to `query`: the query is embedded with the
# run's model and compared with every paper's title and abstract (cosine
# similarity, the **score**, from -1 to 1; higher is closer). This is a search by
# meaning, not by words: a paper can rank high without using any of the query's
# words, and a paper that uses them all can rank low.
#
# Scores are comparable within one search, not between searches: read them as a
# ranking. A gap in the scores separates the papers about the query from the rest;
# when the scores of all `k` hits are close and low, the corpus holds little on
# the subject. The same search runs on the command line:
# `landscape search "QUERY" -k 10 --run runs/NAME`.
#
# The hits are listed, then ringed on the map (the other papers dimmed). Hits
# spread over several topics mean the query cuts across the topics; hits in one
# cluster mean one topic covers it. Change `query` or `k` in the parameters cell,
# run it, then run this one cell: the table and the map follow.

# %%
hits = search(query, k, run=run_dir, corpus_path=corpus_path, cache_dir=cache_dir)
print(f"{len(hits)} papers nearest to {query!r}")
left = {"text-align": "left"}
display(
    hits.style.hide(axis="index")
    .format({"score": "{:.3f}"})
    .set_properties(subset=["title", "topic_label"], **left)
    .set_table_styles([{"selector": "th", "props": list(left.items())}])
)
maps.document_map(
    documents,
    corpus,
    topics,
    highlight=hits["doc_id"].tolist(),
    highlight_name=f"nearest to: {query}",
    title="Search results on the document map",
).show()

# %% [markdown]
# ## Papers added by an update
#
# A run extended by `landscape update` marks the papers the last update placed
# (`added`) and the papers that fit no existing theme (`novel`, kept over
# successive updates). Novel papers are in topic `-1` (grey on the map): they are
# candidates for a new topic, or for a refit once there are many;
# `runs/NAME/novel.parquet` gives each one's nearest theme and similarity. A run
# fitted in one go has neither column, and this section says so.

# %%
if {"added", "novel"} <= set(documents.columns):
    added = documents[documents["added"]]
    novel = documents[documents["novel"]].merge(corpus[["doc_id", "title"]], on="doc_id")
    print(f"{len(added)} papers added by the last update; {len(novel)} novel papers in the run")
    display(novel[["doc_id", "title"]].style.hide(axis="index"))
    fig = maps.document_map(
        documents,
        corpus,
        topics,
        highlight=added["doc_id"].tolist(),
        highlight_name="added by the last update",
        title="Papers added by the last update",
    )
    fig.show()
else:
    print("This run was fitted in one go: no paper was added by `landscape update`.")
