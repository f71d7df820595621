import contextlib
import csv
import gzip
import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA
from landscape.config import IngestConfig
from landscape.errors import InputError, LandscapeError
from landscape.ingest import ingest
from landscape.ingest.clean import clean_prose
from landscape.ingest.formats import (
    arxiv_atom,
    arxiv_jsonl,
    bibtex,
    crossref,
    csl_json,
    medline,
    openalex,
    pubmed_xml,
    registry,
    ris,
    semantic_scholar,
    tabular,
    wos,
)
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import (
    latex_to_text,
    normalise_doi,
    parse_date,
    split_authors,
    strip_arxiv_version,
)
from landscape.ingest.markup import strip_markup

FORMATS = DATA / "formats"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
PARQUET = SHARED / "arxiv_dev_labelled.parquet"
AI_CSV = SHARED / "ai_arxiv_papers.csv.gz"


def parse(module, name: str, **options):
    path = FORMATS / name
    return module.parse(path.read_bytes(), path.as_posix(), FormatOptions(**options))


def good(records):
    return [r for r in records if r.problem is None]


def dropped(records):
    return [r for r in records if r.problem is not None]


def assert_jsonable(records):
    for record in records:
        json.dumps(record.meta, allow_nan=False)


# --- shared helpers ---------------------------------------------------------------------


def test_text_helpers():
    assert normalise_doi(" https://doi.org/10.1000/ABC.1 ") == "10.1000/abc.1"
    assert normalise_doi("doi:10.1000/X") == "10.1000/x"
    assert normalise_doi("http://dx.doi.org/10.1000/x") == "10.1000/x"
    assert normalise_doi("not a doi") is None
    assert strip_arxiv_version("2101.00001v3") == "2101.00001"
    assert strip_arxiv_version("hep-th/9901001v2") == "hep-th/9901001"
    assert strip_arxiv_version("http://arxiv.org/abs/2101.00001v2") == "2101.00001"
    assert latex_to_text(r"{\"o}") == "ö"
    assert latex_to_text(r"\'e") == "é"
    assert latex_to_text(r"\textit{x} and $\alpha$") == "x and α"
    assert latex_to_text("50% of {Deep} nets") == "50% of Deep nets"
    assert latex_to_text("plain $5 text") == "plain $5 text"
    assert strip_markup("<jats:p>A &amp; B &lt; C&#x2019;s <i>x</i></jats:p>") == " A & B < C’s x "
    assert parse_date("Mon, 2 Apr 2007 19:18:42 GMT") == (2007, "2007-04-02")
    assert parse_date("2020///") == (2020, "2020")
    assert parse_date("2019/05") == (2019, "2019-05")
    assert parse_date("2021-01-05T12:00:00Z") == (2021, "2021-01-05")
    assert parse_date(None) == (None, None)
    assert split_authors("A. Smith, B. Jones and C. Lee") == ["A. Smith", "B. Jones", "C. Lee"]
    assert split_authors("Smith, John and Doe, Jane") == ["John Smith", "Jane Doe"]


# --- arXiv Atom -----------------------------------------------------------------------------


def test_arxiv_atom_fields():
    records, report = parse(arxiv_atom, "arxiv_query.xml")
    assert report.format == "arxiv_atom"
    assert len(records) == 3 and not dropped(records)
    first = records[0]
    title = " ".join(first.title.split())
    assert title == "Topic Maps of Research Fields: Stable Clusters & Defensible Labels"
    # XML entities decoded; the HTML they held stays for the ledger, and goes when staged.
    assert "<b>without</b> supervision &amp; show" in first.abstract
    assert "authors’ code" in first.abstract
    cleaned = clean_prose(first.abstract)
    assert "without supervision & show" in cleaned and "<b>" not in cleaned
    assert first.meta["arxiv_id"] == "2101.00001"
    assert first.meta["doi"] == "10.1234/example.2021.001"
    assert first.meta["authors"] == ["José Núñez", "Zoë Müller"]
    assert first.meta["categories"] == ["cs.CL", "cs.LG"]
    assert first.meta["year"] == 2021 and first.meta["date"] == "2021-01-04"
    assert first.meta["venue"] == "J. Maps 1 (2021) 1-12"
    assert first.line == 10 and first.locator == "entry 2101.00001 (line 10)"
    assert records[1].meta["arxiv_id"] == "hep-th/9901001"
    assert records[2].abstract is None
    assert_jsonable(records)


