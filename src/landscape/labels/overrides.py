"""User topic labels: renames read from a TOML file, applied over the automatic ones.

A TOML file renames topics of any level by their run-wide ids (unique across
levels, as in ``topics.parquet``). A run's labels live in
``runs/NAME/labels.toml`` (:data:`LABELS_FILE`; :func:`load_run_labels` reads it
when present), or in a file given explicitly::

    [labels]
    3 = "Graph neural networks"
    "7" = "Diffusion models"

:func:`write_label_template` writes a commented file listing every topic, its
automatic label and top terms, to edit. User labels win over LLM labels
(:mod:`landscape.labels.llm`), which win over the automatic ones; the table
returned by :func:`apply_labels` records which one each topic shows in
``label_source`` and keeps the automatic label in ``auto_label``.

The evidence behind each label and how well it fits its papers are in
:mod:`landscape.labels.evidence`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from landscape.errors import ConfigError, LandscapeError
from landscape.io import write_text
from landscape.labels.evidence import term_records

#: File name of the user labels inside a run folder.
LABELS_FILE = "labels.toml"
#: Longest label accepted from a user file or an LLM, in characters.
MAX_LABEL_CHARS = 100

_TOPIC_KEY = re.compile(r"-?\d+")


# --------------------------------------------------------------------------- user labels


def topics_fingerprint(topics: pd.DataFrame) -> str:
    """A short hash of a fit's topics: ids, sizes and automatic labels.

    Args:
        topics: ``topic``, ``size``, ``label`` (``auto_label`` when present).

    Returns:
        16 hex digits; the same fit (same data, settings and seed) gives the same.
    """
    auto = topics["auto_label"] if "auto_label" in topics.columns else topics["label"]
    ids, sizes = map(int, topics["topic"]), map(int, topics["size"])
    rows = sorted(zip(ids, sizes, map(str, auto), strict=True))
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def _id_list(ids: Iterable[int]) -> str:
    """Topic ids for messages: ``-1 to 20`` (ids of a run are consecutive)."""
    ids = sorted(set(ids))
    return f"{ids[0]} to {ids[-1]}" if ids else "none"


def clean_label(text: str, source: str, key: str) -> str:
    """Check one label and return it with whitespace tidied.

    Args:
        text: The label.
        source: Where it comes from, for messages (a file path).
        key: Which entry, for messages (``"[labels] 3"``).

    Raises:
        ConfigError: The label is not a string, is empty, spans lines, or is
            longer than :data:`MAX_LABEL_CHARS`.
    """
    if not isinstance(text, str):
        raise ConfigError(f"{source}: {key} must be a string label, got {text!r}")
    if "\n" in text.strip() or "\r" in text.strip():
        raise ConfigError(f"{source}: {key} must be one line, got {text!r}")
    label = " ".join(text.split())
    if not label:
        raise ConfigError(f"{source}: {key} is empty; delete the line to keep the automatic label")
    if len(label) > MAX_LABEL_CHARS:
        raise ConfigError(
            f"{source}: {key} is {len(label)} characters long; "
            f"labels must be at most {MAX_LABEL_CHARS}"
        )
    return label


def load_label_overrides(
    path: str | os.PathLike[str], topics: pd.DataFrame | None = None
) -> dict[int, str]:
    """Read user labels from a TOML file with one ``[labels]`` table.

    Keys are topic ids (TOML keys are strings: ``3`` and ``"3"`` are the same
    key); values are one-line labels. An optional ``[fit]`` table holds
    ``topics = "..."``, the :func:`topics_fingerprint` of the fit the labels were
    written for (templates carry it): a refit that changed the topics would
    otherwise silently put the old names on new themes.

    Args:
        path: The TOML file.
        topics: When given, every id must be one of its ``topic`` values and
            the ``[fit]`` fingerprint, when present, must be its own.

    Returns:
        ``{topic: label}``, sorted by topic.

    Raises:
        ConfigError: The file is missing or not TOML; a section other than
            ``[labels]`` and ``[fit]``; a fingerprint of another fit; a key that
            is not an integer or names an unknown topic; two keys for one topic;
            a value that is not a usable label; or two topics with the same
            label. The message names the file and the key.
    """
    source = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: labels file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: not a valid TOML file ({exc})") from None
    extra = sorted(set(data) - {"labels", "fit"})
    if extra:
        raise ConfigError(
            f"{source}: unknown key or section {extra[0]!r}; labels go in a [labels] table"
        )
    fit = data.get("fit", {})
    if (
        not isinstance(fit, dict)
        or set(fit) - {"topics"}
        or not isinstance(fit.get("topics", ""), str)
    ):
        raise ConfigError(f'{source}: [fit] must hold only topics = "FINGERPRINT"')
    if topics is not None and fit.get("topics", "") not in ("", topics_fingerprint(topics)):
        raise ConfigError(
            f"{source}: written for another fit ([fit] topics = {fit['topics']!r}, this run "
            f"has {topics_fingerprint(topics)!r}); topic ids may now name other themes. "
            "Check each label against the topic's evidence, then delete the [fit] table"
        )
    table = data.get("labels", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [labels] must be a table")
    known = None if topics is None else {int(t) for t in topics["topic"]}

    out: dict[int, str] = {}
    key_of: dict[int, str] = {}
    for key, value in table.items():
        if not _TOPIC_KEY.fullmatch(key):
            raise ConfigError(
                f"{source}: [labels] key {key!r} is not a topic id (an integer such as 3)"
            )
        topic = int(key)
        if topic in key_of:
            raise ConfigError(
                f"{source}: [labels] keys {key_of[topic]!r} and {key!r} both name topic {topic}"
            )
        if known is not None and topic not in known:
            raise ConfigError(
                f"{source}: [labels] {key}: this run has no topic {topic} "
                f"(topics: {_id_list(known)})"
            )
        key_of[topic] = key
        out[topic] = clean_label(value, source, f"[labels] {key}")

    first_of: dict[str, int] = {}
    for topic, label in sorted(out.items()):
        other = first_of.setdefault(label.casefold(), topic)
        if other != topic:
            raise ConfigError(
                f"{source}: [labels] {key_of[other]} and {key_of[topic]} have the same "
                f"label {label!r}; labels must tell topics apart"
            )
    return dict(sorted(out.items()))


def labels_path(
    run_dir: str | os.PathLike[str], path: str | os.PathLike[str] | None = None
) -> Path:
    """Where the user labels of a run are: ``path`` if given, else ``run_dir/labels.toml``."""
    return Path(path) if path is not None else Path(run_dir) / LABELS_FILE


def load_run_labels(
    run_dir: str | os.PathLike[str],
    topics: pd.DataFrame,
    path: str | os.PathLike[str] | None = None,
) -> dict[int, str]:
    """The user labels of a run, checked against its topics.

    Args:
        run_dir: The run folder.
        topics: The run's topics table.
        path: An explicit labels file; it must exist. Without it,
            ``run_dir/labels.toml`` is read when present.

    Returns:
        ``{topic: label}``; empty when there is no default file.

    Raises:
        ConfigError: See :func:`load_label_overrides`.
    """
    file = labels_path(run_dir, path)
    if path is None and not file.exists():
        return {}
    return load_label_overrides(file, topics)


def apply_labels(
    topics: pd.DataFrame,
    documents: pd.DataFrame,
    overrides: Mapping[int, str],
    llm: Mapping[int, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tables with user (and LLM) labels in place of the automatic ones.

    Precedence: user over LLM over automatic. Applying again to returned tables
    starts from their ``auto_label``, so the result depends only on the arguments.

    Args:
        topics: One row per topic with ``topic``, ``label``; shape (n_topics, k).
        documents: ``topic`` and ``topic_label``; shape (n_docs, m).
        overrides: ``{topic: label}`` from the user (:func:`load_label_overrides`).
        llm: ``{topic: label}`` suggested by a language model, or ``None``.

    Returns:
        ``(topics, documents)``, new tables: ``label`` and ``topic_label`` replaced;
        ``topics`` gains ``auto_label`` and ``label_source`` (``"auto"``,
        ``"llm"`` or ``"user"``); shapes (n_topics, k + 2) and (n_docs, m) unless
        those columns were already there. Inputs are not changed.

    Raises:
        ConfigError: A label for a topic the table does not have.
    """
    known = {int(t) for t in topics["topic"]}
    for name, labels in (("user label", overrides), ("LLM label", llm or {})):
        unknown = sorted(set(map(int, labels)) - known)
        if unknown:
            raise ConfigError(
                f"{name} for topic {unknown[0]}, which this run does not have "
                f"(topics: {_id_list(known)})"
            )
    auto = topics["auto_label"] if "auto_label" in topics.columns else topics["label"]
    auto = auto.astype(str).tolist()
    chosen = {int(t): (lab, "auto") for t, lab in zip(topics["topic"], auto, strict=True)}
    chosen |= {int(t): (str(lab), "llm") for t, lab in (llm or {}).items()}
    chosen |= {int(t): (str(lab), "user") for t, lab in overrides.items()}

    new_topics = topics.copy()
    new_topics["auto_label"] = auto
    new_topics["label"] = [chosen[int(t)][0] for t in topics["topic"]]
    new_topics["label_source"] = [chosen[int(t)][1] for t in topics["topic"]]
    new_documents = documents.copy()
    # Documents of a topic missing from the table (should not happen) keep their label.
    old = documents["topic_label"].astype(str).tolist()
    new_documents["topic_label"] = [
        chosen[int(t)][0] if int(t) in chosen else lab
        for t, lab in zip(documents["topic"], old, strict=True)
    ]
    return new_topics, new_documents


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX included).
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def write_label_template(
    topics: pd.DataFrame,
    path: str | os.PathLike[str],
    n_terms: int = 8,
    overwrite: bool = False,
) -> Path:
    """Write a commented ``labels.toml`` listing every topic, to edit by hand.

    Each topic, level by level from the broadest when the table has levels,
    gets a comment with its level and parent, size and top terms (weights in
    brackets) and a commented ``id = "auto label"`` line; topics whose
    ``label_source`` is ``"user"`` are written as active lines with their
    current label, so a template written from labelled tables keeps the user's
    work. Reading the file back gives exactly those active labels.

    Args:
        topics: One row per topic: ``topic``, ``label``, ``size``, ``terms``
            (optionally ``auto_label``, ``label_source``, ``level``, ``parent``).
        path: Where to write (atomically); by convention ``runs/NAME/labels.toml``.
        n_terms: Terms listed per topic.
        overwrite: Replace an existing file (off, so that edits are never lost).

    Returns:
        The path written.

    Raises:
        LandscapeError: The file exists and ``overwrite`` is off.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise LandscapeError(
            f"{path}: already exists; edit it, or delete it to write a new template"
        )
    lines = [
        "# Topic labels. Reports and maps show these instead of the automatic labels.",
        '# To rename a topic, remove the "#" in front of its `id = "..."` line and edit',
        "# the text between the quotes (one line, at most "
        f"{MAX_LABEL_CHARS} characters, no two topics alike).",
        "# Lines left commented keep the automatic label.",
        "",
        "[fit]",
        "# The topics these labels were written for. After a refit that changes them,",
        "# reading this file fails until you have checked the labels and deleted [fit].",
        f"topics = {_toml_string(topics_fingerprint(topics))}",
        "",
        "[labels]",
    ]
    order = ["level", "topic"] if "level" in topics.columns else ["topic"]
    for record in topics.sort_values(order).to_dict("records"):
        topic = int(record["topic"])
        auto = str(record.get("auto_label", record["label"]))
        terms = ", ".join(
            f"{_comment(r['term'])} ({r['weight']:.2f})"
            for r in term_records(record.get("terms"))[:n_terms]
        )
        where = ""
        if "level" in record:
            parent = int(record.get("parent", -1))
            where = f" · level {int(record['level'])}" + (f" (in {parent})" if parent >= 0 else "")
        lines += ["", f"# Topic {topic}{where} · {int(record['size'])} papers"]
        if terms:
            lines.append(f"# terms: {terms}")
        if record.get("label_source") == "user":
            lines += [
                f"# automatic label: {_comment(auto)}",
                f"{topic} = {_toml_string(str(record['label']))}",
            ]
        else:
            lines.append(f"# {topic} = {_toml_string(auto)}")
    return write_text(path, "\n".join(lines) + "\n")
