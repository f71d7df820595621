import copy
import re
import sys
from pathlib import Path

import jupytext
import pytest

from conftest import ROOT, listing, theme_corpus
from landscape.report.notebooks import (
    _this_interpreter_as,
    find_notebooks,
    notebook_parameters,
    render_notebooks,
    write_index,
)

NOTEBOOKS = find_notebooks(ROOT / "notebooks")


def test_the_five_notebooks_are_found_in_order():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01-", "02-", "03-", "04-", "05-"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_percent_script_with_parameters_first_and_no_outputs(path):
    text = path.read_text(encoding="utf-8")
    assert "# %%" in text
    nb = jupytext.read(path, fmt="py:percent")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "no code cell"
    assert "parameters" in code[0].metadata.get("tags", [])
    assert any(c.cell_type == "markdown" for c in nb.cells)
    assert all(not c.get("outputs") for c in code)
    # The cells are what jupytext itself writes (the header may name other versions).
    body = text.split("# ---\n", 2)[-1]
    assert jupytext.writes(nb, fmt="py:percent").split("# ---\n", 2)[-1] == body


def test_python3_kernel_is_this_interpreter(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager

    with _this_interpreter_as("python3", tmp_path):
        spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable


def _outside_scripts(page: str) -> str:
    """The page without the bodies of its script elements (plotly.js names URLs)."""
    return re.sub(r"(<script[^>]*>).*?(</script>)", r"\1\2", page, flags=re.S | re.I)


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    """A 40-paper listing-page corpus in 4 themes, ingested and fitted into a run folder."""
    from landscape.config import Config, PathsConfig
    from landscape.fit.pipeline import fit
    from landscape.ingest import ingest, write_ingest
    from landscape.runs import write_run

    base = tmp_path_factory.mktemp("report")
    corpus = theme_corpus(n_per_theme=10)
    raw = base / "raw"
    raw.mkdir()
    pairs = list(zip(corpus["title"], corpus["abstract"], strict=True))
    (raw / "page-a.txt").write_bytes(listing(*pairs[::2]))
    (raw / "page-b.txt").write_bytes(listing(*pairs[1::2], blank=True))
    result = ingest([raw])
    write_ingest(result, base / "processed")
    config = Config(paths=PathsConfig(interim=str(base / "interim")))
    fitted = fit(result.corpus, config=config)
    write_run(fitted, base / "runs" / "fixture")
    params = notebook_parameters(
        raw_dir=raw,
        processed_dir=base / "processed",
        interim_dir=base / "interim",
        runs_dir=base / "runs",
        run_name="fixture",
    )
    return base, result, fitted, params


@pytest.mark.slow
def test_render_notebooks_writes_self_contained_pages(fixture_run):
    base, result, fitted, params = fixture_run
    out = base / "reports"
    pages = render_notebooks(ROOT / "notebooks", out, params, cwd=ROOT)
    assert [p.name for p in pages] == [p.with_suffix(".html").name for p in NOTEBOOKS]
    with_figures = {"04-map.html", "05-compare-and-trends.html"}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        outside = _outside_scripts(text)
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", outside, re.I), page
        assert "require.js" not in outside and "MathJax.js" not in outside
        assert "Provenance" in text and fitted.provenance["corpus_sha256"] in text
        assert "Traceback" not in text and "landscape-setup" not in text
        if page.name in with_figures:
            scripts = re.findall(r"<script[^>]*>(.*?)</script>", text, flags=re.S)
            big = [s for s in scripts if len(s) > 1_000_000 and "Plotly" in s]
            assert len(big) == 1, f"{page.name}: plotly.js should be inlined once"
            assert "Plotly.newPlot" in text
            assert "cdn.plot.ly" not in outside
    assert "no dates or years" in (out / "05-compare-and-trends.html").read_text(encoding="utf-8")
    four = (out / "04-map.html").read_text(encoding="utf-8")
    small = [
        s for s in re.findall(r"<script[^>]*>(.*?)</script>", four, flags=re.S) if len(s) < 1e6
    ]
    # map, sizes, hierarchy, similarity, and the map with the search hits ringed
    assert sum("Plotly.newPlot" in s for s in small) == 5

    index = write_index(
        out,
        pages,
        result.summary(),
        fitted.metrics,
        {**fitted.provenance, "model": "<b>model</b>"},
    )
    html = index.read_text(encoding="utf-8")
    for page in pages:
        assert f'href="{page.name}"' in html
    assert "<b>model</b>" not in html and "&lt;b&gt;model&lt;/b&gt;" in html
    assert "40 distinct papers" in html
    assert not re.search(r"(src|href)=\"https?:", html)
    assert "<link" not in html


def test_write_index_links_map_and_escapes(tmp_path):
    (tmp_path / "map.html").write_text("<html></html>", encoding="utf-8")
    page = tmp_path / "01-load-and-clean.html"
    page.write_text("<html></html>", encoding="utf-8")
    summary = {"records_read": 12, "kept": 10, "duplicate": 1, "dropped": 1, "files_read": 2}
    metrics = {
        "n_topics": 3,
        "npmi": 0.1234,
        "outliers": {"share": 0.05},
        "stability": {"seeds": [1, 2, 3], "ari": {"mean": 0.91}},
    }
    provenance = {"model": "m<script>", "seed": 7, "corpus_sha256": "abc&def"}
    inputs = copy.deepcopy((summary, metrics, provenance))
    index = write_index(tmp_path, [page], summary, metrics, provenance)
    html = index.read_text(encoding="utf-8")
    assert 'href="map.html"' in html and 'href="01-load-and-clean.html"' in html
    assert "<script" not in html
    assert "m&lt;script&gt;" in html and "abc&amp;def" in html
    for fragment in ("12 records", "10 distinct papers", "2 sources", "3 topics", "5.0%"):
        assert fragment in html
    assert "0.123" in html and "0.910" in html and "seed 7" in html
    assert (summary, metrics, provenance) == inputs  # inputs untouched
    assert Path(index).name == "index.html"
    assert "no abstract" not in html
    index = write_index(tmp_path, [page], {**summary, "title_only": 3}, metrics, provenance)
    assert "3 papers have no abstract (title only)" in index.read_text(encoding="utf-8")
