"""Print a self-contained HTML page to PDF with Chromium.

:func:`print_pdf` loads a self-contained page into headless Chromium through
Playwright (the browser the project's tests already drive) and prints it with
the page's own print CSS: A4, selectable text, a tagged PDF (a structure tree
that screen readers follow, and tests use to check where figures fell) and an
outline from the headings. Every request the page makes is refused, so the PDF can only
show what the HTML carries.

The browser is ``LANDSCAPE_CHROMIUM`` when set, else the Chrome-family browser
kaleido uses (:func:`landscape.report.static.find_browser`: ``BROWSER_PATH``,
``/usr/bin/chromium``, ...). Playwright's own browser download is never needed.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from landscape.errors import LandscapeError
from landscape.io import write_bytes
from landscape.report.static import find_browser

#: Environment variable naming the Chromium executable to print with.
BROWSER_ENV = "LANDSCAPE_CHROMIUM"
#: Headless flags: no sandbox (root in containers), none of Chromium's own network calls.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_path() -> str:
    """The Chromium executable to print with.

    Raises:
        LandscapeError: ``LANDSCAPE_CHROMIUM`` names no file, or no browser is installed.
    """
    named = os.environ.get(BROWSER_ENV)
    if named:
        if not Path(named).is_file():
            raise LandscapeError(f"{BROWSER_ENV}={named}: no such browser executable")
        return named
    found = find_browser()
    if found is None:
        raise LandscapeError(
            "no Chromium to print the PDF with; install it (apt-get install chromium) "
            f"or set {BROWSER_ENV}"
        )
    return found


def print_pdf(
    html: str,
    path: str | os.PathLike[str],
    *,
    paper: str = "A4",
    timeout_s: float = 60.0,
) -> Path:
    """Print a self-contained HTML page to ``path`` (atomically).

    Args:
        html: The whole page. It is loaded with no base URL and every request it
            makes is aborted, so only inline content (data: images) is printed.
        path: The PDF to write.
        paper: Paper format understood by Chromium (``A4``, ``Letter``), for a
            page whose print CSS sets none: its ``@page`` rule (size and
            margins) wins.
        timeout_s: Seconds allowed to load and print.

    Returns:
        ``path``.

    Raises:
        LandscapeError: No browser, Playwright is missing, or printing failed.
    """
    executable = chromium_path()
    try:
        from playwright.sync_api import Error as PlaywrightError
    except ImportError:
        raise LandscapeError("the playwright package is missing; pip install playwright") from None
    # Playwright's sync API refuses to run where an event loop runs (a notebook, a
    # test that drives a browser of its own): a thread of its own has none.
    with ThreadPoolExecutor(max_workers=1) as pool:
        job = pool.submit(_print, html, executable, paper, timeout_s)
        try:
            data = job.result()
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LandscapeError(f"printing the PDF with {executable} failed: {first}") from None
    return write_bytes(path, data)


def _print(html: str, executable: str, paper: str, timeout_s: float) -> bytes:
    """The PDF bytes of ``html`` printed by the Chromium at ``executable``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.set_default_timeout(timeout_s * 1000)
            # The page is self-contained; anything it would fetch is refused.
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            page.emulate_media(media="print")
            return page.pdf(
                format=paper,
                print_background=True,
                prefer_css_page_size=True,
                tagged=True,
                outline=True,
            )
        finally:
            browser.close()
