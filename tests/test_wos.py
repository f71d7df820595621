"""Web of Science exports (plain text and tab-delimited), the listing refusal, mixed folders."""

import shutil

import pytest

from conftest import ABSTRACT, DATA, OTHER_ABSTRACT, listing
from landscape.errors import InputError
from landscape.ingest import discover, ingest
from landscape.ingest.formats import registry, wos
from landscape.ingest.formats.listing import parse_listing

FORMATS = DATA / "formats"


def read(name: str):
    return registry.parse_file(FORMATS / name)


def test_plain_text_fields():
    records, report = read("wos_savedrecs.txt")
    assert report.format == "wos"
    assert [r.line for r in records] == [3, 40, 50, 60]
    assert all(r.problem is None for r in records)
    first = records[0]
    # Continuation lines joined with spaces; the UTF-8 BOM is gone.
    assert first.title == (
        "Stable topic maps of research fields: clustering abstracts with defensible labels"
    )
    assert first.abstract.startswith("We cluster the abstracts of forty thousand papers")
    assert first.abstract.endswith("agree with expert judgement.")
    assert "  " not in first.abstract
    assert first.meta["authors"] == ["José Núñez", "Eleni Papadopoulos", "Chidi Okafor"]
    assert first.meta["year"] == 2019 and first.meta["date"] == "2019-03-05"
    assert first.meta["doi"] == "10.1234/jsm.2019.0042"
    assert first.meta["venue"] == "JOURNAL OF SCIENTOMETRIC METHODS"
    assert first.meta["keywords"] == [
        "topic modelling", "science mapping", "clustering", "CITATION ANALYSIS", "CO-WORD",
        "SCIENCE",
    ]  # fmt: skip
    assert first.meta["original"]["UT"] == ["WOS:000123456700001"]
    assert first.locator == "line 3"
    greek = records[1]
    assert greek.abstract is None  # no AB field: dropped later by cleaning, with its reason
    assert greek.title.startswith("Η χαρτογράφηση της έρευνας")
    assert greek.meta["authors"] == ["Μαρία Αλεξίου"]
    assert greek.meta["keywords"] == ["bibliométrie", "καλλιέργεια"]
    assert records[3].meta["date"] == "2022-02"  # EA, early access month


def test_record_without_er_is_kept_with_a_warning():
    records, report = read("wos_savedrecs.txt")
    no_er = records[2]
    assert no_er.title == "Citation windows and the half-life of ideas"
    assert no_er.problem is None and no_er.meta["original"]["UT"] == ["WOS:000123456700003"]
    assert any("line 50" in w and "no ER line" in w for w in report.warnings)
    assert [s[2] for s in report.skipped] == ["export header", "export header", "end of file"]


HEAD = "FN Clarivate Analytics Web of Science\nVR 1.0\n"
GOOD = f"PT J\nTI A good paper\nAB {ABSTRACT}\nPY 2020\nUT WOS:1\nER\n"


def test_cut_off_record_is_dropped_not_kept():
    text = HEAD + GOOD + f"\nPT J\nTI Cut paper\nAB {OTHER_ABSTRACT[:60]}"
    records, _ = wos.parse(text.encode(), "savedrecs.txt")
    assert [r.problem_code for r in records] == [None, "truncated"]
    assert "line 10" in records[1].problem and "cut off" in records[1].problem