def test_arxiv_atom_truncated_keeps_complete_entries():
    records, _ = parse(arxiv_atom, "arxiv_query_truncated.xml")
    assert [r.meta.get("arxiv_id") for r in good(records)] == ["2101.00001", "hep-th/9901001"]
    (cut,) = dropped(records)
    assert cut.problem_code == "truncated"
    assert cut.line == 49 and "line 49" in cut.problem


def test_arxiv_atom_refuses_dtd():
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&b;</title></entry></feed>'
    )
    (record,), _ = arxiv_atom.parse(data, "evil.xml")
    assert record.problem_code == "unsafe-xml" and record.title is None


def test_arxiv_atom_not_a_feed():
    with pytest.raises(InputError, match="not an Atom feed"):
        arxiv_atom.parse(b"<html><body/></html>", "page.xml")
    with pytest.raises(InputError, match="not XML"):
        arxiv_atom.parse(b"hello", "x.xml")
    with pytest.raises(InputError, match="cannot decode"):
        arxiv_atom.parse(b'<?xml version="1.0" encoding="U-TF-8"?><feed/>', "x.xml")


# --- arXiv snapshot JSON Lines ----------------------------------------------------------


def test_arxiv_jsonl_fields():
    records, _ = parse(arxiv_jsonl, "arxiv_snapshot.jsonl")
    assert len(records) == 4
    first = records[0]
    assert first.meta["arxiv_id"] == "0704.0001"
    assert first.meta["date"] == "2007-04-02" and first.meta["year"] == 2007  # first version
    assert first.meta["authors"][0] == "C. Balázs"  # LaTeX accent in authors_parsed
    assert first.meta["doi"] == "10.1103/physrevd.76.013009"
    assert first.meta["categories"] == ["hep-ph"]
    assert records[1].meta["arxiv_id"] == "hep-th/9901001"
    assert records[1].meta["categories"] == ["hep-th", "math-ph", "math.MP"]
    bad = records[2]
    assert bad.problem_code == "malformed-record" and bad.line == 3 and bad.locator == "line 3"
    assert records[3].abstract == "" and records[3].meta["authors"] == ["Søren Kierkegaard"]
    assert_jsonable(records)


# --- OpenAlex ---------------------------------------------------------------------------------


def test_openalex_page():
    records, _ = parse(openalex, "openalex_page.json")
    assert len(records) == 3
    first = records[0]
    # The inverted index is rebuilt in word order, markup as found (removed when staged).
    assert first.abstract.startswith("Despite growing interest in <jats:p>Open Access &amp;")
    abstract = clean_prose(first.abstract)
    assert abstract == "Despite growing interest in Open Access & in science, little is known."
    assert first.title == "The state of <i>OA</i>: a large-scale analysis"
    assert clean_prose(first.title) == "The state of OA: a large-scale analysis"
    assert first.meta["doi"] == "10.7717/peerj.4375"
    assert first.meta["arxiv_id"] == "1707.00001"
    assert first.meta["venue"] == "PeerJ"
    assert first.meta["authors"] == ["Heather Piwowar", "Jürgen Schönberg"]
    assert first.meta["categories"] == ["Scholarly Communication", "Open access"]
    assert first.meta["year"] == 2018 and first.meta["date"] == "2018-02-13"
    assert first.locator == "record 1 (line 4)"
    assert records[1].abstract is None and records[1].meta["venue"] == "Legacy Venue Journal"
    assert records[2].problem_code == "malformed-record"
    assert_jsonable(records)


