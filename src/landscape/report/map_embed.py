"""The interactive map page inside a notebook: an iframe whose ``srcdoc`` is the page.

:func:`embed_map` wraps :func:`~landscape.report.standalone.map_page_html` (the
page of ``reports/map.html``: theme colours, names by zoom, topic tree, filters,
selection with CSV export, search) in an object that Jupyter shows as an
``<iframe srcdoc="...">``. The page travels inside the notebook output, so the
map works in JupyterLab and in the rendered HTML report alike, offline, with no
file beside the notebook and no server.

Security: the page is HTML-escaped into the attribute (every ``&``, ``<``, ``>``
and quote), so nothing in it can end the attribute or the iframe; the browser
unescapes it back to the page, whose own escaping (see
:mod:`landscape.report.standalone`) keeps corpus strings out of its markup. The
iframe is sandboxed: scripts run (the map needs them) and downloads are allowed
(the selection's CSV), but without ``allow-same-origin`` the page runs in an
opaque origin and cannot reach the notebook's page, cookies or kernel.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from landscape.report.standalone import map_page_html

#: Height of the embedded map in px: the page fills it (map, panel, search box).
EMBED_HEIGHT = 760
#: What the page may do in the iframe: run its scripts, download the selection.
SANDBOX = "allow-scripts allow-downloads"


def iframe_html(page: str, *, title: str = "Topic map", height: int = EMBED_HEIGHT) -> str:
    """An ``<iframe>`` showing ``page``, the page escaped into its ``srcdoc``.

    Args:
        page: A whole HTML document (for example :func:`map_page_html`'s).
        title: Accessible name of the frame (plain text; escaped).
        height: Frame height in px; the width is the output's full width.

    Returns:
        One ``<iframe>`` element, about 1.1 times the page's length.
    """
    return (
        f'<iframe class="landscape-map-embed" title="{html.escape(title)}" '
        f'sandbox="{SANDBOX}" style="width: 100%; height: {int(height)}px; border: 0; '
        f'display: block" srcdoc="{html.escape(page, quote=True)}"></iframe>'
    )


@dataclass(frozen=True)
class EmbeddedMap:
    """The map page, shown by Jupyter as a sandboxed iframe (``_repr_html_``).

    Attributes:
        page: The self-contained page (:func:`map_page_html`).
        title: The map's title, also the frame's accessible name.
        height: Frame height in px.
    """

    page: str
    title: str = "Topic map"
    height: int = EMBED_HEIGHT

    def _repr_html_(self) -> str:
        return iframe_html(self.page, title=self.title, height=self.height)

    def __repr__(self) -> str:
        return f"EmbeddedMap({self.title!r}, {len(self.page):,} characters)"


def embed_map(
    documents: pd.DataFrame,
    corpus: pd.DataFrame | None,
    topics: pd.DataFrame | None,
    provenance: dict[str, Any],
    *,
    title: str = "Topic map",
    highlight: Sequence[str] | None = None,
    highlight_name: str = "Highlighted papers",
    height: int = EMBED_HEIGHT,
) -> EmbeddedMap:
    """The interactive map of a run, for a notebook cell's output.

    The page is built once, here; ``display(embed_map(...))`` (or the object as
    a cell's last value) shows it. A 700-paper run gives a page of about 2.4 MB,
    most of it plotly.js, so each embedded map adds that to the notebook and
    its HTML report.

    Args:
        documents: Document table of a run (``doc_id``, ``topic``, ``x``, ``y``,
            ``level_0``, ``level_1``, ...).
        corpus: Corpus table (``doc_id``, ``title``, ``abstract``, ``year`` or
            ``date``, ``source_names`` or ``source_files``).
        topics: Topic table, best at every level (``Run.all_topics``).
        provenance: The run's ``provenance.json`` as a dict.
        title: Map title (plain text; escaped).
        highlight: Doc ids highlighted when the map opens (search hits, papers
            added by an update), listed in the panel's selection tab.
        highlight_name: Heading of that list (plain text).
        height: Frame height in px.

    Returns:
        An :class:`EmbeddedMap`.
    """
    page = map_page_html(
        documents, corpus, topics, provenance, title=title, highlight=highlight,
        highlight_name=highlight_name,
    )  # fmt: skip
    return EmbeddedMap(page=page, title=title, height=height)
