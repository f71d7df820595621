"""Browser tests of the standalone map page (headless Chromium through Playwright).

Needs /usr/bin/chromium (``apt-get install -y chromium``) and the ``playwright``
package (``pip install playwright``; no ``playwright install``: the system
Chromium is used). Skipped without Chromium, except on CI (``CI=true``), where a
missing browser fails the run. The 100,000-point test runs
only with ``LANDSCAPE_SLOW=1``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright import sync_api

from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium
from landscape.report.standalone import write_map_html

require_chromium()

HOSTILE = [
    ("<script>window.__pwned=1</script>", "Plain abstract about hostile markup one."),
    ('<img src=x onerror="window.__pwned=1">', "An abstract <script>window.__pwned=1</script>"),
    ('<a href="javascript:window.__pwned=1">x</a>', "Abstract with <b>bold</b> & ampersand"),
    ("Closing </script> in the title", '<img src=x onerror="window.__pwned=1"> abstract'),
]
PROVENANCE = {
    "created": "2026-01-02T03:04:05+00:00",
    "corpus_sha256": "abc123" * 10 + "abcd",
    "model": "all-MiniLM-L6-v2",
    "seed": 42,
    "config": {"topics": {"method": "consensus-leiden", "resolution": 1.0, "seed": 42}},
    "versions": {"landscape": "0.1.0", "plotly": "7.1.0"},
}


def make_run(n: int = 60, hostile: bool = False, seed: int = 0):
    """documents, corpus, topics for ``n`` papers: 3 topics + outliers on a grid."""
    rng = np.random.default_rng(seed)
    words = ["protein", "galaxy", "market", "neural", "climate", "graph"]
    ids = [f"doc-{i}" for i in range(n)]
    topic = np.array([(i % 4) - 1 for i in range(n)])
    side = int(np.ceil(np.sqrt(n)))
    documents = pd.DataFrame(
        {
            "doc_id": ids,
            "topic": topic,
            "topic_label": [f"label {t}" for t in topic],
            "probability": 1.0,
            "x": (np.arange(n) % side).astype(float),
            "y": (np.arange(n) // side).astype(float),
        }
    )
    titles = [f"Paper {i} on {words[i % 6]} {words[(i * 5) % 6]}" for i in range(n)]
    abstracts = [
        f"Abstract {i}: we study {words[(i + 1) % 6]} with {rng.integers(100)} samples."
        for i in range(n)
    ]
    if hostile:
        for i, (title, abstract) in enumerate(HOSTILE):
            titles[i] = title
            abstracts[i] = abstract
    corpus = pd.DataFrame(
        {
            "doc_id": ids,
            "title": titles,
            "abstract": abstracts,
            "source_files": [[f"data/raw/source_{i % 2}.bib"] for i in range(n)],
        }
    )
    topics = pd.DataFrame(
        {"topic": [0, 1, 2], "label": ["proteins / folding", "galaxies", "markets"]}
    )
    return documents, corpus, topics


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A page opened from file:// with every request, console error and page error kept."""

    def __init__(self, browser, path: Path):
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("request", self._request)
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        start = time.perf_counter()
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function("window.landscapeReady === true", timeout=60_000)
        self.ready_s = time.perf_counter() - start

    def _request(self, request) -> None:
        if not request.url.startswith(("file://", "data:", "blob:")):
            self.external.append(request.url)

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def point_xy(self, doc_id: str) -> tuple[float, float]:
        """Page pixel position of a document's point."""
        return tuple(
            self.js(
                """(id) => {
                const gd = document.querySelector('.js-plotly-plot');
                const fl = gd._fullLayout, box = gd.getBoundingClientRect();
                for (let t = 0; t < gd.data.length; t++) {
                    const j = gd.data[t].customdata.findIndex(r => r[0] === id);
                    if (j >= 0) {
                        return [box.left + fl.xaxis._offset + fl.xaxis.l2p(gd.data[t].x[j]),
                                box.top + fl.yaxis._offset + fl.yaxis.l2p(gd.data[t].y[j])];
                    }
                }
                return null;
            }""",
                doc_id,
            )
        )

    def hover_text(self, doc_id: str) -> str:
        x, y = self.point_xy(doc_id)
        self.page.mouse.move(1, 1)
        self.js("Plotly.Fx.unhover(document.querySelector('.js-plotly-plot'))")
        self.page.wait_for_selector(".hoverlayer .hovertext", state="detached", timeout=5_000)
        self.page.mouse.move(x, y)
        self.page.wait_for_selector(".hoverlayer .hovertext", timeout=5_000)
        return self.js("document.querySelector('.hoverlayer').textContent")

    def search(self, query: str) -> str:
        box = self.page.locator("#landscape-search")
        box.fill(query)
        expected = "papers match" if query.strip() else "papers"
        self.page.wait_for_function(
            "([q, e]) => document.getElementById('landscape-search').value === q && "
            "document.getElementById('landscape-count').textContent.endsWith(e)",
            arg=[query, expected],
        )
        self.page.wait_for_timeout(300)  # past the debounce
        return self.page.locator("#landscape-count").text_content()

    def selected(self) -> list:
        return self.js(
            "Array.from(document.querySelector('.js-plotly-plot').data, "
            "t => t.selectedpoints == null ? null : Array.from(t.selectedpoints))"
        )

    def click(self, doc_id: str) -> dict:
        x, y = self.point_xy(doc_id)
        self.page.mouse.click(x, y)
        self.page.wait_for_function(
            "(id) => document.getElementById('landscape-panel').dataset.docId === id", arg=doc_id
        )
        return {
            key: self.page.locator(f"#panel-{key}").text_content()
            for key in ("title", "topic", "sources", "abstract")
        }

    def check_clean(self) -> None:
        assert self.external == []
        assert self.failed == []
        assert self.errors == []
        assert self.js("typeof window.__pwned") == "undefined"