def test_openalex_list_and_jsonl_and_truncated():
    work = {"id": "W1", "title": "T", "abstract_inverted_index": {"b": [1], "a": [0]}}
    as_list = json.dumps([work, work]).encode()
    records, _ = openalex.parse(as_list, "w.json")
    assert [r.abstract for r in records] == ["a b", "a b"]
    as_lines = (json.dumps(work) + "\n{oops\n" + json.dumps(work) + "\n").encode()
    records, _ = openalex.parse(as_lines, "w.jsonl")
    assert [r.problem_code for r in records] == [None, "malformed-record", None]
    assert records[1].locator == "line 2"
    cut = json.dumps({"meta": {}, "results": [work, work]}, indent=1).encode()[:-30]
    records, _ = openalex.parse(cut, "page.json")
    assert records[0].abstract == "a b" and records[-1].problem_code == "truncated"


# --- Semantic Scholar -------------------------------------------------------------------------


def test_semantic_scholar():
    records, _ = parse(semantic_scholar, "s2_search.json")
    assert len(records) == 4
    first = records[0]
    assert first.abstract == (
        "We introduce a new language representation model called <b>BERT</b> &amp; show it "
        "&lt;works&gt; well."
    )
    # "<works>" is no HTML element: only the tags of one are removed.
    assert clean_prose(first.abstract) == (
        "We introduce a new language representation model called BERT & show it <works> well."
    )
    assert first.meta["doi"] == "10.18653/v1/n19-1423"
    assert first.meta["arxiv_id"] == "1810.04805"
    assert first.meta["categories"] == ["Computer Science", "Linguistics"]
    assert first.meta["authors"] == ["Jacob Devlin", "Kristina Toutanova"]
    second = records[1]
    assert second.abstract is None and second.meta["venue"] == "Journal of Examples"
    assert second.meta["authors"] == ["Þóra Sigurðardóttir"]
    assert records[2].meta["year"] == 2018
    assert records[3].problem_code == "malformed-record" and "null" in records[3].problem
    assert_jsonable(records)


def test_semantic_scholar_lowercase_dataset_keys():
    line = {"corpusid": 1, "title": "T", "externalids": {"DOI": "10.1000/Q"}, "year": 2020}
    (record,), _ = semantic_scholar.parse(json.dumps(line).encode(), "papers.jsonl")
    assert record.meta["doi"] == "10.1000/q" and record.meta["year"] == 2020


# --- BibTeX -----------------------------------------------------------------------------------


def test_bibtex():
    records, _ = parse(bibtex, "references.bib")
    assert [r.locator for r in records] == [
        "entry schroedinger2020 (line 4)",
        "entry broken2021 (line 16)",
        "entry vaswani2017 (line 21)",
        "entry noabstract2019 (line 33)",
    ]
    first = records[0]
    assert first.title == "Schrödinger Bridges for Étude of α-Stable Processes"
    assert first.abstract.split()[:3] == ["We", "study", "bridges"]
    assert "95% of runs" in first.abstract and "Café" in first.abstract
    assert first.meta["authors"] == ["Jörg Müller", "Ana García"]
    assert first.meta["venue"] == "Journal of Machine Learning"  # @string resolved
    assert first.meta["doi"] == "10.1000/jml.2020.42"
    assert first.meta["date"] == "2020-03" and first.meta["year"] == 2020
    assert first.meta["keywords"] == ["diffusion", "optimal transport"]
    broken = records[1]
    assert broken.problem_code == "malformed-record" and "line 16" in broken.problem
    assert records[2].meta["arxiv_id"] == "1706.03762"
    assert records[2].meta["venue"] == "Advances in Neural Information Processing Systems"
    assert records[3].abstract is None and records[3].meta["authors"] == ["Jan Łukasiewicz"]
    assert_jsonable(records)


