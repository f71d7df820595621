"""Fixtures and helpers shared by the test modules (test modules never import each other)."""

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"

# The per-user cache (converted OpenVINO graphs) goes to a folder of the test
# session's, inherited by the processes the tests start, never the user's.
os.environ["LANDSCAPE_CACHE"] = tempfile.mkdtemp(prefix="landscape-test-cache-")
atexit.register(shutil.rmtree, os.environ["LANDSCAPE_CACHE"], ignore_errors=True)

# Imported once the cache folder above is set, as every landscape import in the tests.
from landscape.report.pdf import CHROMIUM_ARGS as PDF_CHROMIUM_ARGS  # noqa: E402

ABSTRACT = (
    "We present a method for learning representations of scientific abstracts that "
    "groups papers by theme, evaluate it on three corpora, and show that it is stable "
    "across random seeds while remaining fast enough for interactive use."
)

OTHER_ABSTRACT = (
    "Central banks set interest rates to steer inflation; we estimate how quickly "
    "household consumption and unemployment respond to monetary policy shocks in "
    "forty economies over three decades of quarterly data."
)


def listing(*pairs: tuple[str, str], header: str = "", blank: bool = False) -> bytes:
    """Build a listing page from (title, abstract) pairs."""
    sep = "\n\n" if blank else "\n"
    body = sep.join(f"{t}{sep}{a}" for t, a in pairs)
    return (header + body + "\n").encode("utf-8")


@pytest.fixture
def default_corpus() -> Path:
    return ROOT / "data" / "raw"


THEMES = {
    "proteins": [
        "Protein folding determines the three-dimensional structure of amino acid chains.",
        "We predict protein structure from sequence with molecular dynamics simulations.",
        "Enzyme binding sites and protein folding pathways are studied in yeast cells.",
        "Misfolded proteins aggregate in neurons and cause neurodegenerative disease.",
        "Cryo-electron microscopy reveals the structure of membrane protein complexes.",
    ],
    "galaxies": [
        "Galaxy clusters bend light from distant quasars through gravitational lensing.",
        "We measure the redshift of spiral galaxies with a large optical telescope survey.",
        "Dark matter halos shape the rotation curves of dwarf galaxies.",
        "Supermassive black holes at galactic centres emit relativistic radio jets.",
        "Star formation rates in early galaxies are inferred from infrared observations.",
    ],
    "graphs": [
        "Graph neural networks pass messages between nodes to learn node embeddings.",
        "Link prediction on knowledge graphs uses relational graph convolution layers.",
        "Oversmoothing limits the depth of message passing graph networks.",
        "Molecular property prediction treats molecules as graphs of atoms and bonds.",
        "Graph attention networks weigh neighbouring nodes by learned attention scores.",
    ],
    "money": [
        "Central banks raise interest rates to curb inflation and stabilise prices.",
        "Monetary policy shocks affect unemployment and household consumption.",
        "Exchange rates respond to changes in central bank interest rate decisions.",
        "Quantitative easing expands the money supply through bond purchases.",
        "Inflation expectations of firms shape wage setting and price dynamics.",
    ],
}


