"""Text cleaning, title keys and stable document ids.

Cleaning is deliberately conservative: it repairs encoding damage and layout
noise, and removes markup from titles and abstracts (:func:`clean_prose`), but
never rewrites wording, so the cleaned text can be checked against the original
(kept in the ledger for audit).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import ftfy

from landscape.ingest.markup import strip_markup

# C0/C1 control characters except tab/newline, which become spaces anyway.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE_RE = re.compile(r"\s+")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
# Zero-width and BOM characters that survive NFC and break equality of titles.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Rounds of markup removal and repair; one or two suffice for anything real.
_PROSE_ROUNDS = 8


def clean_text(text: str | None) -> str:
    """Return ``text`` repaired and normalised, or ``""`` for missing text.

    Steps: mojibake repair (ftfy, which also decodes stray HTML entities only
    when the text is clearly HTML-escaped), Unicode NFC, removal of control and
    zero-width characters, whitespace collapsed to single spaces, trimmed.

    Args:
        text: Raw text as read from a source file.

    Returns:
        The cleaned text.
    """
    if not text:
        return ""
    text = _layout(text)
    if text.isascii() and "&" not in text:
        # Nothing for ftfy to repair in plain ASCII without entities; skipping it
        # makes 100k-abstract corpora an order of magnitude faster to clean.
        return text
    # ftfy can expose new mojibake once whitespace is normalised ("Â\r0"), so
    # repeat until nothing changes; clean text costs a single ftfy pass.
    for _ in range(3):
        fixed = _layout(ftfy.fix_text(text, normalization="NFC"))
        if fixed == text:
            break
        text = fixed
    return text


def clean_prose(text: str | None) -> str:
    """Return a title or an abstract cleaned: markup removed, then :func:`clean_text`.

    Every format's titles and abstracts pass through here when records are
    staged, so parsers hand over their text as written (the ledger keeps it) and
    a new parser is cleaned like the others. Markup is removed by
    :func:`landscape.ingest.markup.strip_markup`, which leaves any ``<`` that is
    not recognisably a tag ("p<0.05", "a<b>c"); both steps repeat until the text
    is stable (repairing may expose markup, as a full-width "＜i＞" does).

    Args:
        text: A raw title or abstract.

    Returns:
        The cleaned text; text without ``<`` and ``&`` is as :func:`clean_text`
        leaves it.
    """
    text = clean_text(text)
    for _ in range(_PROSE_ROUNDS):
        if "<" not in text and "&" not in text:
            break
        stripped = strip_markup(text)
        if stripped == text:  # "p<0.05": nothing to remove, nothing to repair again
            break
        text = clean_text(stripped)
    return text


def _layout(text: str) -> str:
    if text.isascii():  # no invisible characters to remove; split() collapses spaces
        return " ".join(_CONTROL_RE.sub(" ", text).split())
    text = _INVISIBLE_RE.sub("", text)
    text = _CONTROL_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def title_key(title: str) -> str:
    """Return the comparison key of a title: case, whitespace and punctuation removed.

    Two titles are the same paper title when their keys are equal. NFKD with
    combining marks removed makes "Schrödinger" and "Schrodinger" agree;
    punctuation and symbols (categories P* and S*) are dropped, so "i-RevNet"
    and "i RevNet" agree too.

    Args:
        title: A (cleaned or raw) title.

    Returns:
        Lower-case words separated by single spaces.
    """
    if title.isascii():
        # Same result as the general path below, without a Python loop per character.
        return " ".join(_NON_ALNUM_RE.sub(" ", title.lower()).split())
    # Casefold between two NFKD passes: compatibility forms ("𝓐") fold only once
    # decomposed, and folding can create new decomposable characters.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", title).casefold())
    kept = []
    for ch in decomposed:
        cat = unicodedata.category(ch)
        if cat.startswith("M"):
            continue
        kept.append(" " if cat[0] in "PSZC" else ch)
    return _SPACE_RE.sub(" ", "".join(kept)).strip()


def make_doc_id(kind: str, key: str) -> str:
    """Return a stable 16-hex-digit document id for an identifying key.

    The id depends only on the key (a normalised title now; a DOI or arXiv id
    when a source has one), so re-runs and other sources agree on it.

    Args:
        kind: What the key is, e.g. ``"title"``; part of the hash so that
            different kinds of key never collide.
        key: The normalised key.

    Returns:
        A string such as ``"3f9a0c1d2b4e5f60"``.
    """
    return hashlib.sha256(f"{kind}\x00{key}".encode()).hexdigest()[:16]


def word_count(text: str) -> int:
    """Return the number of whitespace-separated words in ``text``."""
    return len(text.split())