# --- RIS ----------------------------------------------------------------------------------------


def test_ris():
    records, report = parse(ris, "references.ris")
    assert [r.line for r in records] == [4, 18, 23, 34]
    first = records[0]
    assert first.title == "Graph Neural Networks for öptimal Routing"
    assert first.abstract == "We route packets with graph networks and show large gains."
    assert first.meta["authors"] == ["John Smith", "Karel Čapek"]
    assert first.meta["doi"] == "10.1000/route.1"
    assert first.meta["date"] == "2020-05-17" and first.meta["year"] == 2020
    assert first.meta["keywords"] == ["graphs", "routing"]
    assert first.meta["venue"] == "Journal of Networks"
    missing_er = records[1]
    assert missing_er.problem_code == "malformed-record" and "line 18" in missing_er.problem
    third = records[2]
    assert third.problem is None and third.title == "Conference Paper Title"
    assert third.abstract == "An abstract given in the N2 field, continued on a second line."
    assert third.meta["venue"] == "Proceedings of Examples"
    assert records[3].abstract is None
    assert [line for line, _, _ in report.skipped] == [1, 2, 32]
    assert_jsonable(records)


def test_ris_cut_off_at_end():
    data = b"TY  - JOUR\nTI  - Fine\nER  - \nTY  - JOUR\nTI  - Cut\nAB  - half an abs"
    records, _ = ris.parse(data, "cut.ris")
    assert records[0].problem is None and records[1].problem_code == "truncated"
    assert records[1].title == "Cut"


# --- Tables -----------------------------------------------------------------------------------


def test_csv():
    records, _ = parse(tabular, "papers.csv")
    assert [r.line for r in records] == [2, 3, 5, 6, 7]
    first = records[0]
    assert first.meta["doi"] == "10.1000/map.1"
    assert first.meta["authors"] == ["A. Smith", "B. Jones", "C. Lee"]
    assert first.meta["labels"] == {"group": "cs", "primary_category": "cs.CL"}
    assert first.meta["year"] == 2021
    assert records[1].abstract.startswith("A quoted abstract that spans\ntwo")
    assert records[1].meta["authors"] == ["Zoë Ångström"]
    wrong = records[2]
    assert wrong.problem_code == "malformed-record" and wrong.locator == "line 5"
    assert "expected 7 fields, found 8" in wrong.problem
    assert records[3].meta["authors"] == ["Jane Doe", "Richard Roe"]
    assert records[4].abstract is None
    assert_jsonable(records)


def test_tsv_and_explicit_columns():
    records, _ = parse(tabular, "papers.tsv")
    assert [r.meta["arxiv_id"] for r in records] == ["2001.00001", "hep-th/9901001"]
    assert records[0].title == "Stable Topic Maps" and records[0].meta["labels"] == {
        "archive": "cs"
    }
    data = b"name,text,when\nA Title,An abstract,2020\n"
    with pytest.raises(InputError, match=r"no title column.*columns are: name, text, when"):
        tabular.parse(data, "odd.csv")
    opts = FormatOptions(title_col="NAME", abstract_col="text", year_col="when")
    (record,), _ = tabular.parse(data, "odd.csv", opts)
    assert (record.title, record.abstract, record.meta["year"]) == ("A Title", "An abstract", 2020)


def test_csv_unclosed_quote_and_bad_bytes():
    data = b'title,abstract\nGood,Fine abstract\nBad \xff byte,x\nCut,"never closed\n'
    records, _ = tabular.parse(data, "c.csv")
    assert [r.problem_code for r in records] == [None, "invalid-encoding", "truncated"]
    assert records[1].title == "Bad \ufffd byte"


