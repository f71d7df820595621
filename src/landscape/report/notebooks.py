"""Execute the numbered notebooks and render them as self-contained HTML pages.

:func:`render_notebooks` takes each ``notebooks/NN-*.py`` (jupytext ``py:percent``)
in order, converts it to ``.ipynb`` in a scratch folder, executes it with
papermill (parameters injected, working folder = the project root) and exports it
with nbconvert to ``out_dir/NN-name.html``. The summary page that links them,
``index.html``, is :mod:`landscape.report.summary`'s.

Offline pages. Two things would otherwise make a page load from a CDN or render
blank:

- nbconvert's ``lab`` template loads require.js and MathJax from cdnjs. The
  pages use a template derived from it with those blocks emptied (require.js
  would also turn plotly.js into an AMD module, so ``window.Plotly`` would never
  be set and every figure would stay blank).
- plotly's ``notebook`` renderer asks for MathJax from a CDN in every figure.
  During rendering a hidden first cell registers the renderer
  :data:`OFFLINE_RENDERER` and makes ``plotly_mimetype+landscape_offline`` the
  default: each ``fig.show()`` emits the plotly JSON (drawn by JupyterLab's plotly
  extension) and ``text/html`` holding the figure, with plotly.js inlined in the
  first figure of the page only and no MathJax. nbconvert picks ``text/html``.

Opened in JupyterLab, the notebooks use plotly's default renderer and are
interactive as usual; nothing above is in the notebook files.

Pages for readers. The pages are read by people who never open a notebook, so
the code that made them is hidden in the HTML only (the notebooks stay as they
are): the template adds one "Show code" button (top right, a real ``<button>``
with ``aria-pressed``; its label becomes "Hide code"), and the page's CSS
(:data:`PAGE_CSS`, inlined) hides every code input, and every code cell without
output, until it is pressed; outputs and markdown always show. Prompts
(``In [3]:``) are left out. Printing keeps the state on screen. Every HTML output
holding a ``<table>`` (pandas, Styler) sits in a box of bounded height that
scrolls both ways, its header row kept in view; the page's script
(:data:`PAGE_JS`, inlined too) runs the button, aligns text columns left and
notes under a box that it scrolls. Without JavaScript the code is shown.

The kernel: ``kernel_name="python3"`` always runs this interpreter
(``sys.executable``), whatever kernelspecs the user has installed: a private
``python3`` kernelspec pointing at ``sys.executable`` is put first on
``JUPYTER_PATH`` while the notebooks run. So a fresh virtual environment needs no
``ipykernel install`` step.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from landscape.errors import LandscapeError
from landscape.io import write_text
from landscape.report.provenance import package_version, provenance_footer

#: Name of the plotly renderer registered in the kernel while rendering.
OFFLINE_RENDERER = "landscape_offline"
#: Cell tag of the hidden set-up cell (removed from the HTML).
SETUP_TAG = "landscape-setup"
#: Notebook files rendered: ``NN-name.py``.
NOTEBOOK_PATTERN = re.compile(r"^\d\d-[A-Za-z0-9_-]+\.py$")
#: The page's stylesheet and script (package files next to this module), inlined.
PAGE_CSS, PAGE_JS = "notebook_page.css", "notebook_page.js"

_SETUP_SOURCE = (
    "# Set by landscape.report.notebooks: figures as self-contained HTML (not in the page).\n"
    "from landscape.report.notebooks import use_offline_plotly\n"
    "\n"
    "use_offline_plotly()\n"
)

# The lab template without anything fetched from a CDN, plus: the page's own CSS
# after JupyterLab's (so it wins at equal specificity), the "Show code" button,
# table outputs wrapped in a scrolling box, the provenance footer and the page's
# script. Without JavaScript the button could not work, so the code is shown.
_TEMPLATE_NAME = "landscape_offline.html.j2"
_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block extra_css %}
<style type="text/css">
.landscape-provenance { margin: 2em auto; max-width: 1100px; padding: 1em;
  border-top: 1px solid #ccc; font: 13px/1.5 sans-serif; color: #444; }
.landscape-provenance pre { white-space: pre-wrap; font-size: 12px; }
</style>
{% endblock extra_css %}
{% block html_head_css %}
<style type="text/css">
{{ resources.landscape_css }}
</style>
<noscript><style type="text/css">
body:not(.landscape-show-code) .jp-CodeCell > .jp-Cell-inputWrapper,
body:not(.landscape-show-code) .jp-CodeCell.jp-mod-noOutputs { display: block; }
.landscape-code-toggle { display: none; }
</style></noscript>
{% endblock html_head_css %}
{%- block body_header -%}
{{ super() }}
<button type="button" class="landscape-code-toggle" aria-pressed="false"
 title="Show or hide the Python code that made this page">Show code</button>
{%- endblock body_header -%}
{% block data_html scoped -%}
{%- set html_out = output.data['text/html'] -%}
{%- if '<table' in html_out and 'plotly-graph-div' not in html_out -%}
<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output {{ extra_class }}" \
data-mime-type="text/html">
<div class="landscape-table-box" role="region" tabindex="0" aria-label="Table">
{%- if resources.should_sanitize_html %}
{{ html_out | clean_html }}
{%- else %}
{{ html_out }}
{%- endif %}
</div>
</div>
{%- else -%}
{{ super() }}
{%- endif -%}
{%- endblock data_html %}
{% block body_footer %}
{{ resources.landscape_footer }}
</main>
<script>
{{ resources.landscape_js }}
</script>
</body>
{% endblock body_footer %}
"""


