"""The notebooks as a researcher meets them: JupyterLab from the venv, driven in Chromium.

A copy of the project (its ``pyproject.toml``, notebooks and default corpus, in
a git repository of its own) gets a fitted default run with ``landscape run``.
JupyterLab is started from the project's venv, from another working folder,
with the copy as its root, as ``make lab`` does. Each notebook is opened by a
double-click in the file browser, run with Run All Cells, saved and closed.

Asserts: it opened as a notebook (the default viewer that ``make install``
puts in the venv), every code cell ran, no cell has an error or anything on
stderr, 04 and 05 render plotly figures, 04's embedded map (the page of
``map.html`` in an iframe) draws and names its themes, and ``git status`` shows
no change to a tracked file afterwards. About two minutes on two cores.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from playwright import sync_api

from conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium

require_chromium()

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.py"))
SETTINGS = Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "default_setting_overrides.json"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "pyproject.toml", root)
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    (root / ".gitignore").write_text("data/interim/\ndata/processed/\nruns/\n.ipynb_checkpoints/\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "project")
    env = {**ENV, "LANDSCAPE_CACHE": str(tmp_path_factory.mktemp("user-cache"))}
    subprocess.run(
        [str(BIN / "landscape"), "run", "--no-report"], cwd=root, env=env, check=True,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert (root / "runs" / "default" / "documents.parquet").exists()
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(project, tmp_path_factory):
    assert SETTINGS.exists(), (
        f"{SETTINGS}: missing; `make install` puts JupyterLab's settings there"
    )
    assert json.loads(SETTINGS.read_text()) == json.loads(
        (ROOT / "notebooks" / "jupyterlab-settings.json").read_text()
    )
    home = tmp_path_factory.mktemp("jupyter")
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # not the project: any folder works
    port = _free_port()
    env = {
        **ENV,
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # none of the user's own settings
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
    }
    log = open(home / "lab.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--port={port}",
            "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={project}", "--LabApp.default_url=/lab/tree/notebooks",
            f"--LabApp.user_settings_dir={home / 'user-settings'}",
            f"--LabApp.workspaces_dir={home / 'workspaces'}",
        ],
        cwd=elsewhere, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (home / "lab.log").read_text()
                assert time.monotonic() < deadline, "JupyterLab did not start in 120 s"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{lab}/lab/tree/notebooks", wait_until="domcontentloaded")
        yield page
        browser.close()


def _menu(page, menu: str, item: str) -> None:
    """Click ``item`` (its label starts so) in the menu bar's ``menu``."""
    page.locator(f'.lm-MenuBar-itemLabel:text-is("{menu}")').click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def _idle(page):
    """The status bar's kernel item once the kernel is idle."""
    return page.locator(".jp-StatusBar-TextItem", has_text="| Idle")


def _run_all(page, panel, timeout_s: float = 300) -> list[str]:
    """Run every cell, then wait until each code cell shows an execution count."""
    # Run All is disabled until the kernel is up: wait for it first.
    _idle(page).wait_for(timeout=120_000)
    _menu(page, "Run", "Run All Cells")
    prompts = panel.locator(".jp-CodeCell .jp-InputPrompt")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        texts = [t.strip() for t in prompts.all_inner_texts()]
        done = texts and all(t.startswith("[") and t[1:-2].isdigit() for t in texts)
        idle = _idle(page).count() > 0
        if done and idle:
            return texts
        page.wait_for_timeout(500)
    raise AssertionError(f"cells still running or never run after {timeout_s} s: {texts}")


def _open(page, name: str):
    """Double-click ``name`` in the file browser; its notebook panel, checked to be one."""
    item = page.locator(f'.jp-DirListing-item[title*="{name}"]').first
    item.wait_for(timeout=60_000)
    item.dblclick()
    tab = page.locator(".lm-TabBar-tab.jp-mod-current", has_text=name)
    tab.wait_for(timeout=60_000)
    panel = page.locator(f'.jp-NotebookPanel[aria-labelledby="{tab.get_attribute("id")}"]')
    panel.wait_for(timeout=60_000)  # a notebook, not a Python file in the text editor
    assert page.locator(".jp-FileEditor:visible").count() == 0
    return panel


