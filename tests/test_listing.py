import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ABSTRACT, DATA, listing
from landscape.errors import InputError, LandscapeError
from landscape.ingest.formats.listing import ListingOptions, parse_listing

HEADER = "new\nGet trending papers in your email inbox!\nSubscribe\nDaily Papers\n"


def parse(data: bytes, **kw):
    return parse_listing(data, "page.txt", ListingOptions(**kw) if kw else None)


@pytest.mark.parametrize("name", ["listing_blank_lines.txt", "listing_compact.txt"])
def test_both_layouts_parse_to_title_abstract_pairs(name):
    records, report = parse((DATA / name).read_bytes())
    assert len(records) == 2
    assert all(r.problem is None for r in records)
    assert records[0].title == "Sparse Widgets for Dense Retrieval"
    assert records[0].abstract.startswith("We study sparse widgets")
    assert all(len(r.title) < len(r.abstract) for r in records)
    # Every non-blank line is either part of a record or a listed chrome line.
    text = (DATA / name).read_text(encoding="utf-8")
    nonblank = [ln for ln in text.splitlines() if ln.strip()]
    assert len(nonblank) == 2 * len(records) + len(report.skipped) - sum(
        1 for _, _, why in report.skipped if "glued" in why
    )


def test_glued_subscribe_is_stripped_and_noted():
    records, report = parse((DATA / "listing_compact.txt").read_bytes())
    assert records[0].title == "Sparse Widgets for Dense Retrieval"
    assert records[0].notes and "Subscribe" in records[0].notes[0]
    assert any(why.startswith("site chrome glued") for _, _, why in report.skipped)


def test_line_numbers_point_at_title_lines():
    records, _ = parse((DATA / "listing_blank_lines.txt").read_bytes())
    lines = (DATA / "listing_blank_lines.txt").read_text().splitlines()
    for rec in records:
        assert lines[rec.line - 1] == rec.title


def test_listing_date_is_metadata_of_records():
    records, report = parse((DATA / "listing_blank_lines.txt").read_bytes())
    assert {r.meta["listing_date"] for r in records} == {"Apr 2"}
    assert any(why == "listing date" for _, _, why in report.skipped)


def test_date_on_another_line_applies_to_records_below():
    data = listing(("First Paper Title", ABSTRACT), ("Second Paper Title", ABSTRACT))
    data = data.replace(b"Second Paper", b"12 March 2024\nSecond Paper")
    records, _report = parse(data)
    assert [r.meta["listing_date"] for r in records] == ["12 March 2024", "12 March 2024"]
    data2 = listing(("First Paper Title", ABSTRACT), ("Second Paper Title", ABSTRACT))
    data2 = b"Mar 11\n" + data2.replace(b"Second Paper", b"Mar 12\nSecond Paper")
    records2, report2 = parse(data2)
    assert [r.meta["listing_date"] for r in records2] == ["Mar 11", "Mar 12"]
    assert report2.warnings


def test_unknown_chrome_line_is_reported_not_guessed():
    # A chrome line this parser has never seen, before the first title.
    data = listing(("First Paper Title", ABSTRACT), ("Second Paper Title", ABSTRACT))
    data = b"Papers of the week\n" + data
    records, _ = parse(data)
    assert len(records) == 3
    bad = records[0]
    assert bad.title == "Papers of the week" and bad.abstract is None
    assert bad.problem_code == "no-abstract" and "line 1" in bad.problem
    assert [r.title for r in records[1:]] == ["First Paper Title", "Second Paper Title"]
    assert all(r.abstract == ABSTRACT for r in records[1:])


def test_extra_chrome_patterns_are_skipped():
    data = b"Papers of the week\n" + listing(("First Paper Title", ABSTRACT))
    records, report = parse(data, chrome_patterns=("papers of the week",))
    assert len(records) == 1 and records[0].problem is None
    assert report.skipped[0][1] == "Papers of the week"


def test_numbers_only_lines_are_layout():
    data = listing(("First Paper Title", ABSTRACT)).replace(b"First", b"42\nFirst")
    records, report = parse(data)
    assert len(records) == 1 and records[0].problem is None
    assert report.skipped == [(1, "42", "no letters (layout)")]


def test_file_ending_on_a_title_is_a_record_with_a_problem():
    data = listing(("First Paper Title", ABSTRACT)) + b"Dangling Title At The End\n"
    records, _ = parse(data)
    assert len(records) == 2
    assert records[1].abstract is None
    assert records[1].problem_code == "no-abstract"
    assert "file ends on a title" in records[1].problem and "line 3" in records[1].problem


def test_abstract_without_title_is_unplaced():
    data = (ABSTRACT + "\n").encode() + listing(("First Paper Title", ABSTRACT))
    records, _ = parse(data)
    assert records[0].problem_code == "unplaced-line"
    assert records[0].title is None and "line 1" in records[0].problem
    assert records[1].title == "First Paper Title" and records[1].problem is None


def test_short_abstract_is_paired_so_cleaning_can_drop_it():
    data = listing(("First Paper Title", "Withdrawn."), ("Second Paper Title", ABSTRACT))
    records, _ = parse(data)
    assert [(r.title, r.abstract) for r in records] == [
        ("First Paper Title", "Withdrawn."),
        ("Second Paper Title", ABSTRACT),
    ]


def test_invalid_utf8_line_drops_only_its_record():
    data = listing(("Caf\xe9 Paper Title", ABSTRACT), ("Good Paper Title", ABSTRACT))
    data = data.replace("Caf\xe9".encode(), b"Caf\xe9")
    records, _ = parse(data)
    assert len(records) == 2
    assert records[0].problem_code == "invalid-encoding"
    assert "line 1" in records[0].problem and "0xE9" in records[0].problem
    assert records[1].problem is None


def test_latin1_file_reads_with_encoding_option():
    data = listing(("Caf\xe9 Paper Title", ABSTRACT)).decode().encode("latin-1")
    records, _ = parse(data, encoding="latin-1")
    assert records[0].problem is None and records[0].title == "Café Paper Title"


def test_mixed_line_endings_and_bom():
    data = b"\xef\xbb\xbfFirst Paper Title\r\n" + ABSTRACT.encode() + b"\rSecond Paper Title\n"
    data += ABSTRACT.encode()
    records, _ = parse(data)
    assert [r.line for r in records] == [1, 3]
    assert all(r.problem is None for r in records)


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"  \n\n \n", "empty"), (b"\x7fELF\x02\x01\x00\x00binary", "binary")],
)
def test_empty_or_binary_file_is_an_input_error(data, message):
    with pytest.raises(InputError, match=message) as info:
        parse(data)
    assert "page.txt" in str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_but_input_error(data):
    try:
        records, _report = parse(data)
    except LandscapeError:
        return
    for rec in records:
        assert rec.line >= 1
        assert rec.title is not None or rec.problem is not None
        assert rec.problem is None or rec.problem_code


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.characters(categories=["L", "Zs"]), min_size=5, max_size=60).map(
                lambda s: "T " + s.strip()
            ),
            st.just(ABSTRACT),
        ),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
)
def test_every_well_formed_pair_is_recovered(pairs, blank):
    pairs = [(" ".join(t.split()), a) for t, a in pairs]
    records, _ = parse(listing(*pairs, header=HEADER, blank=blank))
    assert [(r.title, r.abstract) for r in records] == pairs
