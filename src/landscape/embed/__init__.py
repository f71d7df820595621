"""Embed: texts in, L2-normalised vectors out, cached by content.

:mod:`~landscape.embed.policy` decides the backend and precision for this
machine and model; :mod:`~landscape.embed.cache` keeps vectors in checksummed
shards keyed by text digest; :mod:`~landscape.embed.model` loads the encoder and
embeds through the cache; :mod:`~landscape.embed.openvino` is the fast CPU
backend; :mod:`~landscape.embed.distributed` embeds on a Dask cluster into the
same cache. The names below are the stage's public interface.
"""

from landscape.embed.cache import EmbeddingCache, text_digest
from landscape.embed.model import (
    EmbedStats,
    corpus_texts,
    embed_texts,
    encode,
    graph_cache,
    l2_normalize,
    load_embeddings,
    load_encoder,
)
from landscape.embed.policy import (
    BACKENDS,
    BUNDLED_ALIASES,
    DEFAULT_MODEL,
    INT8_MEASURED,
    PRECISIONS,
    cpu_has_bf16,
    cpu_has_vnni,
    cpu_info,
    default_device,
    model_identity,
    resolve_backend,
    resolve_embedding,
    resolve_model,
    resolve_precision,
    run_embedding,
)

__all__ = [
    "BACKENDS",
    "BUNDLED_ALIASES",
    "DEFAULT_MODEL",
    "INT8_MEASURED",
    "PRECISIONS",
    "EmbedStats",
    "EmbeddingCache",
    "corpus_texts",
    "cpu_has_bf16",
    "cpu_has_vnni",
    "cpu_info",
    "default_device",
    "embed_texts",
    "encode",
    "graph_cache",
    "l2_normalize",
    "load_embeddings",
    "load_encoder",
    "model_identity",
    "resolve_backend",
    "resolve_embedding",
    "resolve_model",
    "resolve_precision",
    "run_embedding",
    "text_digest",
]
