"""Tables as bibliographic databases export them: Scopus, IEEE Xplore, Springer, Dimensions, Lens.

The fixtures in ``tests/data/formats/`` are written by hand after real exports
(column names, BOM, preamble line, ``[No abstract available]``, a row with one
field more than the header, HTML/JATS markup in abstracts).
"""

import json

import pytest

from conftest import DATA
from landscape.config import IngestConfig
from landscape.ingest import ingest
from landscape.ingest.clean import clean_prose
from landscape.ingest.formats import registry, tabular

FORMATS = DATA / "formats"
EXPORTS = [
    "scopus_export.csv",
    "ieee_export.csv",
    "springer_export.csv",
    "dimensions_export.csv",
    "lens_export.csv",
]


def parse(name):
    path = FORMATS / name
    return tabular.parse(path.read_bytes(), path.as_posix())


def counts(result):
    """``{status: n}`` of a ledger, checking read = kept + duplicate + dropped."""
    status = result.ledger["status"].value_counts().to_dict()
    assert sum(status.values()) == len(result.ledger)
    assert status.get("kept", 0) == len(result.corpus)
    assert set(status) <= {"kept", "duplicate", "dropped"}
    return status


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_are_detected_as_tables_by_content(name):
    data = (FORMATS / name).read_bytes()
    assert registry.detect(data, name) == "tabular"
    assert registry.detect(data, "export") == "tabular"  # no extension


def test_scopus_bom_no_abstract_and_shifted_row():
    records, report = parse("scopus_export.csv")
    assert [r.line for r in records] == [2, 3, 4, 5]
    first = records[0]
    assert first.title == "Mapping Research Fields"  # the BOM is not part of "Authors"
    assert first.meta["authors"] == ["Smith A.", "Jones B."]
    assert (first.meta["year"], first.meta["venue"]) == (2021, "Scientometrics")
    assert first.meta["doi"] == "10.1000/map.1"
    assert first.meta["keywords"] == ["topic maps", "stability"]
    assert first.meta["original"]["EID"] == "2-s2.0-85000000001"
    assert first.notes == [] and first.problem is None
    # One field more than the header (an unnamed funding text): the columns
    # before the funding columns are kept, the rest left out, with a note.
    shifted = records[1]
    assert shifted.problem is None
    assert shifted.title == "Galaxy Rotation Curves"
    assert shifted.abstract.startswith("Dark matter halos shape the rotation curves")
    assert (shifted.meta["year"], shifted.meta["doi"]) == (2019, "10.1000/gal.2")
    assert shifted.meta["keywords"] == ["dark matter"]
    assert shifted.meta["labels"] == {"Index Keywords": "Galaxies"}
    assert shifted.notes == [
        "line 3: expected 13 fields, found 14; kept columns Authors..Index Keywords"
        " (the columns from Funding Details on may be shifted)"
    ]
    assert shifted.meta["original"]["unaligned fields"] == [
        "NSF, 123",
        "Funded by NSF",
        "Grant 7",
        "Ref A",
        "2-s2.0-85000000002",
    ]
    assert "EID" not in shifted.meta["original"]
    # "[No abstract available]" is no abstract.
    assert records[2].title == "A Paper Without Abstract" and records[2].abstract is None
    assert records[3].meta["year"] == 2022
    assert report.warnings == [] and report.skipped == []


def test_scopus_ledger():
    result = ingest([FORMATS / "scopus_export.csv"])
    assert counts(result) == {"kept": 3, "dropped": 1}
    ledger = result.ledger.set_index("line")
    assert ledger.loc[4, "reason_code"] == "no-abstract"
    assert "expected 13 fields, found 14" in ledger.loc[3, "notes"]
    assert ledger.loc[3, "status"] == "kept"
    assert sorted(result.corpus["doi"]) == ["10.1000/gal.2", "10.1000/gnn.4", "10.1000/map.1"]


