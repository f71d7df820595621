import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from landscape.errors import ConfigError, InputError, LandscapeError
from landscape.labels.llm import (
    FILE_FORMAT,
    MAX_CHILDREN,
    SYSTEM_PROMPT,
    Child,
    LlmAnswer,
    LlmLabels,
    chat_messages,
    llm_labels,
    parse_label,
    read_llm_labels,
    request_order,
    write_llm_labels,
)
from landscape.labels.overrides import apply_labels, topics_fingerprint

KEY = "sk-test-SECRET-1234"


class FakeServer:
    """A tiny OpenAI-compatible server: records requests, answers with ``self.reply``."""

    def __init__(self):
        self.requests = []
        # (status, body bytes) or a callable(request) -> (status, body bytes).
        self.reply = None
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                request = {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": json.loads(self.rfile.read(length)),
                }
                server.requests.append(request)
                time.sleep(server.delay)
                reply = server.reply(request) if callable(server.reply) else server.reply
                status, body, *headers = reply
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The timeout test's client has hung up by now.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        # A short poll interval keeps shutdown (and so each test) fast.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(content):
    return 200, json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})


def encoded(reply):
    status, body, *rest = reply
    return (status, body.encode("utf-8"), *rest)


@pytest.fixture
def server(monkeypatch):
    # A proxy from the environment would intercept requests to 127.0.0.1.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    fake = FakeServer()
    yield fake
    fake.close()


@pytest.fixture
def evidence():
    return pd.DataFrame(
        {
            "topic": [-1, 0, 1, 2],
            "size": [5, 40, 30, 10],
            "terms": [
                [],
                [
                    {"term": "graph neural", "weight": 0.9},
                    {"term": "message passing", "weight": 0.8},
                ],
                [{"term": "diffusion models", "weight": 0.9}],
                [{"term": "causal discovery", "weight": 0.7}],
            ],
            "representative_titles": [
                [],
                ["Graph attention networks", "Oversmoothing in GNNs"],
                ["Denoising diffusion probabilistic models"],
                ["Learning causal graphs"],
            ],
        }
    )


def test_request_shape_and_reply_parsing(server, evidence, monkeypatch):
    monkeypatch.setenv("MY_KEY", KEY)
    labels = iter(['"Graph Neural Networks."', "Label: Diffusion models", "Causal discovery"])
    server.reply = lambda request: encoded(completion(next(labels)))
    out = llm_labels(evidence, server.url + "/", "tiny-model", api_key_env="MY_KEY")

    assert out.labels == {0: "Graph Neural Networks", 1: "Diffusion models", 2: "Causal discovery"}
    assert len(server.requests) == 3  # the outlier topic is never sent
    first = server.requests[0]
    assert first["path"] == "/v1/chat/completions"
    assert first["headers"]["Authorization"] == f"Bearer {KEY}"
    assert first["headers"]["Content-Type"] == "application/json"
    body = first["body"]
    assert body["model"] == "tiny-model"
    assert body["temperature"] == 0.0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][0]["content"] == SYSTEM_PROMPT
    user = body["messages"][1]["content"]
    assert "graph neural, message passing" in user
    assert "- Graph attention networks" in user and "- Oversmoothing in GNNs" in user
    assert body["messages"] == chat_messages(
        ["graph neural", "message passing"], ["Graph attention networks", "Oversmoothing in GNNs"]
    )


def test_no_authorization_without_a_key_and_largest_topics_first(server, evidence, monkeypatch):
    monkeypatch.delenv("MY_KEY", raising=False)
    server.reply = encoded(completion("Some label"))
    out = llm_labels(
        evidence, server.url, "m", api_key_env="MY_KEY", max_topics=2, temperature=None
    )
    # Topics 0 (40 papers) and 1 (30) are the two largest; identical replies are told apart.
    assert out.labels == {0: "Some label", 1: "Some label (1)"}
    assert all("Authorization" not in r["headers"] for r in server.requests)
    assert all("temperature" not in r["body"] for r in server.requests)


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        ((500, json.dumps({"error": f"boom, you sent Bearer {KEY}"})), "HTTP 500"),
        ((401, "unauthorized"), "check the API key"),
        ((200, "{not json"), "not JSON"),
        ((200, json.dumps({"choices": []})), "no choices[0].message.content"),
        (completion("   \n  "), "empty label"),
        ((302, "", ("Location", "/steal")), "HTTP 302"),
    ],
)
def test_errors_name_the_endpoint_and_hide_the_key(server, evidence, monkeypatch, reply, needle):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server.reply = encoded(reply)
    with pytest.raises(LandscapeError) as info:
        llm_labels(evidence, server.url, "m")
    message = str(info.value)
    assert needle in message
    assert server.url in message
    assert KEY not in message
    assert len(server.requests) == 1  # the first failure stops; no redirect is followed


