"""CSL dates, names and text fields (shared by Crossref and CSL-JSON)."""

import pytest

from landscape.ingest.formats.csl import csl_date, csl_names, first_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"date-parts": [[2020, 5, 14]]}, (2020, "2020-05-14")),
        ({"date-parts": [["2020", "5"]]}, (2020, "2020-05")),
        ({"date-parts": [[2020], [2021]]}, (2020, "2020")),  # a range: its start
        ({"date-parts": [[2020, 2, 30]]}, (2020, "2020")),  # no such day
        ({"date-parts": [[None]]}, (None, None)),  # Crossref's unknown date
        ({"date-parts": [[True]]}, (None, None)),
        ({"raw": "2019-03"}, (2019, "2019-03")),
        ({"literal": "Spring 2021"}, (2021, "2021")),
        ({"season": 1}, (None, None)),
        ("2018", (2018, "2018")),
        (None, (None, None)),
        ([2020], (None, None)),
    ],
)
def test_csl_date(value, expected):
    assert csl_date(value) == expected


def test_csl_names():
    names = [
        {"given": "Ludwig", "family": "Beethoven", "non-dropping-particle": "van"},
        {"given": "Martin Luther", "family": "King", "suffix": "Jr."},
        {"family": "Plato"},
        {"literal": "WHO"},
        {"name": "Consortium", "sequence": "additional"},
        {"given": "Only given"},
        "not a name",
        None,
    ]
    assert csl_names(names) == [
        "Ludwig van Beethoven", "Martin Luther King Jr.", "Plato", "WHO", "Consortium",
    ]  # fmt: skip
    assert csl_names("Smith") == []


def test_first_text():
    assert first_text(["", " ", "Title", "Other"]) == "Title"
    assert first_text("Title") == "Title"
    assert first_text([]) is None and first_text(" ") is None and first_text(3) is None