def theme_corpus(n_per_theme: int = 20, seed: int = 0):
    """A small corpus of four clearly separated themes, built deterministically."""
    from landscape.ingest.clean import make_doc_id

    rng = np.random.default_rng(seed)
    rows = []
    for theme, sentences in THEMES.items():
        for i in range(n_per_theme):
            picked = rng.choice(len(sentences), size=3, replace=False)
            # A sentence of the paper's own keeps synthetic abstracts from being
            # near duplicates of each other (3 of 5 shared sentences would be).
            words = rng.choice(sentences[i % len(sentences)].split()[:-1], size=6)
            own = f"In case {i} we also examine {' '.join(words).lower()} in detail."
            abstract = " ".join(sentences[j] for j in picked) + " " + own
            title = f"{sentences[picked[0]].split()[0]} {theme} study {i}"
            rows.append(
                {
                    "doc_id": make_doc_id("title", f"{theme} {i}"),
                    "title": title,
                    "abstract": abstract,
                    "theme": theme,
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def themes():
    return theme_corpus()


@pytest.fixture(scope="session")
def theme_embeddings(themes, tmp_path_factory):
    from landscape.embed import corpus_texts, embed_texts

    cache = tmp_path_factory.mktemp("emb-cache")
    vectors, _ = embed_texts(corpus_texts(themes), cache_dir=cache)
    return vectors


@pytest.fixture(scope="session")
def theme_fit(themes, theme_embeddings, tmp_path_factory):
    """A :class:`landscape.fit.pipeline.FitResult` of the themes corpus (write it to use it)."""
    from landscape.config import Config, PathsConfig
    from landscape.fit.pipeline import fit

    # Any cache the fit fills goes to a folder of the session's, not data/interim.
    interim = tmp_path_factory.mktemp("theme-fit-interim")
    return fit(
        themes, embeddings=theme_embeddings, config=Config(paths=PathsConfig(interim=str(interim)))
    )


# --------------------------------------------------------------------------- label tables

PAPERS = [
    # (doc_id, topic, title, abstract)
    ("g0", 0, "Graph neural networks", "Message passing between nodes of a graph."),
    ("g1", 0, "Deep GRAPH NEURAL nets", "We study node classification on citation graphs."),
    ("g2", 0, "Oversmoothing", "Message-passing layers smooth node features."),
    ("g3", 0, "Molecules as graphs", "Atoms and bonds give molecular property prediction."),
    ("d0", 1, "Diffusion models", "Denoising diffusion models generate images."),
    ("d1", 1, "Score matching", "A diffusion model learns the score of the data."),
    ("d2", 1, "Image synthesis", "Sampling from a graph neural prior for images."),
    ("d3", 1, "Faster sampling", "Fewer denoising steps for image generation."),
    ("o0", -1, "Central banks", "Interest rates and inflation."),
    ("o1", -1, "Protein folding", "Amino acid chains fold into structures."),
]


def terms(*pairs):
    """A ``terms`` cell: ``[{"term": t, "weight": w}, ...]`` from ``(t, w)`` pairs."""
    return [{"term": t, "weight": w} for t, w in pairs]


def make_tables():
    """The topics, documents and corpus tables of a small run of :data:`PAPERS`."""
    corpus = pd.DataFrame(
        {
            "doc_id": [p[0] for p in PAPERS],
            "title": [p[2] for p in PAPERS],
            "abstract": [p[3] for p in PAPERS],
        }
    )
    documents = pd.DataFrame(
        {
            "doc_id": [p[0] for p in PAPERS],
            "topic": [p[1] for p in PAPERS],
        }
    )
    documents["topic_label"] = documents["topic"].map(
        {-1: "Outliers", 0: "graph neural · message passing", 1: "diffusion models · denoising"}
    )
    topics = pd.DataFrame(
        {
            "topic": [-1, 0, 1],
            "label": ["Outliers", "graph neural · message passing", "diffusion models · denoising"],
            "size": [2, 4, 4],
            "terms": [
                [],
                terms(("graph neural", 0.9), ("message passing", 0.8), ("node", 0.5)),
                terms(("diffusion models", 0.95), ("denoising", 0.7)),
            ],
            "ctfidf_terms": [[], terms(("graph", 0.3)), terms(("diffusion", 0.4))],
            "representative_doc_ids": [[], ["g1", "g0", "g2", "g3"], ["d0", "d1"]],
        }
    )
    return topics, documents, corpus


@pytest.fixture
def tables():
    return make_tables()


# --------------------------------------------------------------------------- planted words

FILLER = ["model", "data", "learning", "training", "network", "analysis", "large", "graph"]
PLANTED = {"g0": ["quantum", "photon", "entanglement"], "g1": ["enzyme", "protein", "kinase"]}


def planted_texts(seed=0, n=60):
    """Two groups of ``n`` texts: shared filler words, and each group's planted words."""
    rng = np.random.default_rng(seed)
    a = [" ".join([*rng.choice(FILLER, 10), *rng.choice(PLANTED["g0"], 2)]) for _ in range(n)]
    b = [" ".join([*rng.choice(FILLER, 10), *rng.choice(PLANTED["g1"], 2)]) for _ in range(n)]
    return a, b


# --------------------------------------------------------------------------- vectors


def blobs(n_per=40, centres=4, dim=16, spread=0.15, rng=0):
    """Unit vectors in Gaussian blobs, and the blob of each (0, 1, ...).

    Args:
        n_per: Vectors per blob.
        centres: How many random centres (standard normal, ``dim`` wide), or the
            centres themselves (an array-like of rows).
        dim: Width of random centres.
        spread: Noise standard deviation, as a share of each centre's norm.
        rng: A seed, or a ``numpy.random.Generator`` that successive calls share.

    Returns:
        ``(x, labels)``: float32 (len(centres) * n_per, dim), rows L2-normalised,
        and int labels.
    """
    rng = np.random.default_rng(rng)
    if isinstance(centres, int):
        centres = rng.normal(size=(centres, dim))
    centres = np.asarray(centres, dtype=np.float64)
    x = np.concatenate(
        [c + spread * np.linalg.norm(c) * rng.normal(size=(n_per, len(c))) for c in centres]
    )
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), np.repeat(np.arange(len(centres)), n_per)


def neighbour_overlap(a, b):
    """Mean share of neighbours two kNN index arrays (n, k) agree on, row by row."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    return float(np.mean([len(set(x) & set(y)) / a.shape[1] for x, y in zip(a, b, strict=True)]))


# --------------------------------------------------------------------------- markup

#: An HTML tag's name: "<b>", "</script >", "< img".
TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w-]*)")


def tags(text):
    """The names of the HTML tags in ``text``, lower case."""
    return {t.lower() for t in TAG.findall(text)}


def strings(obj):
    """Every string in a nested plotly JSON structure."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from strings(value)
    elif isinstance(obj, (list, tuple, np.ndarray)):
        for value in obj:
            yield from strings(value)


# --------------------------------------------------------------------------- browser

#: Debian's Chromium, driven by Playwright (Playwright's own download fails here).
CHROMIUM = Path("/usr/bin/chromium")
#: Headless flags: no sandbox as root, and none of Chromium's own network calls
#: (the same flags as the summary's PDF print).
CHROMIUM_ARGS = list(PDF_CHROMIUM_ARGS)


def require_chromium() -> None:
    """Skip the calling test module without Chromium; on CI (``CI`` set), fail instead."""
    if CHROMIUM.exists():
        return
    # On CI a missing browser is a broken set-up, not a reason to drop these tests.
    if os.environ.get("CI"):
        pytest.fail("CI: no /usr/bin/chromium; .ci/run must install it", pytrace=False)
    pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)", allow_module_level=True)