def test_refused_connection_and_timeout(server, evidence, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(LandscapeError, match="cannot connect") as info:
        llm_labels(evidence, endpoint, "m")
    assert endpoint in str(info.value) and KEY not in str(info.value)

    server.delay = 0.5
    server.reply = encoded(completion("Late"))
    with pytest.raises(LandscapeError, match=r"no answer within 0\.1 s") as info:
        llm_labels(evidence, server.url, "m", timeout=0.1)
    assert KEY not in str(info.value)


def test_bad_settings_are_config_errors(evidence, monkeypatch):
    with pytest.raises(ConfigError, match="must be an http"):
        llm_labels(evidence, "file:///etc/passwd", "m")
    with pytest.raises(ConfigError, match="no model"):
        llm_labels(evidence, "http://127.0.0.1:9/v1", " ")
    monkeypatch.setenv("OPENAI_API_KEY", KEY + "\nX-Evil: 1")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY") as info:
        llm_labels(evidence, "http://127.0.0.1:9/v1", "m")
    assert KEY not in str(info.value)
    # Credentials in the URL never show in messages.
    with pytest.raises(ConfigError) as info:
        llm_labels(evidence, f"ftp://user:{KEY}@host/v1?key={KEY}", "m")
    assert KEY not in str(info.value)


@pytest.mark.parametrize(
    ("content", "label"),
    [
        ("Graph neural networks", "Graph neural networks"),
        ('"Graph neural networks."', "Graph neural networks"),
        ("**Label:** `Diffusion models`", "Diffusion models"),
        (
            "<think>hmm, graphs?\nyes</think>\n\nGraph learning\nBecause the terms...",
            "Graph learning",
        ),
        ("  Causal   discovery  ", "Causal discovery"),
        ("word " * 30, "word word word word word word word word word word word word"),
        ("", ""),
    ],
)
def test_parse_label(content, label):
    assert parse_label(content) == label
    assert len(parse_label(content)) <= 60


def test_stored_llm_labels_round_trip_and_lose_to_user_labels(tmp_path):
    topics = pd.DataFrame({"topic": [0, 1], "label": ["a · b", "c · d"], "size": [1, 2]})
    answers = (
        LlmAnswer(1, 0, "c · d", chat_messages(["c"], []), "LLM one", "LLM one"),
        LlmAnswer(0, 0, "a · b", chat_messages(["a"], []), "LLM zero", "LLM zero"),
    )
    path = write_llm_labels(
        LlmLabels(answers), tmp_path / "llm_labels.json", f"https://h/v1?k={KEY}", "m", topics
    )
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["endpoint"] == "https://h/v1" and stored["model"] == "m"
    assert KEY not in path.read_text(encoding="utf-8")
    llm = read_llm_labels(path, topics)
    assert llm == {0: "LLM zero", 1: "LLM one"}
    with pytest.raises(InputError, match="another fit"):
        read_llm_labels(path, topics.assign(size=[2, 1]))

    documents = pd.DataFrame({"topic": [0, 1, 1], "topic_label": ["a · b", "c · d", "c · d"]})
    new, docs = apply_labels(topics, documents, {1: "Mine"}, llm=llm)
    assert new["label"].tolist() == ["LLM zero", "Mine"]
    assert new["label_source"].tolist() == ["llm", "user"]
    assert docs["topic_label"].tolist() == ["LLM zero", "Mine", "Mine"]


# ----------------------------------------------------------------------- every level


def tree_evidence():
    """Evidence of a three-level run: themes 10-11, topics 0-2 (+ outliers), subtopics 20-23."""
    rows = [
        # (topic, level, parent, name, size, coverage)
        (10, 0, -1, "Graph learning", 70, 0.6),
        (11, 0, -1, "Causality", 10, 0.5),
        (0, 1, 10, "Graph neural networks", 40, 0.8),
        (1, 1, 10, "Diffusion models", 30, 0.9),
        (2, 1, 11, "Causal discovery", 10, 0.7),
        (-1, 1, -1, "Outliers", 5, 0.0),
        (20, 2, 0, "Message passing", 25, 0.75),
        (21, 2, 0, "Oversmoothing", 15, 0.6),
        (22, 2, 1, "Score matching", 30, 0.5),
        (23, 2, 2, "Causal graphs", 10, 0.4),
    ]
    return pd.DataFrame(
        {
            "topic": [r[0] for r in rows],
            "level": [r[1] for r in rows],
            "parent": [r[2] for r in rows],
            "name": [r[3] for r in rows],
            "size": [r[4] for r in rows],
            "name_coverage": [r[5] for r in rows],
            "terms": [[{"term": r[3].lower(), "weight": 0.9}] for r in rows],
            "representative_titles": [[f"A paper on {r[3].lower()}"] for r in rows],
        }
    )


def key_phrase(request):
    """The topic's extractive name, read back from the prompt of a request."""
    user = request["body"]["messages"][1]["content"]
    return user.splitlines()[0].removeprefix("Key phrase: ")


def answer_by_name(request):
    return encoded(completion(f"LLM {key_phrase(request)}."))


def test_every_level_is_named_bottom_up_with_the_childrens_llm_names(server):
    server.reply = answer_by_name
    out = llm_labels(tree_evidence(), server.url, "m", topic_level=1)

    asked = [key_phrase(r) for r in server.requests]
    by_name = tree_evidence().set_index("name")
    levels = [int(by_name.loc[name, "level"]) for name in asked]
    assert levels == sorted(levels, reverse=True) == [2, 2, 2, 2, 1, 1, 1, 0, 0]
    assert "Outliers" not in asked
    assert out.labels == {
        int(t): f"LLM {n}" for t, n in zip(by_name["topic"], by_name.index, strict=True) if t != -1
    }
    # A parent's prompt lists its children by the names the model gave them, with
    # their sizes and how often their extractive names occur in their papers.
    graphs = server.requests[asked.index("Graph neural networks")]["body"]["messages"][1]
    assert "Subtopics, the largest first:" in graphs["content"]
    assert (
        '- LLM Message passing (25 papers; key phrase "Message passing" in 75% of them)'
        in (graphs["content"])
    )
    assert "- LLM Oversmoothing (15 papers;" in graphs["content"]
    theme = server.requests[asked.index("Graph learning")]["body"]["messages"][1]["content"]
    assert "- LLM Graph neural networks (40 papers;" in theme
    assert "- LLM Diffusion models (30 papers;" in theme
    assert "Message passing" not in theme  # grandchildren are not listed
    leaf = server.requests[0]["body"]["messages"][1]["content"]
    assert "Subtopics" not in leaf

    # The audit trail: what was sent, what came back, in the order asked.
    assert [a.name for a in out.answers] == asked
    for answer, request in zip(out.answers, server.requests, strict=True):
        assert answer.messages == request["body"]["messages"]
        assert answer.answer == f"LLM {answer.name}."  # raw, before parsing
        assert answer.label == f"LLM {answer.name}"
        assert answer.level == int(by_name.loc[answer.name, "level"])


def test_the_cap_asks_themes_then_topics_and_parents_fall_back_to_extractive_names(server):
    server.reply = answer_by_name
    evidence = tree_evidence()
    # Level 0 first, then the largest topics of the topics level; subtopics last.
    assert request_order(evidence, 4, topic_level=1) == [0, 1, 10, 11]
    assert request_order(evidence, 2, topic_level=1) == [10, 11]
    assert request_order(evidence, 6, topic_level=1) == [22, 0, 1, 2, 10, 11]
    assert request_order(evidence, 0, topic_level=1) == []
    # The topics level comes right after level 0, wherever it is; without one,
    # levels are asked broadest first.
    assert request_order(evidence, 4, topic_level=2) == [20, 22, 10, 11]
    assert request_order(evidence, 4) == [0, 1, 10, 11]

    out = llm_labels(evidence, server.url, "m", max_topics=4, topic_level=1)
    assert len(server.requests) == 4
    assert list(out.labels) == [0, 1, 10, 11]
    # Topic 2 was not asked: its theme's prompt shows its extractive name.
    causality = server.requests[3]["body"]["messages"][1]["content"]
    assert key_phrase(server.requests[3]) == "Causality"
    assert "- Causal discovery (10 papers; the name occurs in 70% of them)" in causality
    # Topics 0 and 1 were asked before their theme, with their own subtopics.
    assert "- Message passing (25 papers;" in server.requests[0]["body"]["messages"][1]["content"]


def test_labels_are_unique_within_a_level_not_across_levels(server):
    server.reply = encoded(completion("Graphs"))
    out = llm_labels(tree_evidence(), server.url, "m", max_topics=5, topic_level=1)
    assert out.labels == {
        0: "Graphs",
        1: "Graphs (1)",
        2: "Graphs (2)",
        10: "Graphs",
        11: "Graphs (11)",
    }


def test_chat_messages_show_children_and_their_evidence():
    children = [
        Child("LLM a", 5, "a", 0.5),
        Child("b", 50, "b", 0.25),
        Child("c", 7, "c"),
    ] + [Child(f"x{i}", 1, f"x{i}", 0.1) for i in range(MAX_CHILDREN)]
    user = chat_messages(["t"], ["Title"], "Topic name", children)[1]["content"]
    lines = user.splitlines()
    assert lines[:2] == ["Key phrase: Topic name", "Key terms: t"]
    assert lines[lines.index("Subtopics, the largest first:") + 1 :][:3] == [
        "- b (50 papers; the name occurs in 25% of them)",
        "- c (7 papers)",
        '- LLM a (5 papers; key phrase "a" in 50% of them)',
    ]
    assert lines[-1] == "- and 3 smaller subtopics"
    assert len([ln for ln in lines if ln.startswith("- ")]) == 1 + MAX_CHILDREN + 1


def test_audit_trail_is_stored_with_a_fingerprint_of_every_level(server, tmp_path):
    server.reply = answer_by_name
    evidence = tree_evidence()
    topics = evidence.assign(label=evidence["name"])
    out = llm_labels(evidence, server.url, "m", max_topics=6, topic_level=1)
    path = write_llm_labels(out, tmp_path / "llm_labels.json", server.url, "m", topics)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["format"] == FILE_FORMAT
    assert stored["topics"] == topics_fingerprint(topics)
    assert stored["labels"] == {str(t): lab for t, lab in out.labels.items()}
    audit = stored["audit"]
    assert set(audit) == {"0", "1", "2", "10", "11", "22"}
    for order, request in enumerate(server.requests):
        entry = next(e for e in audit.values() if e["order"] == order)
        assert entry["messages"] == request["body"]["messages"]
        assert entry["answer"] == f"LLM {entry['name']}."
        assert entry["label"] == f"LLM {entry['name']}"
    assert (audit["22"]["level"], audit["0"]["level"], audit["10"]["level"]) == (2, 1, 0)
    assert read_llm_labels(path, topics, topic_level=1) == out.labels
    # A change at any level is another fit.
    refit = topics.assign(size=topics["size"].where(topics["level"] != 2, 1))
    with pytest.raises(InputError, match="another fit"):
        read_llm_labels(path, refit, topic_level=1)


def test_files_from_before_levels_name_the_topics_level(tmp_path):
    topics = tree_evidence().assign(label=tree_evidence()["name"])
    shown = topics[topics["level"] == 1]
    old = {"endpoint": "http://h/v1", "model": "m", "created": "2024-01-01T00:00:00+00:00"}
    path = tmp_path / "llm_labels.json"
    path.write_text(
        json.dumps({**old, "topics": topics_fingerprint(shown), "labels": {"0": "Old zero"}}),
        encoding="utf-8",
    )
    assert read_llm_labels(path, topics, topic_level=1) == {0: "Old zero"}
    assert read_llm_labels(path, shown) == {0: "Old zero"}  # a run without levels
    with pytest.raises(InputError, match="before levels") as info:
        read_llm_labels(path, topics, topic_level=2)
    assert "landscape labels llm" in str(info.value)
    path.write_text(json.dumps({**old, "format": 99, "labels": {}}), encoding="utf-8")
    with pytest.raises(InputError, match="format 99"):
        read_llm_labels(path, topics, topic_level=1)
