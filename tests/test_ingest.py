import csv
import gzip
import io
import json
import subprocess
import sys
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import landscape.ingest.pipeline as ingest_module
from conftest import ABSTRACT, DATA, OTHER_ABSTRACT, listing
from landscape.config import IngestConfig
from landscape.errors import InputError
from landscape.ingest import ingest, write_ingest
from landscape.ingest.clean import make_doc_id, title_key
from landscape.ingest.merge import LEDGER_COLUMNS


def check_invariant(result):
    ledger = result.ledger
    counts = ledger["status"].value_counts()
    assert set(counts.index) <= {"kept", "duplicate", "dropped"}
    assert len(ledger) == counts.sum()
    assert counts.get("kept", 0) == len(result.corpus)
    kept_ids = set(result.corpus["doc_id"])
    assert set(ledger.loc[ledger.status == "kept", "doc_id"]) == kept_ids
    # Every duplicate names a kept paper; every dropped row has a reason and no id.
    assert set(ledger.loc[ledger.status == "duplicate", "doc_id"]) <= kept_ids
    assert ledger["reason"].notna().all() and ledger["reason_code"].notna().all()
    assert ledger.loc[ledger.status == "dropped", "doc_id"].isna().all()
    # Sources in the corpus account for every kept and duplicate record.
    n_sources = result.corpus["sources"].map(len).sum()
    assert n_sources == int((ledger.status != "dropped").sum())


def test_default_corpus_counts(default_corpus):
    result = ingest([default_corpus])
    assert len(result.ledger) == 770
    assert len(result.corpus) == 682
    check_invariant(result)
    assert result.corpus["doc_id"].is_unique
    assert result.corpus["title"].map(title_key).is_unique
    assert len(result.files) == 5 and not result.file_errors
    # Every paper keeps every file and line it was found on.
    multi = result.corpus[result.corpus["n_sources"] > 1]
    assert len(multi) > 0
    assert (result.corpus["n_sources"] == result.corpus["sources"].map(len)).all()
    assert (result.corpus["title"].str.startswith("Subscribe")).sum() == 0
    dates = {s["listing_date"] for srcs in result.corpus["sources"] for s in srcs}
    assert "Mar 11" in dates


def test_default_corpus_ignores_readme(default_corpus):
    result = ingest([default_corpus])
    assert any(p.endswith("README.md") for p in result.ignored)


def test_duplicates_merge_sources_and_keep_richest_abstract(tmp_path):
    longer = ABSTRACT + " We also release an open benchmark for the task."
    (tmp_path / "a.txt").write_bytes(listing(("Deep Invertible Networks", ABSTRACT)))
    (tmp_path / "b.txt").write_bytes(
        listing(("deep invertible networks!", longer), ("Another Paper Title", OTHER_ABSTRACT))
    )
    result = ingest([tmp_path])
    check_invariant(result)
    assert len(result.ledger) == 3 and len(result.corpus) == 2
    row = result.corpus.set_index("title").loc["Deep Invertible Networks"]
    assert row["abstract"] == longer
    assert [s["file"].rsplit("/", 1)[-1] for s in row["sources"]] == ["a.txt", "b.txt"]
    assert row["doc_id"] == make_doc_id("title", "deep invertible networks")
    dup = result.ledger[result.ledger.status == "duplicate"].iloc[0]
    assert dup["doc_id"] == row["doc_id"] and dup["rule"] == "exact-title"
    assert "a.txt:line 1" in dup["reason"] and dup["matched_record"] == 0


def test_title_without_abstract_merges_when_paper_is_known(tmp_path):
    (tmp_path / "a.txt").write_bytes(listing(("Known Paper Title", ABSTRACT)))
    (tmp_path / "b.txt").write_bytes(
        listing(("Other Paper Title", OTHER_ABSTRACT)) + b"Known Paper Title\n"
    )
    result = ingest([tmp_path])
    check_invariant(result)
    row = result.ledger[result.ledger.raw_title == "Known Paper Title"]
    assert list(row.status) == ["kept", "duplicate"]
    assert result.corpus.set_index("title").loc["Known Paper Title", "n_sources"] == 2


def test_drops_have_reasons(tmp_path):
    (tmp_path / "a.txt").write_bytes(
        listing(("Good Paper Title", ABSTRACT), ("Short Abstract Paper", "Withdrawn."))
        + b"Dangling Title\n"
    )
    result = ingest([tmp_path])
    check_invariant(result)
    dropped = result.ledger[result.ledger.status == "dropped"].set_index("raw_title")
    assert dropped.loc["Short Abstract Paper", "reason_code"] == "abstract-too-short"
    assert dropped.loc["Dangling Title", "reason_code"] == "no-abstract"
    assert "file ends on a title" in dropped.loc["Dangling Title", "reason"]
    assert result.summary()["dropped_by_reason"] == {"abstract-too-short": 1, "no-abstract": 1}


