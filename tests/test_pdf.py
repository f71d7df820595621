"""Printing a page to PDF with Chromium (landscape.report.pdf)."""

from __future__ import annotations

import asyncio
import http.server
import threading

import pytest
from pypdf import PdfReader

from conftest import require_chromium
from landscape.errors import LandscapeError
from landscape.report.pdf import BROWSER_ENV, chromium_path, print_pdf

require_chromium()

PAGE = "<!DOCTYPE html><html><body><h1>Hello PDF</h1><p>Selectable text.</p></body></html>"


def test_prints_tagged_selectable_text_on_a4(tmp_path):
    path = print_pdf(PAGE, tmp_path / "out.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    reader = PdfReader(str(path))
    assert "Hello PDF" in reader.pages[0].extract_text()
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert width == pytest.approx(595.3, abs=1) and height == pytest.approx(841.9, abs=1)  # A4


def test_the_pages_own_page_size_wins(tmp_path):
    page = PAGE.replace("<body>", "<head><style>@page { size: 100mm 50mm }</style></head><body>")
    reader = PdfReader(str(print_pdf(page, tmp_path / "out.pdf")))
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert width == pytest.approx(283.5, abs=1) and height == pytest.approx(141.7, abs=1)


def test_requests_are_refused(tmp_path):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        page = PAGE.replace(
            "</body>",
            f'<img src="{url}/a.png"><link rel="stylesheet" href="{url}/b.css"></body>',
        )
        path = print_pdf(page, tmp_path / "out.pdf", timeout_s=20)
    finally:
        server.shutdown()
    assert path.exists() and hits == []


def test_runs_where_an_event_loop_runs(tmp_path):
    # A notebook kernel runs an asyncio loop; Playwright's sync API refuses one.
    async def inside():
        return print_pdf(PAGE, tmp_path / "out.pdf")

    assert asyncio.run(inside()).exists()


def test_a_missing_browser_raises_and_leaves_the_old_file(tmp_path, monkeypatch):
    old = tmp_path / "out.pdf"
    old.write_bytes(b"%PDF old")
    monkeypatch.setenv(BROWSER_ENV, str(tmp_path / "nowhere" / "chromium"))
    with pytest.raises(LandscapeError, match=BROWSER_ENV):
        chromium_path()
    with pytest.raises(LandscapeError, match="no such browser"):
        print_pdf(PAGE, old)
    assert old.read_bytes() == b"%PDF old"
    assert not [p for p in tmp_path.iterdir() if p.name != "out.pdf"]


def test_a_browser_that_fails_is_an_error(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv(BROWSER_ENV, str(fake))
    with pytest.raises(LandscapeError, match="printing the PDF with"):
        print_pdf(PAGE, tmp_path / "out.pdf", timeout_s=10)
    assert not (tmp_path / "out.pdf").exists()
