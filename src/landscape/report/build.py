"""Build every report of a run: rendered notebooks, the standalone map, static figures, index.

``build_report`` is what ``landscape report`` (and so ``make report``) runs. It
reads the artifacts of a fitted run and the corpus, and writes into ``reports/``:

- ``NN-name.html``: every notebook of ``notebooks/``, executed with papermill on
  this run and rendered to one self-contained HTML file each;
- ``map.html``: the document map alone, with search and a side panel;
- ``figures/NAME.png`` and ``.svg``: every figure, at print size, and
  ``figures/map.png``, ``.svg``, ``.pdf``: the static map for papers and slides
  (:func:`landscape.maps.static_map`; the PNG is the README's picture);
- ``figures/theme_shares``, ``theme_trends``, ``theme_enrichment``: the summary
  page's own figures (:func:`landscape.report.summary.summary_figures`), where
  the run has dates and source groups;
- ``summary.pdf`` and ``index.html``: the summary page, the field at a glance
  (:mod:`landscape.report.summary`), printed to PDF by Chromium and written last.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from landscape import maps
from landscape.errors import LandscapeError
from landscape.runs import IngestRecord, Run, load_run, read_ingest

log = logging.getLogger(__name__)

#: The static map: drawn for 1400 x 1000 px (its names are placed in pixels),
#: exported as a 1400 px wide PNG and as SVG and PDF for print.
MAP_STEM, MAP_FORMATS = "map", ("png", "svg", "pdf")
MAP_WIDTH, MAP_HEIGHT = 1400, 1000


def run_figures(art: Run, cache_dir: str | os.PathLike[str] | None) -> dict[str, go.Figure]:
    """Every figure of a run, by file stem.

    The similarity figure needs the document embeddings: they come from the
    cache (the run just embedded the corpus), and it is left out if the model
    used by the run cannot be loaded.
    """
    docs, corpus, topics = art.documents, art.corpus, art.topics
    figures = {
        # Coloured by theme with the theme names on it; at print size a one-level
        # run's legend would squeeze the map, and its labels suffice.
        "document_map": maps.document_map(
            docs, corpus, topics, all_topics=art.all_topics
        ).update_layout(showlegend=False),
        "topic_sizes": maps.topic_sizes(topics),
        "topic_hierarchy": maps.topic_hierarchy(art.hierarchy, art.all_topics),
        "source_comparison": maps.source_comparison(docs, corpus),
        MAP_STEM: maps.static_map(docs, art.all_topics, width=MAP_WIDTH, height=MAP_HEIGHT),
    }
    date_col = next((c for c in ("date", "year") if c in corpus and corpus[c].notna().any()), None)
    if date_col is not None:
        figures["topics_over_time"] = maps.topics_over_time(docs, corpus, date_col=date_col)
    try:
        vectors = art.embeddings(cache_dir)
        sim, ids = maps.topic_similarity_matrix(vectors, docs)
        figures["topic_similarity"] = maps.topic_similarity(sim, topics, topic_ids=ids)
    except LandscapeError as exc:
        log.warning("topic similarity figure skipped: %s", exc)
    return figures


def build_report(
    run_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    processed_dir: str | os.PathLike[str] = "data/processed",
    interim_dir: str | os.PathLike[str] = "data/interim",
    raw_dir: str | os.PathLike[str] = "data/raw",
    notebook_dir: str | os.PathLike[str] | None = "notebooks",
    static: bool = True,
    labels_file: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Write every report of a run into ``out_dir``.

    Args:
        run_dir: The fitted run (``runs/NAME``).
        out_dir: Report folder (``reports``).
        processed_dir: Folder of ``corpus.parquet`` and ``ingest_report.json``.
        interim_dir: Folder of the embedding cache.
        raw_dir: Source folder (a parameter of the notebooks that declare it).
        notebook_dir: Notebooks to execute and render; ``None`` skips them.
        static: Also write PNG and SVG figures (and the map as PDF) to ``out_dir/figures``.
        labels_file: User labels (TOML); default ``run_dir/labels.toml`` when present.

    Returns:
        ``{"map", "pages", "figures", "pdf", "index", "warnings"}``: the paths
        written (``pdf`` is ``None`` when it could not be printed) and any step
        that was skipped, with its reason.
    """
    from landscape.report.notebooks import notebook_parameters, render_notebooks
    from landscape.report.standalone import write_map_html
    from landscape.report.static import PrintSize, write_static_figures
    from landscape.report.summary import figure_sizes, summary_figures, write_summary
    from landscape.report.summary_facts import summary_facts

    run = Path(run_dir)
    out = Path(out_dir)
    art = load_run(run, Path(processed_dir) / "corpus.parquet", labels_file)
    # index.html marks a complete report folder: removed first, written last, so a
    # report stopped half-way never shows an index over pages of two generations.
    # The PDF of an older summary goes too: it must never sit beside a newer report.
    (out / "index.html").unlink(missing_ok=True)
    (out / "summary.pdf").unlink(missing_ok=True)
    warnings: list[str] = []
    done: dict[str, Any] = {"warnings": warnings, "figures": [], "pages": []}
    done["map"] = write_map_html(art.documents, art.corpus, art.all_topics, art.provenance,
                                 out / "map.html")  # fmt: skip
    if notebook_dir is not None:
        # The run's embedding settings, so notebook 02 reads the run's cache.
        model, precision, backend = art.embedding
        params = notebook_parameters(
            raw_dir=raw_dir, processed_dir=processed_dir, interim_dir=interim_dir,
            runs_dir=run.parent, run_name=run.name, seed=art.provenance.get("seed", 42),
            model=model, precision=precision, backend=backend,
        )  # fmt: skip
        done["pages"] = render_notebooks(notebook_dir, out, params)
    facts = summary_facts(art, _ingest(art, warnings))
    if static:
        figures = run_figures(art, Path(interim_dir) / "embeddings")
        extra = summary_figures(facts)
        sizes = {stem: PrintSize(w, h) for stem, (w, h) in figure_sizes(extra).items()}
        try:
            done["figures"] = write_static_figures(
                figures | extra,
                out / "figures",
                formats_of={MAP_STEM: MAP_FORMATS},
                sizes={**sizes, MAP_STEM: PrintSize(MAP_WIDTH, MAP_HEIGHT, scale=1)},
            )
        except LandscapeError as exc:
            warnings.append(f"static figures skipped: {exc}")
    # Only this build's figures: a stale SVG of an older report is never embedded.
    svgs = {path.stem: path for path in done["figures"] if path.suffix == ".svg"}
    summary = write_summary(facts, out, done["pages"], figures=svgs)
    warnings += summary["warnings"]
    done["pdf"], done["index"] = summary["pdf"], summary["index"]
    return done


def _ingest(art: Run, warnings: list[str]) -> IngestRecord | None:
    """The run's ledger and ingest report, or ``None`` (with a warning) when unusable."""
    try:
        return read_ingest(art, missing_ok=True)
    except LandscapeError as exc:
        warnings.append(f"ledger left out of the summary: {exc}")
        return None
