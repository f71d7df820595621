"""Explore a fitted run: search it, place new papers on it, update it, map topic ids.

:mod:`~landscape.explore.search` finds the papers nearest in meaning to a query;
:mod:`~landscape.explore.place` places new papers on a run's topics;
:mod:`~landscape.explore.update` writes a new run with papers added;
:mod:`~landscape.explore.topic_mapping` says which old topic became which new one.
All of them read runs through :func:`landscape.runs.load_run`.
"""
