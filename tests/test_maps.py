import html
import itertools
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from conftest import strings, tags
from landscape import maps
from landscape.errors import InputError
from landscape.maps.document_map import PLACEMENT_SIZE
from landscape.maps.style import oklch, theme_colors
from test_static_map import levelled_run, px_boxes

HOSTILE_TITLES = [
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<script>alert('t')</script> & more",
    "Progress on %{customdata[0]} {templates}",
]
LONG_ABSTRACT = (
    "We study <b>bold</b> claims about <script>alert(2)</script> models. "
    + "Representation learning groups scientific abstracts by theme and stays stable. " * 6
)
#: Plotly markup the module itself may emit; anything else would come from the data.
ALLOWED_TAGS = {"br", "b", "i", "extra"}


def make_run(seed: int = 0):
    """60 papers: 12 outliers and 3 topics (20, 16, 12), hostile strings included."""
    rng = np.random.default_rng(seed)
    topic = np.array([-1] * 12 + [0] * 20 + [1] * 16 + [2] * 12)
    centres = {-1: (0.0, 0.0), 0: (10.0, 0.0), 1: (0.0, 10.0), 2: (-10.0, -5.0)}
    labels = {
        -1: "Outliers",
        0: "graphs · message passing · nodes",
        1: '<script>alert("label")</script> · proteins',
        2: "galaxies · <img src=y onerror=alert(3)> · lensing",
    }
    n = len(topic)
    doc_ids = [f"doc{i:03d}" for i in range(n)]
    documents = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "topic": topic,
            "topic_label": [labels[t] for t in topic],
            "probability": rng.uniform(0, 1, n).round(3),
            "x": [centres[t][0] + rng.normal() for t in topic],
            "y": [centres[t][1] + rng.normal() for t in topic],
        }
    )
    titles = [f"Paper number {i} on a theme" for i in range(n)]
    titles[:4] = HOSTILE_TITLES
    titles[20] = HOSTILE_TITLES[0]  # a hostile title inside a topic, too
    abstracts = ["Short abstract."] * n
    abstracts[0] = abstracts[20] = LONG_ABSTRACT
    files = [["data/raw/a.txt"] if i % 2 else ["data/raw/b.txt"] for i in range(n)]
    for i in range(0, n, 5):  # every fifth paper was found in two files
        files[i] = ["data/raw/a.txt", "data/raw/<img src=x onerror=alert(9)>.txt"]
    corpus = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "title": titles,
            "abstract": abstracts,
            "source_files": files,
            "year": [2019 + i % 4 for i in range(n)],
            "date": [f"{2019 + i % 4}-{1 + i % 12:02d}-15" for i in range(n)],
            "venue": ["<i>Nature</i>" if i % 3 else "arXiv" for i in range(n)],
        }
    )

    def term_list(words):
        return [{"term": w, "weight": 1.0 - k / 10} for k, w in enumerate(words)]

    topics = pd.DataFrame(
        {
            "topic": [-1, 0, 1, 2],
            "label": [labels[t] for t in (-1, 0, 1, 2)],
            "size": [12, 20, 16, 12],
            "terms": [
                term_list(["noise", "misc"]),
                term_list(["graph", "nodes", "edges", "message", "passing", "gnn", "layers"]),
                term_list(["<script>", "protein", "folding", "enzyme", "cryo", "amino"]),
                term_list(["galaxy", "lensing", "redshift", "halo", "quasar", "star"]),
            ],
            "ctfidf_terms": [term_list(["x"])] * 4,
            "representative_doc_ids": [[], ["doc012"], ["doc032"], ["doc048"]],
        }
    )
    hierarchy = pd.DataFrame(
        {
            "topic": [3, 4, 0, 1, 2],
            "level": [0, 0, 1, 1, 1],
            "parent": [-1, -1, 3, 3, 4],
            "label": ["graphs & <script>x</script>", "sky", "a", "b", "c"],
            "size": [36, 12, 20, 16, 12],
        }
    )
    return documents, corpus, topics, hierarchy


@pytest.fixture(scope="module")
def run():
    return make_run()


