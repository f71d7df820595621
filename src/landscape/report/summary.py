"""The summary page, ``reports/index.html``: the field at a glance, and its PDF.

Built only from a run's files (:func:`~landscape.report.summary_facts.summary_facts`)
and the figures the report already wrote (``reports/figures``):

1. the static map with theme names, then one block per theme (size and share,
   its topics, top terms, three representative papers, its trend with the test);
2. what is changing (growing and fading themes and topics, bursts) and what sets
   each source apart (enrichment and distinctive words), each with its figure;
3. how the corpus was built (linking the ledger), the method, the limits;
4. links to the interactive map and the notebook pages, provenance at the foot.

The page is one offline file. Figures are SVG files embedded as
``<img src="data:image/svg+xml;base64,...">``: an SVG shown as an image can run
no script and fetch nothing, whatever text the corpus put in it, and Chromium
prints it as vectors with its text kept as text, so the theme names on the map
stay selectable (and searchable) in ``summary.pdf``; inline SVG would also keep
the text but would have to be sanitised, and PNG would lose it. A
Content-Security-Policy with no script source backs this up: the page has no
script. Every corpus string is escaped; links are checked ``http(s)`` URLs only.

:func:`write_summary` writes ``summary.pdf`` (Chromium's print, through
:func:`landscape.report.pdf.print_pdf`; print CSS keeps figures and theme
blocks whole) and then ``index.html``.
"""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from landscape import maps
from landscape.errors import LandscapeError
from landscape.io import write_text
from landscape.report import summary_text as text
from landscape.report.pdf import print_pdf
from landscape.report.provenance import package_version, provenance_footer
from landscape.report.summary_facts import Paper, SummaryFacts, Theme

#: File names in the report folder.
INDEX_NAME, PDF_NAME, MAP_PAGE = "index.html", "summary.pdf", "map.html"
#: Stems of the figures the page embeds from ``figures/`` (``map`` is written by the report).
MAP_STEM = "map"
SHARES_STEM, TRENDS_STEM, ENRICHMENT_STEM = "theme_shares", "theme_trends", "theme_enrichment"
#: Figure width in CSS pixels (the page is about 1000 px wide).
FIGURE_WIDTH = 1100

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'"
e = html.escape


# --------------------------------------------------------------------------- figures


def summary_figures(facts: SummaryFacts) -> dict[str, go.Figure]:
    """The figures of the page beyond the map, by file stem, each with its size set.

    Args:
        facts: From :func:`~landscape.report.summary_facts.summary_facts`.

    Returns:
        ``theme_shares`` (each theme's share per year) and ``theme_trends`` (the
        strongest growing and fading topics, bursts marked) when the corpus has
        dates and something moved; ``theme_enrichment`` (groups x themes) when
        groups were compared. Layout ``width`` and ``height`` are set, for export.
    """
    figures: dict[str, go.Figure] = {}
    found = facts.trends
    if found is not None:
        figures[SHARES_STEM] = maps.topics_over_time(
            facts.theme_documents,
            None,
            date_col=found.counts.date_col,
            top_n=len(facts.themes),
            normalize=True,
            colors=facts.colors,
            min_docs=found.min_period_docs,
            title="Share of each year's papers, by theme",
            width=FIGURE_WIDTH,
            height=520,
        )
        moved = found.topics[found.topics["direction"] != "flat"]
        if len(moved):
            figures[TRENDS_STEM] = maps.theme_trends_figure(
                found.topics,
                found.topic_counts,
                top_n=5,
                colors=facts.colors,
                noun="topics",
                title="Strongest growing and fading topics",
                width=FIGURE_WIDTH,
                height=620,
            )
    if facts.comparison is not None:
        n_groups = facts.comparison.enrichment["group"].nunique()
        heatmap = maps.enrichment_heatmap(
            facts.comparison.enrichment,
            title="Themes over- and under-represented per source",
            width=FIGURE_WIDTH,
            height=max(420, 40 * n_groups + 360),
        )
        # Columns are named "id: name"; a reader needs the name only (already escaped).
        ticks = heatmap.layout.xaxis.ticktext or ()
        heatmap.update_xaxes(ticktext=[re.sub(r"^-?\d+: ", "", str(t)) for t in ticks])
        figures[ENRICHMENT_STEM] = heatmap
    return figures


