"""Readable names for source files: what hovers, legends and tables call each input.

A scraped listing page is saved as ``001_3f636bcf444e6938.txt``; a reader should
see ``page 001 (Mar 11)``: its number and the page's listing date. Each input
file gets one name when it is ingested:

1. the name the user gave it (``[ingest] source_names`` in the config, keyed by
   file name or by path as ingested);
2. else the file name without its extensions and without hash-like parts (runs
   of 8 or more hexadecimal digits), ``page NNN`` / ``file NNN`` when only a
   number is left, followed by the listing date of a listing page that carries
   one: ``page 001 (Mar 11)``.

Two files never share a name: a clash keeps the first and adds the file name to
the others. ``ingest_report.json`` records the names (``source_names``), and
:func:`landscape.runs.load_run` gives every paper a ``source_names`` list beside
its ``source_files``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePath

_HASH = re.compile(r"^[0-9a-fA-F]{8,}$")
_SEPARATORS = re.compile(r"[_\-.\s]+")


def _stem(path: str) -> str:
    name = PurePath(str(path).replace("\\", "/")).name
    return name.split(".", 1)[0] if not name.startswith(".") else name


def default_name(path: str, listing_date: str | None = None, fmt: str = "") -> str:
    """The readable name of one source file, without user overrides.

    Args:
        path: The file's path as ingested.
        listing_date: The listing date found in the file, if any.
        fmt: The format the file was read as (``"listing"`` names a bare
            number ``page N``, any other ``file N``).

    Returns:
        A short one-line name, never empty.
    """
    stem = _stem(path)
    parts = [p for p in _SEPARATORS.split(stem) if p and not _HASH.match(p)]
    name = " ".join(parts) if parts else stem or str(path)
    if name.isdigit():
        name = f"{'page' if fmt == 'listing' else 'file'} {name}"
    date = " ".join((listing_date or "").split())
    return f"{name} ({date})" if date else name


def source_names(
    files: Iterable[tuple[str, str | None, str]],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """One distinct readable name per source file.

    Args:
        files: ``(path, listing_date, format)`` per file, in read order.
        overrides: User names, keyed by file name or by path as ingested.

    Returns:
        ``{path: name}`` for every file, names distinct.
    """
    overrides = dict(overrides or {})
    names: dict[str, str] = {}
    taken: set[str] = set()
    for path, listing_date, fmt in files:
        given = overrides.get(path) or overrides.get(PurePath(path).name)
        name = " ".join(str(given).split()) if given else default_name(path, listing_date, fmt)
        if name in taken:
            name = f"{name} ({PurePath(path).name})"
        taken.add(name)
        names[path] = name
    return names
