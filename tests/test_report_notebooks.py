import re
import sys

import jupytext
import nbformat
import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, listing, require_chromium, theme_corpus
from landscape.report.notebooks import (
    _declared_parameters,
    _exporter,
    _this_interpreter_as,
    find_notebooks,
    notebook_parameters,
    render_notebooks,
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


def _cli_command(words: list[str]):
    """The click command that ``landscape WORDS...`` runs (``None``: no such command)."""
    import typer.main

    from landscape.cli import app

    root = command = typer.main.get_command(app)
    while words and words[0] in getattr(command, "commands", {}):
        command, words = command.commands[words[0]], words[1:]
    return None if command is root else command


def _cli_options(command) -> set[str]:
    return {o for p in command.params for o in [*p.opts, *p.secondary_opts]}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_what_it_shows_and_ends_with_what_to_do_next(path):
    nb = jupytext.read(path, fmt="py:percent")
    first, last = nb.cells[0], nb.cells[-1]
    # Opening: the "# N. Title" heading, then two sentences saying what the page shows.
    assert first.cell_type == "markdown"
    heading, paragraph = first.source.split("\n\n")[:2]
    assert re.fullmatch(rf"# {int(path.name[:2])}\. \S.*", heading), heading
    assert paragraph.startswith("**What this page shows.** ")
    said = paragraph.removeprefix("**What this page shows.** ")
    assert len(re.findall(r"[.!?](?=\s|$)", said)) == 2, said
    # Closing: a markdown cell of things to do, each naming a parameter or a command.
    assert last.cell_type == "markdown"
    assert last.source.startswith("## What to do next\n")
    bullets = re.findall(r"^- .*", last.source, flags=re.M)
    assert bullets, "no bulleted list"
    named = re.findall(r"`([^`]+)`", last.source)
    commands = [n.split() for n in named if n.startswith("landscape ")]
    parameters = _declared_parameters(nb) or set()
    assert commands or {re.split(r"\W", n)[0] for n in named} & parameters
    for words in commands:
        command = _cli_command(words[1:])
        assert command is not None, f"{' '.join(words)!r}: no such command"
        options = {w.split("=")[0] for w in words if w.startswith("--")}
        unknown = options - _cli_options(command)
        assert not unknown, f"{' '.join(words)!r}: no option {unknown}"


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
    base, _, fitted, params = fixture_run
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
        assert text.count('class="landscape-code-toggle"') == 1, page  # code hidden
        assert "What this page shows." in text and "What to do next" in text, page
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
    # sizes, hierarchy, similarity; the map and the map with the search hits ringed
    # are the map page itself, embedded (sandboxed, scripts only) in an iframe each.
    assert sum("Plotly.newPlot" in s for s in small) == 3
    frames = re.findall(r"<iframe\b[^>]*>", four)
    assert len(frames) == 2 and all('sandbox="allow-scripts allow-downloads"' in f for f in frames)


def _output_cell(source: str, html: str):
    output = nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "x"})
    return nbformat.v4.new_code_cell(source, outputs=[output])


def test_page_boxes_tables_not_figures_and_has_one_toggle():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 1. Page\n\n**What this page shows.** A. B."),
        nbformat.v4.new_code_cell("x = 1"),
        _output_cell("table", '<div><table class="dataframe"><tr><td>1</td></tr></table></div>'),
        _output_cell("figure", '<div class="plotly-graph-div"></div><table></table>'),
    ]
    exporter, resources = _exporter("<footer>provenance</footer>")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": "p"}, **resources})
    assert body.count('class="landscape-code-toggle"') == 1
    assert 'aria-pressed="false"' in body and ">Show code</button>" in body
    assert body.count('class="landscape-table-box"') == 1
    box = body.index('class="landscape-table-box"')
    assert box < body.index('class="dataframe"') < body.index("plotly-graph-div")
    main = body[body.index("<main>") : body.index("</main>")]
    assert "In&nbsp;[" not in main and 'class="jp-InputPrompt' not in main
    assert "landscape-show-code" in body  # the page's CSS and script, inlined
    assert "<footer>provenance</footer>" in body
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", _outside_scripts(body))


