import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"

# The per-user cache (converted OpenVINO graphs) goes to a folder of the test
# session's, inherited by the processes the tests start, never the user's.
os.environ["LANDSCAPE_CACHE"] = tempfile.mkdtemp(prefix="landscape-test-cache-")
atexit.register(shutil.rmtree, os.environ["LANDSCAPE_CACHE"], ignore_errors=True)

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
    import numpy as np
    import pandas as pd

    from landscape.clean import make_doc_id

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
