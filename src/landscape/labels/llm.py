"""Optional topic labels written by a language model behind an OpenAI-compatible API.

Off by default: the project never needs a network, and nothing in it calls
:func:`llm_labels` unless the user has configured an endpoint. Any server that
speaks the chat-completions protocol works (OpenAI, Azure-style gateways, vLLM,
llama.cpp, Ollama's ``/v1``): the request is ``POST {endpoint}/chat/completions``
with a JSON body ``{"model", "messages"}``, sent with the standard library.

**What leaves the machine.** For each labelled topic, its top terms and the
titles of its representative papers (see :func:`chat_messages`) go to the
configured endpoint, plus the API key read from an environment variable when it
is set. Abstracts are never sent. Point the endpoint at a local server to keep
corpus text on the machine.

The labels come back marked ``label_source = "llm"`` once passed to
:func:`landscape.labels.overrides.apply_labels`, where a user's ``labels.toml`` wins over
them. :func:`write_llm_labels` stores them in the run folder so that reports
read them without calling the endpoint again.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from landscape.errors import ConfigError, InputError, LandscapeError
from landscape.io import write_json
from landscape.labels.overrides import clean_label, topics_fingerprint

#: File name of stored LLM labels inside a run folder.
LLM_LABELS_FILE = "llm_labels.json"
#: Longest label kept from a reply, in characters (cut at a word boundary).
MAX_CHARS = 60
#: Largest reply read, in bytes: a label needs a few hundred.
_MAX_REPLY = 1 << 20

SYSTEM_PROMPT = (
    "You name topics of a map of research papers. Given a topic's key terms and the "
    "titles of papers typical of it, reply with one label for the topic: 2 to 6 words, "
    "specific enough to tell it apart from neighbouring topics of the same field. "
    "Reply with the label only: no quotes, no explanation, no final full stop."
)

_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_PREFIX = re.compile(r"^(?:topic\s+)?(?:label|name|title)\s*:\s*", re.IGNORECASE)
_WRAPPERS = "\"'`*_#“”‘’«» "


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


def chat_messages(terms: Sequence[str], titles: Sequence[str]) -> list[dict[str, str]]:
    """The chat messages sent for one topic: everything of the corpus that is sent.

    Args:
        terms: The topic's top terms, most relevant first.
        titles: Titles of its representative papers.

    Returns:
        ``[{"role": "system", ...}, {"role": "user", ...}]``.
    """
    lines = ["Key terms: " + ", ".join(" ".join(str(t).split()) for t in terms), "", "Papers:"]
    lines += [f"- {' '.join(str(t).split())}" for t in titles]
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
) -> dict[int, str]:
    """Ask a chat-completions endpoint for a label of each topic, one request per topic.

    Sends each topic's top terms and representative titles to ``endpoint`` (see
    the module docstring); call it only when the user configured one.

    Args:
        evidence: From :func:`landscape.labels.evidence.label_evidence`: ``topic``,
            ``size``, ``terms`` (list of ``{term, weight}``),
            ``representative_titles``; shape (n_topics, >=4).
        endpoint: Base URL of an OpenAI-compatible API, such as
            ``https://api.openai.com/v1`` or ``http://localhost:11434/v1``.
        model: Model name the endpoint knows.
        api_key_env: Environment variable holding the API key, sent as a bearer
            token when set and non-empty; ``None`` never sends one.
        timeout: Seconds to wait for each reply.
        max_topics: Only the largest this many topics are labelled (a cap on
            requests); the others keep their labels.
        n_terms: Terms sent per topic.
        n_titles: Titles sent per topic.
        temperature: Sampling temperature; ``None`` leaves it to the server
            (some reasoning models accept no other value).

    Returns:
        ``{topic: label}`` sorted by topic; the outlier topic ``-1`` is never
        labelled. Two topics given the same label get their topic id appended.

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

    rows = evidence[evidence["topic"] != -1]
    rows = rows.sort_values(["size", "topic"], ascending=[False, True]).head(max(max_topics, 0))
    out: dict[int, str] = {}
    for record in rows.sort_values("topic").to_dict("records"):
        topic = int(record["topic"])
        terms = [str(r["term"]) for r in list(record["terms"])[:n_terms]]
        titles = [str(t) for t in list(record["representative_titles"])[:n_titles]]
        body: dict[str, Any] = {"model": model, "messages": chat_messages(terms, titles)}
        if temperature is not None:
            body["temperature"] = temperature
        reply = _post(url, body, key, where, timeout)
        content = _content(reply)
        if content is None:
            raise LandscapeError(
                f"LLM endpoint {where}: the reply for topic {topic} has no "
                "choices[0].message.content"
            )
        label = parse_label(content)
        if not label:
            raise LandscapeError(f"LLM endpoint {where}: empty label for topic {topic}")
        if label.casefold() in {v.casefold() for v in out.values()}:
            label = f"{label} ({topic})"
        out[topic] = label
    return out


def write_llm_labels(
    labels: Mapping[int, str],
    path: str | os.PathLike[str],
    endpoint: str,
    model: str,
    topics: pd.DataFrame,
) -> Path:
    """Store LLM labels (by convention ``runs/NAME/llm_labels.json``) with their origin.

    Args:
        labels: ``{topic: label}`` from :func:`llm_labels`.
        path: Where to write (atomically).
        endpoint: Recorded without credentials, query or fragment.
        model: Recorded, so a report can say where its labels came from.
        topics: The topics labelled; their :func:`~landscape.labels.overrides.topics_fingerprint`
            is recorded, so labels of an older fit are never shown on a new one.

    Returns:
        The path written.
    """
    return write_json(
        path,
        {
            "endpoint": _public(endpoint),
            "model": model,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "topics": topics_fingerprint(topics),
            "labels": {str(t): lab for t, lab in sorted(labels.items())},
        },
    )


def read_llm_labels(
    path: str | os.PathLike[str], topics: pd.DataFrame | None = None
) -> dict[int, str]:
    """Read labels written by :func:`write_llm_labels`.

    Args:
        path: The JSON file.
        topics: When given, the file must have been written for these topics.

    Returns:
        ``{topic: label}``, sorted by topic.

    Raises:
        InputError: The file is missing, not such a file, or written for another
            fit of the topics.
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
    if topics is not None and data.get("topics") != topics_fingerprint(topics):
        raise InputError(
            f"{path}: written for another fit of the topics; ask the endpoint again "
            "or delete the file"
        )
    out = {}
    for key, value in labels.items():
        if not re.fullmatch(r"-?\d+", key):
            raise InputError(f"{path}: labels key {key!r} is not a topic id")
        out[int(key)] = clean_label(value, str(path), f"labels {key}")
    return dict(sorted(out.items()))
