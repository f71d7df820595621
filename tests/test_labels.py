import re

import pandas as pd
import pytest

from landscape.errors import ConfigError, LandscapeError
from landscape.labels import (
    LABELS_FILE,
    apply_labels,
    labels_path,
    load_label_overrides,
    load_run_labels,
    topics_fingerprint,
    write_label_template,
)

PAPERS = [
    # (doc_id, topic, title, abstract)
    ("g0", 0, "Graph neural networks", "Message passing between nodes of a graph."),
    ("g1", 0, "Deep GRAPH NEURAL nets", "We study node classification on citation graphs."),
    ("g2", 0, "Oversmoothing", "Message-passing layers smooth node features."),
    ("g3", 0, "Molecules as graphs", "Atoms and bonds give molecular property prediction."),
    ("d0", 1, "Diffusion models", "Denoising diffusion models generate images."),
    ("d1", 1, "Score matching", "A diffusion model learns the score of the data."),
    ("d2", 1, "Image synthesis", "Sampling from a graph neural prior for images."),
    ("d3", 1, "Faster sampling", "Fewer denoising steps for image generation."),
    ("o0", -1, "Central banks", "Interest rates and inflation."),
    ("o1", -1, "Protein folding", "Amino acid chains fold into structures."),
]


def terms(*pairs):
    return [{"term": t, "weight": w} for t, w in pairs]


def make_tables():
    """The topics, documents and corpus tables of a small run of :data:`PAPERS`."""
    corpus = pd.DataFrame(
        {
            "doc_id": [p[0] for p in PAPERS],
            "title": [p[2] for p in PAPERS],
            "abstract": [p[3] for p in PAPERS],
        }
    )
    documents = pd.DataFrame(
        {
            "doc_id": [p[0] for p in PAPERS],
            "topic": [p[1] for p in PAPERS],
        }
    )
    documents["topic_label"] = documents["topic"].map(
        {-1: "Outliers", 0: "graph neural · message passing", 1: "diffusion models · denoising"}
    )
    topics = pd.DataFrame(
        {
            "topic": [-1, 0, 1],
            "label": ["Outliers", "graph neural · message passing", "diffusion models · denoising"],
            "size": [2, 4, 4],
            "terms": [
                [],
                terms(("graph neural", 0.9), ("message passing", 0.8), ("node", 0.5)),
                terms(("diffusion models", 0.95), ("denoising", 0.7)),
            ],
            "ctfidf_terms": [[], terms(("graph", 0.3)), terms(("diffusion", 0.4))],
            "representative_doc_ids": [[], ["g1", "g0", "g2", "g3"], ["d0", "d1"]],
        }
    )
    return topics, documents, corpus


@pytest.fixture
def tables():
    return make_tables()