@pytest.mark.parametrize(
    ("damage", "code", "why"),
    [
        ("TI Broken\nthis line has no tag\n", "malformed-record", "line 12"),
        ("TI One\nTI Two\n", "malformed-record", "second TI"),
        ("TI Caf\udce9\n", "invalid-encoding", "line 11 is not valid utf-8"),
    ],
)
def test_damaged_record_is_dropped_with_a_reason(damage, code, why):
    text = HEAD + GOOD + f"\nPT J\n{damage}AB {ABSTRACT}\nUT WOS:2\nER\n\n" + GOOD + "EF\n"
    data = text.encode("utf-8", errors="surrogateescape")
    records, _ = wos.parse(data, "savedrecs.txt")
    assert [r.problem_code for r in records] == [None, code, None]
    assert why in records[1].problem and records[1].line == 10


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_long_export_reads_the_same_all_through(newline):
    # Megabytes of records: read a block of lines at a time, whose edges must not show.
    n, bad = 6000, 4321
    body = "".join(
        f"PT J\nTI Paper number {i} about\n   wrapped titles\nAB {ABSTRACT}\n   {OTHER_ABSTRACT}"
        f"\nUT WOS:{i}\nER\n\n"
        for i in range(n)
    )
    data = (HEAD + body + "EF\n").replace("\n", newline).encode()
    data = data.replace(f"number {bad} about".encode(), b"number %d ab\xffout" % bad)
    assert len(data) > 3_000_000
    records, report = wos.parse(data, "savedrecs.txt")
    assert [r.line for r in records] == [3 + 8 * i for i in range(n)]
    assert [r.problem_code for r in records] == [None] * bad + ["invalid-encoding"] + [None] * (
        n - bad - 1
    )
    line = 3 + 8 * bad + 1
    assert f"line {line} is not valid utf-8 (byte 0xFF at column 24)" in records[bad].problem
    assert all(
        r.title == f"Paper number {i} about wrapped titles" for i, r in enumerate(records[:bad])
    )
    assert all(r.abstract == f"{ABSTRACT} {OTHER_ABSTRACT}" for r in records)
    assert records[-1].meta["original"]["UT"] == [f"WOS:{n - 1}"]
    assert [s[0] for s in report.skipped] == [1, 2, 3 + 8 * n] and not report.warnings


def test_tag_lines_outside_a_record_are_reported():
    text = HEAD + GOOD + f"\nPx J\nTI Lost its PT\nAB {ABSTRACT}\nER\n"
    records, report = wos.parse(text.encode(), "savedrecs.txt")
    assert [r.problem_code for r in records] == [None, "malformed-record"]
    assert "no PT line" in records[1].problem and records[1].line == 11
    assert (10, "Px J", "text outside any record") in report.skipped


def test_no_record_is_an_input_error():
    with pytest.raises(InputError, match=r"savedrecs\.txt: no Web of Science record"):
        wos.parse(HEAD.encode() + b"EF\n", "savedrecs.txt")
    with pytest.raises(InputError, match="empty"):
        wos.parse(b"\xef\xbb\xbf\n\n", "savedrecs.txt")


def test_tab_delimited_utf16_export_reads_as_a_table():
    records, report = read("wos_tab.txt")
    assert report.format == "tabular"
    assert [r.line for r in records] == [2, 3] and all(r.problem is None for r in records)
    first = records[0]
    assert first.title == "Stable topic maps of research fields"
    assert '"separate"' in first.abstract  # quotes are text: WoS does not quote fields
    assert first.meta["authors"] == ["José Núñez", "Eleni Papadopoulos"]  # AF, not AU
    assert first.meta["year"] == 2019 and first.meta["doi"] == "10.1234/jsm.2019.0042"
    assert first.meta["venue"] == "JOURNAL OF SCIENTOMETRIC METHODS"
    assert first.meta["keywords"] == ["topic modelling", "science mapping"]
    assert first.meta["original"]["UT"] == "WOS:000123456700001"
    # ID is Keywords Plus there, not an identifier: it stays a label column.
    assert first.meta["labels"]["ID"] == "CITATION ANALYSIS; CO-WORD"
    assert records[1].title == '"Quoted" words in a title with Greek αβγ'
    assert records[1].abstract is None


def test_tab_delimited_header_ending_with_a_tab(tmp_path):
    text = (FORMATS / "wos_tab.txt").read_text("utf-16").replace("\tDA\r\n", "\tDA\t\r\n", 1)
    path = tmp_path / "savedrecs.txt"
    path.write_bytes(text.encode("utf-8-sig"))
    records, _ = registry.parse_file(path)
    assert [r.title for r in records] == [r.title for r in read("wos_tab.txt")[0]]
    assert records[0].meta["original"]["UT"] == "WOS:000123456700001"
    assert "ID" in records[0].meta["labels"]


