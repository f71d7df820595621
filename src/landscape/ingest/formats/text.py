"""Helpers shared by the format parsers: identifiers, dates, markup, authors.

Everything here is total: the functions accept odd input (``None``, numbers,
garbage strings) and return ``None`` or the input unchanged rather than raising,
because parsers must never fail on the content of a file.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

# pylatexenc logs every tolerated syntax slip at WARNING; abstracts are full of
# them and the output is still right, so keep them out of the user's terminal.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)

_DOI_PREFIX_RE = re.compile(r"^(?:https?://)?(?:dx\.|www\.)?doi\.org/|^doi:\s*|^doi\s+", re.I)
_DOI_RE = re.compile(r"^10\.\d{3,9}/\S+$")
_ARXIV_NEW_RE = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")
_ARXIV_OLD_RE = re.compile(r"([a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?")
_ISO_RE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T\s/].*)?$")
_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_UNESCAPED_PERCENT_RE = re.compile(r"(?<!\\)%")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def normalise_doi(value: object) -> str | None:
    """Return a DOI in lower case without URL or ``doi:`` prefix, or ``None``.

    Args:
        value: A DOI as found (``"https://doi.org/10.1/X"``, ``"doi:10.1/x"``);
            when several are given separated by spaces, the first is kept.

    Returns:
        For example ``"10.1/x"``; ``None`` when ``value`` is not a DOI.
    """
    if not isinstance(value, str):
        return None
    text = _DOI_PREFIX_RE.sub("", value.strip()).strip()
    text = text.split()[0].lower() if text.split() else ""
    return text if _DOI_RE.match(text) else None


def strip_arxiv_version(value: str) -> str:
    """Return an arXiv identifier without its version suffix.

    Args:
        value: An id (``"2101.00001v3"``, ``"hep-th/9901001v2"``), possibly as an
            abs/pdf URL or with an ``arXiv:`` prefix.

    Returns:
        ``"2101.00001"``, ``"hep-th/9901001"``; an unrecognised value is returned
        stripped of whitespace.
    """
    text = str(value).strip()
    for rx in (_ARXIV_NEW_RE, _ARXIV_OLD_RE):
        match = rx.search(text)
        if match:
            return match.group(1)
    return text


@lru_cache(maxsize=1)
def _latex_converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text()


def latex_to_text(text: str | None) -> str | None:
    r"""Turn LaTeX accents and markup into plain Unicode (``{\"o}`` -> ``ö``).

    Text without a backslash or brace is returned as is (fast, and it keeps
    ``$5`` prices intact). A raw ``%`` is escaped first so that it is not read
    as the start of a LaTeX comment. When the conversion fails the input is
    returned with its braces removed.

    Args:
        text: A BibTeX/RIS field value.

    Returns:
        The plain text, or ``None`` for ``None``.
    """
    if not text or ("\\" not in text and "{" not in text):
        return text
    try:
        return str(_latex_converter().latex_to_text(_UNESCAPED_PERCENT_RE.sub(r"\\%", text)))
    except Exception:  # any failure inside pylatexenc: fall back, never fail the file
        return text.replace("{", "").replace("}", "")


def to_year(value: object) -> int | None:
    """Return a plausible publication year (1000-2999) from ``value``, or ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float | Decimal):
        value = int(value) if math.isfinite(value) and value == int(value) else None
    if isinstance(value, int):
        return value if 1000 <= value <= 2999 else None
    return parse_date(value)[0]


def parse_date(value: object) -> tuple[int | None, str | None]:
    """Read a date in any common form.

    Args:
        value: ``"2021-01-05T12:00:00Z"``, ``"2021-01"``, ``"2020///"`` (RIS),
            ``"Mon, 2 Apr 2007 19:18:42 GMT"`` (arXiv versions), a year, or a
            ``date``/``datetime``.

    Returns:
        ``(year, iso)`` where ``iso`` is ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``;
        ``(None, None)`` when no date can be read.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.year, value.isoformat()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        year = to_year(value)
        return year, str(year) if year else None
    if not isinstance(value, str) or not value.strip():
        return None, None
    text = value.strip()
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":  # fast path: ISO date or time
        try:
            day = dt.date.fromisoformat(text[:10])
            return day.year, day.isoformat()
        except ValueError:
            pass
    match = _ISO_RE.match(text)
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        if not 1000 <= year <= 2999:
            return None, None
        try:
            if month and day:
                return year, dt.date(year, month, day).isoformat()
            if month and 1 <= month <= 12:
                return year, f"{year:04d}-{month:02d}"
        except ValueError:
            pass
        return year, f"{year:04d}"
    try:
        stamp = email.utils.parsedate_to_datetime(text)
        return stamp.year, stamp.date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    found = _YEAR_RE.search(text)
    return (int(found.group(1)), found.group(1)) if found else (None, None)


def name_first_last(name: str) -> str:
    """Turn ``"Last, First"`` (or ``"Last, Jr., First"``) into ``"First Last"``."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and parts[0] and parts[2]:
        return " ".join(p for p in (parts[2], parts[0], parts[1]) if p)
    return name.strip()


def split_authors(value: object) -> list[str]:
    """Split an author field into names (``"First Last"``).

    Args:
        value: A list of names, or one string separated by ``;``, by ``and``
            (BibTeX style ``"Last, First and Last, First"``) or by commas
            (``"A. Smith, B. Jones and C. Lee"``).

    Returns:
        The names, without empties and ``"others"``/``"et al."``.
    """
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value if v is not None]
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        by_and = re.split(r"\s+and\s+", text)
        if ";" in text:
            parts = text.split(";")
        elif len(by_and) > 1 and all(p.count(",") == 1 for p in by_and):
            parts = by_and
        else:
            parts = re.split(r",\s*|\s+and\s+", text)
            # "Smith, John": one comma around a single word is one inverted name.
            if len(parts) == 2 and any(len(p.split()) == 1 for p in parts):
                parts = [text]
    else:
        return []
    names = [name_first_last(p) for p in parts]
    return [n for n in names if n and n.lower() not in {"others", "et al.", "et al"}]