def all_figures(run):
    documents, corpus, topics, hierarchy = run
    emb = np.random.default_rng(1).normal(size=(len(documents), 8))
    sim, ids = maps.topic_similarity_matrix(emb, documents)
    return {
        "map": maps.document_map(documents, corpus, topics),
        "sizes": maps.topic_sizes(topics, include_outliers=True),
        "hierarchy": maps.topic_hierarchy(hierarchy, topics),
        "similarity": maps.topic_similarity(sim, topics, topic_ids=ids),
        "sources": maps.source_comparison(documents, corpus),
        "venues": maps.source_comparison(documents, corpus, by="venue"),
        "time": maps.topics_over_time(documents, corpus, date_col="year", top_n=2),
        "months": maps.topics_over_time(documents, corpus, freq="month"),
    }


# --------------------------------------------------------------------------- helpers


def test_escape_makes_markup_literal():
    assert maps.escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert maps.escape("a \"b\" & 'c'") == "a &#34;b&#34; &amp; &#39;c&#39;"
    assert maps.escape("%{customdata[0]}") == "&#37;&#123;customdata[0]&#125;"
    assert maps.escape(None) == ""
    assert maps.escape(float("nan")) == ""
    assert maps.escape(3) == "3"


def test_palette_distinct_for_300():
    colors = maps.palette(300)
    assert len(colors) == 300
    assert len({c.upper() for c in colors}) == 300
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in colors)
    assert maps.OUTLIER_COLOR not in colors
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=float)
    dist = np.linalg.norm(rgb[:, None] - rgb[None], axis=2)
    np.fill_diagonal(dist, np.inf)
    assert dist.min() >= 10  # no two colours nearly the same
    assert maps.palette(24) == colors[:24]  # prefix-stable: topic colours do not shift
    assert maps.palette(0) == []
    with pytest.raises(ValueError):
        maps.palette(-1)


# --------------------------------------------------------------------------- document map


def test_document_map_traces(run):
    documents, corpus, topics, _ = run
    fig = maps.document_map(documents, corpus, topics, title="Map", width=900, height=700)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 4  # 3 topics + outliers
    assert all(isinstance(t, go.Scattergl) for t in fig.data)
    assert sum(len(t.x) for t in fig.data) == len(documents)
    first = fig.data[0]
    assert first.name.startswith("Outliers")
    assert first.marker.color == maps.OUTLIER_COLOR
    assert first.marker.opacity < min(t.marker.opacity for t in fig.data[1:])
    colors = [t.marker.color for t in fig.data[1:]]
    assert len(set(colors)) == 3 and maps.OUTLIER_COLOR not in colors
    # scalar marker attributes: no per-point arrays
    for trace in fig.data:
        assert np.isscalar(trace.marker.size) and isinstance(trace.marker.color, str)
        assert "(" in trace.name  # label with size
    assert fig.data[1].name.endswith("(20)")
    assert fig.layout.width == 900 and fig.layout.height == 700
    assert fig.layout.template.layout.plot_bgcolor == "white"  # plotly_white
    assert fig.layout.title.text == "Map" and fig.layout.title.font.size == 18
    assert fig.layout.font.size >= 12 and fig.layout.hoverlabel.font.size >= 12


def test_document_map_highlight_dims_the_rest(run):
    documents, corpus, topics, _ = run
    picked = [*documents["doc_id"].iloc[[0, 5, 30]].tolist(), "not-on-the-map"]
    plain = maps.document_map(documents, corpus, topics)
    fig = maps.document_map(documents, corpus, topics, highlight=picked, highlight_name="<b>q</b>")
    assert len(fig.data) == len(plain.data) + 1
    top = fig.data[-1]
    assert len(top.x) == 3  # the unknown id is ignored
    assert set(top.customdata[:, 0]) == set(picked[:3])
    assert "&lt;b&gt;" in top.name
    for dimmed, original in zip(fig.data[:-1], plain.data, strict=True):
        assert dimmed.marker.opacity < original.marker.opacity
    assert top.marker.size > plain.data[1].marker.size


