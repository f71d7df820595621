"""The standalone map page and its data, without a browser (see test_report_browser.py for one)."""

import base64
import gzip
import json
import re
import zlib

import numpy as np
import pandas as pd
import pytest

from landscape.maps.style import theme_colors
from landscape.report import map_data
from landscape.report.map_data import (
    DEFLATE_END,
    OUTLIER_COLOR,
    packed_records,
    page_data,
    topic_tree,
    unpacked_records,
    unpacked_texts,
)
from landscape.report.standalone import map_page_html

DOCS = pd.DataFrame(
    {"doc_id": ["a", "b", "c"], "topic": [0, 0, -1], "x": [0.0, 1.0, 2.0], "y": [0.0, 1.0, 0.0]}
)


def levels_run(n: int = 40):
    """Two themes (10, 11) of two topics (0-3) each, every fifth paper an outlier."""
    i = np.arange(n)
    outlier = i % 5 == 4
    topic = np.where(outlier, -1, i % 4)
    documents = pd.DataFrame(
        {
            "doc_id": [f"d{k}" for k in i],
            "topic": topic,
            "topic_label": ["x"] * n,
            "x": topic * 10.0 + np.sin(i),
            "y": np.cos(i) * 3,
            "level_0": np.where(outlier, -1, 10 + i % 4 // 2),
            "level_1": topic,
        }
    )
    corpus = pd.DataFrame(
        {
            "doc_id": documents["doc_id"],
            "title": [f"Title {k}" for k in i],
            "abstract": [f"Abstract {k} " * 3 for k in i],
            "year": [2000 + k % 7 for k in i],
            "source_names": [["page 1"] if k % 2 else ["page 1", "page 2"] for k in i],
        }
    )
    topics = pd.DataFrame(
        {
            "topic": [10, 11, -1, 0, 1, 2, 3],
            "level": [0, 0, 1, 1, 1, 1, 1],
            "parent": [-1, -1, -1, 10, 10, 11, 11],
            "label": ["Theme A", "Theme B", "Outliers", "graph · nodes · edges", "T1", "T2", "T3"],
            "name": ["Theme A", "Theme B", "Outliers", "Graph networks", "T1", "T2", "T3"],
        }
    )
    return documents, corpus, topics


def unpack(spec):
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))


def texts(data):
    return unpacked_texts(data)


# --------------------------------------------------------------------------- footer


def footer(corpus):
    page = map_page_html(DOCS, corpus, None, {})
    return re.search(r"<footer.*?</footer>", page, re.S).group(0)


@pytest.mark.parametrize(
    ("has_abstract", "expected"),
    [
        ([True, False, False], "2 papers have no abstract (title only)"),
        ([True, False, True], "1 paper has no abstract (title only)"),
    ],
)
def test_footer_counts_papers_without_abstract(has_abstract, expected):
    corpus = pd.DataFrame(
        {"doc_id": ["a", "b", "c"], "title": ["A", "B", "C"], "has_abstract": has_abstract}
    )
    assert expected in footer(corpus)


def test_footer_says_nothing_when_every_paper_has_an_abstract():
    corpus = pd.DataFrame({"doc_id": ["a", "b", "c"], "title": ["A", "B", "C"]})
    assert "no abstract" not in footer(corpus)
    assert "no abstract" not in footer(corpus.assign(has_abstract=True))


# --------------------------------------------------------------------------- page data


def test_columns_are_typed_arrays_in_page_order():
    documents, corpus, topics = levels_run()
    data = page_data(documents, corpus, topics)
    order = pd.Index(documents["doc_id"]).get_indexer(texts(data)["doc_id"])
    assert sorted(order) == list(range(len(documents)))
    cols = data["columns"]
    assert cols["x"]["dtype"] == "f4" and set(cols["x"]) == {"dtype", "bdata"}
    np.testing.assert_allclose(unpack(cols["x"]), documents["x"].to_numpy()[order], rtol=1e-6)
    np.testing.assert_allclose(unpack(cols["y"]), documents["y"].to_numpy()[order], rtol=1e-6)
    assert list(unpack(cols["year"])) == corpus["year"].to_numpy()[order].tolist()
    # outliers first: every topic draws over them
    colors = unpack(cols["color"])
    assert list(colors) == sorted(colors)
    assert (documents["topic"].to_numpy()[order][: (colors == 0).sum()] == -1).all()
    t = texts(data)
    assert t["title"] == corpus["title"].to_numpy()[order].tolist()
    assert data["abstract_cap"] is None