@pytest.fixture(scope="module")
def plain(browser, tmp_path_factory):
    documents, corpus, topics = make_run()
    path = write_map_html(
        documents, corpus, topics, PROVENANCE, tmp_path_factory.mktemp("map") / "map.html"
    )
    page = Page(browser, path)
    yield page, documents, corpus
    page.context.close()


@pytest.fixture(scope="module")
def hostile(browser, tmp_path_factory):
    documents, corpus, topics = make_run(hostile=True)
    path = write_map_html(
        documents,
        corpus,
        topics,
        PROVENANCE,
        tmp_path_factory.mktemp("map") / "map.html",
        title="<script>window.__pwned=1</script> map",
    )
    page = Page(browser, path)
    yield page, documents, corpus, path
    page.context.close()


def test_offline_and_error_free(plain):
    page, documents, _ = plain
    page.check_clean()
    counts = page.js("Array.from(document.querySelector('.js-plotly-plot').data, t => t.x.length)")
    assert sum(counts) == len(documents)
    assert len(counts) == 4
    ids = page.js(
        "[].concat(...Array.from(document.querySelector('.js-plotly-plot').data, "
        "t => t.customdata.map(r => r[0])))"
    )
    assert sorted(ids) == sorted(documents["doc_id"])
    footer = page.page.locator("#landscape-provenance").text_content()
    for text in (PROVENANCE["corpus_sha256"], "seed 42", "consensus-leiden", "resolution 1.0"):
        assert text in footer
    assert "plotly 7.1.0" in footer and "2026-01-02" in footer


def test_hover_shows_title(plain):
    page, _, corpus = plain
    text = page.hover_text("doc-7")
    assert corpus.loc[7, "title"] in text
    assert "Topic: markets" in text
    page.check_clean()


def test_search_highlights_and_clears(plain):
    page, _, corpus = plain
    text = (corpus["title"] + " " + corpus["abstract"]).str.lower()
    expected = int((text.str.contains("protein") & text.str.contains("galaxy")).sum())
    assert 0 < expected < len(corpus)
    assert page.search("Protein  GALAXY") == f"{expected} of {len(corpus)} papers match"
    selected = page.selected()
    assert all(s is not None for s in selected)
    assert sum(len(s) for s in selected) == expected
    items = page.page.locator("#landscape-results li").all_text_contents()
    assert len(items) == expected
    assert page.search("nothing-matches-this") == f"0 of {len(corpus)} papers match"
    assert sum(len(s) for s in page.selected()) == 0
    assert page.search("") == f"{len(corpus)} papers"
    assert all(s is None for s in page.selected())
    page.check_clean()


def test_click_fills_panel(plain):
    page, _, corpus = plain
    panel = page.click("doc-13")
    assert panel["title"] == corpus.loc[13, "title"]
    assert panel["abstract"] == corpus.loc[13, "abstract"]
    assert panel["topic"] == "Topic: proteins / folding"
    assert panel["sources"] == "Sources: source_1.bib"
    page.check_clean()