#: A notebook of every kind of cell a page has, rendered in the browser tests.
TINY_NOTEBOOK = """\
# %% [markdown]
# # 1. A tiny page
#
# **What this page shows.** Markdown stays. Code hides.

# %% tags=["parameters"]
rows = 10

# %%
import pandas as pd
from IPython.display import display

zebra_marker = "only in the code"
print("printed output")

# %%
wide = {f"column_number_{i}": range(rows) for i in range(30)}
display(pd.DataFrame(wide).style.hide(axis="index"))

# %% [markdown]
# ## What to do next
#
# - Set `rows`.
"""
#: Text that is in the code cells only.
CODE_TEXT = ["zebra_marker", "import pandas", "display(pd.DataFrame", "rows = 10", "rows = 300"]


@pytest.fixture(scope="module")
def tiny_page(tmp_path_factory):
    """The tiny notebook rendered by :func:`render_notebooks` (papermill and nbconvert)."""
    base = tmp_path_factory.mktemp("tiny")
    (base / "notebooks").mkdir()
    (base / "notebooks" / "01-tiny.py").write_text(TINY_NOTEBOOK, encoding="utf-8")
    (page,) = render_notebooks(base / "notebooks", base / "reports", {"rows": 300}, cwd=base)
    return page


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def opened(browser, tiny_page):
    """The tiny page at 1280 x 800, with its external requests and console errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    external, errors = [], []
    page.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else external.append(r.url),
    )
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(tiny_page.as_uri())
    page.wait_for_load_state("load")
    yield page
    assert external == [] and errors == []
    page.close()


def _code_shown(page) -> list[bool]:
    """For each code cell's input, whether it is laid out (``offsetParent`` set)."""
    return page.evaluate(
        "[...document.querySelectorAll('.jp-CodeCell .jp-InputArea')]"
        ".map(e => e.offsetParent !== null)"
    )


def _text(page) -> str:
    return page.evaluate("document.body.innerText")


def test_page_hides_code_until_toggled(opened):
    button = opened.locator(".landscape-code-toggle")
    assert button.count() == 1 and button.is_visible()
    shown = _code_shown(opened)
    assert len(shown) == 4 and not any(shown)  # parameters, injected parameters, 2 more
    text = _text(opened)
    assert not [c for c in CODE_TEXT if c in text]
    assert "What this page shows." in text and "What to do next" in text
    assert "printed output" in text and "column_number_29" in text
    assert button.get_attribute("aria-pressed") == "false" and button.inner_text() == "Show code"

    button.click()
    assert all(_code_shown(opened))
    text = _text(opened)
    assert all(c in text for c in CODE_TEXT)
    assert button.get_attribute("aria-pressed") == "true" and button.inner_text() == "Hide code"

    button.focus()  # the keyboard works too
    opened.keyboard.press("Space")
    assert not any(_code_shown(opened))
    assert not [c for c in CODE_TEXT if c in _text(opened)]
    assert button.get_attribute("aria-pressed") == "false"


def test_page_has_no_prompts_and_no_gaps(opened):
    text = _text(opened)
    assert not re.search(r"\b(In|Out)\s*\[", text)
    assert opened.evaluate(
        "[...document.querySelectorAll('.jp-InputPrompt, .jp-OutputPrompt')]"
        ".every(e => e.offsetParent === null)"
    )
    # Code cells without output take no room at all while the code is hidden.
    heights = opened.evaluate(
        "[...document.querySelectorAll('.jp-CodeCell.jp-mod-noOutputs')]"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and set(heights) == {0}


def test_long_table_scrolls_in_its_box(opened):
    box = opened.evaluate(
        """(() => { const b = document.querySelector('.landscape-table-box');
        return {sh: b.scrollHeight, ch: b.clientHeight, sw: b.scrollWidth, cw: b.clientWidth,
                page: document.documentElement.scrollHeight}; })()"""
    )
    assert box["sh"] > 3 * box["ch"] and box["ch"] <= 0.8 * 800  # 300 rows in a short box
    assert box["sw"] > box["cw"]  # 30 columns scroll sideways
    assert box["page"] < 2 * 800
    # The header row stays in view while the rows scroll.
    opened.evaluate("document.querySelector('.landscape-table-box').scrollTop = 2000")
    assert opened.evaluate(
        """(() => { const b = document.querySelector('.landscape-table-box');
        return b.querySelector('thead').getBoundingClientRect().top
            - b.getBoundingClientRect().top; })()"""
    ) == pytest.approx(1, abs=1.5)


def test_printing_keeps_the_code_as_on_screen(opened):
    opened.emulate_media(media="print")
    assert not any(_code_shown(opened))
    assert not opened.locator(".landscape-code-toggle").is_visible()
    opened.evaluate("document.querySelector('.landscape-code-toggle').click()")
    assert all(_code_shown(opened))
