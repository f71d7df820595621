"""Interactive figures of a fitted landscape (plotly).

One function per figure; each takes the artifacts of a run (see
:mod:`landscape.fit.pipeline`) and returns a new :class:`plotly.graph_objects.Figure`:

- :func:`document_map`: the 2-D projection, coloured by theme with theme names placed
  without overlap (a one-level run: one colour and legend entry per topic).
- :func:`static_map`: the 2-D projection for papers and slides, theme names
  placed without overlap.
- :func:`label_candidates`: an anchor, extent and rank for every topic's name;
  :func:`place_labels`: text boxes placed near their anchors without overlap;
  :func:`theme_colors`: a hue per theme, shades of it for the topics below.
- :func:`topic_sizes`: topic sizes with their top terms.
- :func:`topic_hierarchy`: the topic dendrogram, built from the hierarchy table.
- :func:`topic_similarity`: a topic x topic similarity heatmap
  (see :func:`topic_similarity_matrix`).
- :func:`source_comparison`: topic shares per source file or label.
- :func:`topics_over_time`: topic counts or shares per period.
- :func:`theme_trends_figure`, :func:`trend_strength_figure`: growing and fading
  themes with their evidence (see :mod:`landscape.stats.trends`).
- :func:`enrichment_heatmap`, :func:`distinctive_terms_chart`: over- and
  under-represented themes per group, and the terms that set two groups apart
  (see :mod:`landscape.stats.contrast`).

Inputs are never mutated and nothing is kept between calls.

Security: plotly renders a subset of HTML (``<b>``, ``<br>``, ``<a href>``) in
hover text, annotations, legend names and tick labels. Every string that comes
from the data (titles, abstracts, labels, terms, source names) goes through
:func:`escape` before it is put in a figure, so markup in a title shows as text.
Figure titles passed by the caller are trusted markup and are not escaped.
"""

from landscape.maps.compare import source_comparison, topics_over_time
from landscape.maps.contrast import distinctive_terms_chart, enrichment_heatmap
from landscape.maps.document_map import document_map
from landscape.maps.labels import label_candidates, place_labels
from landscape.maps.static_map import static_map
from landscape.maps.style import OTHER_COLOR, OUTLIER_COLOR, escape, palette, theme_colors
from landscape.maps.topic_figures import (
    topic_hierarchy,
    topic_similarity,
    topic_similarity_matrix,
    topic_sizes,
)
from landscape.maps.trends import DIRECTION_COLORS, theme_trends_figure, trend_strength_figure

__all__ = [
    "DIRECTION_COLORS",
    "OTHER_COLOR",
    "OUTLIER_COLOR",
    "distinctive_terms_chart",
    "document_map",
    "enrichment_heatmap",
    "escape",
    "label_candidates",
    "palette",
    "place_labels",
    "source_comparison",
    "static_map",
    "theme_colors",
    "theme_trends_figure",
    "topic_hierarchy",
    "topic_similarity",
    "topic_similarity_matrix",
    "topic_sizes",
    "topics_over_time",
    "trend_strength_figure",
]
