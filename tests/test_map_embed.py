"""Tests of landscape.report.map_embed: the map page in a notebook's output, as an iframe."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pandas as pd
import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium
from landscape.report.map_embed import EMBED_HEIGHT, EmbeddedMap, embed_map, iframe_html
from landscape.report.standalone import map_page_html
from test_static_map import levelled_run

HOSTILE_TITLE = '"><script>window.__pwned=1</script>'
PROVENANCE = {"created": "2026-01-02T03:04:05+00:00", "corpus_sha256": "abc", "seed": 1}


class _Elements(HTMLParser):
    """Every start tag of a fragment, with its attributes unescaped (as a browser reads them)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(fragment: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser.tags


@pytest.fixture(scope="module")
def run():
    """300 papers in 5 themes of 3 topics, with titles (one hostile), abstracts and years."""
    documents, topics = levelled_run(n=300)
    ids = [f"doc-{i}" for i in range(len(documents))]
    documents = documents.assign(doc_id=ids)
    titles = [f"Paper {i}" for i in range(len(ids))]
    titles[0] = HOSTILE_TITLE
    corpus = pd.DataFrame(
        {
            "doc_id": ids,
            "title": titles,
            "abstract": [f"Abstract {i} <b>bold</b> & more." for i in range(len(ids))],
            "year": [2010 + i % 12 for i in range(len(ids))],
        }
    )
    return documents, corpus, topics


def test_the_embed_is_one_sandboxed_iframe_holding_the_page(run):
    documents, corpus, topics = run
    hits = ["doc-3", "doc-7"]
    shown = embed_map(
        documents, corpus, topics, PROVENANCE, title="A map", highlight=hits, highlight_name="Hits"
    )
    assert isinstance(shown, EmbeddedMap)
    page = map_page_html(
        documents, corpus, topics, PROVENANCE, title="A map", highlight=hits, highlight_name="Hits"
    )
    assert shown.page == page
    fragment = shown._repr_html_()
    ((tag, attrs),) = _elements(fragment)  # one element: nothing in the page became markup
    assert tag == "iframe" and fragment.endswith("></iframe>")
    assert attrs["srcdoc"] == page  # unescaped by the parser: exactly the page
    assert set(attrs["sandbox"].split()) == {"allow-scripts", "allow-downloads"}
    assert "allow-same-origin" not in fragment
    assert "width: 100%" in attrs["style"] and f"height: {EMBED_HEIGHT}px" in attrs["style"]
    assert attrs["title"] == "A map"
    assert "<" not in fragment[len("<iframe") : -len("></iframe>")]
    assert len(page) < len(fragment) < 1.3 * len(page)
    assert "A map" in repr(shown) and len(repr(shown)) < 100


def test_a_hostile_title_stays_text(run):
    documents, corpus, topics = run
    fragment = embed_map(documents, corpus, topics, PROVENANCE, title=HOSTILE_TITLE)._repr_html_()
    ((_, attrs),) = _elements(fragment)
    assert attrs["title"] == HOSTILE_TITLE
    assert HOSTILE_TITLE not in fragment and "<script" not in fragment
    # Inside the page the title is escaped once more, as map.html has it.
    assert f"<title>{html.escape(HOSTILE_TITLE)}</title>" in attrs["srcdoc"]
    assert "<script>window.__pwned" not in attrs["srcdoc"]


def test_iframe_html_height_and_escaping():
    fragment = iframe_html('<p title="a&b">x</p>', title="t", height=300.7)
    ((_, attrs),) = _elements(fragment)
    assert attrs["srcdoc"] == '<p title="a&b">x</p>'
    assert "height: 300px" in attrs["style"]
    assert "&amp;" in fragment and "&quot;" in fragment


def test_the_embedded_map_draws_in_chromium(run, tmp_path):
    require_chromium()
    from playwright import sync_api

    documents, corpus, topics = run
    fragment = embed_map(documents, corpus, topics, PROVENANCE, title=HOSTILE_TITLE)._repr_html_()
    host = tmp_path / "notebook.html"
    host.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><h1>Notebook</h1>'
        f"{fragment}</body></html>",
        encoding="utf-8",
    )
    errors: list[str] = []
    external: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request",
                lambda r: (
                    None
                    if r.url.startswith(("file://", "data:", "blob:", "about:"))
                    else external.append(r.url)
                ),
            )
            page.goto(host.as_uri())
            frame = page.frame_locator("iframe.landscape-map-embed")
            frame.locator("#landscape-map .main-svg").first.wait_for(timeout=60_000)
            inner = next(f for f in page.frames if f != page.main_frame)
            inner.wait_for_function("window.landscapeReady === true", timeout=60_000)
            names = inner.evaluate(
                "Array.from(document.querySelectorAll('[data-label]'))"
                ".filter(e => !e.hidden).map(e => e.dataset.label)"
            )
            box = page.locator("iframe.landscape-map-embed").bounding_box()
            pwned = [f.evaluate("window.__pwned === undefined") for f in page.frames]
            heading = frame.locator("h1").text_content()
        finally:
            browser.close()
    assert {"Galaxies", "Climate"} <= set(names)  # theme names, placed on the map
    assert box["width"] > 1300 and box["height"] == pytest.approx(EMBED_HEIGHT, abs=1)
    assert heading == HOSTILE_TITLE  # shown as text
    assert all(pwned)
    assert errors == [] and external == []
