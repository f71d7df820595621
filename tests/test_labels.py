import re

import pandas as pd
import pytest

from landscape.errors import ConfigError, LandscapeError
from landscape.labels.overrides import (
    LABELS_FILE,
    apply_labels,
    labels_path,
    load_label_overrides,
    load_run_labels,
    topics_fingerprint,
    write_label_template,
)


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


def levelled(tables):
    """The label tables with a theme level above the two topics: theme 2 holds both."""
    topics = tables[0].assign(level=1, parent=[-1, 2, 2])
    theme = pd.DataFrame(
        {
            "topic": [2],
            "label": ["Machine learning"],
            "size": [8],
            "terms": [[{"term": "learning", "weight": 0.5}]],
            "level": [0],
            "parent": [-1],
        }
    )
    return pd.concat([topics, theme], ignore_index=True)


def test_user_labels_rename_topics_of_any_level(tmp_path, tables):
    topics, documents = levelled(tables), tables[1]
    path = write(tmp_path, '[labels]\n2 = "Learning from data"\n1 = "Image generation"\n')
    overrides = load_label_overrides(path, topics)
    new, docs = apply_labels(topics, documents, overrides, llm={0: "LLM graphs", 2: "LLM theme"})
    by_topic = new.set_index("topic")
    assert (by_topic.loc[2, "label"], by_topic.loc[2, "label_source"]) == (
        "Learning from data",
        "user",
    )
    assert by_topic["label_source"].to_dict() == {-1: "auto", 0: "llm", 1: "user", 2: "user"}
    # Documents name their topic of the topics level.
    assert set(docs["topic_label"]) == {"Outliers", "LLM graphs", "Image generation"}


def test_label_template_lists_levels_broadest_first(tmp_path, tables):
    topics = levelled(tables)
    path = write_label_template(topics, tmp_path / "labels.toml")
    text = path.read_text(encoding="utf-8")
    headers = re.findall(r"(?m)^# Topic -?\d.*$", text)
    assert headers == [
        "# Topic 2 · level 0 · 8 papers",
        "# Topic -1 · level 1 · 2 papers",
        "# Topic 0 · level 1 (in 2) · 4 papers",
        "# Topic 1 · level 1 (in 2) · 4 papers",
    ]
    path.write_text(uncomment(text), encoding="utf-8")
    assert load_label_overrides(path, topics)[2] == "Machine learning"
