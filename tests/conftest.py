from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"

ABSTRACT = (
    "We present a method for learning representations of scientific abstracts that "
    "groups papers by theme, evaluate it on three corpora, and show that it is stable "
    "across random seeds while remaining fast enough for interactive use."
)


def listing(*pairs: tuple[str, str], header: str = "", blank: bool = False) -> bytes:
    """Build a listing page from (title, abstract) pairs."""
    sep = "\n\n" if blank else "\n"
    body = sep.join(f"{t}{sep}{a}" for t, a in pairs)
    return (header + body + "\n").encode("utf-8")


@pytest.fixture
def default_corpus() -> Path:
    return ROOT / "data" / "raw"
