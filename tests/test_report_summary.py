"""The summary page (reports/index.html) and its PDF, checked in headless Chromium.

A synthetic run of three themes over ten years (one growing, one fading, one
steady) from three listing pages (one favouring a theme) is built in memory,
its figures exported with kaleido and its page printed with Chromium. Needs
/usr/bin/chromium; skipped without it, except on CI.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright import sync_api
from pypdf import PdfReader

from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium
from landscape import maps
from landscape.report.pdf import print_pdf
from landscape.report.static import PrintSize, write_static_figures
from landscape.report.summary import (
    MAP_STEM,
    figure_sizes,
    summary_figures,
    summary_html,
    write_summary,
)
from landscape.report.summary_facts import paper_url, summary_facts
from landscape.runs import IngestRecord, Run

require_chromium()

THEMES = ["Protein folding dynamics", "Galaxy cluster surveys", "Monetary policy shocks"]
TOPICS = ["Folding paths", "Chaperones", "Lensing", "Redshift", "Rates", "Inflation"]
HOSTILE = '<img src=x onerror="window.__pwned=1"> theme'
HOSTILE_SOURCE = "<script>window.__pwned=1</script> page"
HOSTILE_TITLES = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<a href="javascript:window.__pwned=1">x</a>',
]
YEARS = range(2012, 2022)
PER_YEAR = 30


def make_run(root: Path, *, hostile: bool = False, dated: bool = True, sources: int = 3):
    """A run of 300 papers: theme 0 grows, theme 2 fades, theme 1 is steady.

    Theme 1 comes mostly from the first listing page. Returns ``(run, ingest)``.
    """
    rng = np.random.default_rng(0)
    rows = []
    for k, year in enumerate(YEARS):
        n_grow = round(PER_YEAR * (0.1 + 0.05 * k))
        n_fade = round(PER_YEAR * (0.6 - 0.05 * k))
        themes = [0] * n_grow + [1] * (PER_YEAR - n_grow - n_fade) + [2] * n_fade
        rows += [(year, t) for t in themes]
    theme = np.array([t for _, t in rows])
    n = len(rows)
    topic = theme * 2 + np.arange(n) % 2
    centre = np.array([[0.0, 0.0], [20.0, 0.0], [10.0, 17.0]])[theme]
    xy = centre + np.c_[(np.arange(n) % 2) * 4.0, np.zeros(n)] + rng.normal(scale=1.0, size=(n, 2))
    ids = [f"doc-{i}" for i in range(n)]
    labels = [HOSTILE if hostile else THEMES[0], *THEMES[1:]]
    pages = ["page A", "page B", HOSTILE_SOURCE if hostile else "page C"][:sources]
    page = [pages[0] if (t == 1 and i % 5) else pages[i % len(pages)] for i, t in enumerate(theme)]
    titles = [f"Paper {i} on {TOPICS[t]}" for i, t in enumerate(topic)]
    if hostile:
        for i, title in enumerate(HOSTILE_TITLES):
            titles[i] = title
    links = {"doi": [None] * n, "arxiv_id": [None] * n, "url": [None] * n}
    links["doi"][0], links["arxiv_id"][1] = "10.1000/xyz.123", "2101.00001"
    links["url"][2] = "javascript:window.__pwned=1"
    links["url"][3] = "https://example.org/paper?id=3&x=<b>"
    corpus = pd.DataFrame(
        {
            "doc_id": ids,
            "title": titles,
            "abstract": [f"We study {TOPICS[t].lower()} in case {i}." for i, t in enumerate(topic)],
            "year": pd.array([y if dated else None for y, _ in rows], dtype="Int64"),
            **links,
            "source_names": [[p] for p in page],
            "source_files": [[f"data/raw/{p}.txt"] for p in page],
        }
    )
    documents = pd.DataFrame(
        {
            "doc_id": ids,
            "topic": topic,
            "topic_label": [TOPICS[t] for t in topic],
            "probability": 1.0,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "level_0": 100 + theme,
            "level_1": topic,
        }
    )
    sizes = np.bincount(theme, minlength=3).tolist() + np.bincount(topic, minlength=6).tolist()
    first = {t: [d for d, x in zip(ids, theme, strict=True) if x == t][:5] for t in range(3)}
    first |= {10 + t: [d for d, x in zip(ids, topic, strict=True) if x == t][:5] for t in range(6)}
    keys = [*range(3), *(10 + t for t in range(6))]
    levels = pd.DataFrame(
        {
            "topic": [100, 101, 102, *range(6)],
            "level": [0, 0, 0, *[1] * 6],
            "parent": [-1, -1, -1, *[100 + t // 2 for t in range(6)]],
            "label": [*labels, *TOPICS],
            "name": [*labels, *TOPICS],
            "size": sizes,
            "terms": [[{"term": w, "weight": 0.5}] for w in [*labels, *TOPICS]],
            "representative_doc_ids": [first[k] for k in keys],
            "representative_titles": [[titles[int(d[4:])] for d in first[k]] for k in keys],
            "name_coverage": 0.4,
            "label_source": "auto",
        }
    )
    run = Run(
        path=root / "runs" / "synthetic",
        documents=documents,
        topics=levels[levels["level"] == 1].reset_index(drop=True),
        hierarchy=levels[["topic", "level", "parent", "label", "size"]],
        metrics={
            "levels": {"topic_level": 1},
            "clustering": {"method": "consensus-leiden", "consensus_rounds": 2},
            "stability": {"seeds": [1, 2, 3], "ari": {"mean": 0.91}},
            "outliers": {"share": 0.0},
        },
        provenance={
            "created": "2026-01-02T03:04:05+00:00",
            "corpus_sha256": "ab" * 32,
            "model": "all-MiniLM-L6-v2",
            "seed": 42,
            "config": {"embed": {"precision": "int8", "backend": "openvino"}, "topics": {}},
            "versions": {"landscape": "0.1.0"},
        },
        corpus=corpus,
        corpus_path=root / "corpus.parquet",
        levels=levels,
    )
    summary = {
        "records_read": n + 20,
        "kept": n,
        "duplicate": 15,
        "dropped": 5,
        "dropped_by_reason": {"no-abstract": 3, "abstract-too-short": 2},
        "files_read": sources,
    }
    ingest = IngestRecord(ledger=pd.DataFrame(), report={"summary": summary}, folder=root)
    return run, ingest


def build(root: Path, **options):
    """Facts, figures (SVG, by kaleido), notebook stand-ins and the summary of a run."""
    run, ingest = make_run(root, **options)
    facts = summary_facts(run, ingest)
    figures = summary_figures(facts)
    figures[MAP_STEM] = maps.static_map(run.documents, run.all_topics, width=1400, height=1000)
    sizes = {stem: PrintSize(w, h) for stem, (w, h) in figure_sizes(figures).items()}
    paths = write_static_figures(figures, root / "figures", formats=("svg",), sizes=sizes)
    pages = []
    for name in ("map.html", "01-load-and-clean.html", "05-compare-and-trends.html"):
        (root / name).write_text("<!DOCTYPE html><html><body>page</body></html>", "utf-8")
        pages += [root / name] if name[0].isdigit() else []
    done = write_summary(facts, root, pages, figures={p.stem: p for p in paths})
    return facts, done


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("summary"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return build(tmp_path_factory.mktemp("hostile"), hostile=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, path: Path):
    """Load a page; returns ``(page, requests made, console errors)``."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests, errors = [], []
    url = path.resolve().as_uri()
    page.on(
        "request",
        lambda r: r.url != url and not r.url.startswith("data:") and requests.append(r.url),
    )
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="load")
    return page, requests, errors


