import json

from conftest import ABSTRACT, OTHER_ABSTRACT
from landscape.config import IngestConfig
from landscape.ingest.clean import make_doc_id
from landscape.ingest.formats.base import RawRecord
from landscape.ingest.merge import CORPUS_COLUMNS, LEDGER_COLUMNS, doc_id_for
from landscape.ingest.pipeline import Ingestion


def build_corpus(records, options):
    """Records through the real ingest stages (stage, dedup, merge, assemble)."""
    ingestion = Ingestion(options)
    try:
        ingestion.add(records)
        result = ingestion.finish([], [], [])
        return result.corpus, result.ledger
    finally:
        ingestion.stage.cleanup()


def rec(i, title, abstract, **meta):
    return RawRecord(f"f{i % 2}.json", 0, title, abstract, meta, locator=f"record {i}")


def test_merge_keeps_richest_fields_and_union_of_sources():
    records = [
        rec(
            0,
            "Deep Nets",
            ABSTRACT,
            doi="10.1/x",
            year=2020,
            authors=["A. One"],
            keywords=["nets"],
            labels={"group": "cs"},
            original={"id": 1},
        ),
        rec(
            1,
            "Deep Nets (extended)",
            ABSTRACT + " More.",
            doi="10.1/x",
            year=2021,
            authors=["A. One", "B. Two"],
            keywords=["deep", "nets"],
            venue="JMLR",
            arxiv_id="2001.00001",
        ),
    ]
    corpus, ledger = build_corpus(records, IngestConfig())
    assert list(corpus.columns) == [*CORPUS_COLUMNS, "group"]
    assert list(ledger.columns) == LEDGER_COLUMNS
    row = corpus.iloc[0]
    assert row["doc_id"] == make_doc_id("doi", "10.1/x") == doc_id_for("10.1/x", None, "x")
    assert row["title"] == "Deep Nets"  # the kept record's title
    assert row["abstract"] == ABSTRACT + " More."
    assert list(row["authors"]) == ["A. One", "B. Two"]
    assert list(row["keywords"]) == ["nets", "deep"]
    assert row["year"] == 2020 and row["venue"] == "JMLR" and row["arxiv_id"] == "2001.00001"
    assert row["group"] == "cs"
    assert [s["locator"] for s in row["sources"]] == ["record 0", "record 1"]
    dup = ledger.iloc[1]
    assert dup["status"] == "duplicate" and dup["rule"] == "exact-doi"
    assert dup["matched_record"] == 0 and dup["score"] == 1.0
    assert json.loads(ledger.iloc[0]["original"]) == {"id": 1}


def test_doc_id_priority():
    assert doc_id_for("10.1/x", "2001.1", "t") == make_doc_id("doi", "10.1/x")
    assert doc_id_for(None, "2001.1", "t") == make_doc_id("arxiv", "2001.1")
    assert doc_id_for(None, None, "t") == make_doc_id("title", "t")


def test_record_without_abstract_joins_by_identifier():
    records = [
        rec(0, "A Paper", ABSTRACT, arxiv_id="2001.1"),
        rec(1, "A Paper, Preprint", None, arxiv_id="2001.1"),
        rec(2, "Lonely Title", None),
    ]
    corpus, ledger = build_corpus(records, IngestConfig())
    assert len(corpus) == 1 and corpus.iloc[0]["n_sources"] == 2
    assert ledger["status"].tolist() == ["kept", "duplicate", "dropped"]
    assert ledger.iloc[1]["rule"] == "exact-arxiv"
    assert ledger.iloc[2]["reason_code"] == "no-abstract"
    assert "record 2" in ledger.iloc[2]["reason"]


def test_invariant_with_mixed_statuses():
    records = [
        rec(0, "One", ABSTRACT),
        rec(1, "Two", OTHER_ABSTRACT),
        rec(2, "one", ABSTRACT),
        rec(3, "", ABSTRACT),
        rec(4, "Short", "Too short."),
    ]
    corpus, ledger = build_corpus(records, IngestConfig())
    counts = ledger["status"].value_counts().to_dict()
    assert counts == {"kept": 2, "duplicate": 1, "dropped": 2}
    assert sum(counts.values()) == len(records)
    assert corpus["sources"].map(len).sum() == counts["kept"] + counts["duplicate"]
