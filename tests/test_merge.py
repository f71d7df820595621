import json

from conftest import ABSTRACT, OTHER_ABSTRACT
from landscape.config import IngestConfig
from landscape.ingest.clean import make_doc_id
from landscape.ingest.formats.base import RawRecord
from landscape.ingest.merge import CORPUS_COLUMNS, LEDGER_COLUMNS, TITLE_ONLY_NOTE, doc_id_for
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


def test_every_paper_has_has_abstract():
    corpus, _ = build_corpus(
        [rec(0, "One", ABSTRACT), rec(1, "Two", OTHER_ABSTRACT)], IngestConfig()
    )
    assert corpus["has_abstract"].dtype == bool and corpus["has_abstract"].all()


def test_title_only_papers_are_dropped_by_default_and_kept_on_request():
    records = [
        rec(0, "Paper With Abstract", ABSTRACT),
        rec(1, "Lonely Title", None),
        rec(2, "Markup Only Abstract", "<jats:p> </jats:p>"),  # empty once cleaned
        rec(3, "Short", "Too short."),  # an abstract, too short: dropped either way
    ]
    _, ledger = build_corpus(records, IngestConfig())
    assert ledger["reason_code"].tolist() == ["kept", "no-abstract", "no-abstract",
                                              "abstract-too-short"]  # fmt: skip
    corpus, ledger = build_corpus(records, IngestConfig(keep_title_only=True))
    assert ledger["status"].tolist() == ["kept", "kept", "kept", "dropped"]
    assert corpus["title"].tolist() == ["Paper With Abstract", "Lonely Title",
                                        "Markup Only Abstract"]  # fmt: skip
    assert corpus["has_abstract"].tolist() == [True, False, False]
    assert corpus["abstract"].tolist()[1:] == ["", ""]
    # The ledger says why, and keeps the raw text as read.
    assert ledger["notes"].fillna("").tolist()[:3] == ["", TITLE_ONLY_NOTE, TITLE_ONLY_NOTE]
    assert ledger.iloc[2]["raw_abstract"] == "<jats:p> </jats:p>"
    assert len(ledger) == len(records)  # every record accounted for


def test_title_only_record_merges_with_the_same_paper_with_abstract():
    records = [
        rec(0, "A Paper", None, doi="10.1/x"),
        rec(1, "A Paper, Journal Version", ABSTRACT, doi="10.1/x"),
        rec(2, "Lonely Title", None),
    ]
    ingestion = Ingestion(IngestConfig(keep_title_only=True))
    try:
        ingestion.add(records)
        result = ingestion.finish([], [], [])
        corpus, ledger = result.corpus, result.ledger
        assert ledger["status"].tolist() == ["kept", "duplicate", "kept"]
        assert corpus["has_abstract"].tolist() == [True, False]
        assert corpus.iloc[0]["abstract"] == ABSTRACT
        assert result.summary()["title_only"] == 1
    finally:
        ingestion.stage.cleanup()


def test_parser_no_abstract_problem_is_kept_with_keep_title_only():
    lonely = RawRecord("p.txt", 3, "Dangling Title", None, {}, "no abstract after it",
                       "no-abstract")  # fmt: skip
    junk = RawRecord("p.txt", 5, "x", None, {}, "no abstract after it", "no-abstract")
    _, ledger = build_corpus([lonely, junk], IngestConfig(keep_title_only=True))
    assert ledger["status"].tolist() == ["kept", "dropped"]  # "x" is too short a title
    assert ledger.iloc[1]["reason_code"] == "no-abstract"