def block_pages(path: Path) -> list[dict]:
    """Pages each top ``Figure`` and ``Art`` element of a tagged PDF is drawn on.

    Chromium's tagged PDF maps ``<figure aria-label>`` to a ``Figure`` element
    (the label as ``Alt``) and ``<article>`` to ``Art``; each piece of content
    below them names its page (``Pg``). A block split by a page break has two.
    """
    reader = PdfReader(str(path))
    number = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    blocks = []

    def kids(node):
        k = node.get("/K")
        return k if isinstance(k, list) else [] if k is None else [k]

    def pages_of(node, found):
        node = node.get_object()
        if hasattr(node, "get"):
            if node.get("/Pg") is not None:
                found.add(number[node.raw_get("/Pg").idnum])
            for kid in kids(node):
                pages_of(kid, found)

    def walk(node):
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        kind = str(node.get("/S", "")).lstrip("/")
        if kind in ("Figure", "Art"):
            found: set[int] = set()
            pages_of(node, found)
            blocks.append({"type": kind, "alt": str(node.get("/Alt", "")), "pages": found})
            return
        for kid in kids(node):
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return blocks


# --------------------------------------------------------------------------- the page


def test_summary_names_every_theme_with_its_facts(built, browser):
    _, done = built
    page, _, _ = open_page(browser, done["index"])
    # Largest first: the fading theme (110 papers), the growing one (98), the steady one (92).
    assert page.locator("article.theme h3").all_inner_texts() == [THEMES[2], THEMES[0], THEMES[1]]
    body = page.inner_text("body")
    for name in [*THEMES, *TOPICS]:
        assert name in body
    assert "300 papers" in body and "3 themes" in body and "6 topics" in body
    # Representative papers link to their DOI and arXiv pages; a javascript: URL gives no link.
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
    assert "https://doi.org/10.1000/xyz.123" in hrefs
    assert "https://arxiv.org/abs/2101.00001" in hrefs
    assert not [h for h in hrefs if h.lower().startswith("javascript")]
    assert {
        "map.html",
        "01-load-and-clean.html",
        "05-compare-and-trends.html",
        "summary.pdf",
    } <= set(hrefs)
    # Figures: the map, theme shares, topic trends, enrichment, each an SVG image.
    assert page.locator("figure img").count() == 4
    assert page.locator("figure").first.get_attribute("aria-label").startswith("Figure 1. Map")
    page.close()


