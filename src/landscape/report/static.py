"""Static copies of the figures (PNG, SVG and, where asked, PDF) for papers and slides.

plotly exports images through kaleido, which drives a Chrome-family browser.
Kaleido's own Chrome download does not work offline, so the system Chromium is
used: ``BROWSER_PATH`` when set, else ``/usr/bin/chromium`` when present.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go

from landscape.errors import LandscapeError

#: Size of exported figures in CSS pixels; ``scale`` multiplies it for PNG.
PRINT_WIDTH, PRINT_HEIGHT, PNG_SCALE = 1200, 800, 2


@dataclass(frozen=True)
class PrintSize:
    """Export size of one figure.

    Attributes:
        width: Width in CSS pixels (also the layout width the figure is drawn at).
        height: Height in CSS pixels.
        scale: PNG pixels per CSS pixel (SVG and PDF are vectors).
    """

    width: int = PRINT_WIDTH
    height: int = PRINT_HEIGHT
    scale: float = PNG_SCALE


def find_browser() -> str | None:
    """The Chrome-family browser kaleido will use, or ``None`` if there is none."""
    for candidate in (
        os.environ.get("BROWSER_PATH"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("google-chrome")


def write_static_figures(
    figures: Mapping[str, go.Figure],
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = ("png", "svg"),
    *,
    formats_of: Mapping[str, Sequence[str]] | None = None,
    sizes: Mapping[str, PrintSize] | None = None,
) -> list[Path]:
    """Write every figure in every format into ``out_dir`` as ``NAME.FORMAT``.

    All images are rendered in one browser session, written to a temporary
    folder and moved into place, so a failure leaves no half-written image.

    Args:
        figures: ``{file stem: figure}``; stems must be plain file names.
        out_dir: Folder for the images (``reports/figures``).
        formats: Image formats understood by kaleido (png, svg, pdf, ...).
        formats_of: ``{stem: formats}`` for figures that need others than ``formats``.
        sizes: ``{stem: size}`` for figures drawn for a size of their own (the
            static map places its names in pixels); others get :class:`PrintSize`.

    Returns:
        The paths written.

    Raises:
        LandscapeError: No Chrome-family browser is installed.
    """
    browser = find_browser()
    if browser is None:
        raise LandscapeError(
            "no Chromium found for static figures; install it (apt-get install chromium) "
            "or set BROWSER_PATH"
        )
    os.environ.setdefault("BROWSER_PATH", browser)
    import plotly.io as pio

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        figs, paths, scales, widths, heights = [], [], [], [], []
        for stem, fig in figures.items():
            if Path(stem).name != stem or stem in {"", ".", ".."}:
                raise ValueError(f"figure name {stem!r} must be a plain file name")
            size = (sizes or {}).get(stem, PrintSize())
            for fmt in (formats_of or {}).get(stem, formats):
                sized = go.Figure(fig).update_layout(width=size.width, height=size.height)
                figs.append(sized)
                paths.append(Path(tmp) / f"{stem}.{fmt}")
                scales.append(size.scale)
                widths.append(size.width)
                heights.append(size.height)
        # Sizes are passed explicitly: write_images ignores the layout's own size
        # and would draw every figure at its 700 x 500 default.
        pio.write_images(figs, paths, scale=scales, width=widths, height=heights)
        # Kaleido can skip an image without raising (a PDF too large to print):
        # check them all before any is moved, so nothing half-done is left.
        missing = [p.name for p in paths if not p.is_file() or p.stat().st_size == 0]
        if missing:
            raise LandscapeError(f"kaleido wrote no image for {', '.join(missing)}")
        for path in paths:
            final = out / path.name
            os.replace(path, final)
            written.append(final)
    return written