def use_offline_plotly() -> None:
    """Make ``fig.show()`` emit self-contained HTML (and plotly JSON) in this kernel.

    Registers :data:`OFFLINE_RENDERER` and sets the default renderer to
    ``plotly_mimetype+landscape_offline``. The first figure shown carries
    plotly.js inline; later ones reuse it. No MathJax, no CDN.
    """
    import plotly.io as pio
    from plotly.io._base_renderers import MimetypeRenderer

    # plotly copies a renderer before each use, so the state lives outside it.
    state = {"plotlyjs_sent": False}

    class _OfflineHtml(MimetypeRenderer):
        def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, str]:
            page = pio.to_html(
                fig_dict,
                config={"displaylogo": False, "responsive": True},
                include_plotlyjs=not state["plotlyjs_sent"],
                include_mathjax=False,
                full_html=False,
                default_width="100%",
                default_height=525,
                validate=False,
            )
            state["plotlyjs_sent"] = True
            return {"text/html": page}

    pio.renderers[OFFLINE_RENDERER] = _OfflineHtml()
    pio.renderers.default = f"plotly_mimetype+{OFFLINE_RENDERER}"


def find_notebooks(notebook_dir: str | os.PathLike[str]) -> list[Path]:
    """Return the ``NN-name.py`` notebooks of a folder, in order."""
    folder = Path(notebook_dir)
    return sorted(p for p in folder.iterdir() if p.is_file() and NOTEBOOK_PATTERN.match(p.name))


def notebook_parameters(
    *,
    raw_dir: str | os.PathLike[str] = "data/raw",
    processed_dir: str | os.PathLike[str] = "data/processed",
    interim_dir: str | os.PathLike[str] = "data/interim",
    runs_dir: str | os.PathLike[str] = "runs",
    run_name: str = "default",
    seed: int = 42,
    model: str = "all-MiniLM-L6-v2",
    **extra: Any,
) -> dict[str, Any]:
    """Build the parameters the notebooks understand (each takes those it declares).

    Args:
        raw_dir: Source folder (notebook 01).
        processed_dir: Folder of ``corpus.parquet``.
        interim_dir: Cache folder (embeddings under ``interim_dir/embeddings``).
        runs_dir: Folder of runs.
        run_name: The run shown: ``runs_dir/run_name``.
        seed: Seed, used only when a notebook has to fit.
        model: Embedding model.
        **extra: Further parameters passed as given (e.g. ``by``, ``freq``).

    Returns:
        Plain data (strings, numbers) for papermill.
    """
    params: dict[str, Any] = {
        "raw_dir": str(raw_dir),
        "processed_dir": str(processed_dir),
        "corpus_path": str(Path(processed_dir) / "corpus.parquet"),
        "interim_dir": str(interim_dir),
        "runs_dir": str(runs_dir),
        "run_name": run_name,
        "seed": int(seed),
        "model": model,
    }
    params.update(extra)
    return params


@functools.cache
def _ipc_kernel_manager() -> type:
    """A kernel manager whose kernels talk over local sockets, not TCP.

    Over TCP without CurveZMQ keys every kernel prints a warning that its traffic
    is unencrypted; over IPC (Unix sockets in the kernel's runtime folder)
    nothing listens on the network, so there is nothing to warn about.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    return IPCKernelManager


@contextlib.contextmanager
def _this_interpreter_as(kernel_name: str, scratch: Path) -> Iterator[None]:
    """Let ``kernel_name`` resolve to a kernelspec running ``sys.executable``.

    A kernelspec of that name is written under ``scratch`` and ``scratch`` is put
    first on ``JUPYTER_PATH`` (searched before the user's and the system's
    kernelspecs) for the duration of the block.
    """
    spec_dir = scratch / "kernels" / kernel_name
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python {sys.version_info.major} (landscape)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "PYDEVD_DISABLE_FILE_VALIDATION")}
    paths = [str(scratch)] + ([saved["JUPYTER_PATH"]] if saved["JUPYTER_PATH"] else [])
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    # Silences the debugger's "frozen modules" warning in every kernel's stderr.
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _declared_parameters(nb: Any) -> set[str] | None:
    """Names assigned in the ``parameters`` cell (``None`` when there is none)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            names = re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]*)?=", cell.source, flags=re.M)
            return set(names)
    return None


def _read_provenance(parameters: Mapping[str, Any], root: Path) -> dict[str, Any]:
    """The run's ``provenance.json`` named by the parameters, or ``{}``."""
    if "runs_dir" not in parameters or "run_name" not in parameters:
        return {}
    from landscape.runs import read_provenance

    run = Path(str(parameters["runs_dir"])) / str(parameters["run_name"])
    try:
        return read_provenance(run if run.is_absolute() else root / run)
    except LandscapeError:  # no run yet: the footer names no run
        return {}