def test_document_map_customdata_and_hover(run):
    documents, corpus, topics, _ = run
    fig = maps.document_map(documents, corpus, topics)
    by_id = {}
    for trace in fig.data:
        assert "%{customdata[1]}" in trace.hovertemplate
        for row in trace.customdata:
            by_id[row[0]] = row
    assert set(by_id) == set(documents["doc_id"])
    # each point sits in the trace of its topic
    topic_of = dict(zip(documents["doc_id"], documents["topic"], strict=True))
    for trace, topic in zip(fig.data, [-1, 0, 1, 2], strict=True):
        assert {topic_of[row[0]] for row in trace.customdata} == {topic}

    hostile = by_id["doc000"]
    assert hostile[1] == "&lt;img src=x onerror=alert(1)&gt;"
    assert by_id["doc001"][1] == "&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;"
    assert by_id["doc003"][1].startswith("Progress on &#37;&#123;customdata[0]&#125;")
    assert (
        by_id["doc000"][2] == "a.txt, &lt;img src=x onerror=alert(9)&gt;.txt"
    )  # basenames, escaped
    assert by_id["doc001"][2] == "a.txt"

    snippet = hostile[3].replace("<br>", " ")
    assert snippet.endswith("…")
    plain = snippet.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert 150 <= len(plain) <= 201
    assert snippet.startswith("We study &lt;b&gt;bold&lt;/b&gt; claims")
    assert by_id["doc005"][3] == "Short abstract."  # not cut, no ellipsis

    # the topic label in the hovertemplate is escaped as well
    assert "&lt;script&gt;alert(&#34;label&#34;)&lt;/script&gt;" in fig.data[2].hovertemplate


def test_document_map_labels_at_medians(run):
    documents, corpus, topics, _ = run
    fig = maps.document_map(documents, corpus, topics)
    notes = fig.layout.annotations
    assert len(notes) == 3  # no label for the outliers
    for note, topic in zip(notes, [0, 1, 2], strict=True):
        rows = documents[documents["topic"] == topic]
        assert note.x == pytest.approx(rows["x"].median(), abs=1e-4)
        assert note.y == pytest.approx(rows["y"].median(), abs=1e-4)
        assert note.bgcolor and note.font.size >= 12
    assert "&lt;script&gt;" in notes[1].text and "<script" not in notes[1].text


def test_document_map_without_corpus_or_topics(run):
    documents, *_ = run
    fig = maps.document_map(documents, None, None)
    assert len(fig.data) == 4
    assert fig.data[0].customdata[0][1] == "(no title)"
    assert fig.data[1].name.startswith("graphs")  # label from documents.topic_label


# --------------------------------------------------------------------------- document map, levels


@pytest.fixture(scope="module")
def levelled():
    """600 papers in 5 themes of 3 topics (ids 100-104 and 0-14), 4% outliers, with doc ids."""
    docs, topics = levelled_run(n=600)
    docs = docs.assign(doc_id=[f"p{i:04d}" for i in range(len(docs))])
    return docs, topics


def _name_text(note) -> str:
    return html.unescape(re.sub(r"</?b>", "", note.text).replace("<br>", " "))


def _hue_gap(a: float, b: float) -> float:
    return min(abs(a - b), 360 - abs(a - b))