def test_parquet_roundtrip(tmp_path):
    table = pa.table(
        {
            "arxiv_id": ["2101.00001v1", None],
            "title": ["T1", "T2"],
            "abstract": ["A1", None],
            "group": ["cs", "math"],
            "date": pa.array([1609459200000000, None], pa.timestamp("us")),
            "score": [0.5, float("nan")],
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    records, _ = tabular.parse(buffer.getvalue(), "t.parquet")
    assert [r.locator for r in records] == ["row 1", "row 2"]
    assert records[0].meta["arxiv_id"] == "2101.00001" and records[0].meta["date"] == "2021-01-01"
    assert records[0].meta["labels"] == {"group": "cs", "score": 0.5}
    assert records[1].abstract is None and records[1].meta["original"]["score"] is None
    assert_jsonable(records)


@pytest.mark.skipif(not PARQUET.exists(), reason="shared corpus not available")
def test_shared_labelled_parquet():
    records, _ = tabular.parse(PARQUET.read_bytes(), PARQUET.as_posix())
    assert len(records) == 100_877
    assert all(r.title and r.abstract and r.meta.get("year") for r in records[:1000])
    assert all("primary_category" in r.meta["labels"] for r in records)
    assert records[0].meta["arxiv_id"] and records[0].meta["categories"]
    json.dumps(records[0].meta)


@pytest.mark.skipif(not AI_CSV.exists(), reason="shared corpus not available")
def test_shared_ai_csv_gz():
    records, report = registry.parse_file(AI_CSV)
    assert report.format == "tabular"
    assert len(records) == 10_000 and not dropped(records)


# --- Registry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("arxiv_query.xml", "arxiv_atom"),
        ("arxiv_query_truncated.xml", "arxiv_atom"),
        ("arxiv_snapshot.jsonl", "arxiv_jsonl"),
        ("openalex_page.json", "openalex"),
        ("s2_search.json", "semantic_scholar"),
        ("references.bib", "bibtex"),
        ("references.ris", "ris"),
        ("papers.csv", "tabular"),
        ("papers.tsv", "tabular"),
        ("wos_savedrecs.txt", "wos"),
        ("wos_tab.txt", "tabular"),
        ("pubmed_medline.nbib", "medline"),
        ("pubmed-set.txt", "medline"),
        ("pubmed_articles.xml", "pubmed_xml"),
        ("crossref_works.json", "crossref"),
        ("zotero_export.csl.json", "csl_json"),
    ],
)
def test_detect_fixtures(name, expected, tmp_path):
    data = (FORMATS / name).read_bytes()
    assert registry.detect(data, name) == expected
    assert registry.detect(data, "renamed.dat") == expected  # content decides first
    gz = tmp_path / (name + ".gz")
    gz.write_bytes(gzip.compress(data))
    assert registry.read_bytes(gz) == data
    _, report = registry.parse_file(gz)
    assert report.format == expected


def test_detect_listing_parquet_and_errors(tmp_path):
    assert registry.detect((DATA / "listing_compact.txt").read_bytes(), "a.txt") == "listing"
    records, report = registry.parse_file(DATA / "listing_compact.txt")
    assert report.format == "listing" and records
    buffer = io.BytesIO()
    pq.write_table(pa.table({"title": ["t"]}), buffer)
    assert registry.detect(buffer.getvalue(), "no_extension") == "tabular"
    with pytest.raises(InputError, match="unsupported"):
        registry.detect(b"\x00\x01binary", "blob.bin")
    with pytest.raises(InputError, match="JSON with no keys"):
        registry.detect(b'{"foo": 1}', "x.json")
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress(b"title\nx\n")[:-8] + b"garbage!")
    with pytest.raises(InputError, match="corrupt gzip"):
        registry.read_bytes(bad)
    with pytest.raises(InputError, match="cannot read"):
        registry.read_bytes(tmp_path / "missing.csv")
    unnamed = tmp_path / "export"  # gzip recognised by magic bytes, not by name
    unnamed.write_bytes(gzip.compress((FORMATS / "references.ris").read_bytes()))
    assert registry.parse_file(unnamed)[1].format == "ris"