def _figure(
    figures: Mapping[str, Path], stem: str, number: int, alt: str, caption: str, extra: str = ""
) -> str:
    """A numbered ``<figure>`` embedding ``figures[stem]`` ("" when there is none)."""
    path = figures.get(stem)
    if path is None or not Path(path).is_file():
        return ""
    data = Path(path).read_bytes()
    if b"<svg" not in data[:4096]:
        return ""
    uri = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    label = f"Figure {number}. {alt}"
    return (
        f'<figure class="keep {e(extra)}" aria-label="{e(label)}">'
        f'<img src="{uri}" alt="{e(alt)}" loading="eager">'
        f"<figcaption><b>Figure {number}.</b> {e(caption)}</figcaption></figure>"
    )


class _Numbers:
    """Figure numbers in order of appearance (only figures that exist get one)."""

    def __init__(self) -> None:
        self.next = 1

    def figure(
        self, figures: Mapping[str, Path], stem: str, alt: str, caption: str, **kw: str
    ) -> str:
        block = _figure(figures, stem, self.next, alt, caption, **kw)
        self.next += bool(block)
        return block


# --------------------------------------------------------------------------- blocks


def _paper(paper: Paper) -> str:
    title = e(paper.title) or "(untitled)"
    if paper.url:
        title = f'<a href="{e(paper.url, quote=True)}" rel="noopener noreferrer">{title}</a>'
    year = f' <span class="year">({paper.year})</span>' if paper.year else ""
    return f"<li>{title}{year}</li>"


def _theme(theme: Theme, widest: float) -> str:
    color = theme.color if _COLOR.match(theme.color) else "#888888"
    width = 100 * theme.share / widest if widest > 0 else 0
    trend = text.theme_trend(theme)
    rows = []
    if theme.topics:
        rows.append(("Topics", "; ".join(e(t) for t in theme.topics)))
    if theme.terms:
        rows.append(("Top terms", " · ".join(e(t) for t in theme.terms)))
    details = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    papers = "".join(_paper(p) for p in theme.papers)
    direction = str(theme.trend["direction"]) if theme.trend is not None else ""
    return (
        f'<article class="theme keep" style="--swatch:{color}" '
        f'aria-labelledby="theme-{theme.topic}">'
        f'<h3 id="theme-{theme.topic}">{e(theme.label)}</h3>'
        f'<p class="size">{e(text.theme_size(theme))}</p>'
        f'<div class="bar" aria-hidden="true"><span style="width:{width:.1f}%"></span></div>'
        + (f'<p class="trend {e(direction)}">{e(trend)}</p>' if trend else "")
        + f"<dl>{details}"
        + (f"<dt>Representative papers</dt><dd><ol>{papers}</ol></dd>" if papers else "")
        + "</dl></article>"
    )


def _prose(sentence: str) -> str:
    """A sentence escaped, with its `backquoted` commands set as code."""
    parts = e(sentence).split("`")
    if len(parts) % 2 == 0:  # an unpaired backquote: leave it as it is
        return e(sentence)
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _line(lead: str, sentence: str) -> str:
    return f"<b>{e(lead)}</b> {e(sentence)}" if lead else e(sentence)


def _items(sentences: Sequence[str], cls: str = "findings") -> str:
    if not sentences:
        return ""
    return f'<ul class="{cls}">' + "".join(f"<li>{_prose(s)}</li>" for s in sentences) + "</ul>"


def _page_title(path: Path) -> str:
    number, _, name = path.stem.partition("-")
    if not number.isdigit() or not name:
        return path.stem
    return f"{int(number)}. {name.replace('-', ' ').capitalize()}"


def _href(page: Path, out: Path) -> str:
    href = os.path.relpath(page, out) if page.is_absolute() else page.name
    return e(Path(href).as_posix(), quote=True)


def _provenance(facts: SummaryFacts, rendered: str) -> str:
    """The provenance footer (the data of the notebook pages' footer, for print)."""
    p = facts.provenance
    versions = dict(p.get("versions", {}))
    versions.setdefault("landscape", package_version("landscape"))
    rows = [
        ("summary written", rendered),
        ("run", facts.run_name),
        ("run fitted", p.get("created", "unknown")),
        ("corpus SHA-256", p.get("corpus_sha256", "unknown")),
        ("papers", p.get("n_docs", facts.n_docs)),
        ("model", p.get("model", facts.method.model)),
        ("seed", p.get("seed", "unknown")),
    ]
    return provenance_footer(rows, versions, [("Run configuration", p.get("config", {}))])


