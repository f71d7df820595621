"""CSL-JSON exported by Zotero, Mendeley and other reference managers."""

import json

import pytest

from conftest import ABSTRACT, DATA
from landscape.errors import InputError
from landscape.ingest import ingest
from landscape.ingest.formats import csl_json, registry

FIXTURE = DATA / "formats" / "zotero_export.csl.json"


def test_fields():
    records, report = registry.parse_file(FIXTURE)
    assert report.format == "csl_json"
    assert [r.line for r in records] == [2, 24, 35, 43, 51]
    assert all(r.problem is None for r in records)
    first = records[0]
    assert first.title == "Single-cell <i>in situ</i> sequencing of the mouse brain"  # as found
    assert first.meta["doi"] == "10.1038/s41592-020-0001-x"
    assert first.meta["year"] == 2020 and first.meta["date"] == "2020-05"  # ["2020", "5"]
    assert first.meta["venue"] == "Nature Methods"
    assert first.meta["authors"] == ["Jörg Müller", "Ludwig van Beethoven"]
    assert first.meta["keywords"] == ["single-cell", "sequencing", "spatial transcriptomics"]
    assert first.meta["url"] == "https://www.nature.com/articles/s41592-020-0001-x"
    assert first.meta["original"]["id"] == "http://zotero.org/users/1234567/items/ABCD2345"


def test_awkward_records():
    records, _ = registry.parse_file(FIXTURE)
    paper, preprint, book, duplicate = records[1:]
    assert paper.meta["year"] == 2019 and paper.meta["keywords"] == ["pruning", "transformers"]
    assert paper.meta["authors"] == ["Bảo Châu Ngô"]
    # A literal date and an institution as author.
    assert preprint.meta["year"] == 2021 and preprint.meta["authors"] == ["The ATLAS Collaboration"]
    # No abstract, no date.
    assert book.abstract is None and "year" not in book.meta and book.title == "量子計算の基礎"
    assert duplicate.meta["doi"] == records[0].meta["doi"]  # from a doi.org URL


def test_ingest_gives_plain_text():
    result = ingest([FIXTURE])
    ledger = result.ledger.set_index("line")
    assert ledger.loc[43, "reason_code"] == "no-abstract"
    assert ledger.loc[51, "status"] == "duplicate"
    first = result.corpus.set_index("doi").loc["10.1038/s41592-020-0001-x"]
    assert first["title"] == "Single-cell in situ sequencing of the mouse brain"
    assert "<" not in first["abstract"] and "&amp;" not in first["abstract"]


def test_one_item_and_a_null_item():
    item = {"type": "article-journal", "title": "One", "abstract": ABSTRACT, "issued": {}}
    (record,), _ = csl_json.parse(json.dumps(item).encode(), "one.json")
    assert record.title == "One" and "year" not in record.meta
    records, _ = csl_json.parse(json.dumps([item, None, item]).encode(), "l.json")
    assert [r.problem_code for r in records] == [None, "malformed-record", None]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'[{"id": "a", "type": "article-journal", "title": "t"}]', True),
        (b'[{"title": "t", "issued": {"raw": "2020"}}]', True),
        (b'[{"title": "t", "container-title": "J"}]', True),
        (b'[{"title": "t", "type": "article"}]', False),  # too little to be sure
        (b'[{"issued": {"raw": "2020"}}]', False),  # no title
        (b'{"foo": 1}', False),
    ],
)
def test_sniff_is_confident(head, expected):
    assert csl_json.sniff(head, "x.json") is expected


def test_unknown_json_is_refused_naming_the_file():
    with pytest.raises(InputError, match=r"x\.json: unsupported file format \(JSON with no keys"):
        registry.detect(b'[{"title": "t", "type": "article"}]', "x.json")