def test_document_map_colours_topics_by_their_theme(levelled):
    docs, topics = levelled
    before = docs.copy(), topics.copy()
    one_level = topics[topics["level"] == 1]
    fig = maps.document_map(docs, None, one_level, all_topics=topics, title="Map")
    colors = theme_colors(topics)
    first, *rest = fig.data
    assert first.name.startswith("Outliers") and first.marker.color == maps.OUTLIER_COLOR
    assert first.marker.opacity < min(t.marker.opacity for t in rest)
    assert len(rest) == 15 and all(isinstance(t, go.Scattergl) for t in fig.data)
    topic_of = dict(zip(docs["doc_id"], docs["topic"], strict=True))
    by_theme: dict[str, list[float]] = {}
    for trace in rest:
        (topic,) = {topic_of[row[0]] for row in trace.customdata}
        assert trace.marker.color == colors[topic]
        assert trace.legendgroup == str(100 + topic // 3)  # the theme's id
        by_theme.setdefault(trace.legendgroup, []).append(oklch(trace.marker.color)[2])
    # The topics of a theme share its hue; the themes' hues lie apart.
    for hues in by_theme.values():
        assert max(_hue_gap(a, b) for a, b in itertools.combinations(hues, 2)) < 8
    theme_hues = [hues[0] for hues in by_theme.values()]
    assert min(_hue_gap(a, b) for a, b in itertools.combinations(theme_hues, 2)) > 30
    # Traces of a theme are adjacent: outliers, then theme by theme.
    groups = [t.legendgroup for t in rest]
    assert groups == sorted(groups, key=groups.index)
    assert "Theme: Proteins &amp; &lt;folding&gt;<br>Topic: Subject 0" in rest[0].hovertemplate
    assert docs.equals(before[0]) and topics.equals(before[1])


def test_document_map_names_the_themes_without_overlap_or_legend(levelled):
    docs, topics = levelled
    fig = maps.document_map(docs, None, topics[topics["level"] == 1], all_topics=topics)
    assert fig.layout.showlegend is False  # no list of terms: the names are on the map
    boxes, (plot_w, plot_h) = px_boxes(fig)
    names = sorted(_name_text(b[3]) for b in boxes)
    assert names == sorted(topics.loc[topics["level"] == 0, "label"])
    assert all(b[2] for b in boxes)  # theme names, bold
    assert all("<folding>" not in b[3].text for b in boxes)  # escaped in the figure
    assert all(b[3].bgcolor and b[3].borderwidth == 0 for b in boxes)  # a halo, no box
    for (ca, sa, *_), (cb, sb, *_) in itertools.combinations(boxes, 2):
        assert (np.abs(ca - cb) >= (sa + sb) / 2 - 1e-6).any()
    for c, s, *_ in boxes:
        assert (c - s / 2 >= -1e-6).all() and (c + s / 2 <= [plot_w + 1e-6, plot_h + 1e-6]).all()
    assert all(b[3].font.size >= 14 for b in boxes)
    # Equal scale on both axes, kept when zooming.
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    assert (x1 - x0) / plot_w == pytest.approx((y1 - y0) / plot_h, rel=1e-3)
    assert fig.layout.yaxis.scaleanchor == "x" and not fig.layout.xaxis.fixedrange
    caption = [a.text for a in fig.layout.annotations if a.xref == "paper"]
    n_out = int((docs["topic"] == -1).sum())
    assert caption == [f"600 documents, 5 themes and 15 topics; grey: {n_out} outliers"]
    assert not maps.document_map(docs, None, topics, show_labels=False).layout.annotations[:-1]


def test_document_map_takes_every_level_from_topics_too(levelled):
    docs, topics = levelled
    given = maps.document_map(docs, None, topics[topics["level"] == 1], all_topics=topics)
    found = maps.document_map(docs, None, topics)
    assert [t.marker.color for t in given.data] == [t.marker.color for t in found.data]
    assert [a.text for a in given.layout.annotations] == [a.text for a in found.layout.annotations]
    # Responsive: names placed for the default size.
    loose = maps.document_map(docs, None, topics, width=None, height=None)
    assert loose.layout.width is None
    w = PLACEMENT_SIZE[0]
    assert loose.layout.margin.l + loose.layout.margin.r < w
    assert [a.text for a in loose.layout.annotations] == [
        a.text for a in maps.document_map(docs, None, topics, width=w).layout.annotations
    ]


def test_document_map_highlight_with_levels(levelled):
    docs, topics = levelled
    picked = docs["doc_id"].iloc[[3, 50, 400]].tolist()
    plain = maps.document_map(docs, None, topics)
    fig = maps.document_map(docs, None, topics, highlight=picked, highlight_name="<b>q</b>")
    assert len(fig.data) == len(plain.data) + 1
    top = fig.data[-1]
    assert set(top.customdata[:, 0]) == set(picked)
    colors = theme_colors(topics)
    topic_of = dict(zip(docs["doc_id"], docs["topic"], strict=True))
    assert list(top.marker.color) == [colors[topic_of[d]] for d in top.customdata[:, 0]]
    for dimmed, original in zip(fig.data[:-1], plain.data, strict=True):
        assert dimmed.marker.opacity < original.marker.opacity
    names = [a for a in fig.layout.annotations if a.xref == "x"]
    assert names and all(a.opacity < 1 for a in names)  # the ringed points show through
    note = fig.layout.annotations[-1]
    assert note.xref == "paper" and note.text == "ringed: &lt;b&gt;q&lt;/b&gt; (3)"


def test_document_map_one_level_fallback(run, levelled):
    documents, corpus, topics, _ = run
    fig = maps.document_map(documents, corpus, topics)
    assert fig.layout.legend.title.text.startswith("Topics")
    assert all(a.bordercolor for a in fig.layout.annotations)  # boxed labels, as before
    # Level columns but topics of one level: no theme names to show, the one-level look.
    docs, all_topics = levelled
    one = all_topics[all_topics["level"] == 1]
    fig = maps.document_map(docs, None, one)
    assert fig.layout.showlegend is not False and len(fig.layout.annotations) == 15
    assert [t.marker.color for t in fig.data[1:]] == maps.palette(15)


def test_no_markup_survives_in_any_figure(run):
    for name, fig in all_figures(run).items():
        found = list(strings(fig.to_plotly_json()))
        for text in found:
            assert tags(text) <= ALLOWED_TAGS, (name, text)
            low = text.lower()
            assert "<img" not in low and "<script" not in low and "<a " not in low, (name, text)
            assert "href=" not in low or "&lt;a href" in low, (name, text)
            assert "&quot;" not in text  # plotly does not decode it; we use &#34;
        # every figure keeps the hostile text visible as escaped text when it shows it
        if name in {"map"}:
            assert any("&lt;img src=x onerror=alert(1)&gt;" in t for t in found)


def test_topic_colours_agree_across_figures(run):
    figs = all_figures(run)
    on_map = [t.marker.color for t in figs["map"].data[1:]]
    by_source = [t.marker.color for t in figs["sources"].data[:-1]]
    sizes = maps.topic_sizes(run[2])  # sorted by size: 0, 1, 2
    assert on_map == by_source == list(sizes.data[0].marker.color)
    assert [t.line.color for t in figs["months"].data[:3]] == on_map


def test_inputs_not_mutated(run):
    before = [frame.copy(deep=True) for frame in run]
    all_figures(run)
    for old, new in zip(before, run, strict=True):
        pd.testing.assert_frame_equal(old, new)


# --------------------------------------------------------------------------- sizes, hierarchy


def test_topic_sizes(run):
    _, _, topics, _ = run
    fig = maps.topic_sizes(topics, n_terms=3, width=800)
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Bar)
    bar = fig.data[0]
    assert list(bar.x) == [20, 16, 12]  # outliers left out, largest first
    assert fig.layout.yaxis.autorange == "reversed"  # first bar on top
    assert fig.layout.yaxis.ticktext[0] == "graphs · message passing · nodes"
    # Each bar ends in its count, inside the axis range (not cut at the edge);
    # the terms, escaped, are in the hover.
    assert list(bar.text) == ["20", "16", "12"] and bar.textposition == "outside"
    assert fig.layout.xaxis.range[1] > max(bar.x)
    assert bar.customdata[0][2] == "graph, nodes, edges"
    assert bar.customdata[1][2] == "&lt;script&gt;, protein, folding"
    assert fig.layout.width == 800
    with_outliers = maps.topic_sizes(topics, include_outliers=True)
    assert sorted(with_outliers.data[0].x) == [12, 12, 16, 20]
    empty = maps.topic_sizes(topics[topics["topic"] == -1])
    assert len(empty.data) == 0 and "no topics" in empty.layout.annotations[0].text.lower()


