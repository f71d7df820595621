"""Browser tests of the standalone map page (headless Chromium through Playwright).

Needs /usr/bin/chromium (``apt-get install -y chromium``) and the ``playwright``
package (``pip install playwright``; no ``playwright install``: the system
Chromium is used). Skipped without Chromium, except on CI (``CI=true``), where a
missing browser fails the run. The 100,000-point test runs
only with ``LANDSCAPE_SLOW=1``.
"""

from __future__ import annotations

import csv
import io
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
HOSTILE_LABEL = '<img src=x onerror="window.__pwned=1"> theme'
HOSTILE_SOURCE = "<script>window.__pwned=1</script> page"
PROVENANCE = {
    "created": "2026-01-02T03:04:05+00:00",
    "corpus_sha256": "abc123" * 10 + "abcd",
    "model": "all-MiniLM-L6-v2",
    "seed": 42,
    "config": {"topics": {"method": "consensus-leiden", "resolution": 1.0, "seed": 42}},
    "versions": {"landscape": "0.1.0", "plotly": "7.1.0"},
}
THEMES = ["Proteins and folding", "Galaxies", "Markets"]
TOPICS = ["Protein structure", "Enzymes", "Galaxy clusters", "Dark matter", "Stocks", "Banks"]
SUBTOPICS = [
    "Cryo-EM", "Folding paths", "Kinases", "Binding sites", "Lensing", "Redshift surveys",
    "Halo profiles", "Rotation curves", "Volatility", "Momentum", "Interest rates", "Inflation",
]  # fmt: skip
#: The documents' ``topic`` ids (level 1); themes and subtopics have ids of their own.
THEME_ID, SUB_ID = 100, 200