def test_sentences_come_from_the_numbers(built):
    facts, done = built
    html = done["index"].read_text(encoding="utf-8")
    trend = {t.label: t.trend for t in facts.themes}
    assert trend[THEMES[0]]["direction"] == "growing"
    assert trend[THEMES[2]]["direction"] == "fading"
    assert trend[THEMES[1]]["direction"] == "flat"
    grew = re.search(r"Growing: its share grew from (\d+)% of the papers in 2012 to (\d+)%", html)
    assert grew and (grew[1], grew[2]) == ("10", "53")  # 3 of 30, then 16 of 30
    assert "Mann-Kendall tau = +" in html and "Steady: no monotonic trend" in html
    assert "Fading: its share fell from 60%" in html
    # page A holds most of theme 1: the enrichment test says so, with both shares.
    assert re.search(
        r"page A</dt><dd>\d+ papers\.<br><b>More</b> Galaxy cluster surveys \(\d+%", html
    )
    assert "Fisher&#x27;s exact test" in html and "Benjamini-Hochberg" in html
    assert "320 records were read from 3 files" in html
    assert "5 records were dropped (2 abstract too short and 3 no abstract)" in html
    assert "mean adjusted Rand index of 0.91" in html and "20 times" in html
    assert "Names are extractive" in html


def test_no_external_request_and_no_console_error(built, hostile, browser):
    for _, done in (built, hostile):
        page, requests, errors = open_page(browser, done["index"])
        page.wait_for_timeout(200)
        assert requests == [], requests
        assert errors == [], errors
        page.close()


def test_hostile_corpus_stays_inert(hostile, browser):
    _, done = hostile
    page, _, errors = open_page(browser, done["index"])
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 0
    handlers = page.evaluate(
        "[...document.querySelectorAll('*')].flatMap(el => [...el.attributes])"
        ".filter(a => a.name.startsWith('on')).length"
    )
    assert handlers == 0
    body = page.inner_text("body")
    assert HOSTILE in body and HOSTILE_SOURCE in body and HOSTILE_TITLES[0] in body
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    assert all(h.startswith(("https://", "http://", "file://")) for h in hrefs), hrefs
    assert errors == []
    page.close()


def test_without_dates_or_a_second_source(tmp_path):
    run, ingest = make_run(tmp_path, dated=False, sources=1)
    facts = summary_facts(run, ingest)
    assert facts.trends is None and facts.comparison is None
    assert summary_figures(facts) == {}
    html = summary_html(facts, tmp_path)
    assert "Trends need dates, and no paper has a publication date or year" in html
    assert "every paper comes from one source (page A)" in html
    assert "<figure" not in html  # no figure given: none embedded, no stale file
    assert [t.label for t in facts.themes] == [THEMES[2], THEMES[0], THEMES[1]]


def test_paper_links_are_checked():
    assert paper_url({"doi": "https://doi.org/10.1234/ab(c)"}) == "https://doi.org/10.1234/ab(c)"
    assert paper_url({"doi": "10.1/x"}) is None  # no valid DOI prefix
    assert paper_url({"arxiv_id": "arXiv:hep-th/9901001v2"}) == (
        "https://arxiv.org/abs/hep-th/9901001v2"
    )
    assert paper_url({"arxiv_id": '2101.00001"><script>'}) is None
    assert paper_url({"url": "javascript:alert(1)"}) is None
    assert paper_url({"url": "data:text/html,x"}) is None
    assert paper_url({"url": "https://x.org/a b"}) is None
    assert paper_url({"url": "HTTPS://x.org/a"}) == "HTTPS://x.org/a"
    assert paper_url({"doi": None, "arxiv_id": float("nan"), "url": pd.NA}) is None


# --------------------------------------------------------------------------- the PDF