# Name particles that an upper-case letter follows inside one surname ("LeCun",
# "McDonald", "MacArthur", "DeWitt", "VanDerBilt", "DiCaprio").
_PARTICLES = frozenset({
    "mc", "mac", "le", "la", "de", "di", "du", "da", "del", "della", "des", "van", "von", "der",
    "den", "ten", "ter", "st", "al", "el",
})  # fmt: skip


def split_joined_names(value: object) -> list[str]:
    """Split names joined without a separator (Springer: ``"John SmithJane Doe"``).

    A name ends where a lower-case letter meets an upper-case one, except after
    a particle (``"LeCun"``, ``"McDonald"``), and only when the name before and the
    rest each have at least two words, so a single name is never cut into a
    first name alone. Conservative by design: ``"Mary JoAnn Smith"`` still
    becomes two names, which no rule can tell from two authors.

    Args:
        value: The joined names.

    Returns:
        The names, in order; ``[]`` for an empty or non-text value.
    """
    if not isinstance(value, str) or not value.strip():
        return []
    text = " ".join(value.split())
    names: list[str] = []
    start = 0
    for i in range(1, len(text)):
        if not (text[i - 1].islower() and text[i].isupper()):
            continue
        word = re.split(r"[\s'’-]", text[start:i])[-1]
        name, rest = text[start:i].strip(), text[i:]
        if word.lower() in _PARTICLES or len(name.split()) < 2 or len(rest.split()) < 2:
            continue
        names.append(name)
        start = i
    names.append(text[start:].strip())
    return names


def split_list(value: object, whitespace: bool = False) -> list[str]:
    """Split a keyword/category field on ``;`` or ``,`` (or whitespace), or copy a list."""
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    if not isinstance(value, str):
        return []
    if ";" in value:
        parts = value.split(";")
    elif "," in value:
        parts = value.split(",")
    else:
        parts = value.split() if whitespace else [value]
    return [p.strip() for p in parts if p.strip()]


def compact(meta: dict[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is ``None``, ``""`` or an empty list/dict."""
    return {k: v for k, v in meta.items() if v is not None and v != "" and v != [] and v != {}}


def jsonable(value: Any) -> Any:
    """Convert a value (numpy, pyarrow, datetime, Decimal, NaN) to plain JSON types."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return jsonable(float(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return None  # binary cells carry no text worth auditing
    if hasattr(value, "item"):  # numpy scalar
        return jsonable(value.item())
    return str(value)


def scrub(value: Any) -> tuple[Any, bool]:
    """Replace lone surrogates (undecodable bytes) in nested data with U+FFFD.

    Returns:
        ``(clean, found)``: the cleaned copy and whether anything was replaced.
    """
    if isinstance(value, str):
        return (
            (_SURROGATE_RE.sub("\ufffd", value), True)
            if _SURROGATE_RE.search(value)
            else (
                value,
                False,
            )
        )
    if isinstance(value, dict):
        pairs = [(scrub(k), scrub(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in pairs}, any(a or b for (_, a), (_, b) in pairs)
    if isinstance(value, list):
        items = [scrub(v) for v in value]
        return [v for v, _ in items], any(f for _, f in items)
    return value, False
