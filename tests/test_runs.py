"""Reading and writing a run folder (landscape.runs)."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import theme_corpus
from landscape.embed import corpus_texts, embed_texts
from landscape.errors import LandscapeError
from landscape.labels.llm import LLM_LABELS_FILE, LlmAnswer, LlmLabels, write_llm_labels
from landscape.labels.overrides import LABELS_FILE, topics_fingerprint
from landscape.runs import (
    load_run,
    read_documents,
    read_ingest,
    read_metrics,
    write_run,
)


@pytest.fixture(scope="module")
def written(themes, theme_fit, tmp_path_factory):
    """A run of the themes corpus, and its corpus file in a processed folder."""
    base = tmp_path_factory.mktemp("runs")
    run = base / "runs" / "default"
    write_run(theme_fit, run)
    processed = base / "processed"
    processed.mkdir()
    corpus_path = processed / "corpus.parquet"
    themes.to_parquet(corpus_path, index=False)
    return {"run": run, "corpus_path": corpus_path, "themes": themes}


def test_write_run_then_load_run_round_trips(written, theme_fit):
    run = load_run(written["run"], written["corpus_path"])
    pd.testing.assert_frame_equal(run.documents, theme_fit.documents, check_dtype=False)
    pd.testing.assert_frame_equal(read_documents(written["run"]), theme_fit.documents)
    assert read_metrics(written["run"]) == json.loads(json.dumps(theme_fit.metrics))
    assert run.provenance["corpus_sha256"] == theme_fit.provenance["corpus_sha256"]
    assert set(run.topics["topic"]) == set(theme_fit.topics["topic"])
    assert (run.topics["label_source"] == "auto").all()
    assert run.corpus_path == written["corpus_path"]


def test_a_corpus_lacking_a_document_is_named(written, tmp_path):
    themes = written["themes"]
    gone = themes["doc_id"].iloc[7]
    path = tmp_path / "short.parquet"
    themes.drop(index=7).to_parquet(path, index=False)
    with pytest.raises(LandscapeError, match="lacks 1 of the 80 papers") as err:
        load_run(written["run"], path)
    assert str(path) in str(err.value) and repr(gone) in str(err.value)


def test_an_edited_abstract_is_a_corpus_hash_mismatch(written, tmp_path):
    themes = written["themes"].copy()
    themes.loc[3, "abstract"] += " One sentence more."
    path = tmp_path / "edited.parquet"
    themes.to_parquet(path, index=False)
    with pytest.raises(LandscapeError, match="corpus hash mismatch") as err:
        load_run(written["run"], path)
    assert str(path) in str(err.value)


def test_a_missing_run_folder_names_its_absolute_path_and_the_command(
    written, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LandscapeError) as err:
        load_run("runs/nothing-here", written["corpus_path"])
    message = str(err.value)
    assert str(tmp_path.resolve() / "runs" / "nothing-here") in message
    assert "`landscape fit`" in message
    # A folder without the marker file is no run either.
    (tmp_path / "half").mkdir()
    with pytest.raises(LandscapeError, match="not a complete run"):
        load_run(tmp_path / "half", written["corpus_path"])


@settings(max_examples=15, deadline=None)
@given(order=st.randoms(use_true_random=False), extra=st.integers(0, 12))
def test_corpus_row_i_is_document_i(written, order, extra):
    # Whatever the order of the corpus file, and whatever papers it has beyond the
    # run's, the run's corpus is the run's documents' rows, in document order.
    themes = written["themes"]
    more = theme_corpus(n_per_theme=23)
    others = more[~more["doc_id"].isin(themes["doc_id"])].head(extra)  # in no document
    rows = [*range(len(themes))]
    order.shuffle(rows)
    shuffled = pd.concat([themes.iloc[rows], others], ignore_index=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.parquet"
        shuffled.to_parquet(path, index=False)
        run = load_run(written["run"], path)
    assert len(run.corpus) == len(run.documents)
    assert run.corpus["doc_id"].tolist() == run.documents["doc_id"].tolist()
    by_id = themes.set_index("doc_id")
    for i in range(len(run.documents)):
        doc = run.documents["doc_id"].iloc[i]
        assert run.corpus["title"].iloc[i] == by_id.loc[doc, "title"]
        assert run.corpus["abstract"].iloc[i] == by_id.loc[doc, "abstract"]


def test_embeddings_are_one_row_per_document_as_embedded_directly(written, tmp_path):
    themes = written["themes"]
    path = tmp_path / "corpus.parquet"
    themes.iloc[::-1].to_parquet(path, index=False)  # the file's order is not the run's
    run = load_run(written["run"], path)
    cache = tmp_path / "cache"
    vectors = run.embeddings(cache)
    assert vectors.shape == (len(run.documents), 384) and vectors.dtype == np.float32
    assert any(cache.rglob("*"))  # computed, and cached for the next reader
    # The same texts, embedded afresh with the run's model, precision and backend.
    model, precision, backend = run.embedding
    texts = corpus_texts(themes.set_index("doc_id").loc[run.documents["doc_id"]].reset_index())
    direct, _ = embed_texts(texts, model, None, precision=precision, backend=backend)
    np.testing.assert_allclose(vectors, direct, atol=1e-5)
    np.testing.assert_allclose(run.embeddings(cache), vectors, atol=0)  # read back


def ledger_for(doc_ids, duplicates=()):
    """A ledger of one kept record per paper, then records merged into the first papers."""
    kept = [{"status": "kept", "doc_id": d} for d in doc_ids]
    merged = [{"status": "duplicate", "doc_id": d} for d in duplicates]
    rows = [
        {"record": i, "source": "raw/papers.csv", "line": i + 2, **row}
        for i, row in enumerate([*kept, *merged])
    ]
    return pd.DataFrame(rows)


def test_read_ingest_reads_the_ledger_beside_the_corpus(written):
    run = load_run(written["run"], written["corpus_path"])
    folder = written["corpus_path"].parent
    empty = read_ingest(run, missing_ok=True)
    assert not empty.found and empty.ledger.empty and "source_name" in empty.ledger.columns
    with pytest.raises(LandscapeError, match=r"ledger\.parquet: not found"):
        read_ingest(run)
    ids = written["themes"]["doc_id"].tolist()
    summary = {"records_read": len(ids) + 2, "kept": len(ids), "duplicate": 2}
    (folder / "ingest_report.json").write_text(json.dumps({"summary": summary}))
    try:
        ledger_for(ids, duplicates=ids[:2]).to_parquet(folder / "ledger.parquet", index=False)
        record = read_ingest(run)
        assert record.found and record.summary == summary and len(record.ledger) == len(ids) + 2
        assert set(record.ledger["source_name"]) == {"papers"}  # the file, as maps name it
        # A ledger of another ingest: one paper fewer kept, another one more.
        other = theme_corpus(n_per_theme=21)["doc_id"].iloc[-1]
        for kept in (ids[1:], [*ids, other]):
            ledger_for(kept).to_parquet(folder / "ledger.parquet", index=False)
            with pytest.raises(LandscapeError, match="kept papers are not those of") as err:
                read_ingest(run)
            assert "1 differ" in str(err.value)
    finally:
        (folder / "ledger.parquet").unlink(missing_ok=True)
        (folder / "ingest_report.json").unlink()


def test_papers_carry_readable_source_names(written, tmp_path):
    themes = written["themes"].copy()
    files = ["raw/000_3c1f7518a6081a0f.txt", "raw/001_3f636bcf444e6938.txt"]
    themes["source_files"] = [[files[i % 2]] for i in range(len(themes))]
    themes["sources"] = [
        [{"file": files[i % 2], "line": i, "locator": "", "listing_date": "Mar 11" * (i % 2)}]
        for i in range(len(themes))
    ]
    folder = tmp_path / "processed"
    folder.mkdir()
    themes.to_parquet(folder / "corpus.parquet", index=False)
    # Without an ingest report: names from the file names and the listing dates.
    run = load_run(written["run"], folder / "corpus.parquet")
    assert {n for names in run.corpus["source_names"] for n in names} == {
        "page 000",
        "page 001 (Mar 11)",
    }
    # The names ingest recorded (where the config's names were applied) win.
    report = {"summary": {}, "source_names": {files[0]: "First page"}}
    (folder / "ingest_report.json").write_text(json.dumps(report), encoding="utf-8")
    run = load_run(written["run"], folder / "corpus.parquet")
    for files_of, names in zip(run.corpus["source_files"], run.corpus["source_names"], strict=True):
        assert len(files_of) == len(names)
        assert names == ["First page" if f == files[0] else "page 001 (Mar 11)" for f in files_of]


def test_llm_and_user_labels_apply_at_every_level(written):
    run_dir, corpus_path = written["run"], written["corpus_path"]
    raw = pd.read_parquet(run_dir / "topics.parquet")
    named = raw[raw["topic"] != -1]
    answers = tuple(
        LlmAnswer(int(t), int(k), str(n), [], f"LLM {t}.", f"LLM {t}")
        for t, k, n in zip(named["topic"], named["level"], named["name"], strict=True)
    )
    write_llm_labels(LlmLabels(answers), run_dir / LLM_LABELS_FILE, "http://h/v1", "m", raw)
    theme = int(raw.loc[raw["level"] == 0, "topic"].iloc[0])
    assert theme not in set(raw.loc[raw["level"] != 0, "topic"])
    (run_dir / LABELS_FILE).write_text(f'[labels]\n{theme} = "My theme"\n', encoding="utf-8")
    try:
        run = load_run(run_dir, corpus_path)
        levels = run.all_topics.set_index("topic")
        assert set(levels["level"]) == {0, 1} and run.topic_level == 1
        # The user's label wins at level 0; the LLM's everywhere else; names stay.
        assert (levels.loc[theme, "label"], levels.loc[theme, "label_source"]) == (
            "My theme",
            "user",
        )
        others = levels.drop(index=theme)
        others = others[others.index != -1]
        assert (others["label"] == [f"LLM {t}" for t in others.index]).all()
        assert (others["label_source"] == "llm").all()
        assert levels["name"].to_dict() == raw.set_index("topic")["name"].to_dict()
        assert levels["auto_label"].to_dict() == raw.set_index("topic")["label"].to_dict()
        # The topics level, the documents and the tree show the same labels.
        assert run.topics["level"].eq(1).all()
        assert run.documents["topic_label"].tolist() == [
            "Outliers" if t == -1 else f"LLM {t}" for t in run.documents["topic"]
        ]
        tree = run.hierarchy.set_index("topic")["label"]
        assert tree.to_dict() == levels.loc[tree.index, "label"].to_dict()
        # Without labels: the extractive names.
        bare = load_run(run_dir, corpus_path, labels=False).all_topics
        assert bare["label"].tolist() == bare["name"].tolist()
    finally:
        (run_dir / LLM_LABELS_FILE).unlink()
        (run_dir / LABELS_FILE).unlink()


def test_llm_labels_from_before_levels_still_name_the_topics_level(written):
    run_dir, corpus_path = written["run"], written["corpus_path"]
    raw = pd.read_parquet(run_dir / "topics.parquet")
    shown = raw[raw["level"] == 1]
    path = run_dir / LLM_LABELS_FILE
    old = {"endpoint": "http://h/v1", "model": "m", "labels": {"0": "Old LLM label"}}
    try:
        path.write_text(json.dumps({**old, "topics": topics_fingerprint(shown)}), encoding="utf-8")
        run = load_run(run_dir, corpus_path)
        by_topic = run.all_topics.set_index("topic")
        assert (by_topic.loc[0, "label"], by_topic.loc[0, "label_source"]) == (
            "Old LLM label",
            "llm",
        )
        assert (by_topic.drop(index=0)["label_source"] == "auto").all()
        # Written for another fit: refused, saying what to do.
        path.write_text(json.dumps({**old, "topics": "0123456789abcdef"}), encoding="utf-8")
        with pytest.raises(LandscapeError, match="before levels") as err:
            load_run(run_dir, corpus_path)
        assert "landscape labels llm" in str(err.value)
    finally:
        path.unlink()
