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
# **What this page shows.** The papers of run `runs_dir/run_name` as one
# interactive map, coloured by theme and named at the level that fits the zoom,
# then the topics' sizes, tree and similarities, and a search by meaning placed
# on the same map. Read it to see which themes the field has, how large they
# are, which lie close together, and where the papers on a question of yours sit.
#
# The map is the page of `reports/map.html`, shown inside the notebook: it works
# offline, here and in the HTML report. Topic labels are those the reports use
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
from landscape.report.map_embed import embed_map
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
# (UMAP of the kNN graph). Each **theme** (the top level of the topic tree) has a
# hue of its own, and each topic within it a lighter or darker shade of that hue;
# light grey points are outliers, papers in no topic.
#
# - **Names** on the map follow the zoom: theme names first, topic names as you
#   zoom in, subtopic names deeper. Names never overlap; a name that does not
#   fit waits for more room. Scroll to zoom, drag to pan, double-click to go
#   back.
# - **Topics** (the panel's first tab) is the tree of themes, topics and
#   subtopics with their sizes: click one to pick out its papers, hover to
#   outline it.
# - **Filters** narrow the map to a range of years (drag on the histogram) and to
#   some of the sources.
# - **Paper**: point at a paper to read its title, topic, year, sources and
#   abstract; click to keep it there.
# - **Selection**: draw a box or lasso (toolbar above the map), search the titles
#   and abstracts with the box at the top, or click a topic; the papers are
#   listed and **Download CSV** saves them.
#
# Distances on the map are only roughly meaningful: neighbours are similar, but
# the gap between two far-apart clusters says little, and the x and y axes have
# no meaning of their own. The same page is `reports/map.html`, to open in a
# browser or send to a colleague.

# %%
embed_map(documents, corpus, run.all_topics, provenance, title=f"Topic map: {run_name}")

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
# words, and a paper that uses them all can rank low. (The search box on the map
# is the other kind: it finds the papers that contain all your words.)
#
# Scores are comparable within one search, not between searches: read them as a
# ranking. A gap in the scores separates the papers about the query from the rest;
# when the scores of all `k` hits are close and low, the corpus holds little on
# the subject. The same search runs on the command line:
# `landscape search "QUERY" -k 10 --run runs/NAME`.
#
# The hits are listed, then highlighted on the map (the other papers dimmed) and
# listed in its **Selection** tab, in rank order. Hits spread over several themes
# mean the query cuts across the themes; hits in one cluster mean one topic
# covers it. Change `query` or `k` in the parameters cell, run it, then run this
# one cell: the table and the map follow.

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
display(
    embed_map(
        documents,
        corpus,
        run.all_topics,
        provenance,
        title="Search results on the map",
        highlight=hits["doc_id"].tolist(),
        highlight_name=f"Nearest to: {query}",
    )
)

# %% [markdown]
# ## Papers added by an update
#
# A run extended by `landscape update` marks the papers the last update placed
# (`added`) and the papers that fit no existing theme (`novel`, kept over
# successive updates). Novel papers are in topic `-1` (light grey on the map):
# they are candidates for a new topic, or for a refit once there are many;
# `runs/NAME/novel.parquet` gives each one's nearest theme and similarity. The
# added papers are highlighted on the map and listed in its **Selection** tab. A
# run fitted in one go has neither column, and this section says so.

# %%
if {"added", "novel"} <= set(documents.columns):
    added = documents[documents["added"]]
    novel = documents[documents["novel"]].merge(corpus[["doc_id", "title"]], on="doc_id")
    print(f"{len(added)} papers added by the last update; {len(novel)} novel papers in the run")
    display(novel[["doc_id", "title"]].style.hide(axis="index"))
    display(
        embed_map(
            documents,
            corpus,
            run.all_topics,
            provenance,
            title="Papers added by the last update",
            highlight=added["doc_id"].tolist(),
            highlight_name="Added by the last update",
        )
    )
else:
    print("This run was fitted in one go: no paper was added by `landscape update`.")

# %% [markdown]
# ## What to do next
#
# - Ask the map your own question: set `query` (and `k`) in the parameters cell
#   and rerun the search cell, or run `landscape search "QUERY" -k 20 --run
#   runs/NAME --highlight reports/search.html` for a page of the hits to share.
# - Names that read wrong: `landscape labels show --run runs/NAME` gives each
#   name's evidence, `landscape labels init --run runs/NAME` writes a
#   `labels.toml` to rename topics by hand; rebuild with `landscape report`.
# - New papers since the fit: `landscape update NEW_FILES --run runs/NAME`
#   places them on the map; set `run_name` to the new run (`NAME-update`) to see
#   them highlighted above.
# - Compare sources and follow themes over time in notebook 5.
