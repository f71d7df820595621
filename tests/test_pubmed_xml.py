"""PubMed XML (PubmedArticleSet: efetch answers and XML exports)."""

import gzip

import pytest

from conftest import ABSTRACT, DATA
from landscape.errors import InputError
from landscape.ingest import ingest
from landscape.ingest.formats import pubmed_xml, registry

FIXTURE = DATA / "formats" / "pubmed_articles.xml"


def article(
    pmid: int, title: str, abstract: str = f"<AbstractText>{ABSTRACT}</AbstractText>"
) -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article>"
        f"<ArticleTitle>{title}</ArticleTitle><Abstract>{abstract}</Abstract>"
        "</Article></MedlineCitation></PubmedArticle>\n"
    )


def parse(*articles: str, head: str = "<PubmedArticleSet>\n", tail: str = "</PubmedArticleSet>\n"):
    return pubmed_xml.parse((head + "".join(articles) + tail).encode(), "p.xml")


def test_fields():
    records, report = registry.parse_file(FIXTURE)
    assert report.format == "pubmed_xml"
    assert [r.line for r in records] == [4, 104, 139, 182, 206]
    assert all(r.problem is None for r in records)
    first = records[0]
    # Inline markup flattened, entities decoded.
    assert first.title == "Growth of Escherichia coli at 108 cells/mL under α-stress."
    # Sections in order, each after its label; wrapped lines joined; no copyright line.
    assert first.abstract == (
        "BACKGROUND: Bacterial growth under stress is poorly mapped; E. coli is the usual model. "
        "METHODS: We grew cultures at p < 0.05 thresholds & measured CO2 output. "
        "RESULTS: Growth fell by half under α-stress. "
        "CONCLUSIONS: Stress maps guide the choice of model organisms."
    )
    assert first.meta["year"] == 2020 and first.meta["date"] == "2020-03-05"
    # The article's DOI (lower case), not the pii, not the DOI of a cited reference.
    assert first.meta["doi"] == "10.1234/jmee.2020.0001"
    assert first.meta["authors"] == ["José Núñez", "K Øster", "Microbial Stress Consortium"]
    assert first.meta["venue"] == "Journal of microbial ecology & evolution"
    # MeSH descriptors (no qualifiers), then keywords, each once whatever the case.
    assert first.meta["keywords"] == [
        "Escherichia coli",
        "Stress, Physiological",
        "bacterial growth",
    ]
    assert first.meta["url"] == "https://pubmed.ncbi.nlm.nih.gov/32000001/"
    assert first.locator == "entry PMID 32000001 (line 4)"
    assert first.meta["original"]["PMID"] == "32000001"
    assert first.meta["original"]["ArticleIds"]["pii"] == "S0000-0000(20)00001-1"


def test_awkward_records():
    records, report = registry.parse_file(FIXTURE)
    translated, book, no_year, duplicate = records[1:]
    # A translated title loses its brackets; no abstract; MedlineDate gives the year;
    # the DOI comes from ELocationID when the ArticleIdList has none.
    assert translated.title == "Vaccination coverage in rural Québec: a survey."
    assert translated.abstract is None
    assert translated.meta["year"] == 2019 and "date" not in translated.meta
    assert translated.meta["doi"] == "10.5555/rsp.2019.42"
    assert translated.meta["authors"] == ["Éloïse Lefèvre"]
    # A book chapter is read, not dropped: the book's title is its venue, and the
    # DOI of the whole book is not the chapter's.
    assert book.title == "Aicardi-Goutières Syndrome"
    assert book.abstract.startswith("CLINICAL CHARACTERISTICS: Most affected children")
    assert "DIAGNOSIS/TESTING: The diagnosis" in book.abstract
    assert book.meta["venue"] == "GeneReviews®" and book.meta["year"] == 1993
    assert "doi" not in book.meta and book.meta["original"]["element"] == "PubmedBookArticle"
    # No year anywhere (a season alone); MathML in the title keeps its text.
    assert "year" not in no_year.meta and "date" not in no_year.meta
    assert no_year.title == "Sleep & memory in older adults: a χ² analysis"
    assert no_year.meta["venue"] == "Ἑλληνικὰ ἰατρικὰ χρονικά"
    assert duplicate.meta["doi"] == records[0].meta["doi"]
    # A DeleteCitation is no record, and says so.
    assert len(records) == 5
    assert report.warnings == [
        f"{FIXTURE.as_posix()}: line 231: a DeleteCitation lists 2 PMIDs deleted from PubMed; "
        "they are not papers and were not read"
    ]


def test_ingest_drops_no_abstract_and_merges_duplicate():
    result = ingest([FIXTURE])
    ledger = result.ledger.set_index("line")
    assert ledger.loc[104, "reason_code"] == "no-abstract"
    assert ledger.loc[206, "status"] == "duplicate"
    assert result.summary()["kept"] == 3
    book = result.corpus[result.corpus["title"] == "Aicardi-Goutières Syndrome"].iloc[0]
    assert book["year"] == 1993


def test_detected_by_content_and_read_when_gzipped(tmp_path):
    data = FIXTURE.read_bytes()
    assert registry.detect(data, "export") == "pubmed_xml"
    assert registry.detect(data, "efetch.txt") == "pubmed_xml"
    packed = tmp_path / "pubmed.xml.gz"
    packed.write_bytes(gzip.compress(data))
    records, report = registry.parse_file(packed)
    assert report.format == "pubmed_xml" and len(records) == 5


