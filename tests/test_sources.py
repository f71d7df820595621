import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ABSTRACT, OTHER_ABSTRACT, listing
from landscape.config import IngestConfig
from landscape.ingest import ingest, write_ingest
from landscape.ingest.sources import default_name, source_names


@pytest.mark.parametrize(
    ("path", "date", "fmt", "expected"),
    [
        ("data/raw/000_3c1f7518a6081a0f.txt", None, "listing", "page 000"),
        ("data/raw/001_3f636bcf444e6938.txt", "Mar 11", "listing", "page 001 (Mar 11)"),
        ("exports/scopus_2026.csv.gz", None, "tabular", "scopus 2026"),
        ("x/3c1f7518a6081a0f.bib", None, "bibtex", "3c1f7518a6081a0f"),
        ("x/12.ris", None, "ris", "file 12"),
        ("C:\\exports\\savedrecs.txt", None, "listing", "savedrecs"),
    ],
)
def test_default_names(path, date, fmt, expected):
    assert default_name(path, date, fmt) == expected


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8, unique=True))
def test_names_are_distinct_one_line_and_cover_every_file(stems):
    files = [(f"d/{s}.txt", None, "listing") for s in stems]
    names = source_names(files)
    assert set(names) == {f for f, _, _ in files}
    assert len(set(names.values())) == len(names)
    assert all(n and "\n" not in n for n in names.values())


def test_user_names_win_by_file_name_or_path():
    files = [("raw/a_1234abcd.txt", "Mar 1", "listing"), ("raw/b.txt", None, "listing")]
    names = source_names(files, {"a_1234abcd.txt": "Week one", "raw/b.txt": "Week two"})
    assert names == {"raw/a_1234abcd.txt": "Week one", "raw/b.txt": "Week two"}
    clash = source_names(files, {"a_1234abcd.txt": "Same", "b.txt": "Same"})
    assert clash["raw/a_1234abcd.txt"] == "Same" and clash["raw/b.txt"] == "Same (b.txt)"


def test_ingest_records_the_names_and_the_listing_date(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "000_3c1f7518a6081a0f.txt").write_bytes(listing(("First paper", ABSTRACT)))
    (raw / "001_3f636bcf444e6938.txt").write_bytes(
        listing(("Second paper", OTHER_ABSTRACT), header="Mar 11\n")
    )
    options = IngestConfig(source_names={"000_3c1f7518a6081a0f.txt": "The first page"})
    written = write_ingest(ingest([raw], options), tmp_path / "out")
    names = json.loads(written["report"].read_text(encoding="utf-8"))["source_names"]
    assert sorted(names.values()) == ["The first page", "page 001 (Mar 11)"]
    corpus = pd.read_parquet(written["corpus"])
    assert set(names) == {f for files in corpus["source_files"] for f in files}