def test_texts_are_compressed_blocks_that_inflate_alone_and_together():
    records = [f"paper {i} \u00e9\tabstract {i}" for i in range(50)] + ["line\nbreak"]
    packed = packed_records(records, 8)
    raw = base64.b64decode(packed["data"])
    offsets = unpack(packed["offsets"])
    assert len(offsets) == 8  # 7 blocks of 8 records and the end
    for b in range(len(offsets) - 1):  # one block alone: what the page does to show a paper
        block = zlib.decompressobj(-15)
        text = block.decompress(raw[offsets[b] : offsets[b + 1]] + DEFLATE_END).decode("utf-8")
        assert block.eof
        expected = [r.replace("\n", " ") for r in records[b * 8 : (b + 1) * 8]]
        assert text.split("\n") == [*expected, ""]
    # the whole stream at once: what the page does to search
    assert unpacked_records(packed, 51) == [*records[:50], "line break"]
    with pytest.raises(ValueError, match="expected 52 records"):
        unpacked_records(packed, 52)


def test_texts_keep_doc_ids_and_split_title_from_abstract():
    documents, corpus, topics = levels_run()
    documents = documents.assign(doc_id=documents["doc_id"] + "\tx")
    corpus = corpus.assign(doc_id=documents["doc_id"], abstract=[""] + [" a\tb "] * 39)
    t = texts(page_data(documents, corpus, topics))
    assert sorted(t["doc_id"]) == sorted(documents["doc_id"])  # a tab in an id stays
    assert set(t["abstract"]) == {"", "a b"}
    assert sorted(t["title"]) == sorted(corpus["title"])


def test_tree_has_every_level_with_names_and_sizes():
    documents, corpus, topics = levels_run()
    data = page_data(documents, corpus, topics)
    nodes = {row[0]: row for row in data["topics"]}
    assert set(nodes) == {10, 11, 0, 1, 2, 3}  # no outlier row
    assert [row[1] for row in data["topics"]] == [0, 0, 1, 1, 1, 1]  # tree order: level, size
    rows = [row[0] for row in data["topics"]]
    assert nodes[0][2] == rows.index(10) and nodes[3][2] == rows.index(11)
    assert nodes[0][3] == "Graph networks"  # a term list never names a topic
    assert nodes[10][4] == int((documents["level_0"] == 10).sum())
    assert data["topic_level"] == 1
    # each paper's row at each level
    levels = [unpack(c) for c in data["columns"]["levels"]]
    order = pd.Index(documents["doc_id"]).get_indexer(texts(data)["doc_id"])
    for level, column in enumerate(("level_0", "level_1")):
        ids = [data["topics"][r][0] if r >= 0 else -1 for r in levels[level]]
        assert ids == documents[column].to_numpy()[order].tolist()
    # outlines lie around their papers
    hull = np.array(nodes[2][6]).reshape(-1, 2)
    own = documents[documents["topic"] == 2]
    assert hull[:, 0].min() >= own["x"].min() - 1e-3 and hull[:, 0].max() <= own["x"].max() + 1e-3


def test_colours_are_shades_of_the_theme_and_outliers_light_grey():
    documents, corpus, topics = levels_run()
    data = page_data(documents, corpus, topics)
    shades = theme_colors(topic_tree(documents, topics))
    order = pd.Index(documents["doc_id"]).get_indexer(texts(data)["doc_id"])
    colors = [data["colors"][c] for c in unpack(data["columns"]["color"])]
    expected = [
        shades[t] if t >= 0 else OUTLIER_COLOR for t in documents["topic"].to_numpy()[order]
    ]
    assert colors == expected
    assert {row[5] for row in data["topics"]} == {shades[row[0]] for row in data["topics"]}


def test_label_candidates_point_at_tree_rows_in_priority_order():
    documents, corpus, topics = levels_run()
    data = page_data(documents, corpus, topics)
    rows = [c[0] for c in data["labels"]]
    assert sorted(rows) == list(range(len(data["topics"])))
    levels = [data["topics"][r][1] for r in rows]
    assert levels == sorted(levels)  # themes claim space first


def test_one_level_tables():
    documents, corpus, topics = levels_run()
    # the topics level only (Run.topics): one level, whatever the documents hold
    data = page_data(documents, corpus, topics[topics["level"] == 1])
    assert {row[1] for row in data["topics"]} == {0}
    assert len(data["columns"]["levels"]) == 1 and data["topic_level"] == 0
    # a table without levels: the documents' topic column, whatever levels they hold
    data = page_data(documents, corpus, topics[topics["level"] == 1].drop(columns="level"))
    assert {row[0] for row in data["topics"]} == {0, 1, 2, 3}
    # no topic table: labels from documents.topic_label
    docs = documents[["doc_id", "topic", "x", "y"]].assign(topic_label="named")
    data = page_data(docs, None, None)
    assert {row[3] for row in data["topics"]} == {"named"}
    assert "year" not in data["columns"] and data["sources"] == []


def test_levels_above_follow_parents_without_level_columns():
    documents, corpus, topics = levels_run()
    docs = documents.drop(columns=["level_0", "level_1"])
    data = page_data(docs, corpus, topics)
    nodes = {row[0]: row for row in data["topics"]}
    assert nodes[10][4] == int((documents["level_0"] == 10).sum())
    assert data["topic_level"] == 1


