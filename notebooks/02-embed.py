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
# # 2. Embed the abstracts
#
# **What this page shows.** How each paper's title and abstract became a vector
# (an embedding) that puts papers of similar meaning close together, and how long
# that took. The topics and the map are both built from these vectors.
#
# Each paper is embedded as `title + ". " + abstract` with a sentence-transformers
# model. Vectors are cached under `interim_dir/embeddings`, keyed by the model and
# the text, so a second run reads them instead of computing them.
#
# Change `model` to try another embedding model (a local folder or a model name);
# the default is bundled and works offline. `batch_size` trades memory for speed.
# `precision` and `backend` left at `"auto"` pick the fastest path that agrees
# with the fp32 reference on this hardware (int8 on OpenVINO on a CPU with VNNI,
# fp16 on a GPU); `"fp32"` and `"torch"` give sentence-transformers' own vectors.

# %% tags=["parameters"]
corpus_path = "data/processed/corpus.parquet"
interim_dir = "data/interim"
model = "all-MiniLM-L6-v2"
batch_size = 16
precision = "auto"
backend = "auto"

# %%
import numpy as np
import pandas as pd

from landscape.config import project_path
from landscape.embed import corpus_texts, embed_texts

# Relative paths are the project's (data/...), wherever the kernel started.
corpus_path, interim_dir = project_path(corpus_path), project_path(interim_dir)
corpus = pd.read_parquet(corpus_path)
texts = corpus_texts(corpus)
print(f"{len(texts)} papers from {corpus_path}")

# %%
embeddings, stats = embed_texts(
    texts, model, cache_dir=interim_dir / "embeddings", batch_size=batch_size,
    precision=precision, backend=backend,
)  # fmt: skip

# %% [markdown]
# ## Cache and throughput
#
# `n_cached` vectors came from the cache and `n_computed` from the model;
# `docs_per_second` is the throughput of the computed part (0 when everything was
# cached). Run the notebook twice to see the cache at work.

# %%
pd.Series(
    {
        "texts": stats.n_texts,
        "backend": stats.backend,
        "precision": stats.precision,
        "from cache": stats.n_cached,
        "computed": stats.n_computed,
        "corrupt cache shards set aside": stats.n_corrupt_shards,
        "seconds": round(stats.seconds, 2),
        "docs per second (computed)": round(stats.docs_per_second, 1),
    },
    name="value",
).to_frame()

# %% [markdown]
# ## The vectors
#
# One row per paper, L2-normalised, so a dot product is a cosine similarity.

# %%
norms = np.linalg.norm(embeddings, axis=1)
print(f"shape {embeddings.shape}, dtype {embeddings.dtype}")
print(f"norms between {norms.min():.3f} and {norms.max():.3f}")

# %% [markdown]
# ## What to do next
#
# - Try another embedding model: `landscape fit --model NAME --out runs/NAME`
#   (set `model` here to see its cache and speed), then
#   `landscape report --run runs/NAME`.
# - A large corpus: `landscape embed --scheduler local --workers N` fills the
#   cache on a Dask cluster before the fit; `batch_size`, `precision` and
#   `backend` here trade memory for speed.
# - Next page: *3. Topics and their quality*.
