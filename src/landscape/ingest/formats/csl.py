"""Fields of the Citation Style Language (CSL) data model: dates, names, text values.

Crossref works and CSL-JSON items share this model: a date is
``{"date-parts": [[2020, 5, 1]]}``, a person ``{"given": "Ana", "family":
"Smith"}``. Crossref writes text fields as lists (``"title": ["..."]``) and an
unknown date as ``[[null]]``; reference managers (Zotero, Mendeley) write numbers
as strings (``[["2020", "5"]]``), dates as ``{"raw": "2020-05"}`` or
``{"literal": "Spring 2020"}``, and institutions as ``{"literal": "WHO"}``. The
helpers accept all of these and return ``None`` or ``[]`` for anything else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from landscape.ingest.formats.text import parse_date, to_year


def first_text(value: Any) -> str | None:
    """A text field: the string, or the first non-blank string of a list (Crossref)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value if isinstance(value, str) and value.strip() else None


def _number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def csl_date(value: Any) -> tuple[int | None, str | None]:
    """Read a CSL date.

    Args:
        value: ``{"date-parts": [[year, month, day]]}`` (month and day optional,
            numbers or digit strings; a second list is the end of a range and is
            ignored), ``{"raw": ...}``, ``{"literal": ...}``, or a plain string.

    Returns:
        ``(year, iso)`` where ``iso`` is ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``;
        ``(None, None)`` when there is no date (``[[null]]`` included).
    """
    if isinstance(value, str):
        return parse_date(value)
    if not isinstance(value, dict):
        return None, None
    parts = value.get("date-parts")
    first = parts[0] if isinstance(parts, list) and parts else None
    numbers = [_number(p) for p in first[:3]] if isinstance(first, list) else []
    year = to_year(numbers[0]) if numbers else None
    if year is not None:
        month, day = [*numbers[1:], None, None][:2]
        try:
            if month and day:
                return year, dt.date(year, month, day).isoformat()
            if month:
                return year, dt.date(year, month, 1).isoformat()[:7]
        except ValueError:  # a month or day out of range: the year stands
            pass
        return year, f"{year:04d}"
    for key in ("raw", "literal"):
        year, iso = parse_date(value.get(key))
        if year is not None:
            return year, iso
    return None, None


def csl_names(value: Any) -> list[str]:
    """People as ``"Given particle Family"`` (``"Ludwig van Beethoven"``), or a literal name.

    Args:
        value: A list of CSL names (``given``, ``family``, ``dropping-particle``,
            ``non-dropping-particle``, ``suffix``; or ``literal``, or Crossref's
            ``name`` for an organisation).

    Returns:
        The names in order, without empty ones.
    """
    names = []
    for person in value if isinstance(value, list) else []:
        if not isinstance(person, dict):
            continue
        literal = first_text(person.get("literal")) or first_text(person.get("name"))
        keys = ("given", "dropping-particle", "non-dropping-particle", "family", "suffix")
        parts = [first_text(person.get(key)) for key in keys]
        name = " ".join(p.strip() for p in parts if p) if parts[3] else literal
        if name:
            names.append(name)
    return names
