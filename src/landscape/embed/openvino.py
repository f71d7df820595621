"""The OpenVINO CPU backend: a sentence-transformers model's transformer run by OpenVINO.

Measured on the default corpus with 2 cores (``benchmarks/embed_variants.py``):

- on an Intel Xeon with AVX-512 VNNI (no AMX), int8 embeds 56-66 abstracts/s
  against 33-41/s for fp32 (torch or OpenVINO), with a mean cosine of 0.9993
  to the fp32 vectors and 97% of 10 nearest neighbours kept; bf16 there is
  slower than fp32 (20-23/s);
- on an AMD EPYC with AVX-512 BF16, bf16 embeds 54-57/s against 37-43/s for
  torch under bf16 autocast and 19-27/s for torch fp32 (mean cosine 0.99998,
  99.4% of 10 nearest neighbours kept).

int8 is data-free: every matrix-product weight is stored in 8 bits (one scale
and zero point per output row, :func:`compress_int8`) and the CPU plugin
quantises each row of activations on the fly (groups of
:data:`INT8_GROUP_SIZE` values), so no calibration corpus is involved and the
vectors depend on the weights alone. (NNCF's ``compress_weights`` INT8_ASYM
does the same with 2.8 s of overhead instead of 0.07 s; its vectors agree
slightly less with fp32: mean cosine 0.99926 against 0.99936.)

Only the transformer runs in OpenVINO: the model's own tokenizer prepares each
batch and its own pooling and normalisation modules (torch, fp32) turn the
token embeddings into sentence vectors, so any sentence-transformers model whose
first module is a text ``Transformer`` works. The converted graphs (OpenVINO IR;
fp32 weights, or int8 ones) can be cached on disk; a cached graph gives the same
vectors, bit for bit, as a fresh conversion.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from landscape.errors import LandscapeError

log = logging.getLogger(__name__)

#: OpenVINO's inference precision for each precision asked for (int8 computes
#: its int8 matrix products from a graph whose weights :func:`compress_int8` stored).
_HINTS = {"fp32": "f32", "bf16": "bf16", "int8": "f32"}
#: int8: each row of activations is quantised on the fly in groups of this many
#: values (the CPU plugin's dynamic quantisation). Measured on the default corpus,
#: 2 cores: groups of 64 -> 57-66/s, mean cosine 0.99935, kNN-10 kept 0.970;
#: 128 -> 64-70/s, 0.99915, 0.963; 32 about 10% slower than 64.
INT8_GROUP_SIZE = 64
#: Graphs converted in this process, by :func:`_graph_key` (and kind), the most
#: recently used last. Bounded: a process that embeds with many models in turn
#: keeps the graphs of the last few only (a graph holds the model's weights).
_CONVERTED: OrderedDict[str, Any] = OrderedDict()
_MAX_CONVERTED = 4


def available() -> bool:
    """Whether the ``openvino`` package is installed (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


def unsupported_reason(encoder: Any) -> str | None:
    """Why a loaded ``SentenceTransformer`` cannot run on OpenVINO, or ``None`` if it can.

    The backend replaces the first module's forward pass only: it must be a text
    ``Transformer`` whose output is the last hidden state, stored as
    ``token_embeddings`` for the modules after it.
    """
    from sentence_transformers.base.modules.transformer import Transformer

    modules = list(encoder.children())
    if not modules or not isinstance(modules[0], Transformer):
        return "its first module is not a sentence-transformers Transformer"
    first = modules[0]
    text = getattr(first, "modality_config", {}).get("text", {})
    if text.get("method") != "forward" or text.get("method_output_name") != "last_hidden_state":
        return "its transformer does not return the last hidden state for text"
    if getattr(first, "module_output_name", "token_embeddings") != "token_embeddings":
        return "its transformer does not output token embeddings"
    return None


def _graph_key(model_id: str) -> str:
    """Folder name of a cached graph: the weights, and the versions that traced them."""
    import openvino
    import torch
    import transformers

    versions = f"{openvino.__version__}|{torch.__version__}|{transformers.__version__}"
    return f"{model_id}-{hashlib.sha256(versions.encode()).hexdigest()[:10]}"


def _int8_key(key: str) -> str:
    """Folder name of a cached int8 graph: its fp32 graph's and the scheme's version."""
    return f"{key}-int8-{INT8_SCHEME}"


#: Version of :func:`compress_int8`'s output: change it whenever the scheme
#: changes, so no graph cached by another scheme is read.
INT8_SCHEME = "asym-u8-rows-v1"


def int8_tag() -> str:
    """Short id of the int8 scheme and activation group size (part of the cache's model id)."""
    return hashlib.sha256(f"{INT8_SCHEME}|{INT8_GROUP_SIZE}".encode()).hexdigest()[:6]


def quantize_rows(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric 8-bit quantisation of each row of a weight matrix.

    The range of each row is widened to include 0 and split into 255 steps; the
    scale is stored in fp16 (as the CPU plugin's decompression pattern wants
    it), rounded up, and the weights are rounded against that stored scale, so
    that ``(q - zero_point) * scale`` is within half a step of ``weight``.

    Args:
        weight: float ndarray of shape (n_out, n_in).

    Returns:
        ``(q, zero_point, scale)``: uint8 (n_out, n_in), uint8 (n_out, 1) and
        float16 (n_out, 1).
    """
    w = np.asarray(weight, dtype=np.float32)
    low = np.minimum(w.min(axis=1, keepdims=True), 0.0)
    high = np.maximum(w.max(axis=1, keepdims=True), 0.0)
    exact = (high - low) / 255.0
    scale = exact.astype(np.float16)
    # Rounded up, never down: 255 steps must still span the row, else its ends
    # would be clipped by more than half a step.
    short = scale.astype(np.float32) < exact
    scale[short] = np.nextafter(scale[short], np.float16(np.inf))
    scale[scale == 0] = np.float16(1.0)  # an all-zero row: any scale gives zeros back
    step = scale.astype(np.float32)
    zero_point = np.clip(np.round(-low / step), 0, 255)
    q = np.clip(np.round(w / step + zero_point), 0, 255)
    return q.astype(np.uint8), zero_point.astype(np.uint8), scale


def compress_int8(graph: Any) -> Any:
    """A copy of ``graph`` whose constant matrix-product weights are stored in int8.

    Each weight becomes ``uint8 -> f16, minus zero point, times scale -> f32``
    (:func:`quantize_rows`, one scale per output row): the pattern OpenVINO's
    CPU plugin runs as an int8 matrix product, quantising the activations on
    the fly. Data-free: no calibration texts, so the graph (and every vector it
    gives) depends on the weights alone, whatever corpus is embedded first.
    ``graph`` itself is not modified.
    """
    import openvino as ov
    from openvino import opset13 as ops

    f32 = ov.Type.f32
    out = graph.clone()
    for op in out.get_ordered_ops():
        if op.get_type_name() != "MatMul":
            continue
        source = op.input(1).get_source_output().get_node()
        if source.get_type_name() != "Constant" or source.get_output_element_type(0) != f32:
            continue
        weight = source.get_data()
        if weight.ndim != 2:
            continue
        # Rows must be output channels: (n_out, n_in) is MatMul's transpose_b layout.
        transpose_b = op.get_attributes().get("transpose_b", False)
        q, zero_point, scale = quantize_rows(weight if transpose_b else weight.T)
        if not transpose_b:
            q, zero_point, scale = q.T.copy(), zero_point.T.copy(), scale.T.copy()
        centred = ops.subtract(
            ops.convert(ops.constant(q), "f16"), ops.convert(ops.constant(zero_point), "f16")
        )
        weights = ops.convert(ops.multiply(centred, ops.constant(scale)), "f32")
        op.input(1).replace_source_output(weights.output(0))
    out.validate_nodes_and_infer_types()
    return out


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for name in ("model.xml", "model.bin"):
        with open(folder / name, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def _one_torch_thread() -> Any:
    """Run torch on one thread for a moment, then restore its thread count.

    Pooling a batch is a millisecond of work; on more threads, torch's OpenMP
    workers then spin-wait for the next parallel region while OpenVINO's own
    threads need the same cores (measured: 53 -> 45 abstracts/s on 2 cores).
    """
    import torch

    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _save_graph(graph: Any, folder: Path) -> None:
    """Write a graph to ``folder`` atomically: a reader sees a whole graph or none."""
    import openvino as ov

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        # fp32 weights: fp16 compression would change the vectors of a cached graph.
        ov.save_model(graph, str(tmp / "model.xml"), compress_to_fp16=False)
        (tmp / "digest").write_text(_digest(tmp), encoding="ascii")
        if folder.exists():  # a damaged copy
            shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # another process got there first
            os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class OpenVINOEncoder:
    """A ``SentenceTransformer`` whose transformer runs in OpenVINO on the CPU.

    Args:
        encoder: A loaded ``SentenceTransformer`` on the CPU; it is not modified.
        model_id: :func:`landscape.embed.model_identity` of its weights (fp32
            form), naming the cached graph.
        graph_cache: Folder for converted graphs, or ``None`` to convert in
            memory on every load (2-3 s for MiniLM).

    Raises:
        LandscapeError: The model cannot run on OpenVINO (see
            :func:`unsupported_reason`), or OpenVINO cannot convert it.
    """

    def __init__(
        self,
        encoder: Any,
        model_id: str,
        graph_cache: str | os.PathLike[str] | None = None,
        name: str = "",
    ) -> None:
        import openvino as ov

        reason = unsupported_reason(encoder)
        if reason is not None:
            raise LandscapeError(
                f"the embedding model cannot run on OpenVINO: {reason}; set embed.backend = 'torch'"
            )
        self.encoder = encoder
        self.name = name
        self.device = "cpu"
        self.max_seq_length = encoder.max_seq_length
        self._modules = list(encoder.children())
        self._core = ov.Core()
        self._compiled: dict[tuple[str, int], Any] = {}
        self._key = _graph_key(model_id)
        self._cache = Path(graph_cache) if graph_cache is not None else None
        # Loaded on first use: an int8 run whose int8 graph is cached never
        # needs the fp32 one.
        self._graphs: dict[str, Any] = {}

    def graph(self, kind: str = "fp", save: bool = True) -> Any:
        """The OpenVINO graph: ``"fp"`` (fp32 weights) or ``"int8"`` (int8 weights).

        Read from the graph cache when a whole copy is there, else converted
        (and compressed) and, with ``save``, written to it.
        """
        if kind not in self._graphs:
            key = self._key if kind == "fp" else _int8_key(self._key)
            folder = self._cache / key if self._cache is not None else None
            graph = self._read_cached(folder) if folder is not None else None
            if graph is None:
                # Made once per process: a graph is a pure function of the
                # weights and of the versions in ``key``, and nothing writes to it.
                if key not in _CONVERTED:
                    _CONVERTED[key] = (
                        self._convert()
                        if kind == "fp"
                        # An int8 run needs the fp32 graph only to compress it.
                        else compress_int8(self.graph("fp", save=False))
                    )
                    while len(_CONVERTED) > _MAX_CONVERTED:
                        _CONVERTED.popitem(last=False)
                _CONVERTED.move_to_end(key)
                graph = _CONVERTED[key]
                if folder is not None and save:
                    try:
                        _save_graph(graph, folder)
                    except (OSError, RuntimeError) as exc:  # a read-only or full disk
                        log.warning("cannot cache the OpenVINO graph in %s (%s)", folder, exc)
            self._graphs[kind] = graph
        return self._graphs[kind]

    def _convert(self) -> Any:
        import openvino as ov
        import torch
        from transformers.utils import logging as hf_logging

        transformer = self._modules[0].auto_model
        # A padded example: the trace must keep the attention mask (transformers
        # drops it when a batch has no padding).
        example = dict(self.encoder.preprocess(["a b c d e f", "a"]))
        names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in example]

        class _LastHidden(torch.nn.Module):
            def __init__(self, model: Any) -> None:
                super().__init__()
                self.model = model

            def forward(
                self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None
            ) -> Any:
                extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
                out = self.model(input_ids=input_ids, attention_mask=attention_mask, **extra)
                return out[0]

        # The converter reads every attribute of the model, transformers'
        # loss_function included, which logs a warning about a training loss that
        # an encoder never uses; transformers' log is quieted while converting.
        verbosity = hf_logging.get_verbosity()
        hf_logging.set_verbosity_error()
        try:
            # The tracer warns of shape checks in transformers' mask code that are
            # constant for any input (no causal mask, no extra padding).
            with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ov.convert_model(
                    _LastHidden(transformer).eval(),
                    example_input={k: example[k] for k in names},
                    input=[(k, [-1, -1], ov.Type.i64) for k in names],
                )
        except Exception as exc:
            raise LandscapeError(
                f"OpenVINO cannot convert the embedding model ({type(exc).__name__}: {exc}); "
                "set embed.backend = 'torch'"
            ) from exc
        finally:
            hf_logging.set_verbosity(verbosity)

    def _read_cached(self, folder: Path) -> Any:
        """The graph cached in ``folder``, or ``None`` when absent or damaged."""
        if not (folder / "digest").exists():
            return None
        try:
            if (folder / "digest").read_text(encoding="ascii").strip() == _digest(folder):
                return self._core.read_model(str(folder / "model.xml"))
            log.warning("cached OpenVINO graph %s is corrupt; converting again", folder)
        except (OSError, RuntimeError, UnicodeDecodeError) as exc:
            log.warning("cached OpenVINO graph %s unreadable (%s); converting again", folder, exc)
        return None

    def _compiled_model(self, precision: str, streams: int) -> Any:
        key = (precision, streams)
        if key not in self._compiled:
            if precision not in _HINTS:
                raise LandscapeError(
                    f"the OpenVINO backend computes fp32, bf16 or int8, not {precision!r}"
                )
            # One single-threaded stream per core, each on its own batch: 55/s
            # on 2 cores, against 50/s for one stream on both (small matrices
            # split poorly across threads). A stream's arithmetic does not
            # depend on which stream runs a batch, nor on how many there are.
            config = {
                "INFERENCE_PRECISION_HINT": _HINTS[precision],
                "PERFORMANCE_HINT": "THROUGHPUT",
                "NUM_STREAMS": streams,
                "INFERENCE_NUM_THREADS": streams,
                # Only graphs with compressed weights quantise activations; 0
                # keeps fp32 and bf16 exactly what they were.
                "DYNAMIC_QUANTIZATION_GROUP_SIZE": INT8_GROUP_SIZE if precision == "int8" else 0,
            }
            graph = self.graph("int8" if precision == "int8" else "fp")
            self._compiled[key] = self._core.compile_model(graph, "CPU", config)
        return self._compiled[key]

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 16,
        precision: str = "bf16",
        progress: bool = False,
    ) -> np.ndarray:
        """Embed texts, longest first in batches of ``batch_size``.

        Args:
            texts: The texts.
            batch_size: Texts per forward pass.
            precision: ``"fp32"``, ``"bf16"`` or ``"int8"``.
            progress: Show a progress bar.

        Returns:
            float32 ndarray of shape (n_texts, dim), in the order of ``texts``,
            as the model's last module leaves them.
        """
        import torch

        # As many streams as torch has threads: a Dask task that set torch to
        # one thread gets one stream, so workers do not oversubscribe cores.
        streams = torch.get_num_threads()
        compiled = self._compiled_model(precision, streams)
        inputs_used = [port.get_any_name() for port in compiled.inputs]
        # One request per stream, started round-robin and collected in the order
        # started. No Python callback runs on OpenVINO's threads: such a
        # callback needs the GIL, and a compiled model freed while one waits for
        # it deadlocks (seen with AsyncInferQueue in a notebook kernel).
        requests = [compiled.create_infer_request() for _ in range(streams)]
        jobs: list[tuple[dict[str, Any], list[int]] | None] = [None] * streams
        # Longest first, as sentence-transformers does: batches of similar length pad little.
        order = sorted(range(len(texts)), key=lambda i: (-len(texts[i]), i))
        out: np.ndarray | None = None
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc="embedding", unit="text")

        def collect(slot: int) -> None:
            nonlocal out
            job = jobs[slot]
            if job is None:
                return
            jobs[slot] = None
            requests[slot].wait()
            features, idx = job
            tokens = np.array(requests[slot].get_output_tensor(0).data, dtype=np.float32)
            features["token_embeddings"] = torch.from_numpy(tokens)
            with torch.inference_mode(), _one_torch_thread():
                for module in self._modules[1:]:
                    features = module(features)
            vectors = features["sentence_embedding"].float().numpy()
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[idx] = vectors
            if bar is not None:
                bar.update(len(idx))

        try:
            started = 0
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                # Tokenised while the other streams compute their batches.
                features = dict(self.encoder.preprocess([texts[i] for i in idx]))
                slot = started % streams
                collect(slot)  # the oldest batch in flight
                requests[slot].start_async({k: features[k].numpy() for k in inputs_used})
                jobs[slot] = (features, idx)
                started += 1
            for k in range(streams):  # the rest, oldest first
                collect((started + k) % streams)
        finally:
            for request in requests:
                request.wait()  # nothing runs on a request once we return or raise
            if bar is not None:
                bar.close()
        if out is None:
            dim = (
                getattr(self.encoder, "get_embedding_dimension", None)
                or self.encoder.get_sentence_embedding_dimension
            )
            return np.zeros((0, dim() or 0), np.float32)
        return out