def test_row_with_wrong_field_count_without_a_shift_point_is_dropped():
    data = b"Title,Abstract,Year\nA Title,An abstract,2020,extra\nB Title,Fine,2021\n"
    records, _ = tabular.parse(data, "t.csv")
    assert records[0].problem_code == "malformed-record"
    assert "line 2: expected 3 fields, found 4" in records[0].problem
    assert records[0].title is None and records[1].problem is None
    # The abstract after the shift point: the row cannot be trusted either.
    data = b"Title,Funding Details,Abstract\nA Title,NSF,x,An abstract\n"
    (record,), _ = tabular.parse(data, "t.csv")
    assert record.problem_code == "malformed-record" and record.title is None
    # Fewer fields than the columns before the shift point.
    data = b"Title,Abstract,Year,Funding Texts\nA Title\n"
    (record,), _ = tabular.parse(data, "t.csv")
    assert record.problem_code == "malformed-record"


def test_ieee():
    records, _ = parse("ieee_export.csv")
    first = records[0]
    assert first.title == "Oversmoothing in Graph Networks"
    assert first.abstract.startswith("Graph neural networks pass messages")
    assert first.meta["authors"] == ["R. Roe", "C. Lee"]
    assert (first.meta["year"], first.meta["venue"]) == (2022, "IEEE Trans. Neural Netw.")
    assert first.meta["doi"] == "10.1109/tnn.2022.4"
    assert first.meta["keywords"] == ["graphs", "oversmoothing"]
    assert first.meta["labels"] == {"IEEE Terms": "Neural networks;Graph theory"}
    assert counts(ingest([FORMATS / "ieee_export.csv"])) == {"kept": 2}


def test_springer_has_no_abstracts():
    records, report = parse("springer_export.csv")
    assert [r.title for r in records] == ["Protein Folding Dynamics", "Galaxy Rotation Curves"]
    assert all(r.abstract is None and r.problem is None for r in records)
    assert records[0].meta["doi"] == "10.1007/s00001-019-0001-1"
    assert (records[0].meta["year"], records[0].meta["venue"]) == (
        2019,
        "Journal of Molecular Biology",
    )
    # Springer joins authors without a separator: split at lower -> upper case.
    assert records[0].meta["authors"] == ["Zoë Ångström", "Yann LeCun", "Wei Li"]
    assert records[0].meta["original"]["Authors"] == "Zoë ÅngströmYann LeCunWei Li"
    assert records[1].meta["authors"] == ["Richard Roe"]
    assert any("no abstract column" in w for w in report.warnings)
    result = ingest([FORMATS / "springer_export.csv"])
    assert counts(result) == {"dropped": 2}
    assert set(result.ledger["reason_code"]) == {"no-abstract"}


def test_springer_kept_on_titles_with_keep_title_only():
    result = ingest([FORMATS / "springer_export.csv"], IngestConfig(keep_title_only=True))
    assert counts(result) == {"kept": 2}
    corpus = result.corpus
    assert corpus["abstract"].tolist() == ["", ""] and not corpus["has_abstract"].any()
    assert corpus["authors"].iloc[0] == ["Zoë Ångström", "Yann LeCun", "Wei Li"]
    assert result.summary()["title_only"] == 2


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("John SmithJane DoeWei Zhang", ["John Smith", "Jane Doe", "Wei Zhang"]),
        ("Yann LeCunRonald McDonald", ["Yann LeCun", "Ronald McDonald"]),
        ("A. B. SmithC. D. Jones", ["A. B. Smith", "C. D. Jones"]),
        ("Jean-Luc PicardWilliam Riker", ["Jean-Luc Picard", "William Riker"]),
        ("Richard Roe", ["Richard Roe"]),
        ("Jane DoeMadonna", ["Jane DoeMadonna"]),  # a one-word rest is no name
        ("Ann Smith; Bob Jones", ["Ann Smith", "Bob Jones"]),  # a separator wins
    ],
)
def test_springer_joined_authors(cell, names):
    data = f"Item Title,Authors,Item DOI\nA Title,{cell},10.1007/x\n".encode()
    (record,), _ = tabular.parse(data, "springer.csv")
    assert record.meta["authors"] == names


