"""The standalone map page, without a browser (see test_report_browser.py for one)."""

import re

import pandas as pd
import pytest

from landscape.report.standalone import map_page_html

DOCS = pd.DataFrame(
    {"doc_id": ["a", "b", "c"], "topic": [0, 0, -1], "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.0]}
)


def footer(corpus):
    page = map_page_html(DOCS, corpus, None, {})
    return re.search(r"<footer.*?</footer>", page, re.S).group(0)


@pytest.mark.parametrize(
    ("has_abstract", "expected"),
    [
        ([True, False, False], "2 papers have no abstract (title only)"),
        ([True, False, True], "1 paper has no abstract (title only)"),
    ],
)
def test_footer_counts_papers_without_abstract(has_abstract, expected):
    corpus = pd.DataFrame(
        {"doc_id": ["a", "b", "c"], "title": ["A", "B", "C"], "has_abstract": has_abstract}
    )
    assert expected in footer(corpus)


def test_footer_says_nothing_when_every_paper_has_an_abstract():
    corpus = pd.DataFrame({"doc_id": ["a", "b", "c"], "title": ["A", "B", "C"]})
    assert "no abstract" not in footer(corpus)
    assert "no abstract" not in footer(corpus.assign(has_abstract=True))