def provenance_html(
    provenance: Mapping[str, Any], parameters: Mapping[str, Any], rendered: str
) -> str:
    """A provenance footer: corpus hash, run settings, versions, dates (all escaped)."""
    versions = dict(provenance.get("versions", {}))
    for name in ("landscape", "plotly", "papermill", "nbconvert", "jupytext"):
        versions.setdefault(name, package_version(name))
    versions.setdefault("python", ".".join(map(str, sys.version_info[:3])))
    rows = [
        ("rendered", rendered),
        ("run fitted", provenance.get("created", "unknown")),
        ("corpus SHA-256", provenance.get("corpus_sha256", "unknown")),
        ("papers", provenance.get("n_docs", "unknown")),
        ("model", provenance.get("model", parameters.get("model", "unknown"))),
        ("seed", provenance.get("seed", parameters.get("seed", "unknown"))),
    ]
    details = [
        ("Notebook parameters", dict(parameters)),
        ("Run configuration", provenance.get("config", {})),
    ]
    return provenance_footer(rows, versions, details, table_style="text-align:left")


def _exporter(footer: str) -> tuple[Any, dict[str, Any]]:
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
        template_file=_TEMPLATE_NAME,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(_remove_setup_cells, enabled=True)
    return exporter, {
        "landscape_footer": footer,
        "landscape_css": _asset(PAGE_CSS),
        "landscape_js": _asset(PAGE_JS),
    }


def _asset(name: str) -> str:
    return resources.files("landscape.report").joinpath(name).read_text(encoding="utf-8")


def _remove_setup_cells(nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    nb.cells = [c for c in nb.cells if SETUP_TAG not in c.metadata.get("tags", [])]
    return nb, resources


def _title(path: Path) -> str:
    stem = path.stem.split("-", 1)
    return f"{stem[0]}. {stem[1].replace('-', ' ').capitalize()}" if len(stem) == 2 else path.stem


def render_notebooks(
    notebook_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    parameters: Mapping[str, Any],
    *,
    kernel_name: str = "python3",
    timeout: int = 600,
    cwd: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Execute each ``NN-*.py`` notebook with ``parameters`` and write it as HTML.

    Args:
        notebook_dir: Folder of jupytext ``py:percent`` notebooks named ``NN-name.py``.
        out_dir: Folder of the pages (``out_dir/NN-name.html``), created if missing.
        parameters: Papermill parameters (see :func:`notebook_parameters`); each
            notebook receives only those its ``parameters`` cell declares.
        kernel_name: Jupyter kernel; ``"python3"`` is this interpreter.
        timeout: Seconds allowed per cell.
        cwd: Working folder of the kernels (relative paths resolve against it);
            default the current folder, the project root.

    Returns:
        The HTML files written, in notebook order.

    Raises:
        FileNotFoundError: No notebook in ``notebook_dir``.
        papermill.PapermillExecutionError: A notebook cell failed; nothing is
            written for that notebook.
    """
    import jupytext
    import nbformat
    import papermill as pm

    notebooks = find_notebooks(notebook_dir)
    if not notebooks:
        raise FileNotFoundError(f"{notebook_dir}: no NN-name.py notebooks")
    root = Path(cwd) if cwd is not None else Path.cwd()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rendered = datetime.now(UTC).isoformat(timespec="seconds")
    footer = provenance_html(_read_provenance(parameters, root), parameters, rendered)
    exporter, extra_resources = _exporter(footer)
    pages: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="landscape-notebooks-") as scratch_name:
        scratch = Path(scratch_name)
        with (
            _this_interpreter_as(kernel_name, scratch / "jupyter")
            if kernel_name == ("python3")
            else contextlib.nullcontext()
        ):
            for path in notebooks:
                nb = jupytext.read(path, fmt="py:percent")
                setup = nbformat.v4.new_code_cell(_SETUP_SOURCE, metadata={"tags": [SETUP_TAG]})
                nb.cells.insert(0, setup)
                nb.metadata["title"] = _title(path)
                nb.metadata["kernelspec"] = {
                    "name": kernel_name,
                    "display_name": kernel_name,
                    "language": "python",
                }
                source = scratch / f"{path.stem}.ipynb"
                executed = scratch / f"{path.stem}.out.ipynb"
                nbformat.write(nb, source)
                declared = _declared_parameters(nb)
                params = {k: v for k, v in parameters.items() if declared is None or k in declared}
                pm.execute_notebook(
                    str(source),
                    str(executed),
                    parameters=params,
                    kernel_name=kernel_name,
                    cwd=str(root),
                    execution_timeout=timeout,
                    progress_bar=False,
                    log_output=False,
                    kernel_manager_class=_ipc_kernel_manager(),
                )
                result = nbformat.read(executed, as_version=4)
                body, _ = exporter.from_notebook_node(
                    result,
                    resources={"metadata": {"name": nb.metadata["title"]}, **extra_resources},
                )
                pages.append(write_text(out / f"{path.stem}.html", body))
    return pages