def test_min_abstract_words_is_configurable(tmp_path):
    (tmp_path / "a.txt").write_bytes(listing(("Good Paper Title", ABSTRACT)))
    result = ingest([tmp_path], IngestConfig(min_abstract_words=1000))
    assert len(result.corpus) == 0 and len(result.ledger) == 1
    check_invariant(result)


def test_bad_file_among_good_ones_is_reported_and_skipped(tmp_path):
    (tmp_path / "a.txt").write_bytes(listing(("Good Paper Title", ABSTRACT)))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = ingest([tmp_path])
    assert len(result.corpus) == 1
    assert len(result.file_errors) == 2
    assert any("empty.txt" in e and "empty" in e for e in result.file_errors)
    assert any("binary.txt" in e and "binary" in e for e in result.file_errors)


def test_non_utf8_bytes_drop_only_that_record(tmp_path):
    data = listing(("Caf\xe9 Paper", ABSTRACT), ("Good Paper Title", OTHER_ABSTRACT)).replace(
        "Caf\xe9".encode(), b"Caf\xe9"
    )
    (tmp_path / "a.txt").write_bytes(data)
    result = ingest([tmp_path])
    check_invariant(result)
    assert list(result.corpus.title) == ["Good Paper Title"]
    bad = result.ledger[result.ledger.status == "dropped"].iloc[0]
    assert bad["reason_code"] == "invalid-encoding" and bad["line"] == 1
    assert "a.txt" in bad["source"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: p / "missing", "no such file"),
        (lambda p: (p / "d").mkdir() or p / "d", "no supported file"),
        (lambda p: (p / "x.pdf").write_bytes(b"%PDF") and p / "x.pdf", "unsupported file format"),
        (lambda p: (p / "e.txt").write_bytes(b"") or p / "e.txt", "empty"),
        (lambda p: (p / "b.txt").write_bytes(b"\x00" * 64) and p / "b.txt", "binary"),
    ],
)
def test_unusable_inputs_raise_input_error_naming_the_file(tmp_path, setup, message):
    path = setup(tmp_path)
    with pytest.raises(InputError, match=message) as info:
        ingest([path])
    assert path.name in str(info.value)


