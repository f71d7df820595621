"""CPU embedding variants: throughput and agreement with the fp32 reference (issue 6).

Candidates for a faster CPU path than sentence-transformers in fp32, each run
with 2 threads after a warm-up batch, at batch size 16:

- ``fp32``: sentence-transformers as shipped (the reference vectors);
- ``bf16-autocast``: torch under bf16 autocast;
- ``bf16-full``: the whole model cast to bf16 (LayerNorm and softmax too);
- ``int8-dynamic``: torch dynamic quantisation of every Linear layer;
- ``int8-dynamic[ffn-in]``: only the feed-forward input layers quantised,
  per-channel weights (the least damaging torch subset we found);
- ``openvino-fp32``, ``openvino-bf16``: the transformer run by OpenVINO
  (``landscape.embed.openvino``, one single-threaded stream per core), the
  model's own tokenizer and pooling;
- ``openvino-int8``: the same with int8 weights (NNCF, per channel, data-free)
  and activations quantised per row on the fly, what ``precision = "auto"``
  picks on a CPU with VNNI.

Each variant's speed is the median [min-max] of ``--repeats`` timed passes (at
least 3) over the texts. No settings are tuned on these texts: the rule below
decides which variant may be the default.

Agreement is the mean (and minimum) cosine to the fp32 vectors and the share of
10 nearest neighbours kept; a path may be the default only with mean cosine
>= 0.99 and kNN-10 overlap >= 0.95. ``--corpus`` may also be a CSV of another
corpus (``--sample N`` papers of it) to check that agreement holds off the
default corpus.

Usage::

    python benchmarks/embed_variants.py                       # default corpus, all variants
    python benchmarks/embed_variants.py --corpus ../shared/corpora/ai_arxiv_papers.csv.gz \\
        --sample 2000 --variants fp32,openvino-bf16,openvino-int8 --name ai2000
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import machine  # noqa: E402

ALL = (
    "fp32,bf16-autocast,bf16-full,int8-dynamic,int8-dynamic[ffn-in],"
    "openvino-fp32,openvino-bf16,openvino-int8"
)


def _texts(path: str, sample: int) -> list[str]:
    from landscape.embed import corpus_texts

    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
    if sample and len(df) > sample:
        df = df.sample(n=sample, random_state=0)
    df = df.assign(title=df["title"].fillna("").astype(str))
    return corpus_texts(df.assign(abstract=df["abstract"].fillna("").astype(str)))


def main() -> None:
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    from landscape.embed import cpu_info, load_encoder, model_identity
    from landscape.embed.openvino import OpenVINOEncoder

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT / "data/processed/corpus.parquet"))
    ap.add_argument("--sample", type=int, default=0, help="papers drawn from --corpus (0: all)")
    ap.add_argument("--variants", default=ALL)
    ap.add_argument("--name", default="", help="suffix of the result files")
    ap.add_argument("--repeats", type=int, default=machine.MIN_RUNS, help="timed passes (>= 3)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results"))
    args = ap.parse_args()
    facts = machine.facts()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(2)
    texts = _texts(args.corpus, args.sample)
    base = load_encoder("all-MiniLM-L6-v2", "cpu")
    ov_encoder = OpenVINOEncoder(base, model_identity("all-MiniLM-L6-v2"))

    class _OV:  # the encode() signature run() calls
        def __init__(self, precision):
            self.precision = precision

        def encode(self, t, batch_size, convert_to_numpy=True):
            return ov_encoder.encode(t, batch_size, self.precision)

    def run(model, ctx=None):
        model.encode(texts[:16], batch_size=16)
        rates = []
        with machine.Meter() as meter:
            for _ in range(args.repeats):
                start = time.perf_counter()
                with ctx or contextlib.nullcontext(), torch.inference_mode():
                    v = model.encode(texts, batch_size=16, convert_to_numpy=True)
                rates.append(len(texts) / (time.perf_counter() - start))
        v = np.asarray(v, dtype=np.float32)
        rate = {**machine.spread(rates, digits=1), "load": meter.record}
        return v / np.linalg.norm(v, axis=1, keepdims=True), rate

    def knn(v):
        s = v @ v.T
        np.fill_diagonal(s, -2)
        return np.argsort(-s, axis=1)[:, :10]

    def ffn_in():
        qconfig = {
            n: per_channel_dynamic_qconfig
            for n, m in base.named_modules()
            if isinstance(m, torch.nn.Linear) and n.endswith("intermediate.dense")
        }
        return quantize_dynamic(copy.deepcopy(base), qconfig, dtype=torch.qint8)

    makers = {
        "bf16-autocast": lambda: (base, torch.autocast("cpu", dtype=torch.bfloat16)),
        "bf16-full": lambda: (copy.deepcopy(base).to(torch.bfloat16), None),
        "int8-dynamic": lambda: (
            quantize_dynamic(copy.deepcopy(base), {torch.nn.Linear}, dtype=torch.qint8),
            None,
        ),
        "int8-dynamic[ffn-in]": lambda: (ffn_in(), None),
        "openvino-fp32": lambda: (_OV("fp32"), None),
        "openvino-bf16": lambda: (_OV("bf16"), None),
        "openvino-int8": lambda: (_OV("int8"), None),
    }

    ref, rate = run(base)
    ref_knn = knn(ref)
    rows = [{"variant": "fp32", "per_s": rate, "mean_cos": 1.0, "min_cos": 1.0, "knn10": 1.0}]
    print(rows[-1], flush=True)
    for name in args.variants.split(","):
        if name == "fp32":
            continue
        model, ctx = makers[name]()
        v, r = run(model, ctx)
        cos = (v * ref).sum(1)
        overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(knn(v), ref_knn, strict=True)])
        rows.append({"variant": name, "per_s": r, "mean_cos": float(cos.mean()),
                     "min_cos": float(cos.min()), "knn10": float(overlap)})  # fmt: skip
        print(rows[-1], flush=True)

    vendor, flags = cpu_info()
    isa = sorted(flags & {"avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8"})
    corpus = Path(args.corpus).name + (f", {len(texts)} drawn" if args.sample else "")
    meta = {"machine": facts, "corpus": corpus, "n_texts": len(texts), "threads": 2,
            "cpu": facts["cpu_model"], "vendor": vendor, "isa": isa}  # fmt: skip
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "embed_variants" + (f"-{args.name}" if args.name else "")
    (out / f"{stem}.json").write_text(json.dumps({**meta, "rows": rows}, indent=2) + "\n")
    lines = [
        f"# CPU embedding variants ({corpus}: {len(texts)} abstracts, 2 threads, batch 16)",
        "",
        *machine.facts_markdown(facts),
        "",
        f"CPU: {meta['cpu']} ({vendor}; {', '.join(isa) or 'no VNNI/BF16/AMX'}).",
        "",
        f"abstracts/s: median [min-max] of {args.repeats} passes over the texts.",
        "",
        "| variant | abstracts/s | mean cosine to fp32 | min cosine | kNN-10 shared | load |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['variant']} | {machine.cell(r['per_s'])} | {r['mean_cos']:.5f} | "
        f"{r['min_cos']:.4f} | {r['knn10']:.4f} | {machine.load_summary([r['per_s']['load']])} |"
        for r in rows
    ]
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
