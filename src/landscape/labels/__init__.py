"""Labels: the names of a run's topics and what they rest on.

:mod:`~landscape.labels.evidence` measures how well a label fits its topic
against the background and gives each label a verdict; :mod:`~landscape.labels.overrides`
reads and applies a user's ``labels.toml``; :mod:`~landscape.labels.llm` asks an
OpenAI-compatible endpoint for names and records them in ``llm_labels.json``.
"""