def test_topic_hierarchy(run):
    _, _, topics, hierarchy = run
    fig = maps.topic_hierarchy(hierarchy, topics)
    (icicle,) = fig.data
    assert icicle.type == "icicle" and icicle.branchvalues == "total"
    assert list(icicle.ids) == ["all", "t3", "t4", "t0", "t1", "t2"]
    assert list(icicle.parents) == ["", "all", "all", "t3", "t3", "t4"]
    # Every topic is one row high; a theme spans its topics' rows, the root all of them.
    assert list(icicle.values) == [3, 2, 1, 1, 1, 1]
    # Paper counts are written in each box: a parent holds exactly its children's papers.
    assert [size for _, size in icicle.customdata] == [48, 36, 12, 20, 16, 12]
    names = list(icicle.labels)
    assert names[1] == "graphs &amp; &lt;script&gt;x&lt;/script&gt;"
    # Topic labels (a user's renames) replace the tree's own.
    assert names[3].startswith("graphs") and "&lt;script&gt;" in names[4]
    assert [kind for kind, _ in icicle.customdata] == [
        "",
        "theme",
        "theme",
        "topic",
        "topic",
        "topic",
    ]
    # Below the level shown, children share their parent's row equally.
    deeper = pd.concat(
        [hierarchy, pd.DataFrame({"topic": [5, 6], "level": [2, 2], "parent": [0, 0],
                                  "label": ["d", "e"], "size": [12, 8]})]
    )  # fmt: skip
    assert list(maps.topic_hierarchy(deeper).data[0].values)[-2:] == [0.5, 0.5]


