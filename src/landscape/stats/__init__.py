"""Statistics over a fitted run: periods, distinctive terms, group contrasts, trends.

:mod:`~landscape.stats.periods` bins dates; :mod:`~landscape.stats.terms` finds
the terms that set groups apart (weighted log-odds); :mod:`~landscape.stats.contrast`
tests topic enrichment per group; :mod:`~landscape.stats.trends` finds emerging
and fading themes with the tests of :mod:`~landscape.stats.trend_tests`.
"""