def test_hostile_corpus_is_text(hostile):
    page, _, _corpus, path = hostile
    raw = path.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in raw
    assert "<img src=x" not in raw
    page.check_clean()
    assert page.page.title() == "<script>window.__pwned=1</script> map"
    for i, (title, abstract) in enumerate(HOSTILE):
        doc_id = f"doc-{i}"
        assert title in page.hover_text(doc_id)
        # hover markup stays text: no element made from the data
        assert (
            page.js("document.querySelectorAll('.hoverlayer img, .hoverlayer script').length") == 0
        )
        panel = page.click(doc_id)
        assert panel["title"] == title
        assert panel["abstract"] == abstract
    assert (
        page.js("document.querySelectorAll('#landscape-panel *:not(h2,p,h3,ol,li,button)').length")
        == 0
    )
    page.search("window.__pwned")
    items = page.page.locator("#landscape-results li button").all_text_contents()
    assert set(t for t, _ in HOSTILE) <= set(items)
    assert page.js("document.querySelectorAll('img, a[href^=\"javascript\"]').length") == 0
    page.page.locator("#landscape-results li button").nth(1).click()
    assert page.page.locator("#panel-title").text_content() in {t for t, _ in HOSTILE}
    page.page.wait_for_timeout(200)
    page.check_clean()


SLOW = os.environ.get("LANDSCAPE_SLOW") == "1"


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="100,000-point map: set LANDSCAPE_SLOW=1 to run")
def test_100k_points(browser, tmp_path):
    n = 100_000
    rng = np.random.default_rng(1)
    documents = pd.DataFrame(
        {
            "doc_id": [f"W{i:07d}" for i in range(n)],
            "topic": rng.integers(-1, 40, n),
            "x": rng.normal(size=n),
            "y": rng.normal(size=n),
        }
    )
    vocab = np.array(["model", "graph", "protein", "galaxy", "learning", "data", "quantum"])
    words = rng.choice(vocab, size=(n, 130))
    corpus = pd.DataFrame(
        {
            "doc_id": documents["doc_id"],
            "title": [" ".join(w[:10]) for w in words],
            "abstract": [" ".join(w) for w in words],  # ~850 characters, like arXiv
            "source_files": [["arxiv.parquet"]] * n,
        }
    )
    topics = pd.DataFrame({"topic": range(40), "label": [f"topic {i}" for i in range(40)]})
    start = time.perf_counter()
    path = write_map_html(documents, corpus, topics, PROVENANCE, tmp_path / "big.html")
    write_s = time.perf_counter() - start
    size_mb = path.stat().st_size / 1e6
    page = Page(browser, path)
    render_ms = page.js("window.landscapeRenderMs")
    points = page.js(
        "Array.from(document.querySelector('.js-plotly-plot').data, t => t.x.length)"
        ".reduce((a, b) => a + b, 0)"
    )
    start = time.perf_counter()
    count = page.search("protein galaxy quantum")
    search_s = time.perf_counter() - start
    print(
        f"\n100k map: {size_mb:.1f} MB, written in {write_s:.1f} s, first render "
        f"{render_ms / 1000:.1f} s after navigation ({page.ready_s:.1f} s wall), "
        f"search round trip {search_s:.2f} s ({count})"
    )
    assert points == n
    assert size_mb < 40
    page.check_clean()
    page.context.close()


def test_preset_highlight_from_search(browser, tmp_path):
    documents, corpus, topics = make_run()
    picked = ["doc-3", "doc-11", "doc-40", "not-on-the-map"]
    name = "<img src=x onerror=window.__pwned=1> nearest"
    path = write_map_html(
        documents, corpus, topics, PROVENANCE, tmp_path / "search.html",
        highlight=picked, highlight_name=name,
    )  # fmt: skip
    page = Page(browser, path)
    try:
        page.page.wait_for_function(
            "document.getElementById('landscape-count').textContent.includes('highlighted')"
        )
        count = page.page.locator("#landscape-count").text_content()
        assert count == f"3 of {len(corpus)} papers highlighted"
        assert sum(len(s) for s in page.selected()) == 3
        items = page.page.locator("#landscape-results li").all_text_contents()
        titles = corpus.set_index("doc_id").loc[picked[:3], "title"].tolist()
        assert items == titles  # in the order given (nearest first)
        assert page.page.locator("#results-heading").text_content() == name
        page.search("protein")  # a search replaces the highlighted papers...
        assert page.page.locator("#results-heading").text_content() == "Matching papers"
        assert page.search("") == f"{len(corpus)} papers"  # ...and clearing it clears all
        assert all(s is None for s in page.selected())
        page.check_clean()
    finally:
        page.context.close()
