"""CPU embedding variants: throughput and agreement with the fp32 reference (issue 6).

Candidates for a faster CPU path than bf16 autocast, each run on the default
corpus with 2 threads after a warm-up batch, at batch size 16:

- ``fp32``: sentence-transformers as shipped (the reference vectors);
- ``bf16-autocast``: what ``precision = "auto"`` picks on a CPU with native bf16;
- ``bf16-full``: the whole model cast to bf16 (LayerNorm and softmax too);
- ``int8-dynamic``: torch dynamic quantisation of every Linear layer (VNNI);
- ``int8-dynamic[ffn-in]``: only the feed-forward input layers quantised,
  per-channel weights (the least damaging subset we found);
- ``openvino-fp32``, ``openvino-bf16``: the transformer run by OpenVINO
  (``landscape.embed_openvino``, one single-threaded stream per core), the
  model's own tokenizer and pooling; ``openvino-bf16`` is what
  ``backend = "auto"`` picks on a CPU with native bf16.

Agreement is the mean (and minimum) cosine to the fp32 vectors and the share of
10 nearest neighbours kept; a path may be the default only with mean cosine
>= 0.99 and kNN-10 overlap >= 0.95.

Usage: python benchmarks/embed_variants.py [--corpus data/processed/corpus.parquet]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    from landscape.embed import corpus_texts, load_encoder

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT / "data/processed/corpus.parquet"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results"))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)
    texts = corpus_texts(pd.read_parquet(args.corpus))
    base = load_encoder("all-MiniLM-L6-v2")

    def run(model, ctx=None):
        model.encode(texts[:16], batch_size=16)
        start = time.perf_counter()
        with ctx or contextlib.nullcontext(), torch.inference_mode():
            v = model.encode(texts, batch_size=16, convert_to_numpy=True)
        rate = len(texts) / (time.perf_counter() - start)
        v = np.asarray(v, dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True), rate

    def knn(v):
        s = v @ v.T
        np.fill_diagonal(s, -2)
        return np.argsort(-s, axis=1)[:, :10]

    ref, rate = run(base)
    ref_knn = knn(ref)
    rows = [{"variant": "fp32", "per_s": rate, "mean_cos": 1.0, "min_cos": 1.0, "knn10": 1.0}]

    def add(name, model, ctx=None):
        v, r = run(model, ctx)
        cos = (v * ref).sum(1)
        overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(knn(v), ref_knn, strict=True)])
        rows.append({"variant": name, "per_s": r, "mean_cos": float(cos.mean()),
                     "min_cos": float(cos.min()), "knn10": float(overlap)})  # fmt: skip
        print(rows[-1], flush=True)

    add("bf16-autocast", base, torch.autocast("cpu", dtype=torch.bfloat16))
    add("bf16-full", copy.deepcopy(base).to(torch.bfloat16))
    add("int8-dynamic", quantize_dynamic(copy.deepcopy(base), {torch.nn.Linear}, dtype=torch.qint8))
    ffn_in = {
        n: per_channel_dynamic_qconfig
        for n, m in base.named_modules()
        if isinstance(m, torch.nn.Linear) and n.endswith("intermediate.dense")
    }
    add("int8-dynamic[ffn-in]", quantize_dynamic(copy.deepcopy(base), ffn_in, dtype=torch.qint8))

    from landscape.embed import model_identity
    from landscape.embed_openvino import OpenVINOEncoder

    ov_encoder = OpenVINOEncoder(base, model_identity("all-MiniLM-L6-v2"))
    for precision in ("fp32", "bf16"):

        class _OV:  # the encode() signature run() calls
            def encode(self, t, batch_size, convert_to_numpy=True, p=precision):
                return ov_encoder.encode(t, batch_size, p)

        add(f"openvino-{precision}", _OV())

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "embed_variants.json").write_text(
        json.dumps({"n_texts": len(texts), "threads": 2, "rows": rows}, indent=2)
    )
    lines = [
        f"# CPU embedding variants ({len(texts)} abstracts, 2 threads, batch 16)",
        "",
        "| variant | abstracts/s | mean cosine to fp32 | min cosine | kNN-10 shared |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['variant']} | {r['per_s']:.1f} | {r['mean_cos']:.5f} | {r['min_cos']:.4f} "
        f"| {r['knn10']:.4f} |"
        for r in rows
    ]
    (out / "embed_variants.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