#: One export of every format (and every kind of CSV export).
MIXED = [
    "arxiv_query.xml", "arxiv_snapshot.jsonl", "openalex_page.json", "s2_search.json",
    "references.bib", "references.ris", "papers.csv", "papers.tsv", "wos_savedrecs.txt",
    "wos_tab.txt", "pubmed_medline.nbib", "pubmed_articles.xml", "crossref_works.json",
    "zotero_export.csl.json", "scopus_export.csv", "ieee_export.csv", "springer_export.csv",
    "dimensions_export.csv", "lens_export.csv",
]  # fmt: skip


def test_mixed_folder_of_every_format_ingests_in_one_call(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in MIXED:
        shutil.copy(FORMATS / name, folder / name)
    shutil.copy(DATA / "listing_compact.txt", folder / "listing.txt")
    words = "a parquet file holds this paper about sparse kernels for fast graph learning"
    pq.write_table(pa.table({"title": ["A Parquet Paper"], "abstract": [f"{words} {words}."]}),
                   folder / "papers.parquet")  # fmt: skip
    expected = {}
    for path in sorted(folder.iterdir()):
        records, report = registry.parse_file(path)
        expected[path.name] = (report.format, len(records))
    assert {fmt for fmt, _ in expected.values()} == {fmt for fmt, _ in registry.FORMATS}
    # The older fixtures have short abstracts: keep them, to see every file's papers.
    result = ingest([folder], IngestConfig(min_abstract_words=1))
    summary = result.summary()
    assert summary["files_read"] == len(expected)
    assert summary["files_failed"] == summary["files_ignored"] == 0
    # Every file's records are in the ledger, and every file with abstracts gave papers.
    ledger = result.ledger.assign(file=result.ledger["source"].map(lambda s: Path(s).name))
    assert ledger["file"].value_counts().to_dict() == {n: k for n, (_, k) in expected.items()}
    used = set(ledger.loc[ledger["status"] != "dropped", "file"])
    assert used >= set(expected) - {"springer_export.csv"}  # Springer has no abstracts
    assert summary["records_read"] == summary["kept"] + summary["duplicate"] + summary["dropped"]


# --- Robustness: no exception but LandscapeError escapes a parser -------------------------

PARSERS = [
    arxiv_atom, arxiv_jsonl, openalex, semantic_scholar, bibtex, ris, tabular, wos, medline,
    pubmed_xml, crossref, csl_json,
]  # fmt: skip


def _survives(module, data: bytes) -> None:
    try:
        records, report = module.parse(data, "fuzz.dat")
    except LandscapeError as exc:
        str(exc).encode("utf-8")  # messages must be printable
        return
    # Everything a parser returns must be writable as UTF-8 JSON (no lone surrogates, no NaN).
    json.dumps([report.skipped, report.warnings], ensure_ascii=False).encode("utf-8")
    for r in records:
        fields = [r.title, r.abstract, r.problem, r.locator, r.meta]
        json.dumps(fields, ensure_ascii=False, allow_nan=False).encode("utf-8")


@pytest.mark.parametrize("module", PARSERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=3000))
def test_parsers_survive_bytes(module, data):
    _survives(module, data)


@pytest.mark.parametrize("module", PARSERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@settings(max_examples=150, deadline=None)
@given(text=st.text())
def test_parsers_survive_text(module, text):
    _survives(module, text.encode("utf-8"))


@pytest.mark.parametrize("module", PARSERS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=4000), junk=st.binary(max_size=20))
def test_parsers_survive_damaged_fixtures(module, cut, junk):
    # Random input rarely looks like the format; damaged real files reach deeper code.
    for path in sorted(FORMATS.iterdir()):
        data = path.read_bytes()
        _survives(module, data[:cut] + junk + data[cut:])


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=3000))
def test_detect_survives(data):
    with contextlib.suppress(LandscapeError):
        registry.detect(data, "fuzz.dat")