# --------------------------------------------------------------------------- page


def _sections(facts: SummaryFacts, figures: Mapping[str, Path], numbers: _Numbers) -> list[str]:
    themes = facts.themes
    widest = max((t.share for t in themes), default=0.0)
    names = text.listing([t.label for t in themes])
    out = [
        numbers.figure(
            figures,
            MAP_STEM,
            f"Map of the papers, coloured by theme, with the theme names: {names}",
            "Each dot is a paper, placed near the papers whose abstracts read most alike; "
            "colours are themes, shades their topics. Large names are themes.",
            extra="map",
        ),
        '<section id="themes"><h2>Themes</h2>'
        f'<p class="note intro">{e(_themes_note(facts))}</p>'
        '<div class="themes">' + "".join(_theme(t, widest) for t in themes) + "</div></section>",
    ]
    change = (
        '<section id="change"><h2>What is changing</h2>'
        f"<p>{_prose(text.change_intro(facts))}</p>" + _items(text.change_sentences(facts))
    )
    if facts.trends is not None:
        change += numbers.figure(
            figures,
            SHARES_STEM,
            "Share of each year's papers, by theme",
            "Each band is a theme's share of the papers of that year (bands sum to 100%).",
        )
        change += numbers.figure(
            figures,
            TRENDS_STEM,
            "Strongest growing and fading topics",
            "Share per year of the topics with the strongest significant trends; larger "
            "diamonds mark burst years.",
        )
    out.append(change + "</section>")
    groups = "".join(
        f"<div><dt>{e(name)}</dt><dd>{'<br>'.join(_line(*line) for line in lines)}</dd></div>"
        for name, lines in text.group_sentences(facts)
    )
    out.append(
        '<section id="groups"><h2>What sets each source apart</h2>'
        f"<p>{_prose(text.groups_intro(facts))}</p>"
        + (f'<dl class="groups">{groups}</dl>' if groups else "")
        + numbers.figure(
            figures,
            ENRICHMENT_STEM,
            "Themes over- and under-represented per source",
            "Colour: log2 of a theme's share in the source over its share in the rest (red "
            "more, blue fewer); ● and ○ mark the differences with q < 0.05.",
        )
        + "</section>"
    )
    return out


def _themes_note(facts: SummaryFacts) -> str:
    note = "Largest first. Each block: the theme's size, "
    note += "its trend, " if facts.trends is not None else ""
    return note + "its topics, its top terms and the papers closest to its centre."


def _about(facts: SummaryFacts, pages: Sequence[Path], out: Path) -> str:
    ledger = ""
    first = next((p for p in pages if Path(p).name.startswith("01-")), None)
    if facts.ledger:
        where = f"the ledger, <code>{e(facts.ledger)}</code>"
        if first is not None:
            where += f', shown in <a href="{_href(Path(first), out)}">{e(_page_title(first))}</a>'
        ledger = f'<p class="note">What became of every record, and why, is in {where}.</p>'
    corpus = "".join(f"<p>{_prose(s)}</p>" for s in text.corpus_sentences(facts))
    method = "".join(f"<p>{_prose(s)}</p>" for s in text.method_sentences(facts))
    return (
        '<div class="columns">'
        f'<section id="corpus"><h2>How the corpus was built</h2>{corpus}{ledger}</section>'
        f'<section id="method"><h2>Method</h2>{method}</section></div>'
        '<section id="limits"><h2>Limits a reader should know</h2>'
        + _items(text.limits(facts), "limits")
        + "</section>"
    )


def _links(pages: Sequence[Path], out: Path, pdf_name: str | None) -> list[tuple[str, str]]:
    links = [(MAP_PAGE, "The interactive map: search, zoom, every paper")]
    links += [(_href(Path(p), out), _page_title(Path(p))) for p in pages]
    if pdf_name:
        links.append((e(pdf_name, quote=True), "This summary as a PDF"))
    return links