@pytest.mark.parametrize("suffix", [".txt", ".isi", ".ciw", ".dat"])
def test_detected_from_content_whatever_the_name(suffix, tmp_path):
    path = tmp_path / f"savedrecs{suffix}"
    shutil.copy(FORMATS / "wos_savedrecs.txt", path)
    records, report = registry.parse_file(path)
    assert report.format == "wos" and len(records) == 4


def test_headerless_records_are_detected():
    text = GOOD + "\n" + GOOD.replace("WOS:1", "WOS:2")
    assert registry.detect(text.encode(), "part.txt") == "wos"
    assert registry.detect(b"PT J\nTI Only a title\n", "x.isi") == "wos"


# --- The listing parser refuses what is not a listing page ------------------------------


def test_listing_parser_refuses_tagged_exports():
    for name in ("wos_savedrecs.txt", "pubmed-set.txt", "references.ris"):
        data = (FORMATS / name).read_bytes()
        with pytest.raises(InputError, match=f"{name}: not a listing page"):
            parse_listing(data, name)


def test_listing_parser_refuses_text_it_cannot_pair():
    text = "\n".join(f"Short line number {k} of a note" for k in range(6)) + "\n"
    data = text.encode() + listing(("A Paper Title", ABSTRACT))
    with pytest.raises(InputError, match=r"notes\.txt: not a listing page: only 2 of its 8"):
        parse_listing(data, "notes.txt")
    with pytest.raises(InputError, match=r"notes\.txt: not a listing page"):
        registry.ListingFormat.parse(data, "notes.txt")


def test_default_listing_files_still_parse():
    for path in sorted((DATA).glob("listing_*.txt")):
        records, report = registry.parse_file(path)
        assert report.format == "listing" and records
        assert all(r.problem is None for r in records)


# --- A mixed folder -----------------------------------------------------------------------


def test_mixed_folder_ingests_in_one_call(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "page.txt").write_bytes(listing(("Listing Paper Title", ABSTRACT)))
    shutil.copy(FORMATS / "wos_savedrecs.txt", folder / "savedrecs.txt")
    shutil.copy(FORMATS / "wos_savedrecs.txt", folder / "old.ciw")
    shutil.copy(FORMATS / "pubmed_medline.nbib", folder / "citations.nbib")
    shutil.copy(FORMATS / "pubmed-set.txt", folder / "pubmed-set.medline")
    (folder / "broken.txt").write_bytes(b"AB BACKGROUND:\nTI\nPY 2019\nnot a listing\n")
    (folder / "notes.md").write_text("ignored")
    files, ignored = discover([folder])
    assert sorted(p.name for p in files) == [
        "broken.txt", "citations.nbib", "old.ciw", "page.txt", "pubmed-set.medline",
        "savedrecs.txt",
    ]  # fmt: skip
    assert [p.rsplit("/", 1)[-1] for p in ignored] == ["notes.md"]
    result = ingest([folder])
    summary = result.summary()
    formats = sorted(f.format for f in result.files)
    assert formats == ["listing", "medline", "medline", "wos", "wos"]
    assert summary["files_read"] == 5 and summary["files_failed"] == 1
    assert summary["files_ignored"] == 1
    (error,) = result.file_errors
    assert "broken.txt" in error and "not a listing page" in error
    # 1 listing record, 4 + 4 WoS and 3 + 3 MEDLINE records, all accounted for.
    assert summary["records_read"] == 1 + 8 + 6
    assert summary["records_read"] == summary["kept"] + summary["duplicate"] + summary["dropped"]
    ledger = result.ledger
    assert set(ledger["source"].map(lambda s: s.rsplit("/", 1)[-1])) == {
        "page.txt", "savedrecs.txt", "old.ciw", "citations.nbib", "pubmed-set.medline",
    }  # fmt: skip
    # The same papers in two files of a format are merged, not counted twice.
    assert summary["duplicate"] >= 3
    assert not ledger["raw_title"].fillna("").str.match(r"^[A-Z]{2} ").any()