def write(tmp_path, text, name="labels.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------- user labels


def test_load_label_overrides_reads_bare_and_quoted_keys(tmp_path, tables):
    path = write(tmp_path, '[labels]\n0 = "  Graph   neural networks "\n"1" = "Diffusion models"\n')
    assert load_label_overrides(path) == {0: "Graph neural networks", 1: "Diffusion models"}
    assert load_label_overrides(path, tables[0]) == {
        0: "Graph neural networks",
        1: "Diffusion models",
    }
    assert load_label_overrides(write(tmp_path, "", "empty.toml")) == {}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[labels]\nx = "A"\n', "'x' is not a topic id"),
        ('[labels]\n"1.5" = "A"\n', "'1.5' is not a topic id"),
        ('[labels]\n0 = ""\n', "0 is empty"),
        ("[labels]\n0 = 3\n", "0 must be a string"),
        ('[labels]\n0.5 = "A"\n', "0 must be a string"),
        ('[labels]\n0 = """A\nB"""\n', "0 must be one line"),
        (f'[labels]\n0 = "{"x" * 101}"\n', "0 is 101 characters"),
        ('[labels]\n9 = "A"\n', "9: this run has no topic 9 (topics: -1 to 1)"),
        ('[labels]\n"00" = "A"\n0 = "B"\n', "keys '00' and '0' both name topic 0"),
        ('[labels]\n0 = "Same"\n1 = "same"\n', "0 and 1 have the same label"),
        ('[label]\n0 = "A"\n', "unknown key or section 'label'"),
        ('0 = "A"\n', "unknown key or section '0'"),
        ("labels = 3\n", "[labels] must be a table"),
        ("[labels\n", "not a valid TOML file"),
        ('[fit]\ntopics = "0123456789abcdef"\n', "written for another fit"),
        ("[fit]\ntopics = 3\n", "[fit] must hold only"),
    ],
)
def test_load_label_overrides_errors_name_the_file_and_key(tmp_path, tables, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_label_overrides(path, tables[0])
    assert str(path) in str(info.value)
    assert needle in str(info.value)


def test_run_labels_default_location_and_explicit_path(tmp_path, tables):
    topics = tables[0]
    assert labels_path(tmp_path) == tmp_path / LABELS_FILE
    assert load_run_labels(tmp_path, topics) == {}  # no file: automatic labels
    with pytest.raises(ConfigError, match="labels file not found"):
        load_run_labels(tmp_path, topics, tmp_path / "elsewhere.toml")
    write(tmp_path, '[labels]\n1 = "Diffusion"\n', LABELS_FILE)
    assert load_run_labels(tmp_path, topics) == {1: "Diffusion"}
    other = write(tmp_path, '[labels]\n0 = "Graphs"\n', "other.toml")
    assert load_run_labels(tmp_path, topics, other) == {0: "Graphs"}


def test_apply_labels_returns_new_tables_with_precedence(tables):
    topics, documents, _ = tables
    before = (topics.copy(deep=True), documents.copy(deep=True))
    new_topics, new_docs = apply_labels(
        topics, documents, {0: "Graphs"}, llm={0: "LLM graphs", 1: "LLM diffusion"}
    )
    pd.testing.assert_frame_equal(topics, before[0])
    pd.testing.assert_frame_equal(documents, before[1])

    by_topic = new_topics.set_index("topic")
    assert by_topic["label"].to_dict() == {-1: "Outliers", 0: "Graphs", 1: "LLM diffusion"}
    assert by_topic["label_source"].to_dict() == {-1: "auto", 0: "user", 1: "llm"}
    assert by_topic["auto_label"].to_dict() == topics.set_index("topic")["label"].to_dict()
    expected = new_docs["topic"].map(by_topic["label"])
    assert new_docs["topic_label"].tolist() == expected.tolist()
    assert new_docs["topic_label"].tolist().count("Graphs") == 4

    # Applying again starts from the automatic labels, not from the previous result.
    again, again_docs = apply_labels(new_topics, new_docs, {})
    assert again["label"].tolist() == topics["label"].tolist()
    assert set(again["label_source"]) == {"auto"}
    assert again_docs["topic_label"].tolist() == documents["topic_label"].tolist()


def test_apply_labels_rejects_unknown_topics(tables):
    topics, documents, _ = tables
    with pytest.raises(ConfigError, match="topic 5"):
        apply_labels(topics, documents, {5: "Nope"})
    with pytest.raises(ConfigError, match="LLM label for topic 7"):
        apply_labels(topics, documents, {}, llm={7: "Nope"})


def uncomment(text):
    return re.sub(r"(?m)^# (-?\d+ = )", r"\1", text)


def test_label_template_lists_every_topic_and_round_trips(tmp_path, tables):
    topics = tables[0]
    topics = topics.copy()
    topics.loc[topics["topic"] == 1, "label"] = 'say "hi" \\ · ünïcode'
    path = write_label_template(topics, tmp_path / "labels.toml")
    text = path.read_text(encoding="utf-8")
    assert "# Topic 0 · 4 papers" in text
    assert "graph neural (0.90), message passing (0.80), node (0.50)" in text
    # As written, nothing is active: the automatic labels stay.
    assert load_label_overrides(path, topics) == {}
    # Uncommented, every line gives back exactly the automatic label.
    path.write_text(uncomment(text), encoding="utf-8")
    assert load_label_overrides(path, topics) == dict(
        zip(topics["topic"], topics["label"], strict=True)
    )
    with pytest.raises(LandscapeError, match="already exists"):
        write_label_template(topics, path)


def test_label_file_of_another_fit_is_refused(tmp_path, tables):
    topics = tables[0]
    path = write_label_template(topics, tmp_path / "labels.toml")
    assert f'topics = "{topics_fingerprint(topics)}"' in path.read_text(encoding="utf-8")
    # A refit that moved one paper between topics: same ids, other themes.
    refit = topics.assign(size=[2, 5, 3])
    assert topics_fingerprint(refit) != topics_fingerprint(topics)
    with pytest.raises(ConfigError, match="written for another fit"):
        load_label_overrides(path, refit)
    # User labels and re-applying do not change the fingerprint of a fit.
    labelled, _ = apply_labels(topics, tables[1], {0: "Graphs"}, llm={1: "Diffusion"})
    assert topics_fingerprint(labelled) == topics_fingerprint(topics)


def test_label_template_keeps_user_labels_active(tmp_path, tables):
    topics, documents, _ = tables
    labelled, _ = apply_labels(topics, documents, {1: "Diffusion"})
    path = write_label_template(labelled, tmp_path / "labels.toml")
    text = path.read_text(encoding="utf-8")
    assert "# automatic label: diffusion models · denoising" in text
    assert load_label_overrides(path, topics) == {1: "Diffusion"}
    # The other topics offer their automatic label, not a previous override.
    assert '# 0 = "graph neural · message passing"' in text