def test_joined_authors_are_split_only_in_springer_exports():
    data = b"Title,Authors\nA Title,John SmithJane Doe\n"
    (record,), _ = tabular.parse(data, "other.csv")
    assert record.meta["authors"] == ["John SmithJane Doe"]


def test_dimensions_preamble():
    records, report = parse("dimensions_export.csv")
    assert [r.line for r in records] == [3, 4]
    assert report.skipped[0][0] == 1 and report.skipped[0][1].startswith('"About the data')
    first = records[0]
    assert first.title == "Mapping Research Fields"
    assert (first.meta["year"], first.meta["venue"]) == (2021, "Scientometrics")
    assert first.meta["doi"] == "10.1000/map.1"
    assert first.meta["authors"] == ["Ann Smith", "Bob Jones"]
    assert first.meta["labels"] == {"Rank": "1", "Publication ID": "pub.1000000001"}
    assert counts(ingest([FORMATS / "dimensions_export.csv"])) == {"kept": 2}


def test_lens_and_markup():
    records, _ = parse("lens_export.csv")
    first, marked = records
    assert first.title == "Mapping Research Fields"
    assert (first.meta["year"], first.meta["date"]) == (2021, "2021-03-05")
    assert first.meta["venue"] == "Scientometrics" and first.meta["doi"] == "10.1000/map.1"
    assert first.meta["keywords"] == ["topic maps", "stability"]
    assert first.meta["authors"] == ["Ann Smith", "Bob Jones"]
    assert first.meta["original"]["Lens ID"] == "000-111-222-333-444"
    # The parser hands the text over as found; markup goes when records are staged.
    assert marked.abstract.startswith("<jats:p>We present <i>Lumen</i>")
    assert marked.meta["original"]["Abstract"] == marked.abstract
    result = ingest([FORMATS / "lens_export.csv"])
    assert counts(result) == {"kept": 2}
    corpus = result.corpus.set_index("doi")
    abstract = corpus.loc["10.1000/lumen.5", "abstract"]
    assert abstract.startswith(
        "We present Lumen, a toolkit that measures how deep networks rely on spurious "
        "features & shortcut learning, with H2O and x2 examples"
    )
    assert "<" not in abstract and "&amp;" not in abstract
    # The ledger keeps the raw text, markup included, for audit.
    row = result.ledger[result.ledger.line == 3].iloc[0]
    assert row["raw_abstract"].startswith("<jats:p>We present <i>Lumen</i>")
    assert "<i>Lumen</i>" in json.loads(row["original"])["Abstract"]


def test_text_that_is_not_markup_is_kept():
    data = b"title,abstract\nA < B and C > D,x&y and R&D; p<0.05 <tag>\n"
    (record,), _ = tabular.parse(data, "t.csv")
    assert record.title == "A < B and C > D"
    assert record.abstract == "x&y and R&D; p<0.05 <tag>"
    assert clean_prose(record.title) == record.title
    assert clean_prose(record.abstract) == record.abstract


def test_all_exports_together_deduplicate_across_sources():
    result = ingest([FORMATS / name for name in EXPORTS])
    status = counts(result)
    read = sum(len(parse(name)[0]) for name in EXPORTS)
    assert len(result.ledger) == read == 12
    # Springer's "Galaxy Rotation Curves" has no abstract but matches Scopus's by
    # title: it joins that paper as a duplicate instead of being dropped.
    dropped = result.ledger[result.ledger.status == "dropped"]
    assert status["dropped"] == 2 and set(dropped["reason_code"]) == {"no-abstract"}
    springer = result.ledger[result.ledger.source.str.endswith("springer_export.csv")]
    assert sorted(springer["status"]) == ["dropped", "duplicate"]