def test_years_from_dates_and_sources():
    documents, corpus, topics = levels_run()
    dated = corpus.drop(columns="year").assign(date=[f"{2001 + k % 3}-05-01" for k in range(40)])
    data = page_data(documents, dated, topics)
    order = pd.Index(documents["doc_id"]).get_indexer(texts(data)["doc_id"])
    assert list(unpack(data["columns"]["year"])) == [2001 + k % 3 for k in order]
    assert data["sources"] == ["page 1", "page 2"]
    combos = [data["source_combos"][c] for c in unpack(data["columns"]["source"])]
    assert combos == [[0] if k % 2 else [0, 1] for k in order]
    undated = page_data(documents, corpus.assign(year=None), topics)
    assert "year" not in undated["columns"]


def test_abstracts_are_cut_to_the_budget_then_left_out(monkeypatch):
    documents, corpus, topics = levels_run()
    corpus = corpus.assign(abstract=["word " * 60] * len(corpus))
    monkeypatch.setattr(map_data, "ABSTRACT_BUDGET", 40 * 150)
    monkeypatch.setattr(map_data, "MIN_ABSTRACT_CHARS", 100)
    data = page_data(documents, corpus, topics)
    assert data["abstract_cap"] == 150
    assert all(len(a) <= 151 and a.endswith("…") for a in texts(data)["abstract"])
    monkeypatch.setattr(map_data, "ABSTRACT_BUDGET", 40 * 50)
    data = page_data(documents, corpus, topics)
    assert data["abstract_cap"] == 0 and set(texts(data)["abstract"]) == {""}


def test_preset_keeps_the_given_order():
    documents, corpus, topics = levels_run()
    data = page_data(documents, corpus, topics, highlight=["d7", "nope", "d2"], highlight_name="q")
    ids = texts(data)["doc_id"]
    assert [ids[k] for k in data["preset"]["index"]] == ["d7", "d2"]
    assert data["preset"]["name"] == "q"


def test_inputs_not_mutated():
    run = levels_run()
    before = [frame.copy(deep=True) for frame in run]
    map_page_html(*run, {})
    for old, new in zip(before, run, strict=True):
        pd.testing.assert_frame_equal(old, new)


# --------------------------------------------------------------------------- the page


def test_corpus_strings_never_become_markup():
    documents, corpus, topics = levels_run()
    evil = "</script><script>alert(1)</script><!--"
    corpus = corpus.assign(title=[evil] * len(corpus), source_names=[[evil]] * len(corpus))
    topics = topics.assign(label=topics["label"].where(topics["level"] > 0, evil))
    page = map_page_html(documents, corpus, topics, {"model": evil}, title=evil)
    assert "<script>alert" not in page and "<!--" not in page
    assert len(re.findall(r"<script\b", page)) == 4  # data, config, plotly.js, the page script
    data = json.loads(re.search(r'id="landscape-data">(.*?)</script>', page, re.S).group(1))
    assert data["sources"] == [evil]
    assert data["topics"][0][3] == evil
    assert set(texts(data)["title"]) == {evil}


def test_page_is_offline():
    page = map_page_html(*levels_run(), {})
    assert "Content-Security-Policy" in page and "connect-src 'none'" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    plotly = re.search(r'id="landscape-plotly">(.*?)</script>', page, re.S).group(1)
    code = gzip.decompress(base64.b64decode(plotly)).decode("utf-8")
    assert code.startswith("/**\n* plotly.js v")


def test_a_page_of_100k_papers_stays_under_15_mb():
    n = 100_000
    rng = np.random.default_rng(0)
    topic = rng.integers(-1, 40, n)
    documents = pd.DataFrame(
        {
            "doc_id": [f"{i:016x}" for i in range(n)],
            "topic": topic,
            "x": rng.normal(size=n) + topic,
            "y": rng.normal(size=n),
            "level_0": np.where(topic >= 0, 100 + topic // 8, -1),
            "level_1": topic,
        }
    )
    # arXiv-like sizes: ~75-character titles, ~1,000-character abstracts
    vocab = np.array(["graph", "model", "data", "quantum", "protein", "galaxy", "network"])
    words = rng.choice(vocab, size=(n, 150))
    corpus = pd.DataFrame(
        {
            "doc_id": documents["doc_id"],
            "title": [" ".join(w[:11]) for w in words],
            "abstract": [" ".join(w) for w in words],
            "year": rng.integers(1995, 2020, n),
            "source_names": [["arXiv"]] * n,
        }
    )
    topics = pd.DataFrame(
        {
            "topic": [*range(100, 105), *range(40)],
            "level": [0] * 5 + [1] * 40,
            "parent": [-1] * 5 + [100 + t // 8 for t in range(40)],
            "label": [f"theme {t}" for t in range(5)] + [f"topic {t}" for t in range(40)],
        }
    )
    page = map_page_html(documents, corpus, topics, {})
    assert len(page.encode("utf-8")) <= 15e6