# --- Damage found by the ledger properties (tests/test_ledger_properties.py) -------------

TEXT_FIXTURES = [
    ("arxiv_query.xml", arxiv_atom),
    ("arxiv_snapshot.jsonl", arxiv_jsonl),
    ("openalex_page.json", openalex),
    ("s2_search.json", semantic_scholar),
    ("references.bib", bibtex),
    ("references.ris", ris),
    ("papers.csv", tabular),
    ("papers.tsv", tabular),
    ("wos_savedrecs.txt", wos),
    ("pubmed_medline.nbib", medline),
    ("pubmed_articles.xml", pubmed_xml),
    ("crossref_works.json", crossref),
    ("zotero_export.csl.json", csl_json),
]


@pytest.mark.parametrize(("name", "module"), TEXT_FIXTURES)
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_files_read_like_utf8(name, module, encoding, tmp_path):
    text = (FORMATS / name).read_text("utf-8")
    if name.endswith(".xml") and encoding.startswith("utf-16"):
        text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / name
    path.write_bytes(data)
    # Detection used to look at the raw UTF-16 bytes and find no format.
    assert registry.detect(data, name) == registry.detect(text.encode(), name)
    records, _ = registry.parse_file(path)
    expected, _ = parse(module, name)
    assert [(r.title, r.abstract, r.line) for r in records] == [
        (r.title, r.abstract, r.line) for r in expected
    ]


def test_csv_field_larger_than_the_csv_module_limit():
    big = "word " * 400_000  # 2 MB: csv refuses fields over 128 KiB by default
    data = f"title,abstract\nFirst,short\nHuge,{big}\nLast,short\n".encode()
    records, _ = tabular.parse(data, "big.csv")
    assert [r.title for r in records] == ["First", "Huge", "Last"]
    assert not dropped(records) and len(records[1].abstract) == len(big)
    assert csv.field_size_limit() == 131072  # the process-wide limit is left as it was


def _entry(n: int, summary: str) -> str:
    return (
        f"<entry>\n<id>http://arxiv.org/abs/2101.0000{n}v1</id>\n<title>Entry {n}</title>\n"
        f"<summary>{summary}</summary>\n</entry>\n"
    )


FEED = '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n{}</feed>\n'


@pytest.mark.parametrize(
    ("damage", "why"),
    [(b"caf\xe9", "not valid utf-8"), (b"nul\x00byte", "XML does not allow")],
)
def test_arxiv_atom_bad_bytes_drop_only_their_entry(damage, why):
    text = FEED.format("".join(_entry(n, "BAD" if n == 1 else "fine") for n in range(3)))
    data = text.encode().replace(b"BAD", damage)
    records, _ = arxiv_atom.parse(data, "bad.xml")
    assert [r.title for r in records] == ["Entry 0", "Entry 1", "Entry 2"]
    assert [r.problem_code for r in records] == [None, "invalid-encoding", None]
    assert why in records[1].problem and "(line 11)" in records[1].problem


def test_arxiv_atom_reads_on_after_a_broken_entry():
    text = FEED.format("".join(_entry(n, "x < y" if n == 1 else "fine") for n in range(3)))
    records, _ = arxiv_atom.parse(text.encode(), "broken.xml")
    assert [r.problem_code for r in records] == [None, "malformed-record", None]
    assert records[1].line == 8 and "skipped" in records[1].problem
    assert records[2].title == "Entry 2" and records[2].line == 13  # lines still right