def make_run(n: int = 240, hostile: bool = False, seed: int = 0):
    """documents, corpus, topics (every level) of ``n`` papers.

    Three themes of two topics of two subtopics, each subtopic a cluster of
    points, every tenth paper an outlier; years 2010-2021, five listing pages.
    """
    rng = np.random.default_rng(seed)
    words = ["protein", "galaxy", "market", "neural", "climate", "graph"]
    ids = [f"doc-{i}" for i in range(n)]
    sub = np.arange(n) % 12
    outlier = np.arange(n) % 10 == 9
    topic = np.where(outlier, -1, sub // 2)
    theme_xy = np.array([[0.0, 0.0], [30.0, 0.0], [15.0, 26.0]])
    angle = (sub // 2 % 2) * np.pi + (sub // 4) * 0.7
    centre = theme_xy[sub // 4] + 7 * np.c_[np.cos(angle), np.sin(angle)]
    centre += (
        2.5
        * np.c_[np.cos(angle + np.pi / 2), np.sin(angle + np.pi / 2)]
        * (sub % 2 * 2 - 1)[:, None]
    )
    xy = centre + rng.normal(scale=0.8, size=(n, 2))
    xy[outlier] = rng.uniform(-5, 40, size=(outlier.sum(), 2))
    documents = pd.DataFrame(
        {
            "doc_id": ids,
            "topic": topic,
            "topic_label": [TOPICS[t] if t >= 0 else "Outliers" for t in topic],
            "probability": 1.0,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "level_0": np.where(outlier, -1, THEME_ID + sub // 4),
            "level_1": topic,
            "level_2": np.where(outlier, -1, SUB_ID + sub),
        }
    )
    titles = [f"Paper {i} on {words[i % 6]} {words[(i * 5) % 6]}" for i in range(n)]
    abstracts = [
        f"Abstract {i}: we study {words[(i + 1) % 6]} with {rng.integers(100)} samples."
        for i in range(n)
    ]
    pages = [f"page 00{p}" for p in range(5)]
    if hostile:
        for i, (title, abstract) in enumerate(HOSTILE):
            titles[i] = title
            abstracts[i] = abstract
        pages[4] = HOSTILE_SOURCE
    corpus = pd.DataFrame(
        {
            "doc_id": ids,
            "title": titles,
            "abstract": abstracts,
            "year": [2010 + i % 12 for i in range(n)],
            "source_files": [[f"data/raw/00{i % 5}_listing.txt"] for i in range(n)],
            "source_names": [[pages[i % 5]] for i in range(n)],
        }
    )
    themes = [HOSTILE_LABEL, *THEMES[1:]] if hostile else THEMES
    labels = [*themes, *TOPICS, *SUBTOPICS]
    labels[3 + 3] = "dark · matter · halo"  # a term list: the map shows the name instead
    topics = pd.DataFrame(
        {
            "topic": [THEME_ID, THEME_ID + 1, THEME_ID + 2, *range(6), *range(SUB_ID, SUB_ID + 12)],
            "level": [0] * 3 + [1] * 6 + [2] * 12,
            "parent": [-1] * 3 + [THEME_ID + t // 2 for t in range(6)] + [*np.arange(12) // 2],
            "label": labels,
            "name": [*themes, *TOPICS, *SUBTOPICS],
        }
    )  # fmt: skip
    return documents, corpus, topics


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


#: Pairs of visible names ([data-label]) whose boxes overlap, and the names themselves.
OVERLAPS = """() => {
  const els = Array.from(document.querySelectorAll('[data-label]')).filter(e => !e.hidden);
  const boxes = els.map(e => e.getBoundingClientRect());
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        pairs.push([els[i].dataset.label, els[j].dataset.label]);
      }
    }
  }
  return {pairs, labels: els.map(e => [Number(e.dataset.level), e.dataset.label,
                                       boxes[els.indexOf(e)].width > 0])};
}"""


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
                """async (id) => {
                const a = window.landscape.app, k = await a.findDoc(id);
                const fl = a.gd._fullLayout, box = a.gd.getBoundingClientRect();
                return [box.left + fl.xaxis._offset + fl.xaxis.l2p(a.x[k]),
                        box.top + fl.yaxis._offset + fl.yaxis.l2p(a.y[k])];
            }""",
                doc_id,
            )
        )

    def hover_text(self, doc_id: str) -> str:
        x, y = self.point_xy(doc_id)
        self.page.mouse.move(1, 1)
        self.js("Plotly.Fx.unhover(document.querySelector('.js-plotly-plot'))")
        self.page.wait_for_selector("#landscape-hover", state="hidden", timeout=5_000)
        self.page.mouse.move(x, y)
        self.page.wait_for_selector("#landscape-hover", state="visible", timeout=5_000)
        return self.page.locator("#landscape-hover").text_content()

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
        self.listed()
        return self.count()

    def listed(self) -> None:
        """Wait until the selection tab lists its papers (their titles are inflated first)."""
        self.page.wait_for_function(
            "!document.getElementById('landscape-results').hasAttribute('aria-busy')"
        )

    def count(self) -> str:
        return self.page.locator("#landscape-count").text_content()

    def selected(self):
        """The papers the map highlights (None: nothing dimmed): the highlight traces' points."""
        return self.js(
            """async () => { const a = window.landscape.app, ks = [];
            const base = a.gd.data.slice(0, a.nTraces);
            if (base.every(t => t.marker.opacity > 0.5)) { return null; }
            a.gd.data.forEach((t, c) => {
              for (let p = 0; c >= a.nTraces && p < t.x.length; p++) {
                ks.push(a.paperOf({curveNumber: c, pointIndex: p}));
              }
            });
            return a.docIds(ks); }"""
        )

    def shown(self) -> int:
        """Points drawn on the map (the traces of every colour, not the highlight's)."""
        return self.js(
            "window.landscape.app.gd.data.slice(0, window.landscape.app.nTraces)"
            ".reduce((s, t) => s + t.x.length, 0)"
        )

    def click(self, doc_id: str) -> dict:
        x, y = self.point_xy(doc_id)
        self.page.mouse.click(x, y)
        self.page.wait_for_function(
            "(id) => document.getElementById('landscape-panel').dataset.docId === id", arg=doc_id
        )
        return {
            key: self.page.locator(f"#panel-{key}").text_content()
            for key in ("title", "topic", "sources", "abstract", "year")
        }

    def zoom(self, factor: float, centre=None) -> list:
        """View ``factor`` times closer than the initial one around ``centre`` (map units)."""
        self.js(
            """async ([z, c]) => {
            const a = window.landscape.app, h = a.home;
            c = c || [(h.x[0] + h.x[1]) / 2, (h.y[0] + h.y[1]) / 2];
            const wx = (h.x[1] - h.x[0]) / z / 2, wy = (h.y[1] - h.y[0]) / z / 2;
            await Plotly.relayout(a.gd, {"xaxis.range": [c[0] - wx, c[0] + wx],
                                         "yaxis.range": [c[1] - wy, c[1] + wy]});
            await new Promise(r => requestAnimationFrame(() => r()));
        }""",
            [factor, centre],
        )
        return self.js(OVERLAPS)

    def densest(self) -> list[float]:
        """Centre (map units) of the 16 x 16 cell of the initial view with the most papers."""
        return self.js(
            """() => {
            const a = window.landscape.app, h = a.home, G = 16, cells = new Int32Array(G * G);
            for (let k = 0; k < a.n; k++) {
                const i = Math.floor((a.x[k] - h.x[0]) / (h.x[1] - h.x[0]) * G);
                const j = Math.floor((a.y[k] - h.y[0]) / (h.y[1] - h.y[0]) * G);
                if (i >= 0 && i < G && j >= 0 && j < G) { cells[i * G + j]++; }
            }
            let best = 0;
            for (let c = 1; c < G * G; c++) { if (cells[c] > cells[best]) { best = c; } }
            const i = Math.floor(best / G), j = best % G;
            return [h.x[0] + (i + 0.5) / G * (h.x[1] - h.x[0]),
                    h.y[0] + (j + 0.5) / G * (h.y[1] - h.y[0])];
        }"""
        )

    def tab(self, name: str) -> None:
        self.page.locator(f"#landscape-tabs [data-tab={name}]").click()

    def tree_item(self, label: str):
        return self.page.locator("#landscape-tree .topic-name").filter(has_text=label).first

    def box_select(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Drag a selection box between two page positions with the modebar's box tool."""
        button = self.page.locator('.modebar-btn[data-val="select"]').first
        button.click()
        # The tool says it is on: pressed, and drawn apart from the other buttons.
        assert button.get_attribute("aria-pressed") == "true"
        assert "landscape-on" in (button.get_attribute("class") or "")
        lasso = self.page.locator('.modebar-btn[data-val="lasso"]').first
        assert lasso.get_attribute("aria-pressed") == "false"
        self.page.mouse.move(x0, y0)
        self.page.mouse.down()
        self.page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
        self.page.mouse.move(x1, y1, steps=4)
        self.page.mouse.up()
        self.page.wait_for_function("(window.landscape.app.highlight || {}).kind === 'selection'")
        self.listed()

    def download_csv(self) -> list[dict]:
        with self.page.expect_download() as info:
            self.page.locator("#selection-csv").click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    def check_clean(self) -> None:
        assert self.external == []
        assert self.failed == []
        assert self.errors == []
        assert self.js("typeof window.__pwned") == "undefined"


def open_run(browser, path: Path, **kwargs) -> tuple[Page, pd.DataFrame, pd.DataFrame]:
    documents, corpus, topics = make_run(hostile=kwargs.pop("hostile", False))
    write_map_html(documents, corpus, topics, PROVENANCE, path, **kwargs)
    return Page(browser, path), documents, corpus


@pytest.fixture(scope="module")
def plain(browser, tmp_path_factory):
    page, documents, corpus = open_run(browser, tmp_path_factory.mktemp("map") / "map.html")
    yield page, documents, corpus
    page.context.close()


@pytest.fixture
def fresh(browser, tmp_path):
    """A page of its own, for tests that change filters or the view."""
    page, documents, corpus = open_run(browser, tmp_path / "map.html")
    yield page, documents, corpus
    page.context.close()


@pytest.fixture(scope="module")
def hostile(browser, tmp_path_factory):
    path = tmp_path_factory.mktemp("map") / "map.html"
    page, documents, corpus = open_run(
        browser, path, hostile=True, title="<script>window.__pwned=1</script> map"
    )
    yield page, documents, corpus, path
    page.context.close()


# --------------------------------------------------------------------------- basics


def test_offline_and_error_free(plain):
    page, documents, _ = plain
    page.check_clean()
    assert page.shown() == len(documents)
    ids = page.js(
        "(() => { const a = window.landscape.app; "
        "return a.docIds(Array.from({length: a.n}, (_, k) => k)); })()"
    )
    assert sorted(ids) == sorted(documents["doc_id"])
    # numbers travel as typed arrays, not JSON number lists
    assert page.js("window.landscape.app.x instanceof Float32Array")
    assert page.js("window.landscape.app.gd.data[0].x instanceof Float32Array")
    footer = page.page.locator("#landscape-provenance").text_content()
    for text in (PROVENANCE["corpus_sha256"], "seed 42", "consensus-leiden", "resolution 1.0"):
        assert text in footer
    assert "plotly 7.1.0" in footer and "2026-01-02" in footer


def test_map_fills_the_window(plain):
    page, _, _ = plain
    box = page.js("(() => { const r = document.getElementById('landscape-map')"
                  ".getBoundingClientRect(); return [r.width, r.height]; })()")  # fmt: skip
    assert box[0] >= 1400 - 400 and box[1] >= 900 - 60


#: The map box's size and the plot's: [box width, box height, plot width, plot height].
MAP_SIZE = """() => {
  const g = document.getElementById('landscape-map'), r = g.getBoundingClientRect();
  return [r.width, r.height, g._fullLayout.width, g._fullLayout.height];
}"""
#: Whether the plot fills its box, and the box is wider than ``min_width``.
FILLS = f"""(minWidth) => {{
  const s = ({MAP_SIZE})();
  return s[0] > minWidth && Math.abs(s[0] - s[2]) < 2 && Math.abs(s[1] - s[3]) < 2;
}}"""


def test_map_follows_its_box_when_it_grows_after_drawing(fresh):
    # An embedded page (notebook 04's iframe) can be laid out after the map is drawn:
    # the plot must grow with its box and place its names again for the new size.
    page, _, _ = fresh
    page.page.add_style_tag(
        content="#landscape-map { right: 45% !important; bottom: 40% !important; }"
    )
    page.page.wait_for_function(FILLS, arg=0, timeout=10_000)
    small = page.page.evaluate(MAP_SIZE)
    page.page.add_style_tag(content="#landscape-map { right: 0 !important; bottom: 0 !important; }")
    page.page.wait_for_function(FILLS, arg=small[0] + 100, timeout=10_000)
    page.page.wait_for_timeout(300)
    found = page.js(OVERLAPS)
    assert found["pairs"] == [] and {label for _, label, _ in found["labels"]} == set(THEMES)
    page.check_clean()


def test_colours_are_theme_shades(plain):
    page, _, _ = plain
    colours = page.js(
        """() => { const a = window.landscape.app, out = {};
        for (let k = 0; k < a.n; k++) {
          const t = a.topicOf(k, 0);
          const key = t ? t.label : 'outlier';
          (out[key] = out[key] || new Set()).add(a.data.colors[a.color[k]]);
        }
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v)])); }"""
    )
    assert set(colours) == {*THEMES, "outlier"}
    assert len(colours["outlier"]) == 1  # one light grey
    grey = colours["outlier"][0]
    assert all(int(grey[i : i + 2], 16) > 0xC0 for i in (1, 3, 5))
    for theme in THEMES:
        assert len(colours[theme]) == 2  # its two topics, two shades
        assert grey not in colours[theme]
    # no two themes share a shade
    assert len({c for theme in THEMES for c in colours[theme]}) == 6


def test_hover_shows_title(plain):
    page, documents, corpus = plain
    text = page.hover_text("doc-7")
    assert corpus.loc[7, "title"] in text
    assert f"Topic: {TOPICS[documents.loc[7, 'topic']]}" in text
    page.check_clean()


def test_search_highlights_and_clears(plain):
    page, _, corpus = plain
    text = (corpus["title"] + " " + corpus["abstract"]).str.lower()
    expected = int((text.str.contains("protein") & text.str.contains("galaxy")).sum())
    assert 0 < expected < len(corpus)
    assert page.search("Protein  GALAXY") == f"{expected} of {len(corpus)} papers match"
    matches = corpus.loc[text.str.contains("protein") & text.str.contains("galaxy"), "doc_id"]
    assert sorted(page.selected()) == sorted(matches)
    items = page.page.locator("#landscape-results li .paper-link").all_text_contents()
    assert len(items) == expected
    # a highlighted paper is drawn again over the dimmed map: hover and click still read it
    first = matches.iloc[0]
    assert corpus.set_index("doc_id").loc[first, "title"] in page.hover_text(first)
    assert page.click(first)["title"] == corpus.set_index("doc_id").loc[first, "title"]
    assert page.search("nothing-matches-this") == f"0 of {len(corpus)} papers match"
    assert page.selected() == []
    assert page.search("") == f"{len(corpus)} papers"
    assert page.selected() is None
    page.check_clean()


def test_click_fills_panel(plain):
    page, documents, corpus = plain
    panel = page.click("doc-13")
    assert panel["title"] == corpus.loc[13, "title"]
    assert panel["abstract"] == corpus.loc[13, "abstract"]
    topic = documents.loc[13, "topic"]
    assert panel["topic"] == f"Topic: {THEMES[topic // 2]} › {TOPICS[topic]}"
    assert panel["sources"] == "Sources: page 003"
    assert panel["year"] == "Year: 2011"
    page.check_clean()


# --------------------------------------------------------------------------- names on the map


def test_names_never_overlap_and_follow_the_zoom(fresh):
    page, _, _ = fresh
    found = {1: page.js(OVERLAPS)}
    centre = page.densest()
    for factor in (4, 16):
        found[factor] = page.zoom(factor, centre)
    for factor, result in found.items():
        assert result["pairs"] == [], (factor, result)
        assert result["labels"], factor
        assert all(width for _, _, width in result["labels"])
        assert not any("·" in label for _, label, _ in result["labels"]), factor
    levels = {factor: {lv for lv, _, _ in r["labels"]} for factor, r in found.items()}
    assert levels[1] == {0}  # theme names at the initial view
    assert {lv for lv, label, _ in found[1]["labels"]} == {0}
    assert {label for _, label, _ in found[1]["labels"]} == set(THEMES)
    assert 1 in levels[4]  # topic names from 2x
    assert 2 in levels[16]  # subtopic names from 6x
    assert max(levels[1]) < max(levels[4]) < max(levels[16])
    # the term-list label shows as its name; the names are text over the points
    page.zoom(4, page.js("(() => { const a = window.landscape.app; "
                         "const c = a.data.labels.find(c => a.topics[c[0]].id === 3); "
                         "return [c[1], c[2]]; })()"))  # fmt: skip
    shown = [label for _, label, _ in page.js(OVERLAPS)["labels"]]
    assert "Dark matter" in shown
    style = page.js(
        "(() => { const e = document.querySelector('[data-label]'), s = getComputedStyle(e);"
        " return [s.textShadow, s.backgroundColor, s.pointerEvents]; })()"
    )
    assert style[0] != "none" and style[1] == "rgba(0, 0, 0, 0)" and style[2] == "none"
    page.check_clean()


def test_names_are_placed_again_after_a_pan(fresh):
    page, _, _ = fresh
    page.zoom(4, page.densest())
    before = page.js(OVERLAPS)["labels"]
    after = page.zoom(4, [30.0, 0.0])  # the Galaxies theme
    assert after["pairs"] == []
    assert before != after["labels"]


# --------------------------------------------------------------------------- topic tree


def test_a_small_theme_beside_a_big_one_is_named_too(browser, tmp_path):
    """The small theme's anchor lies under the big theme's name: its name moves, with a leader."""
    rng = np.random.default_rng(3)
    sizes = {0: 400, 1: 16, 2: 200}
    centres = {0: (0.0, 0.0), 1: (0.6, 0.25), 2: (14.0, 9.0)}
    spread = {0: 2.0, 1: 0.15, 2: 1.5}
    topic = np.repeat(list(sizes), list(sizes.values()))
    xy = np.concatenate([rng.normal(centres[t], spread[t], size=(sizes[t], 2)) for t in sizes])
    ids = [f"p{i}" for i in range(len(topic))]
    documents = pd.DataFrame(
        {"doc_id": ids, "topic": topic, "x": xy[:, 0], "y": xy[:, 1], "topic_label": "x"}
    )
    names = ["Large language models", "Program synthesis", "Galaxy surveys"]
    topics = pd.DataFrame({"topic": [0, 1, 2], "level": 0, "parent": -1, "label": names})
    corpus = pd.DataFrame({"doc_id": ids, "title": ids, "abstract": "a"})
    path = write_map_html(documents, corpus, topics, PROVENANCE, tmp_path / "small.html")
    page = Page(browser, path)
    try:
        found = page.js(OVERLAPS)
        assert found["pairs"] == []
        assert sorted(label for _, label, _ in found["labels"]) == sorted(names)
        leaders = page.js(
            "Array.from(document.querySelectorAll('#landscape-leaders line'), l => l.dataset.topic)"
        )
        assert leaders == ["1"]  # the small theme's name moved; the big one kept its anchor
        # the moved name stays near its papers: within its reach of the anchor
        gap = page.js(
            """() => { const a = window.landscape.app, fl = a.gd._fullLayout;
            const c = a.data.labels.find(c => a.topics[c[0]].id === 1);
            const e = document.querySelector('[data-topic="1"][data-label]');
            const box = e.getBoundingClientRect(), map = a.gd.getBoundingClientRect();
            const px = map.left + fl.xaxis._offset + fl.xaxis.l2p(c[1]);
            const py = map.top + fl.yaxis._offset + fl.yaxis.l2p(c[2]);
            return [Math.hypot(box.left + box.width / 2 - px, box.top + box.height / 2 - py),
                    box.width + box.height]; }"""
        )
        assert gap[0] <= 1.7 * gap[1]
        page.check_clean()
    finally:
        page.context.close()


def test_tree_lists_levels_with_sizes_and_collapses(plain):
    page, documents, _ = plain
    page.tab("topics")
    rows = page.page.locator("#landscape-tree > li > .tree-row")
    assert rows.count() == 3
    first = rows.first.text_content()
    size = int((documents["level_0"] == THEME_ID).sum())
    assert THEMES[0] in first and str(size) in first
    group = page.page.locator("#landscape-tree > li").first.locator(":scope > ul")
    assert group.is_hidden()
    rows.first.locator(".twist").click()
    assert group.is_visible()
    assert group.locator(":scope > li > .tree-row .topic-name").all_text_contents() == TOPICS[:2]
    group.locator(".twist").first.click()  # subtopics
    assert page.tree_item(SUBTOPICS[0]).is_visible()
    rows.first.locator(".twist").click()
    assert group.is_hidden()


def test_tree_click_dims_the_rest_and_hover_outlines(plain):
    page, documents, _ = plain
    page.tab("topics")
    item = page.tree_item("Galaxies")
    item.hover()
    outline = page.page.locator("#landscape-outline polygon")
    assert outline.count() == 1
    assert outline.get_attribute("data-topic") == str(THEME_ID + 1)
    item.click()
    members = documents.loc[documents["level_0"] == THEME_ID + 1, "doc_id"]
    expected = len(members)
    assert sorted(page.selected()) == sorted(members)
    assert page.js("window.landscape.app.gd.data[0].marker.opacity") < 0.2
    assert page.count() == f"{expected} of {len(documents)} papers in “Galaxies”"
    assert page.page.locator("#landscape-tree .tree-item.active").count() == 1
    item.click()  # again: clears
    assert page.selected() is None
    assert page.page.locator("#landscape-tree .tree-item.active").count() == 0
    page.page.mouse.move(700, 5)
    assert outline.count() == 0
    page.check_clean()


# --------------------------------------------------------------------------- filters


def test_year_brush_changes_the_count_and_the_map(fresh):
    page, documents, corpus = fresh
    page.tab("filters")
    box = page.page.locator("#year-histogram").bounding_box()
    y = box["y"] + box["height"] * 0.5
    page.page.mouse.move(box["x"] + box["width"] * 0.26, y)
    page.page.mouse.down()
    page.page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=5)
    page.page.mouse.up()
    years = page.js("window.landscape.app.filters.years")
    assert years == [2013, 2017]  # 12 years over the width: 26 % and 60 % of it
    expected = int(corpus["year"].between(*years).sum())
    assert page.count() == f"{expected} of {len(corpus)} papers"
    assert page.shown() == expected
    assert "Years 2013–2017" in page.page.locator("#year-summary").text_content()
    # the tree counts follow
    first = page.page.locator("#landscape-tree > li > .tree-row .size").first.text_content()
    in_theme = int(((documents["level_0"] == THEME_ID) & corpus["year"].between(*years)).sum())
    assert first.startswith(f"{in_theme} / ")
    page.page.locator("#year-clear").click()
    assert page.count() == f"{len(corpus)} papers"
    page.check_clean()


def test_source_filter_follows_the_listing_pages(fresh):
    page, _, corpus = fresh
    page.tab("filters")
    names = page.page.locator("#source-list .source-name").all_text_contents()
    assert sorted(names) == [f"page 00{p}" for p in range(5)]
    page.page.locator('#source-list input[data-source="0"]').uncheck()
    gone = int((corpus["source_names"].str[0] == names[0]).sum())
    assert page.count() == f"{len(corpus) - gone} of {len(corpus)} papers"
    assert page.shown() == len(corpus) - gone
    page.page.locator("#sources-none").click()
    assert page.count() == f"0 of {len(corpus)} papers"
    page.page.locator("#sources-all").click()
    assert page.count() == f"{len(corpus)} papers"
    page.check_clean()


def test_no_year_filter_without_dates(browser, tmp_path):
    documents, corpus, topics = make_run()
    path = write_map_html(
        documents, corpus.drop(columns="year"), topics, PROVENANCE, tmp_path / "m.html"
    )
    page = Page(browser, path)
    try:
        assert page.page.locator("#filter-years").is_hidden()
        page.tab("filters")
        assert page.page.locator("#no-years").is_visible()
        page.check_clean()
    finally:
        page.context.close()


# --------------------------------------------------------------------------- selection


def test_box_selection_lists_and_exports_csv(fresh):
    page, documents, corpus = fresh
    box = page.page.locator("#landscape-map").bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
    x1, y1 = box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.7
    page.box_select(x0, y0, x1, y1)
    inside = page.js(
        """([x0, y0, x1, y1]) => { const a = window.landscape.app, fl = a.gd._fullLayout;
        const r = a.gd.getBoundingClientRect(), out = [];
        for (let k = 0; k < a.n; k++) {
          const px = r.left + fl.xaxis._offset + fl.xaxis.l2p(a.x[k]);
          const py = r.top + fl.yaxis._offset + fl.yaxis.l2p(a.y[k]);
          if (px >= x0 && px <= x1 && py >= y0 && py <= y1) { out.push(k); }
        }
        return a.docIds(out); }""",
        [x0, y0, x1, y1],
    )
    assert 0 < len(inside) < len(documents)
    assert page.js("window.landscape.app.activeTab") == "selection"
    assert page.count() == f"{len(inside)} of {len(documents)} papers selected"
    items = page.page.locator("#landscape-results li")
    assert items.count() == len(inside)
    first = items.first.text_content()
    assert any(corpus.set_index("doc_id").loc[d, "title"] in first for d in inside)
    rows = page.download_csv()
    assert sorted(r["doc_id"] for r in rows) == sorted(inside)
    assert set(rows[0]) == {"doc_id", "title", "year", "topic", "theme", "sources"}
    by_id = corpus.set_index("doc_id")
    for row in rows:
        assert row["title"] == by_id.loc[row["doc_id"], "title"]
        assert row["year"] == str(by_id.loc[row["doc_id"], "year"])
    page.check_clean()


def test_lasso_selects_inside_and_a_click_clears(fresh):
    page, documents, _ = fresh
    box = page.page.locator("#landscape-map").bounding_box()
    corners = [(0.2, 0.2), (0.8, 0.3), (0.5, 0.85)]
    path = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy) for fx, fy in corners]
    page.page.locator('.modebar-btn[data-val="lasso"]').first.click()
    page.page.mouse.move(*path[0])
    page.page.mouse.down()
    for a, b in zip(path, [*path[1:], path[0]], strict=True):
        for t in np.linspace(0.1, 1, 8):
            page.page.mouse.move(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
    page.page.mouse.up()
    page.page.wait_for_function("(window.landscape.app.highlight || {}).kind === 'selection'")
    page.listed()
    inside = page.js(
        """(poly) => { const a = window.landscape.app, fl = a.gd._fullLayout;
        const r = a.gd.getBoundingClientRect(), out = [];
        for (let k = 0; k < a.n; k++) {
          const x = r.left + fl.xaxis._offset + fl.xaxis.l2p(a.x[k]);
          const y = r.top + fl.yaxis._offset + fl.yaxis.l2p(a.y[k]);
          let on = false;
          for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
            const [xi, yi] = poly[i], [xj, yj] = poly[j];
            if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { on = !on; }
          }
          if (on) { out.push(k); }
        }
        return a.docIds(out); }""",
        path,
    )
    assert 0 < len(inside) < len(documents)
    assert sorted(page.selected()) == sorted(inside)
    assert page.count() == f"{len(inside)} of {len(documents)} papers selected"
    assert page.page.locator("#landscape-selection polygon").count() == 1  # the lasso stays drawn
    page.page.mouse.click(box["x"] + 5, box["y"] + box["height"] - 5)  # a click clears
    assert page.selected() is None
    assert page.page.locator("#landscape-selection polygon").count() == 0
    page.page.locator('.modebar-btn[data-val="lasso"]').first.click()  # the tool off: pan again
    assert page.js("document.querySelector('.landscape-selecting')") is None
    page.check_clean()


# --------------------------------------------------------------------------- hostile corpus


def test_hostile_corpus_is_text(hostile):
    page, _, _, path = hostile
    raw = path.read_text(encoding="utf-8")
    assert "<script>window.__pwned" not in raw
    assert "<img src=x" not in raw
    page.check_clean()
    assert page.page.title() == "<script>window.__pwned=1</script> map"
    for i, (title, abstract) in enumerate(HOSTILE):
        doc_id = f"doc-{i}"
        assert title in page.hover_text(doc_id)
        panel = page.click(doc_id)
        assert panel["title"] == title
        assert panel["abstract"] == abstract
    # the tree, the names on the map and the filters show the hostile strings as text
    assert HOSTILE_LABEL in page.page.locator("#landscape-tree").text_content()
    page.page.locator("#landscape-tabs [data-tab=topics]").click()
    page.tree_item(HOSTILE_LABEL).click()
    assert page.js(
        "(l) => Array.from(document.querySelectorAll('[data-label]')).some("
        "e => e.dataset.label === l && e.textContent === l)",
        HOSTILE_LABEL,
    )
    page.tab("filters")
    assert HOSTILE_SOURCE in page.page.locator("#source-list").text_content()
    # the selection list: every paper, hostile titles included
    box = page.page.locator("#landscape-map").bounding_box()
    page.box_select(box["x"] + 5, box["y"] + 40, box["x"] + box["width"] - 5,
                    box["y"] + box["height"] - 5)  # fmt: skip
    listed = page.page.locator("#landscape-results .paper-link").all_text_contents()
    assert {t for t, _ in HOSTILE} <= set(listed)
    rows = page.download_csv()
    assert {t for t, _ in HOSTILE} <= {r["title"] for r in rows}
    assert any(r["theme"] == HOSTILE_LABEL for r in rows)
    page.search("window.__pwned")
    items = page.page.locator("#landscape-results li .paper-link").all_text_contents()
    assert {HOSTILE[0][0], HOSTILE[1][0]} <= set(items)
    page.page.locator("#landscape-results .paper-link").nth(1).click()
    assert page.page.locator("#panel-title").text_content() in {t for t, _ in HOSTILE}
    # nothing made of the data became an element
    assert page.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.js("document.querySelectorAll('a[href]').length") == 0
    assert page.js("document.scripts.length") == 4
    page.page.wait_for_timeout(200)
    page.check_clean()


# --------------------------------------------------------------------------- scale

SLOW = os.environ.get("LANDSCAPE_SLOW") == "1"


@pytest.mark.slow
@pytest.mark.skipif(not SLOW, reason="100,000-point map: set LANDSCAPE_SLOW=1 to run")
def test_100k_points(browser, tmp_path):
    n = 100_000
    base, base_corpus, topics = make_run(n=n)
    rng = np.random.default_rng(1)
    vocab = np.array(["model", "graph", "protein", "galaxy", "learning", "data", "quantum"])
    words = rng.choice(vocab, size=(n, 130))
    corpus = base_corpus.assign(
        title=[" ".join(w[:10]) for w in words],
        abstract=[" ".join(w) for w in words],  # ~850 characters, like arXiv
    )
    start = time.perf_counter()
    path = write_map_html(base, corpus, topics, PROVENANCE, tmp_path / "big.html")
    write_s = time.perf_counter() - start
    size_mb = path.stat().st_size / 1e6
    page = Page(browser, path)
    render_ms = page.js("window.landscapeRenderMs")
    start = time.perf_counter()
    count = page.search("protein galaxy quantum")
    search_s = time.perf_counter() - start
    start = time.perf_counter()
    found = page.zoom(4, page.densest())
    zoom_s = time.perf_counter() - start
    print(
        f"\n100k map: {size_mb:.1f} MB, written in {write_s:.1f} s, first render "
        f"{render_ms / 1000:.1f} s after navigation ({page.ready_s:.1f} s wall), "
        f"search round trip {search_s:.2f} s ({count}), zoom step {zoom_s:.2f} s"
    )
    assert page.shown() == n
    assert size_mb <= 15
    assert found["pairs"] == []
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
        assert page.count() == f"3 of {len(corpus)} papers highlighted"
        assert sorted(page.selected()) == sorted(picked[:3])
        items = page.page.locator("#landscape-results li .paper-link").all_text_contents()
        titles = corpus.set_index("doc_id").loc[picked[:3], "title"].tolist()
        assert items == titles  # in the order given (nearest first)
        assert page.page.locator("#results-heading").text_content() == name
        page.search("protein")  # a search replaces the highlighted papers...
        assert page.page.locator("#results-heading").text_content() == "Matching papers"
        assert page.search("") == f"{len(corpus)} papers"  # ...and clearing it clears all
        assert page.selected() is None
        page.check_clean()
    finally:
        page.context.close()