def test_dates_and_other_abstract():
    other = (
        '<OtherAbstract Type="Publisher" Language="ger"><AbstractText>Deutsch.</AbstractText>'
        '</OtherAbstract><OtherAbstract Type="Publisher" Language="eng"><AbstractText>'
        f"{ABSTRACT}</AbstractText></OtherAbstract>"
    )
    text = (
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
        "<Journal><JournalIssue><PubDate><Year>2021</Year><Month>02</Month><Day>31</Day>"
        "</PubDate></JournalIssue></Journal><ArticleTitle></ArticleTitle>"
        "<VernacularTitle>Titre en français.</VernacularTitle></Article>"
        f"{other}</MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    (record,), _ = pubmed_xml.parse(text.encode(), "p.xml")
    assert record.meta["year"] == 2021 and "date" not in record.meta  # 31 February
    assert record.title == "Titre en français."  # ArticleTitle empty
    assert record.abstract == ABSTRACT  # the English OtherAbstract


def test_unlabelled_and_empty_sections():
    sections = f'<AbstractText Label="">{ABSTRACT}</AbstractText><AbstractText Label="X"/>'
    (record,), _ = parse(article(1, "T", sections))
    assert record.abstract == ABSTRACT


def test_html_entity_names_are_characters():
    # XML knows &nbsp; only from a DTD, which is never read.
    (record,), _ = parse(article(1, "A 5&nbsp;mg dose &mdash; twice &amp; more"))
    assert record.problem is None
    assert record.title == "A 5 mg dose \u2014 twice & more"  # spaces collapsed


def test_broken_records_spare_their_neighbours():
    broken = article(2, "Bad <i>markup</b>")
    unclosed = article(3, "Unclosed").replace("</PubmedArticle>", "")
    records, _ = parse(article(1, "One"), broken, unclosed, article(4, "Four"))
    assert [r.title for r in records] == ["One", None, None, "Four"]
    assert [r.problem_code for r in records] == [None, "malformed-record", "malformed-record", None]
    assert records[1].problem == "record at line 3: XML error at line 3 (mismatched tag)"
    assert records[2].problem == (
        "record at line 4 has no </PubmedArticle> before the next record (line 5)"
    )
    assert [r.line for r in records] == [2, 3, 4, 5]


def test_lost_start_tag_is_a_record_not_silence():
    lost = article(2, "Lost").replace("<PubmedArticle>", "<PubmedArtcle>")
    records, report = parse(article(1, "One"), lost, article(3, "Three"))
    assert [r.problem_code for r in records] == [None, "malformed-record", None]
    assert records[1].line == 3 and "start tag is lost" in records[1].problem
    assert not report.skipped


def test_cut_off_file_keeps_complete_records():
    text = "<PubmedArticleSet>\n" + article(1, "One") + article(2, "Two")[:80]
    records, _ = pubmed_xml.parse(text.encode(), "p.xml")
    assert [r.problem_code for r in records] == [None, "truncated"]
    assert "the file ends at line 3" in records[1].problem


def test_bad_bytes_drop_only_their_record():
    text = "<PubmedArticleSet>\n" + article(1, "One") + article(2, "Cafe") + article(3, "Three")
    data = text.encode().replace(b"Cafe", b"Caf\xe9")  # Latin-1 in a UTF-8 file
    records, _ = pubmed_xml.parse(data, "p.xml")
    assert [r.problem_code for r in records] == [None, "invalid-encoding", None]
    assert records[1].problem == "record at line 3 holds bytes that are not valid utf-8 (line 3)"


def test_declared_encoding_is_used():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<PubmedArticleSet>\n' + article(1, "Café")
    records, _ = pubmed_xml.parse((text + "</PubmedArticleSet>").encode("latin-1"), "p.xml")
    assert records[0].title == "Café" and records[0].problem is None


def test_text_outside_records_is_listed():
    records, report = parse(article(1, "One"), "stray words\n", article(2, "Two"))
    assert len(records) == 2
    assert report.skipped == [(3, "stray words", "text outside any record")]


def test_dtd_in_a_record_is_not_expanded():
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + article(1, "&a;")
    records, _ = parse(bomb)
    assert records[0].title is None and records[0].problem_code == "malformed-record"


@pytest.mark.parametrize(
    "text",
    [
        '<?xml version="1.0"?>\n<PubmedArticleSet></PubmedArticleSet>\n',
        "<PubmedArticleSet>\n<DeleteCitation><PMID>1</PMID></DeleteCitation>\n</PubmedArticleSet>",
    ],
)
def test_no_record_is_an_error_naming_the_file(text):
    with pytest.raises(InputError, match=r"p\.xml: no PubMed record"):
        pubmed_xml.parse(text.encode(), "p.xml")


def test_sniff_is_confident():
    assert pubmed_xml.sniff(b'<?xml version="1.0"?>\n<PubmedArticleSet>', "")
    assert pubmed_xml.sniff(b"<!DOCTYPE PubmedArticleSet PUBLIC", "")
    assert not pubmed_xml.sniff(b'<feed xmlns="http://www.w3.org/2005/Atom">', "a.xml")
    assert not pubmed_xml.sniff(b"junk <PubmedArticle>", "a.txt")
    assert pubmed_xml.sniff(b"junk <PubmedArticle>", "a.xml")  # damaged head, XML name