def test_write_ingest_outputs_and_determinism(tmp_path, default_corpus):
    result = ingest([default_corpus])
    paths = write_ingest(result, tmp_path / "one")
    write_ingest(ingest([default_corpus]), tmp_path / "two")
    for name in ("corpus.parquet", "ledger.parquet", "ingest_report.json"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    corpus = pd.read_parquet(paths["corpus"])
    ledger = pd.read_parquet(paths["ledger"])
    assert len(corpus) == 682 and len(ledger) == 770
    assert list(ledger.columns) == LEDGER_COLUMNS
    assert isinstance(corpus["sources"].iloc[0][0]["line"], int | float)
    # No temporary files left behind.
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == [
        "corpus.parquet",
        "ingest_report.json",
        "ledger.parquet",
    ]


def test_cross_source_dedup_over_formats(tmp_path):
    abstract = ABSTRACT
    words = abstract.split()
    inverted = {}
    for pos, w in enumerate(words):
        inverted.setdefault(w, []).append(pos)
    (tmp_path / "refs.bib").write_text(
        "@article{smith2021,\n  title = {Stable Topic Maps of Research Fields},\n"
        '  author = {Smith, Ana and M{\\"u}ller, Jo},\n  year = {2021},\n'
        "  doi = {10.5555/Maps.2021},\n"
        f"  abstract = {{{abstract}}}\n}}\n"
    )
    (tmp_path / "works.json").write_text(
        json.dumps(
            {
                "results": [
                    {
                        "id": "https://openalex.org/W1",
                        "doi": "https://doi.org/10.5555/maps.2021",
                        "title": "Stable topic maps of research fields",
                        "publication_year": 2021,
                        "abstract_inverted_index": inverted,
                    }
                ]
            }
        )
    )
    revised = abstract.replace("fast enough", "quick enough")
    other = OTHER_ABSTRACT
    (tmp_path / "sheet.csv").write_text(
        "Title,Abstract,Year\n"
        f'"Maps You Can Defend (preprint)","{revised}",2020\n'
        f'"Monetary Shocks and Households","{other}",2019\n'
    )
    result = ingest([tmp_path])
    check_invariant(result)
    assert {f.format for f in result.files} == {"bibtex", "openalex", "tabular"}
    assert len(result.corpus) == 2
    merged = result.corpus[result.corpus["n_sources"] == 3].iloc[0]
    assert merged["doi"] == "10.5555/maps.2021"
    assert merged["doc_id"] == make_doc_id("doi", "10.5555/maps.2021")
    assert "Müller" in " ".join(merged["authors"])
    rules = set(result.ledger["rule"].dropna())
    assert rules == {"exact-doi", "near-abstract"}
    near = result.ledger[result.ledger["rule"] == "near-abstract"].iloc[0]
    assert near["score"] >= 0.8 and "sheet.csv" in near["source"]


def _frames(result):
    return result.corpus, result.ledger


def test_staging_in_small_batches_gives_the_same_output(tmp_path, monkeypatch, default_corpus):
    # Records are cleaned, staged and shingled batch by batch; the batch size must
    # not change a single value (word ids, groups, merged rows, the ledger).
    inputs = [default_corpus, DATA]
    corpus, ledger = _frames(ingest(inputs))
    monkeypatch.setattr(ingest_module, "BATCH_RECORDS", 7)
    small_corpus, small_ledger = _frames(ingest(inputs))
    pd.testing.assert_frame_equal(corpus, small_corpus)
    pd.testing.assert_frame_equal(ledger, small_ledger)
    assert (ledger["status"] == "duplicate").sum() > 80


def test_labels_of_mixed_types_and_clashing_names_are_written(tmp_path):
    rows = f'id,arxiv_id,title,abstract,sources,group\nx1,2101.00001,Paper One,"{ABSTRACT}",s,7\n'
    (tmp_path / "a.csv").write_text(rows)
    table = pa.table({"title": ["Paper Two"], "abstract": [OTHER_ABSTRACT], "group": [3]})
    pq.write_table(table, tmp_path / "b.parquet")
    result = ingest([tmp_path])
    paths = write_ingest(result, tmp_path / "out")  # failed: duplicate and mixed columns
    corpus = pd.read_parquet(paths["corpus"])
    assert {"arxiv_id_label", "sources_label"} <= set(corpus.columns)
    assert corpus.set_index("title").loc["Paper One", "sources_label"] == "s"
    # "7" (CSV text) and 3 (a Parquet integer) share the column, as JSON text.
    assert sorted(corpus["group"]) == ["3", "7"]


def test_gzip_damaged_midway_keeps_what_was_read(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_module, "BATCH_RECORDS", 2)
    lines = [
        json.dumps({"id": f"2101.{n:05d}", "title": f"Paper {n} About Things",
                    "abstract": f"{ABSTRACT} (variant {n})", "versions": []})
        for n in range(200)
    ]  # fmt: skip
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "s.jsonl.gz").write_bytes(packed[: len(packed) * 2 // 3])
    result = ingest([tmp_path / "s.jsonl.gz"])
    check_invariant(result)
    last = result.ledger.iloc[-1]
    assert last["reason_code"] == "unreadable" and "gzip" in last["reason"]
    assert 0 < (result.ledger["status"] != "dropped").sum() < 200


def test_nothing_read_names_the_files(tmp_path):
    (tmp_path / "cut.xml").write_text(
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    )
    with pytest.raises(InputError, match=r"cut\.xml: no records found"):
        ingest([tmp_path / "cut.xml"])


def test_staged_records_live_in_work_dir_until_closed(tmp_path, default_corpus):
    result = ingest([default_corpus], work_dir=tmp_path / "work")
    (staged,) = (tmp_path / "work").iterdir()
    assert any(staged.iterdir())
    result.close()
    assert not staged.exists()
    assert len(result.summary()) and result.summary()["kept"] == 682


def test_stage_left_by_a_killed_run_is_removed(tmp_path, default_corpus):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / ".landscape-ingest-killed"
    stale.mkdir()
    (stale / "pid").write_text(dead)
    (stale / "records.arrow").write_bytes(b"x" * 1000)
    ingest([default_corpus], work_dir=tmp_path).close()
    assert not stale.exists()


# --- Markup, in every format ----------------------------------------------------------------

MARKED_TITLE = "The <i>Lumen</i> toolkit &amp; shortcut learning"
MARKED_ABSTRACT = (
    "<jats:p>We measure how deep networks rely on spurious features &amp; shortcuts "
    "(p<0.05, a<b>c) in H<sub>2</sub>O images, across twelve public benchmarks and "
    "three model families, and release the code and data for others to reuse.</jats:p>"
)
CLEAN_TITLE = "The Lumen toolkit & shortcut learning"
CLEAN_ABSTRACT = (
    "We measure how deep networks rely on spurious features & shortcuts (p<0.05, a<b>c) "
    "in H2O images, across twelve public benchmarks and three model families, and release "
    "the code and data for others to reuse."
)


def marked_files() -> dict[str, bytes]:
    """One file per format, each with one paper whose title and abstract hold markup."""
    t, a = MARKED_TITLE, MARKED_ABSTRACT
    table = io.StringIO()
    csv.writer(table).writerows([["title", "abstract"], [t, a]])
    index: dict[str, list[int]] = {}
    for k, word in enumerate(a.split(" ")):
        index.setdefault(word, []).append(k)
    work = {"id": "https://openalex.org/W1", "title": t, "authorships": [],
            "abstract_inverted_index": index}  # fmt: skip
    paper = {"paperId": "abc", "externalIds": {"CorpusId": 1}, "title": t, "abstract": a}
    versions = [{"version": "v1", "created": "Mon, 4 Jan 2021 10:00:00 GMT"}]
    snapshot = {"id": "2101.00001", "title": t, "abstract": a, "versions": versions}
    atom = (
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n'
        "<id>http://arxiv.org/abs/2101.00001v1</id>\n"
        f"<title>{xml_escape(t)}</title>\n<summary>{xml_escape(a)}</summary>\n</entry>\n</feed>\n"
    )
    wos = (
        f"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI {t}\nAB {a}\nPY 2020\nER\n\nEF\n"
    )
    return {
        "table.csv": table.getvalue().encode(),
        "refs.ris": f"TY  - JOUR\nTI  - {t}\nAB  - {a}\nPY  - 2020\nER  - \n".encode(),
        "refs.bib": f"@article{{k1,\n  title = {{{t}}},\n  abstract = {{{a}}}\n}}\n".encode(),
        "savedrecs.txt": wos.encode(),
        "pubmed.nbib": f"PMID- 1\nTI  - {t}\nAB  - {a}\nDP  - 2020\n\n".encode(),
        "page.txt": listing((t, a), ("Another Paper Title", OTHER_ABSTRACT)),
        "works.json": json.dumps({"meta": {}, "results": [work]}).encode(),
        "s2.json": json.dumps({"total": 1, "data": [paper]}).encode(),
        "arxiv.jsonl": (json.dumps(snapshot) + "\n").encode(),
        "query.xml": atom.encode(),
    }


@pytest.mark.parametrize("name", sorted(marked_files()))
def test_markup_is_removed_in_every_format_and_kept_in_the_ledger(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(marked_files()[name])
    result = ingest([path])
    check_invariant(result)
    paper = result.corpus.set_index("title").loc[CLEAN_TITLE]
    assert paper["abstract"] == CLEAN_ABSTRACT
    row = result.ledger[result.ledger.doc_id == paper["doc_id"]].iloc[0]
    assert row["raw_title"] == MARKED_TITLE
    assert " ".join(row["raw_abstract"].split()) == MARKED_ABSTRACT


# --- Ignored files and papers without an abstract in the report --------------------------------


def test_report_json_names_ignored_files_and_counts_title_only(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(listing(("Good Paper Title", ABSTRACT)) + b"Lonely Title\n")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    (folder / "README.md").write_text("read me")
    result = ingest([folder], IngestConfig(keep_title_only=True))
    check_invariant(result)
    assert sorted(p.rsplit("/", 1)[-1] for p in result.ignored) == ["README.md", "notes.docx"]
    paths = write_ingest(result, tmp_path / "out")
    report = json.loads(paths["report"].read_text())
    assert sorted(p.rsplit("/", 1)[-1] for p in report["ignored_files"]) == [
        "README.md", "notes.docx",
    ]  # fmt: skip
    assert report["summary"]["files_ignored"] == 2
    assert report["summary"]["title_only"] == 1 and report["summary"]["kept"] == 2
    corpus = pd.read_parquet(paths["corpus"]).set_index("title")
    assert corpus["has_abstract"].to_dict() == {"Good Paper Title": True, "Lonely Title": False}
    # Without the setting, the same paper is dropped as before.
    default = ingest([folder]).summary()
    assert default["title_only"] == 0 and default["dropped_by_reason"] == {"no-abstract": 1}
