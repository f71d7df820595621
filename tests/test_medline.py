"""PubMed MEDLINE exports (.nbib, .medline, pubmed-*.txt)."""

import pytest

from conftest import ABSTRACT, DATA
from landscape.errors import InputError
from landscape.ingest.formats import medline, registry

FORMATS = DATA / "formats"


@pytest.mark.parametrize("name", ["pubmed_medline.nbib", "pubmed-set.txt"])
def test_fields(name):
    records, report = registry.parse_file(FORMATS / name)
    assert report.format == "medline"  # pubmed-set.txt by its content, not as a listing page
    assert [r.line for r in records] == [2, 44, 60]
    assert all(r.problem is None for r in records) and not report.warnings
    first = records[0]
    # Continuation lines joined; the title's final "." is kept.
    assert first.title == (
        "Topic maps of clinical research: clustering abstracts with defensible labels."
    )
    assert first.abstract.startswith("BACKGROUND: Clinical research grows faster")
    assert "METHODS: We cluster" in first.abstract and "  " not in first.abstract
    assert first.abstract.endswith("find their way.")
    assert first.meta["year"] == 2019 and first.meta["date"] == "2019-03-05"
    assert first.meta["doi"] == "10.1234/jcr.2019.0042"  # the [doi] LID, not the [pii] one
    assert first.meta["authors"] == ["José Núñez", "Eleni Papadopoulos"]
    assert first.meta["venue"] == "Journal of clinical research methods"
    assert first.meta["keywords"] == [
        "Humans", "Cluster Analysis", "Natural Language Processing", "topic modelling",
        "science mapping",
    ]  # fmt: skip
    assert first.meta["url"] == "https://pubmed.ncbi.nlm.nih.gov/31000001/"
    assert first.meta["original"]["PMID"] == ["31000001"]
    assert first.meta["original"]["MH"][1] == "*Cluster Analysis"
    translated = records[1]
    assert translated.title == "Mapping Greek-language research on αβ-thalassaemia."
    assert translated.abstract is None
    assert translated.meta["date"] == "2020-11" and translated.meta["authors"] == ["Μαρία Αλεξίου"]
    third = records[2]
    assert third.meta["doi"] == "10.5555/osm.2021.1"  # only in AID; LID is a [pii]
    assert third.meta["year"] == 2021 and "date" not in third.meta
    assert third.meta["authors"] == ["Céline Moreau", "Åsa Lindqvist"]


def record(pmid: int, title: str, tail: str = "SO  - J Tests. 2020;1:1.\n") -> str:
    return f"PMID- {pmid}\nDP  - 2020\nTI  - {title}\nAB  - {ABSTRACT}\n{tail}"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("[Title in English].", "Title in English."),
        ("[Title in English]", "Title in English"),
        ("[18F]FDG uptake in [corrected] tumours.", "[18F]FDG uptake in [corrected] tumours."),
        ("Plain title.", "Plain title."),
    ],
)
def test_translated_title_loses_its_brackets_only(title, expected):
    (rec,), _ = medline.parse(record(1, title).encode(), "p.nbib")
    assert rec.title == expected


def test_cut_off_last_record_is_dropped():
    # The file ends inside the abstract (even right after one of its lines).
    text = record(1, "First") + "\n" + f"PMID- 2\nTI  - Cut\nAB  - {ABSTRACT[:50]}\n"
    records, _ = medline.parse(text.encode(), "p.nbib")
    assert [r.problem_code for r in records] == [None, "truncated"]
    assert "line 7" in records[1].problem


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_long_export_reads_the_same_all_through(newline):
    # Megabytes of records, read a block of lines at a time; the last one is cut off.
    n = 8000
    text = "\n".join(record(i + 1, f"Paper {i}\n      wrapped") for i in range(n))
    text += f"\nPMID- {n + 1}\nTI  - Cut\nAB  - {ABSTRACT[:50]}\n"
    data = text.replace("\n", newline).encode()
    data = data.replace(b"TI  - Paper 7001", b"TI  - Pap\xe9r 7001")
    assert len(data) > 2_000_000
    records, report = medline.parse(data, "p.nbib")
    assert [r.line for r in records] == [1 + 7 * i for i in range(n + 1)]
    codes = [r.problem_code for r in records]
    assert codes == [None] * 7001 + ["invalid-encoding"] + [None] * (n - 7002) + ["truncated"]
    assert "line 49010 is not valid utf-8 (byte 0xE9 at column 10)" in records[7001].problem
    assert records[6999].title == "Paper 6999 wrapped" and records[6999].abstract == ABSTRACT
    assert records[6999].meta["original"]["TI"] == ["Paper 6999", "wrapped"]
    assert not report.skipped


def test_damaged_records_are_dropped_with_reasons():
    text = (
        record(1, "Good one")
        + "\n"
        + record(2, "Has junk", "junk line without a tag\nSO  - x\n")
        + "\n"
        + record(3, "Ran into", "")
        + record(4, "the next one")  # no blank line: PMID still starts a record
        + "\n"
        + "TI  - Lost its PMID\n"
        + f"AB  - {ABSTRACT}\nSO  - x\n"
    )
    records, _ = medline.parse(text.encode(), "p.nbib")
    codes = [r.problem_code for r in records]
    assert codes == [None, "malformed-record", None, None, "malformed-record"]
    assert "line 11" in records[1].problem
    assert "no PMID line" in records[4].problem and records[4].line == 24


def test_no_record_is_an_input_error():
    with pytest.raises(InputError, match=r"p\.nbib: file is empty"):
        medline.parse(b"\n\n", "p.nbib")
    with pytest.raises(InputError, match=r"p\.nbib: no MEDLINE record"):
        medline.parse(b"just some words\n", "p.nbib")


def test_detection():
    data = (FORMATS / "pubmed_medline.nbib").read_bytes()
    assert registry.detect(data, "anything.dat") == "medline"
    assert registry.detect(b"TI  - A title\nAB  - text\n", "x.medline") == "medline"
    assert registry.detect(data.replace(b"\n", b"\r\n"), "x.txt") == "medline"
