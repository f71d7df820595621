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
    SYSTEM_PROMPT,
    chat_messages,
    llm_labels,
    parse_label,
    read_llm_labels,
    write_llm_labels,
)
from landscape.labels.overrides import apply_labels

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

    assert out == {0: "Graph Neural Networks", 1: "Diffusion models", 2: "Causal discovery"}
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
    assert out == {0: "Some label", 1: "Some label (1)"}
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
    path = write_llm_labels(
        {1: "LLM one", 0: "LLM zero"},
        tmp_path / "llm_labels.json",
        f"https://h/v1?k={KEY}",
        "m",
        topics,
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
