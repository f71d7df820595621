"""Crossref works (REST API answers, data-dump files, lists of works)."""

import json

import pytest

from conftest import ABSTRACT, DATA
from landscape.ingest import ingest
from landscape.ingest.formats import crossref, registry

FIXTURE = DATA / "formats" / "crossref_works.json"


def work(n: int, **fields) -> dict:
    return {"DOI": f"10.5555/w{n}", "title": [f"Work {n}"], "abstract": ABSTRACT, **fields}


def parse(doc) -> list:
    return crossref.parse(json.dumps(doc).encode(), "w.json")[0]


def test_fields():
    records, report = registry.parse_file(FIXTURE)
    assert report.format == "crossref"
    assert [r.line for r in records] == [9, 44, 59, 73]
    assert [r.locator for r in records][:2] == ["record 1 (line 9)", "record 2 (line 44)"]
    assert all(r.problem is None for r in records)
    first = records[0]
    # The first title, its subtitle after a colon; markup passed on as found.
    assert (
        first.title
        == "Biofilm growth of <i>Bacillus subtilis</i> in field soils: a 120-plot survey"
    )
    assert first.abstract.startswith("<jats:title>Abstract</jats:title><jats:p>Soil bacteria")
    assert first.meta["doi"] == "10.1016/j.soilbio.2021.108300"
    assert first.meta["year"] == 2021 and first.meta["date"] == "2021-06-15"  # issued
    assert first.meta["venue"] == "Soil Biology and Biochemistry"
    assert first.meta["authors"] == [
        "Søren Kierkegaard", "Ludwig van Beethoven", "Soil Microbiome Consortium",
    ]  # fmt: skip
    assert first.meta["categories"] == ["Soil Science", "Microbiology"]
    assert first.meta["url"] == "http://dx.doi.org/10.1016/j.soilbio.2021.108300"
    assert first.meta["original"]["is-referenced-by-count"] == 17


def test_awkward_records():
    records, _ = registry.parse_file(FIXTURE)
    chapter, no_year, duplicate = records[1:]
    assert chapter.abstract is None and chapter.title == "Ökologie der Bodenpilze: ein Überblick"
    # issued is [[null]]: the print date gives the year.
    assert chapter.meta["year"] == 2018 and chapter.meta["date"] == "2018-11"
    assert "year" not in no_year.meta and "venue" not in no_year.meta
    assert "categories" not in no_year.meta
    assert duplicate.meta["doi"] == records[0].meta["doi"]


def test_ingest_gives_plain_text():
    result = ingest([FIXTURE])
    ledger = result.ledger.set_index("line")
    assert ledger.loc[44, "reason_code"] == "no-abstract"
    assert ledger.loc[73, "status"] == "duplicate"
    corpus = result.corpus.set_index("doi")
    first = corpus.loc["10.1016/j.soilbio.2021.108300"]
    assert first["title"] == "Biofilm growth of Bacillus subtilis in field soils: a 120-plot survey"
    # JATS removed, the "Abstract" heading dropped, entities decoded.
    assert first["abstract"].startswith("Soil bacteria such as Bacillus subtilis form biofilms")
    assert "Nitrogen & carbon" in first["abstract"] and "CO2 release" in first["abstract"]
    sections = corpus.loc["10.1002/ece3.99999"]
    assert sections["title"] == "Root exudates & the rhizosphere microbiome"
    assert "<" not in sections["abstract"] and "Pseudomonas \u2013 and" in sections["abstract"]


@pytest.mark.parametrize(
    "doc",
    [
        {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": work(1)},
        {"items": [work(1)]},  # a file of the public data dump
        [work(1)],
    ],
)
def test_shapes(doc):
    (record,) = parse(doc)
    assert record.title == "Work 1" and record.meta["doi"] == "10.5555/w1"
    assert record.problem is None


def test_json_lines():
    text = "\n".join(json.dumps(work(n)) for n in (1, 2)) + "\n"
    records, _ = crossref.parse(text.encode(), "w.jsonl")
    assert [r.title for r in records] == ["Work 1", "Work 2"]


def test_answer_without_works_is_reported():
    doc = {"status": "ok", "message-type": "member", "message": {"id": 78}}
    (record,) = parse(doc)
    assert record.problem_code == "malformed-record"
    assert record.problem == "record 1 is a Crossref 'member' answer with no works"


def test_broken_item_spares_the_others():
    page = json.dumps({"message-type": "work-list", "message": {"items": [work(1), 0, work(3)]}})
    records = crossref.parse(page.encode(), "w.json")[0]
    assert [r.problem_code for r in records] == [None, "malformed-record", None]


def test_title_and_dates():
    (a, b, c) = parse(
        [
            work(1, subtitle=["Work 1"], issued={"date-parts": [[2020, 13]]}),
            work(2, title=["Why?"], subtitle=["Because"], published={"date-parts": [["2019"]]}),
            work(3, title="A string title", issued={"date-parts": []}),
        ]
    )
    assert a.title == "Work 1" and a.meta["year"] == 2020 and a.meta["date"] == "2020"
    assert b.title == "Why? Because" and b.meta["year"] == 2019
    assert c.title == "A string title" and "year" not in c.meta


def test_sniff_is_confident():
    assert crossref.sniff(b'{"status":"ok","message-type":"work-list","message":{}}', "")
    assert crossref.sniff(b'[{"DOI": "10.1/x", "is-referenced-by-count": 3}]', "")
    assert not crossref.sniff(b'{"status":"ok","message-type":"member-list"}', "x.json")
    assert not crossref.sniff(b'[{"DOI": "10.1/x", "title": "t"}]', "x.json")