def test_json_list_reads_on_after_a_broken_item():
    work = {"id": "W1", "title": "T", "abstract_inverted_index": {"a": [0]}}
    items = [json.dumps(work), '{"id": "W2", "title": "oops\x00", "x": [1, 2}', json.dumps(work)]
    page = '{"results": [\n' + ",\n".join(items) + "\n]}\n"
    records, _ = openalex.parse(page.encode(), "page.json")
    assert [r.problem_code for r in records] == [None, "malformed-record", None]
    assert [r.line for r in records] == [2, 3, 4]
    # Lines count \r line ends too.
    records, _ = openalex.parse(page.replace("\n", "\r").encode(), "page.json")
    assert [r.line for r in records] == [2, 3, 4]


def test_json_lines_with_a_damaged_first_line_are_still_detected():
    line = json.dumps({"id": "0704.0001", "title": "T", "abstract": "A", "versions": []})
    data = ("\x00" + line + "\n" + line + "\n").encode()
    assert registry.detect(data, "snapshot.jsonl") == "arxiv_jsonl"
    records, _ = arxiv_jsonl.parse(data, "snapshot.jsonl")
    assert [r.problem_code for r in records] == ["malformed-record", None]


def test_bibtex_lines_with_cr_line_ends():
    text = "@article{a,\n title={A}}\n\n@article{b,\n title={B}}\n"
    records, _ = bibtex.parse(text.replace("\n", "\r").encode(), "r.bib")
    assert [r.line for r in records] == [1, 4]  # were all line 1


def test_ris_record_whose_type_line_is_damaged_is_reported():
    text = "TY  - JOUR\nTI  - One\nER  - \nTX  - JOUR\nTI  - Two\nER  - \n"
    records, _ = ris.parse(text.encode(), "r.ris")
    assert [r.title for r in records] == ["One", "Two"]
    assert records[1].problem_code == "malformed-record" and records[1].line == 4
    assert "no TY line" in records[1].problem


def test_listing_utf16_and_stray_nul(tmp_path):
    text = (DATA / "listing_compact.txt").read_text("utf-8")
    expected, _ = registry.parse_file(DATA / "listing_compact.txt")
    (tmp_path / "u.txt").write_bytes(text.encode("utf-16"))
    assert len(registry.parse_file(tmp_path / "u.txt")[0]) == len(expected)
    # A NUL byte inside a line spoils that line at most, not the file.
    at = text.index("\n", 200)
    (tmp_path / "n.txt").write_bytes((text[:at] + "\x00" + text[at:]).encode())
    assert len(registry.parse_file(tmp_path / "n.txt")[0]) == len(expected)


class _Counting(io.RawIOBase):
    def __init__(self, data: bytes):
        self.inner, self.read_bytes = io.BytesIO(data), 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.inner.read(min(len(buffer), 1 << 16))
        buffer[: len(data)] = data
        self.read_bytes += len(data)
        return len(data)


@pytest.mark.parametrize(
    ("module", "make"),
    [
        (arxiv_jsonl, lambda n: json.dumps({"id": f"{n}", "title": "T", "abstract": "A" * 500})),
        (tabular, lambda n: f"Title {n},{'abstract ' * 50}" if n else "title,abstract"),
    ],
)
def test_json_lines_and_csv_are_read_as_streams(module, make):
    data = "\n".join(make(n) for n in range(40_000)).encode()  # about 20 MB
    stream = _Counting(data)
    records = module.parse_stream(io.BufferedReader(stream), "big.dat")
    first = next(records)
    assert first.problem is None
    assert stream.read_bytes < 4 * 2**20 < len(data)  # read a few chunks, not the file
    assert sum(1 for _ in records) == 40_000 - 1 - (module is tabular)


def test_bibtex_entry_with_a_damaged_start_is_a_record():
    text = "@artu\x1f\xadzicle{key0,\n  title = {A}\n}\n\n@article{key1,\n  title = {B}\n}\n"
    records, report = bibtex.parse(text.encode(), "d.bib")
    assert [(r.line, r.problem_code) for r in records] == [(1, "malformed-record"), (5, None)]
    assert not report.skipped  # it used to be skipped as a comment, and lost