def test_pdf_text_names_every_theme(built):
    _, done = built
    assert done["pdf"] is not None and done["warnings"] == []
    reader = PdfReader(str(done["pdf"]))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for name in THEMES:
        assert name in text
    # The map's theme names are text in the PDF too, not pixels: on the map's page.
    map_page = " ".join(reader.pages[0].extract_text().split())
    assert sum(map_page.count(name) for name in THEMES) >= 2 * len(THEMES) - 1
    assert "file://" not in done["pdf"].read_bytes().decode("latin-1")


def test_pdf_keeps_figures_and_theme_blocks_whole(built):
    _, done = built
    blocks = block_pages(done["pdf"])
    figures = [b for b in blocks if b["type"] == "Figure"]
    themes = [b for b in blocks if b["type"] == "Art"]
    assert [b["alt"].split(".")[0] for b in figures] == [f"Figure {i}" for i in range(1, 5)]
    assert len(themes) == len(THEMES)
    assert len(PdfReader(str(done["pdf"])).pages) > 2
    for block in blocks:
        assert len(block["pages"]) == 1, block


def test_the_split_check_can_fail(tmp_path):
    # A block that starts near the foot of a page (pages 100 mm = 378 px high): its
    # first 350 px fit, its last line does not. Without break-inside: avoid it is cut
    # in two and block_pages says so; with it, it moves whole to the next page.
    page = (
        "<!DOCTYPE html><html><head><style>@page { size: 200mm 100mm; margin: 0 } "
        "body { margin: 0 } p { margin: 0; font: 30px/40px serif } {}</style></head><body>"
        '<div style="height:150px"></div><article><h3 style="margin:0;height:200px">Theme</h3>'
        "<p>Its last line</p></article></body></html>"
    )
    split = print_pdf(page.replace("{}", "article { break-inside: auto }"), tmp_path / "a.pdf")
    whole = print_pdf(page.replace("{}", "article { break-inside: avoid }"), tmp_path / "b.pdf")
    assert [b["pages"] for b in block_pages(split)] == [{0, 1}]
    assert [b["pages"] for b in block_pages(whole)] == [{1}]


def test_missing_browser_is_a_warning(tmp_path, monkeypatch):
    run, ingest = make_run(tmp_path)
    monkeypatch.setenv("LANDSCAPE_CHROMIUM", str(tmp_path / "no-such-chromium"))
    done = write_summary(summary_facts(run, ingest), tmp_path)
    assert done["pdf"] is None and not (tmp_path / "summary.pdf").exists()
    assert "summary.pdf skipped" in done["warnings"][0]
    html = done["index"].read_text(encoding="utf-8")
    assert "Protein folding dynamics" in html and 'href="summary.pdf"' not in html


def test_corpus_sentences_name_title_only_papers_and_unread_files(built):
    import dataclasses

    from landscape.report.summary_text import corpus_sentences

    facts, _ = built
    ingest = {**(facts.ingest or {}), "title_only": 3, "files_failed": 1}
    text = " ".join(corpus_sentences(dataclasses.replace(facts, ingest=ingest)))
    assert "3 papers have no abstract (title only)." in text
    assert "1 file could not be read at all." in text
    text = " ".join(corpus_sentences(dataclasses.replace(facts, ingest={})))
    assert "has no ledger" in text


def test_theme_terms_shown_say_something_new():
    from types import SimpleNamespace

    from landscape.report.summary_facts import _terms, distinct_terms

    terms = ["language model", "language", "large language model", "large language", "large"]
    terms += ["models", "LLMs", "generalization", "reasoning", "benchmarks"]
    row = SimpleNamespace(terms=[{"term": t, "weight": 1.0} for t in terms])
    shown = _terms(row)
    assert shown == ("language model", "large language", "LLMs", "generalization", "reasoning",
                     "benchmarks")  # fmt: skip
    words = [set(t.lower().split()) for t in shown]
    assert not any(a <= b for i, a in enumerate(words) for j, b in enumerate(words) if i != j)
    assert distinct_terms(["sequence", "sequences", "continual", "continual learning"]) == [
        "sequence",
        "continual",
    ]


def test_every_figure_shows_a_theme_in_its_map_colour(built):
    facts, _ = built
    figures = summary_figures(facts)
    assert {"theme_shares", "theme_trends"} <= set(figures)
    name_of = {t.label: t for t in facts.themes}
    shares = [t for t in figures["theme_shares"].data if t.name in name_of]
    assert len(shares) == len(facts.themes)
    for trace in shares:
        assert (
            trace.line.color == name_of[trace.name].color == facts.colors[name_of[trace.name].topic]
        )
    colours = set(facts.colors.values())
    assert all(t.line.color in colours for t in figures["theme_trends"].data)
