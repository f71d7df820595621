"""Fit: embeddings in, topics and a 2-D map out.

:mod:`~landscape.fit.knn` builds the cosine kNN graph that clustering and the
map share; :mod:`~landscape.fit.layout` turns it into a fuzzy graph and a 2-D
layout; :mod:`~landscape.fit.cluster` partitions it (consensus Leiden, or UMAP +
HDBSCAN); :mod:`~landscape.fit.topics` describes each topic (BERTopic terms,
with :mod:`~landscape.fit.counting` and :mod:`~landscape.fit.vocabulary`);
:mod:`~landscape.fit.quality` scores the result. :mod:`~landscape.fit.pipeline`
runs it all and returns a :class:`~landscape.fit.pipeline.FitResult`, which
:func:`landscape.runs.write_run` writes to a run folder.
"""
