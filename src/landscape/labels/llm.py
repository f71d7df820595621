"""Optional topic labels written by a language model behind an OpenAI-compatible API.

Off by default: the project never needs a network, and nothing in it calls
:func:`llm_labels` unless the user has configured an endpoint. Any server that
speaks the chat-completions protocol works (OpenAI, Azure-style gateways, vLLM,
llama.cpp, Ollama's ``/v1``): the request is ``POST {endpoint}/chat/completions``
with a JSON body ``{"model", "messages"}``, sent with the standard library.

**Every level, bottom-up.** A run has topics at several levels (level 0, the
themes, is the broadest). One request names one topic, and the finest level is
asked first, then each level above it, so that a parent's prompt carries the
names its children were just given (their extractive names where a child was
not asked), with each child's size and how often its extractive name occurs in
its papers (:func:`chat_messages`).

**The cap.** At most ``max_topics`` requests are sent (``[labels]
llm_max_topics``). When that is fewer than the topics, :func:`request_order`
asks level 0 first (few topics, each naming many papers), then the topics
level (what the reports list), then the finer levels from broad to fine; within
a level the largest topics first. Topics not asked keep their extractive names.

**What leaves the machine.** For each topic asked, its extractive name, top
terms, the titles of its representative papers and, for a parent, its
children's names and sizes go to the configured endpoint, plus the API key read
from an environment variable when it is set. Abstracts are never sent. Point
the endpoint at a local server to keep corpus text on the machine.

**Audit trail.** :func:`write_llm_labels` stores the labels in the run folder
(``llm_labels.json``) with, for every topic asked, its level, the messages sent
and the raw answer, so a reader can check what each name rests on; reports read
the labels from there without calling the endpoint again. Through
:func:`landscape.labels.overrides.apply_labels` the labels are marked
``label_source = "llm"``, a user's ``labels.toml`` wins over them, and the
extractive name stays in the ``name`` column.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from landscape.errors import ConfigError, InputError, LandscapeError
from landscape.io import write_json
from landscape.labels.overrides import clean_label, topics_fingerprint

#: File name of stored LLM labels inside a run folder.
LLM_LABELS_FILE = "llm_labels.json"
#: Version of the ``llm_labels.json`` layout written (files without one: topics level only).
FILE_FORMAT = 2
#: Longest label kept from a reply, in characters (cut at a word boundary).
MAX_CHARS = 60
#: Children listed in a parent's prompt, the largest first.
MAX_CHILDREN = 15
#: Largest reply read, in bytes: a label needs a few hundred.
_MAX_REPLY = 1 << 20

SYSTEM_PROMPT = (
    "You name topics of a map of research papers. Given a topic's key phrase and key "
    "terms, the titles of papers typical of it and, for a broad topic, the names of its "
    "subtopics, reply with one label for the topic: 2 to 6 words, specific enough to "
    "tell it apart from neighbouring topics of the same field. A broad topic's label "
    "names what its subtopics share. Reply with the label only: no quotes, no "
    "explanation, no final full stop."
)

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_PREFIX = re.compile(r"^(?:topic\s+)?(?:label|name|title)\s*:\s*", re.IGNORECASE)
_WRAPPERS = "\"'`*_#“”‘’«» "


@dataclass(frozen=True)
class Child:
    """A subtopic as a parent's prompt shows it.

    Attributes:
        name: The name shown: its LLM label when it was asked, else its extractive name.
        size: Its papers.
        extractive: Its extractive name (``landscape.fit.naming``).
        coverage: Share of its papers that contain the extractive name (NaN: unknown).
    """

    name: str
    size: int
    extractive: str
    coverage: float = float("nan")


@dataclass(frozen=True)
class LlmAnswer:
    """One request and its answer: what one LLM label rests on.

    Attributes:
        topic: The topic's run-wide id.
        level: Its level (0: the broadest).
        name: Its extractive name, kept beside the label.
        messages: The chat messages sent (:func:`chat_messages`).
        answer: The raw ``choices[0].message.content`` of the reply.
        label: The label parsed from it (:func:`parse_label`), with the topic id
            appended when another topic of the level already has it.
    """

    topic: int
    level: int
    name: str
    messages: list[dict[str, str]]
    answer: str
    label: str


@dataclass(frozen=True)
class LlmLabels:
    """The answers of one :func:`llm_labels` call, in the order asked (finest level first)."""

    answers: tuple[LlmAnswer, ...]

    @property
    def labels(self) -> dict[int, str]:
        """``{topic: label}``, sorted by topic."""
        return {a.topic: a.label for a in sorted(self.answers, key=lambda a: a.topic)}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would resend the Authorization header to the new host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _public(endpoint: str) -> str:
    """The endpoint for messages: without user info, query or fragment (keys hide there)."""
    parts = urllib.parse.urlsplit(endpoint)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


def _child_line(child: Child) -> str:
    """``Name (120 papers; key phrase "x" in 64% of them)``: a child and its evidence."""
    evidence = f"{child.size} papers"
    if not math.isnan(child.coverage):
        share = f"in {child.coverage:.0%} of them"
        if child.name.casefold() == child.extractive.casefold():
            evidence += f"; the name occurs {share}"
        else:
            evidence += f'; key phrase "{_one_line(child.extractive)}" {share}'
    return f"{_one_line(child.name)} ({evidence})"


def chat_messages(
    terms: Sequence[str],
    titles: Sequence[str],
    name: str | None = None,
    children: Sequence[Child] = (),
) -> list[dict[str, str]]:
    """The chat messages sent for one topic: everything of the corpus that is sent.

    Args:
        terms: The topic's top terms, most relevant first.
        titles: Titles of its representative papers.
        name: Its extractive name, or ``None`` (a run made before names).
        children: Its subtopics, for a topic of a level with a finer one below;
            the :data:`MAX_CHILDREN` largest are listed.

    Returns:
        ``[{"role": "system", ...}, {"role": "user", ...}]``.
    """
    lines = [f"Key phrase: {_one_line(name)}"] if name else []
    lines += ["Key terms: " + ", ".join(_one_line(t) for t in terms), "", "Papers:"]
    lines += [f"- {_one_line(t)}" for t in titles]
    if children:
        listed = sorted(children, key=lambda c: (-c.size, c.name))[:MAX_CHILDREN]
        lines += ["", "Subtopics, the largest first:"]
        lines += [f"- {_child_line(c)}" for c in listed]
        if len(children) > len(listed):
            lines.append(f"- and {len(children) - len(listed)} smaller subtopics")
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(lines)},
    ]


def parse_label(content: str, max_chars: int = MAX_CHARS) -> str:
    """The label in a model's reply, or ``""`` when there is none.

    Drops ``<think>`` blocks, keeps the first non-empty line, strips a ``Label:``
    prefix, quotes, markdown marks and a final full stop, and cuts the label to
    ``max_chars`` at a word boundary.
    """
    text = _THINK.sub("", content)
    line = next((ln for ln in text.splitlines() if ln.strip(_WRAPPERS + "-")), "")
    line = _PREFIX.sub("", line.strip(_WRAPPERS + "-")).strip(_WRAPPERS).rstrip(".").strip()
    line = " ".join(line.split())
    if len(line) > max_chars:
        head = line[: max_chars + 1]
        line = head[: head.rfind(" ")] if " " in head else line[:max_chars]
    return line.rstrip(" ,;:-·")


def _api_key(api_key_env: str | None) -> str | None:
    key = os.environ.get(api_key_env, "").strip() if api_key_env else ""
    if key and not (key.isascii() and key.isprintable()):
        # http.client would reject it with the header value in its message.
        raise ConfigError(f"{api_key_env}: the API key has characters an HTTP header cannot hold")
    return key or None


def _post(url: str, body: dict[str, Any], key: str | None, where: str, timeout: float) -> Any:
    """POST JSON and return the decoded reply; every failure is a LandscapeError."""

    def fail(why: str) -> LandscapeError:
        # Servers may echo request headers in error bodies: never repeat the key.
        message = f"LLM endpoint {where}: {why}"
        return LandscapeError(message.replace(key, "***") if key else message)

    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST"
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read(_MAX_REPLY)
    except urllib.error.HTTPError as exc:
        try:
            detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
        except (OSError, AttributeError, ValueError):
            detail = ""
        hint = "; check the API key" if exc.code in (401, 403) else ""
        if 300 <= exc.code < 400:
            moved = exc.headers.get("Location") if exc.headers else None
            hint = f"; redirects are not followed: give the final URL ({moved})"
        raise fail(f"HTTP {exc.code} {exc.reason} ({detail or 'no body'}){hint}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise fail(f"no answer within {timeout:g} s") from None
        raise fail(f"cannot connect ({reason})") from None
    except TimeoutError:
        raise fail(f"no answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise fail(f"request failed ({type(exc).__name__}: {exc})") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        snippet = " ".join(raw[:200].decode("utf-8", "replace").split())
        raise fail(f"the reply is not JSON ({snippet!r})") from None


def _content(reply: Any) -> str | None:
    """``choices[0].message.content`` of a chat-completions reply, if it is a string."""
    try:
        content = reply["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


def _levelled(evidence: pd.DataFrame) -> pd.DataFrame:
    """``evidence`` with ``level``, ``parent``, ``name``, ``name_coverage`` (default: one level)."""
    defaults = {"level": 0, "parent": -1, "name": "", "name_coverage": float("nan")}
    return evidence.assign(**{c: v for c, v in defaults.items() if c not in evidence.columns})


def request_order(
    evidence: pd.DataFrame, max_topics: int, topic_level: int | None = None
) -> list[int]:
    """The topics asked, in the order they are asked (module docstring, "The cap").

    Args:
        evidence: ``topic``, ``size`` and, for a run with levels, ``level``;
            shape (n_topics, >=2).
        max_topics: At most this many topics are asked.
        topic_level: The level the reports call topics: asked right after level
            0 when the cap bites; ``None`` asks levels broadest first.

    Returns:
        Topic ids: the finest level first (bottom-up), by id within a level;
        never the outlier topic ``-1``.
    """
    rows = _levelled(evidence)
    rows = rows[rows["topic"] != -1]

    def rank(level: int) -> int:
        return 0 if level == 0 else 1 if level == topic_level else 1 + level

    rows = rows.assign(_rank=[rank(int(k)) for k in rows["level"]])
    rows = rows.sort_values(["_rank", "size", "topic"], ascending=[True, False, True])
    rows = rows.head(max(max_topics, 0))
    rows = rows.sort_values(["level", "topic"], ascending=[False, True])
    return [int(t) for t in rows["topic"]]


def _child(record: Mapping[str, Any], shown: Mapping[int, str]) -> Child:
    topic, extractive = int(record["topic"]), str(record["name"])
    coverage = record.get("name_coverage")
    coverage = float("nan") if coverage is None else float(coverage)
    return Child(shown.get(topic, extractive), int(record["size"]), extractive, coverage)


def llm_labels(
    evidence: pd.DataFrame,
    endpoint: str,
    model: str,
    api_key_env: str | None = "OPENAI_API_KEY",
    timeout: float = 60.0,
    max_topics: int = 50,
    n_terms: int = 10,
    n_titles: int = 3,
    temperature: float | None = 0.0,
    topic_level: int | None = None,
) -> LlmLabels:
    """Ask a chat-completions endpoint for a label of each topic, bottom-up, one request each.

    Sends each topic's extractive name, top terms, representative titles and
    children (see the module docstring) to ``endpoint``; call it only when the
    user configured one.

    Args:
        evidence: From :func:`landscape.labels.evidence.label_evidence`, one row
            per topic at every level: ``topic``, ``size``, ``terms`` (list of
            ``{term, weight}``), ``representative_titles`` and, optionally,
            ``level``, ``parent``, ``name``, ``name_coverage``; shape (n_topics, >=4).
        endpoint: Base URL of an OpenAI-compatible API, such as
            ``https://api.openai.com/v1`` or ``http://localhost:11434/v1``.
        model: Model name the endpoint knows.
        api_key_env: Environment variable holding the API key, sent as a bearer
            token when set and non-empty; ``None`` never sends one.
        timeout: Seconds to wait for each reply.
        max_topics: At most this many requests; which topics are asked is
            :func:`request_order`'s choice. The others keep their labels.
        n_terms: Terms sent per topic.
        n_titles: Titles sent per topic.
        temperature: Sampling temperature; ``None`` leaves it to the server
            (some reasoning models accept no other value).
        topic_level: The level the reports call topics (see :func:`request_order`).

    Returns:
        The answers in the order asked; ``.labels`` is ``{topic: label}``. The
        outlier topic ``-1`` is never labelled. Two topics of one level given
        the same label get their topic id appended.

    Raises:
        ConfigError: The endpoint is not an http(s) URL, the model is empty, or
            the API key cannot be sent.
        LandscapeError: The endpoint cannot be reached, answers with an HTTP
            error, times out, or replies without a usable label. Messages name
            the endpoint and never contain the API key.
    """
    where = _public(endpoint)
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"LLM endpoint {where!r}: must be an http(s) URL such as http://localhost:11434/v1"
        )
    if not model.strip():
        raise ConfigError(f"LLM endpoint {where}: no model name given")
    key = _api_key(api_key_env)
    url = endpoint.rstrip("/") + "/chat/completions"

    table = _levelled(evidence)
    record_of = {int(r["topic"]): r for r in table.to_dict("records")}
    children: dict[int, list[int]] = {}
    for topic, record in record_of.items():
        if topic != -1 and int(record["parent"]) != -1:
            children.setdefault(int(record["parent"]), []).append(topic)
    shown: dict[int, str] = {}  # labels given so far: a parent's prompt shows its children's
    taken: dict[int, set[str]] = {}  # labels of each level, case-folded
    answers = []
    for topic in request_order(table, max_topics, topic_level):
        record = record_of[topic]
        terms = [str(r["term"]) for r in list(record["terms"])[:n_terms]]
        titles = [str(t) for t in list(record["representative_titles"])[:n_titles]]
        kids = [_child(record_of[c], shown) for c in children.get(topic, [])]
        name = str(record["name"])
        messages = chat_messages(terms, titles, name or None, kids)
        body: dict[str, Any] = {"model": model, "messages": messages}
        if temperature is not None:
            body["temperature"] = temperature
        content = _content(_post(url, body, key, where, timeout))
        if content is None:
            raise LandscapeError(
                f"LLM endpoint {where}: the reply for topic {topic} has no "
                "choices[0].message.content"
            )
        label = parse_label(content)
        if not label:
            raise LandscapeError(f"LLM endpoint {where}: empty label for topic {topic}")
        level = int(record["level"])
        level_labels = taken.setdefault(level, set())
        if label.casefold() in level_labels:
            label = f"{label} ({topic})"
        level_labels.add(label.casefold())
        shown[topic] = label
        answers.append(LlmAnswer(topic, level, name, messages, content, label))
    return LlmLabels(tuple(answers))


def write_llm_labels(
    result: LlmLabels,
    path: str | os.PathLike[str],
    endpoint: str,
    model: str,
    topics: pd.DataFrame,
) -> Path:
    """Store LLM labels (by convention ``runs/NAME/llm_labels.json``) with their audit trail.

    The file holds ``labels`` (``{topic: label}``) and ``audit``: for every topic
    asked, ``order`` (0 for the first request), ``level``, ``name`` (the
    extractive name), ``messages`` (as sent), ``answer`` (the raw reply) and
    ``label``.

    Args:
        result: From :func:`llm_labels`.
        path: Where to write (atomically).
        endpoint: Recorded without credentials, query or fragment.
        model: Recorded, so a report can say where its labels came from.
        topics: The topics of every level; their
            :func:`~landscape.labels.overrides.topics_fingerprint` is recorded, so
            labels of an older fit are never shown on a new one.

    Returns:
        The path written.
    """
    audit = {
        str(a.topic): {
            "order": i,
            "level": a.level,
            "name": a.name,
            "messages": a.messages,
            "answer": a.answer,
            "label": a.label,
        }
        for i, a in enumerate(result.answers)
    }
    return write_json(
        path,
        {
            "format": FILE_FORMAT,
            "endpoint": _public(endpoint),
            "model": model,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "topics": topics_fingerprint(topics),
            "labels": {str(t): lab for t, lab in result.labels.items()},
            "audit": audit,
        },
    )


def read_llm_labels(
    path: str | os.PathLike[str],
    topics: pd.DataFrame | None = None,
    topic_level: int | None = None,
) -> dict[int, str]:
    """Read labels written by :func:`write_llm_labels`, or by versions before levels.

    A file without ``format`` was written before levels: it names topics of the
    topics level only, and its fingerprint is of that level's rows.

    Args:
        path: The JSON file.
        topics: When given, the file must have been written for these topics
            (one row per topic at every level, as in ``topics.parquet``).
        topic_level: The level the reports call topics, to check a file from
            before levels against that level's rows of ``topics``.

    Returns:
        ``{topic: label}``, sorted by topic.

    Raises:
        InputError: The file is missing, not such a file, of a newer format, or
            written for another fit of the topics.
        ConfigError: A label that is not a usable label.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: LLM labels file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON file ({exc})") from None
    labels = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(labels, dict):
        raise InputError(f'{path}: no "labels" object')
    version = data.get("format", 1)
    if not isinstance(version, int) or not 1 <= version <= FILE_FORMAT:
        raise InputError(
            f"{path}: format {version!r}, which this version of landscape does not read; "
            "ask the endpoint again (`landscape labels llm`) or delete the file"
        )
    if topics is not None:
        named, old = topics, ""
        if version == 1:
            old = " (a file from before levels, naming the topics level only)"
            if topic_level is not None and "level" in topics.columns:
                named = topics[topics["level"] == topic_level]
        if data.get("topics") != topics_fingerprint(named):
            raise InputError(
                f"{path}: written for another fit of the topics{old}; ask the endpoint "
                "again (`landscape labels llm`) or delete the file"
            )
    out = {}
    for key, value in labels.items():
        if not re.fullmatch(r"-?\d+", key):
            raise InputError(f"{path}: labels key {key!r} is not a topic id")
        out[int(key)] = clean_label(value, str(path), f"labels {key}")
    return dict(sorted(out.items()))