def test_topic_hierarchy_empty(run):
    _, _, topics, hierarchy = run
    fig = maps.topic_hierarchy(hierarchy.iloc[0:0], topics.iloc[:2])
    assert len(fig.data) == 0
    assert "no topic tree" in fig.layout.annotations[0].text.lower()
    old = pd.DataFrame({"Parent_ID": [4], "Child_Left_ID": [0], "Distance": [0.4]})
    assert len(maps.topic_hierarchy(old, topics).data) == 0
    with pytest.raises(ValueError):
        maps.topic_hierarchy(hierarchy.assign(parent=[-1, -1, 3, 9, 4]), topics)
    with pytest.raises(ValueError):
        maps.topic_hierarchy(hierarchy.assign(topic=[3, 3, 0, 1, 2]), topics)


# --------------------------------------------------------------------------- similarity


def test_topic_similarity_matrix(run):
    documents, *_ = run
    emb = np.random.default_rng(0).normal(size=(len(documents), 16))
    sim, ids = maps.topic_similarity_matrix(emb, documents)
    assert ids == [0, 1, 2]
    assert sim.shape == (3, 3)
    np.testing.assert_allclose(sim, sim.T)
    np.testing.assert_allclose(np.diag(sim), 1.0)
    assert np.all(sim <= 1.0) and np.all(sim >= -1.0)
    # identical centroids give similarity 1
    emb2 = np.tile(np.arange(1.0, 5.0), (len(documents), 1))
    sim2, _ = maps.topic_similarity_matrix(emb2, documents)
    np.testing.assert_allclose(sim2, 1.0)
    with pytest.raises(ValueError):
        maps.topic_similarity_matrix(emb[:5], documents)


def test_topic_similarity_heatmap(run):
    documents, _, topics, _ = run
    emb = np.random.default_rng(0).normal(size=(len(documents), 16))
    sim, _ = maps.topic_similarity_matrix(emb, documents)
    fig = maps.topic_similarity(sim, topics)
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Heatmap)
    assert np.asarray(fig.data[0].z).shape == (3, 3)
    assert len(fig.layout.xaxis.ticktext) == len(fig.layout.yaxis.ticktext) == 3
    assert "&lt;script&gt;" in fig.layout.xaxis.ticktext[1]
    with pytest.raises(ValueError):
        maps.topic_similarity(sim[:2, :2], topics)


# --------------------------------------------------------------------------- sources


def stacked(fig):
    """{position: [value per trace]} of a stacked horizontal bar chart."""
    out = {}
    for trace in fig.data:
        for pos, value in zip(trace.y, trace.x, strict=True):
            out.setdefault(pos, []).append(value)
    return out


def test_source_comparison_shares(run):
    documents, corpus, _, _ = run
    fig = maps.source_comparison(documents, corpus)
    assert len(fig.data) == 4 and all(isinstance(t, go.Bar) for t in fig.data)
    assert fig.layout.barmode == "stack"
    assert fig.data[-1].marker.color == maps.OUTLIER_COLOR  # outliers last, grey
    for values in stacked(fig).values():
        assert sum(values) == pytest.approx(1.0)
    names = list(fig.layout.yaxis.ticktext)
    assert names == ["&lt;img src=x onerror=alert(9)&gt;.txt", "a.txt", "b.txt"]


def test_source_comparison_counts_explode(run):
    documents, corpus, _, _ = run
    fig = maps.source_comparison(documents, corpus, normalize=False)
    names = list(fig.layout.yaxis.ticktext)
    totals = {names[pos]: sum(v) for pos, v in stacked(fig).items()}
    n_two = sum(len(f) == 2 for f in corpus["source_files"])
    assert n_two == 12
    assert totals["&lt;img src=x onerror=alert(9)&gt;.txt"] == n_two
    assert totals["a.txt"] == 30 + n_two - 6  # odd rows + multi-file rows (6 of them even)
    assert sum(totals.values()) == len(documents) + n_two  # counted in both files
    # doc000 (outlier, two files) counts in both bars of the outlier trace
    outliers = fig.data[-1]
    assert sum(outliers.x) == 12 + sum(
        len(f) - 1
        for f, t in zip(corpus["source_files"], documents["topic"], strict=True)
        if t == -1
    )