def _open_and_run(page, name: str):
    """Open ``name`` by double-click and run all its cells; the notebook panel."""
    panel = _open(page, name)
    prompts = _run_all(page, panel)
    assert len(prompts) == panel.locator(".jp-CodeCell").count() > 0
    return panel


def _problems(panel) -> list[str]:
    """The text of every error and stderr output of the notebook."""
    return panel.locator(
        '[data-mime-type="application/vnd.jupyter.stderr"], '
        '[data-mime-type="application/vnd.jupyter.error"]'
    ).all_inner_texts()


#: The names the embedded map shows (``[data-label]`` elements not hidden).
_VISIBLE_NAMES = (
    "() => Array.from(document.querySelectorAll('[data-label]'))"
    ".filter(e => !e.hidden && e.getBoundingClientRect().width > 0).map(e => e.dataset.label)"
)


def _embedded_map_names(page, panel) -> list[str]:
    """The theme names drawn by notebook 04's first embedded map, once it is ready."""
    frame_el = panel.locator("iframe.landscape-map-embed").first
    frame_el.scroll_into_view_if_needed(timeout=60_000)
    frame = frame_el.element_handle().content_frame()
    assert frame is not None, "the map's iframe has no document"
    frame.wait_for_function("window.landscapeReady === true", timeout=60_000)
    return frame.evaluate(_VISIBLE_NAMES)


def _save_and_close(page, panel) -> None:
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)
    _menu(page, "File", "Close and Shut")
    dialog = page.locator(".jp-Dialog")
    if dialog.count():  # "shut down the kernel?" in some versions
        dialog.locator("button.jp-mod-accept").click()
    panel.wait_for(state="detached", timeout=30_000)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_opens_by_double_click_and_runs_clean(page, project, name):
    panel = _open_and_run(page, name)
    assert _problems(panel) == []
    assert panel.locator(".jp-OutputArea-output").count() > 0
    if name.startswith(("04", "05")):
        assert panel.locator(".js-plotly-plot").count() > 0
    if name.startswith("04"):
        # The map and the search hits: the page of map.html, inside the notebook.
        assert panel.locator("iframe.landscape-map-embed").count() >= 2
        names = _embedded_map_names(page, panel)
        topics = pd.read_parquet(project / "runs" / "default" / "topics.parquet")
        known = set(topics["label"]) | set(topics["name"])
        themes = set(topics.loc[topics["level"] == 0, ["label", "name"]].stack())
        assert names and set(names) <= known, names
        assert themes & set(names), (names, themes)  # opened on the themes' names
    # Saved and closed, the text notebook on disk comes back as it was.
    _save_and_close(page, panel)
    assert _git(project, "status", "--porcelain", "--untracked-files=no") == ""


@pytest.mark.slow
def test_the_checks_see_stderr_and_errors(page, lab, project):
    # The same checks on a notebook that warns and then fails: they must see both.
    header = (ROOT / "notebooks" / NOTEBOOKS[0]).read_text().split("# ---\n")[1]
    cells = '# %%\nimport sys\n\nprint("careful", file=sys.stderr)\n\n# %%\n1 / 0\n'
    (project / "notebooks" / "99-broken.py").write_text(f"# ---\n{header}# ---\n\n{cells}")
    page.goto(f"{lab}/lab/tree/notebooks", wait_until="domcontentloaded")  # lists the new file
    panel = _open(page, "99-broken.py")
    _idle(page).wait_for(timeout=120_000)
    _menu(page, "Run", "Run All Cells")
    panel.locator(
        '[data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output'
    ).first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)
    problems = _problems(panel)
    assert any("careful" in p for p in problems)
    assert any("ZeroDivisionError" in p for p in problems)
    _save_and_close(page, panel)