def summary_html(
    facts: SummaryFacts,
    out_dir: str | os.PathLike[str],
    pages: Sequence[str | os.PathLike[str]] = (),
    *,
    figures: Mapping[str, str | os.PathLike[str]] | None = None,
    pdf_name: str | None = None,
    rendered: str | None = None,
) -> str:
    """The summary page as one self-contained HTML string.

    Args:
        facts: From :func:`~landscape.report.summary_facts.summary_facts`.
        out_dir: The report folder; links are relative to it.
        pages: Rendered notebook pages to link, in order.
        figures: ``{stem: SVG file}`` of the figures to embed: ``map`` (the
            static map) and those of :func:`summary_figures`; a figure not
            given is left out (so a stale file of an older report never shows).
        pdf_name: Link to the PDF under this name (``None``: no link).
        rendered: Time stamp for the footer (default: now, UTC).

    Returns:
        The page. No external resource, no script; every corpus string escaped.
    """
    out = Path(out_dir)
    svgs = {stem: Path(path) for stem, path in (figures or {}).items()}
    page_paths = [Path(p) for p in pages]
    rendered = rendered or datetime.now(UTC).isoformat(timespec="seconds")
    numbers = _Numbers()
    body = _sections(facts, svgs, numbers)
    links = _links(page_paths, out, pdf_name)
    nav = "".join(f'<a href="{href}">{e(title)}</a>' for href, title in links)
    facts_row = [(f"{n:,}", name) for name, n in facts.levels]
    facts_row.insert(0, (f"{facts.n_docs:,}", "papers"))
    if facts.ingest.get("files_read"):
        facts_row.insert(1, (f"{int(facts.ingest['files_read']):,}", "sources"))
    numbers_row = "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for v, k in facts_row)
    deeper = "".join(f'<li><a href="{href}">{e(title)}</a></li>' for href, title in links)
    css = resources.files("landscape.report").joinpath("summary.css").read_text(encoding="utf-8")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="icon" href="data:,">
<title>The field at a glance: {e(facts.run_name)}</title>
<style>{css}</style>
</head>
<body>
<header class="masthead"><div class="masthead-inner">
<p class="kicker">Research landscape · run {e(facts.run_name)}</p>
<h1>The field at a glance</h1>
<p class="lead">{e(text.lead(facts))}</p>
<dl class="facts">{numbers_row}</dl>
<p class="nav">{nav}</p>
</div></header>
<main>
{"".join(body)}
{_about(facts, page_paths, out)}
<section id="pages" class="screen-only"><h2>Go deeper</h2>
<ul class="pages">{deeper}</ul></section>
</main>
{_provenance(facts, rendered)}
</body>
</html>
"""


def write_summary(
    facts: SummaryFacts,
    out_dir: str | os.PathLike[str],
    pages: Sequence[str | os.PathLike[str]] = (),
    *,
    figures: Mapping[str, str | os.PathLike[str]] | None = None,
    pdf: bool = True,
) -> dict[str, Any]:
    """Write ``summary.pdf`` then ``index.html`` into ``out_dir`` (each atomically).

    The PDF is printed first (from the page without its link to the PDF), so
    ``index.html``, the mark of a complete report, comes last and links the
    PDF only when it was written. A missing browser is a warning, not an error.

    Args:
        facts: From :func:`~landscape.report.summary_facts.summary_facts`.
        out_dir: The report folder.
        pages: Rendered notebook pages to link, in order.
        figures: ``{stem: SVG file}`` to embed (see :func:`summary_html`).
        pdf: Also print ``summary.pdf``.

    Returns:
        ``{"index": path, "pdf": path or None, "warnings": [str]}``.
    """
    out = Path(out_dir)
    rendered = datetime.now(UTC).isoformat(timespec="seconds")
    warnings: list[str] = []
    pdf_path = None
    if pdf:
        printable = summary_html(facts, out, pages, figures=figures, rendered=rendered)
        try:
            pdf_path = print_pdf(printable, out / PDF_NAME)
        except LandscapeError as exc:
            warnings.append(f"{PDF_NAME} skipped: {exc}")
    page = summary_html(
        facts,
        out,
        pages,
        figures=figures,
        pdf_name=PDF_NAME if pdf_path is not None else None,
        rendered=rendered,
    )
    return {"index": write_text(out / INDEX_NAME, page), "pdf": pdf_path, "warnings": warnings}


def figure_sizes(figures: Mapping[str, go.Figure]) -> dict[str, tuple[int, int]]:
    """``{stem: (width, height)}`` of figures whose layout sets both (for export)."""
    sizes = {}
    for stem, fig in figures.items():
        width, height = fig.layout.width, fig.layout.height
        if width and height:
            sizes[stem] = (int(width), int(height))
    return sizes