def test_source_comparison_label_column(run):
    documents, corpus, _, _ = run
    fig = maps.source_comparison(documents, corpus, by="venue", normalize=False)
    names = list(fig.layout.yaxis.ticktext)
    assert names == ["&lt;i&gt;Nature&lt;/i&gt;", "arXiv"]
    totals = {names[pos]: sum(v) for pos, v in stacked(fig).items()}
    assert totals == {"&lt;i&gt;Nature&lt;/i&gt;": 40, "arXiv": 20}
    with pytest.raises(InputError, match="no column"):
        maps.source_comparison(documents, corpus, by="nope")


# --------------------------------------------------------------------------- time


def test_topics_over_time_years(run):
    documents, corpus, _, _ = run
    fig = maps.topics_over_time(documents, corpus.drop(columns="date"), top_n=2)
    names = [t.name for t in fig.data]
    assert len(names) == 3 and names[-1] == "other"
    assert fig.data[-1].line.color == maps.OTHER_COLOR
    assert list(fig.data[0].x) == [2019, 2020, 2021, 2022]
    assert sum(sum(t.y) for t in fig.data) == len(documents)
    assert sum(fig.data[0].y) == 20  # largest topic first
    shares = maps.topics_over_time(documents, corpus, date_col="year", normalize=True)
    for i in range(4):
        assert sum(t.y[i] for t in shares.data) == pytest.approx(1.0)


def test_topics_over_time_takes_the_map_colours_and_skips_thin_years(run):
    documents, corpus, _, _ = run
    n = len(corpus)
    # 2019 holds 3 papers: its shares would say nothing.
    years = corpus.drop(columns="date").assign(
        year=[2019] * 3 + [2020] * (n // 2) + [2021] * (n - 3 - n // 2)
    )
    colors = {int(t): "#123456" for t in documents["topic"].unique()}
    fig = maps.topics_over_time(documents, years, top_n=2, colors=colors, min_docs=10)
    assert all(t.line.color == "#123456" for t in fig.data if t.name != "other")
    assert all(list(t.x) == [2020, 2021] for t in fig.data)
    assert list(maps.topics_over_time(documents, years, top_n=2).data[0].x) == [2019, 2020, 2021]
    empty = maps.topics_over_time(documents, years, min_docs=10_000)
    assert len(empty.data) == 0 and "10000 dated papers" in empty.layout.annotations[0].text


def test_topics_over_time_dates_and_gaps(run):
    documents, corpus, _, _ = run
    sparse = corpus.assign(date=["2020-01-03" if i % 2 else "2020-04-20" for i in range(60)])
    fig = maps.topics_over_time(documents, sparse, freq="month", top_n=10)
    assert len(fig.data) == 4  # 3 topics + other (outliers)
    assert list(fig.data[0].x) == ["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"]
    assert sum(sum(t.y) for t in fig.data) == len(documents)
    assert fig.data[0].y[1] == 0 and fig.data[0].y[2] == 0  # gaps shown as zero


def test_topics_over_time_no_dates(run):
    documents, corpus, _, _ = run
    for frame in (
        corpus.drop(columns=["date", "year"]),
        corpus.drop(columns="year").assign(date=None),
        corpus.drop(columns="year").assign(date=""),
    ):
        fig = maps.topics_over_time(documents, frame)
        assert len(fig.data) == 0
        assert "no dates" in fig.layout.annotations[0].text.lower()


# --------------------------------------------------------------------------- scale


def test_document_map_of_100k_points_is_small():
    n = 100_000
    rng = np.random.default_rng(0)
    topic = rng.integers(-1, 40, n)
    doc_ids = [f"{i:016x}" for i in range(n)]
    documents = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "topic": topic,
            "x": rng.normal(size=n) + topic,
            "y": rng.normal(size=n),
        }
    )
    # arXiv-like sizes: ~70-character titles, ~1,200-character abstracts
    title = "Scalable representation learning for graphs of scientific abstracts"
    abstract = ("Representation learning groups scientific abstracts by theme. " * 20)[:1200]
    corpus = pd.DataFrame(
        {
            "doc_id": doc_ids,
            "title": [f"{title} {i}" for i in range(n)],
            "abstract": [abstract] * n,
            "source_files": [["data/raw/000_listing.txt"]] * n,
        }
    )
    topics = pd.DataFrame({"topic": range(-1, 40), "label": [f"t{i}" for i in range(-1, 40)]})
    fig = maps.document_map(documents, corpus, topics)
    payload = fig.to_json()
    assert sum(len(t.x) for t in fig.data) == n
    assert len(payload) < 40e6
