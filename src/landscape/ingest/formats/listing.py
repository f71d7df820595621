"""Parser for scraped paper-listing pages (the default corpus).

A listing page is plain text copied from a daily-papers site: a paper title on one
line, its abstract on the next, repeated, among lines of site chrome ("Subscribe",
"Daily Papers", "by AK and the research community", a listing date such as
"Mar 11"). Lines may or may not be separated by blank lines.

The parser does not rely on where chrome sits in a particular scrape. It
(1) recognises chrome lines by pattern anywhere in the file, (2) reads a listing
date wherever it appears and attaches it to the records that follow it (and to
those before it, when it is the file's only date), and (3) pairs the remaining
lines by their shape: a title is short and not prose, an abstract is prose. A line
it cannot place (an abstract with no title before it, a title with nothing after
it) becomes a record with a ``problem`` so the ledger reports it; it is never
silently merged into a neighbour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.decoding import decode_lines, utf8_head

#: Lines that are site chrome, matched case-insensitively against the whole
#: stripped line. Extend with ``chrome_patterns`` for another site.
DEFAULT_CHROME_PATTERNS: tuple[str, ...] = (
    r"new",
    r"subscribe",
    r"get trending papers in your email inbox.*",
    r".*\bonce a day!?",
    r"daily papers",
    r"trending papers",
    r"by ?ak and the research community",
    r"submit (a )?paper",
    r"upvote",
)

#: Chrome words that scrapes glue to the next line ("SubscribeExploring ...").
#: Only phrases long enough not to be the start of a real title are stripped.
DEFAULT_GLUED_PREFIXES: tuple[str, ...] = ("Subscribe", "Daily Papers", "Trending Papers")

_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_RE = re.compile(
    rf"^(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}\s+{_MONTH}(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2})$",
    re.IGNORECASE,
)
# A line with no letters at all (upvote counts, separators) is layout, not text.
_NO_LETTERS_RE = re.compile(r"^[\W\d_]*$")
_BINARY_SHARE = 0.05


@dataclass(frozen=True)
class ListingOptions:
    """Settings of the listing parser.

    Attributes:
        chrome_patterns: Regular expressions for whole chrome lines.
        glued_prefixes: Chrome words stripped when glued to the start of a line.
        max_title_chars: Longest line that can still be a title.
        min_abstract_words: A line with at least this many words is prose.
        encoding: Text encoding of the files.
        min_placed_share: Least share of a file's text lines (chrome aside) that
            must form title/abstract pairs; a file below it is not a listing page
            and is refused rather than turned into records.
    """

    chrome_patterns: tuple[str, ...] = DEFAULT_CHROME_PATTERNS
    glued_prefixes: tuple[str, ...] = DEFAULT_GLUED_PREFIXES
    max_title_chars: int = 300
    min_abstract_words: int = 30
    encoding: str = "utf-8"
    min_placed_share: float = 0.5


# Field-tag lines of database exports: Web of Science ("TI Title", "ER"), MEDLINE
# ("TI  - Title", "PMID- 1"), RIS ("TY  - JOUR").
_TAGGED_RE = re.compile(r"^(?:[A-Z][A-Z0-9](?: .*)?|[A-Z][A-Z0-9 ]{3}-(?: .*)?)$")


@dataclass
class _Line:
    no: int
    text: str
    bad_bytes: str | None = None  # description of undecodable bytes, if any


def _check_text_file(data: bytes, source: str) -> None:
    if not data.strip():
        raise InputError(f"{source}: file is empty; nothing to read")
    head = utf8_head(data[:8192])  # a UTF-16 file is text, whatever its NUL bytes
    # NUL bytes at the very start (magic numbers) or many bytes outside printable
    # text in the head mean a binary format; a few (damage) only spoil their lines.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head[:8] or controls > _BINARY_SHARE * len(head):
        what = "NUL bytes" if b"\x00" in head else "control bytes"
        raise InputError(f"{source}: looks like a binary file ({what}), not a listing page")


def _is_prose(text: str, opts: ListingOptions) -> bool:
    """Whether a line reads as an abstract rather than a title."""
    if len(text) > opts.max_title_chars:
        return True
    if len(text.split()) >= opts.min_abstract_words:
        return True
    # Two or more sentences ("... end. Next ...") is prose, not a title.
    return bool(re.search(r"[.!?]\s+[A-Z(]", text) and text.rstrip().endswith("."))


def _ends_like_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", '."', ".)"))


def parse_listing(
    data: bytes, source: str, options: ListingOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse one listing page into raw records.

    Args:
        data: The file's bytes.
        source: The file's path, used in records and messages.
        options: Parser settings; defaults suit the daily-papers site.

    Returns:
        ``(records, report)``: one :class:`RawRecord` per title (or per line that
        could not be placed), in file order, and a :class:`FileReport` listing the
        chrome lines skipped and any warnings.

    Raises:
        InputError: The file is empty or binary, or it is not a listing page: most
            of its lines are field tags of a database export, or under
            ``min_placed_share`` of its text lines form title/abstract pairs.
    """
    opts = options or ListingOptions()
    _check_text_file(data, source)
    chrome = [re.compile(rf"^(?:{p})$", re.IGNORECASE) for p in opts.chrome_patterns]
    report = FileReport(source=source, format="listing")

    # Pass 1: drop chrome and blank lines, note dates, un-glue chrome prefixes.
    content: list[_Line] = []
    dates: list[tuple[int, str]] = []  # (index into content where the date starts applying, date)
    notes: dict[int, list[str]] = {}
    for no, decoded, problem in decode_lines(data, source, opts.encoding):
        line = _Line(no, decoded, problem)
        text = line.text.strip()
        if not text:
            continue
        if _DATE_RE.match(text):
            dates.append((len(content), text))
            report.skipped.append((line.no, text, "listing date"))
            continue
        if any(rx.match(text) for rx in chrome):
            report.skipped.append((line.no, text, "site chrome"))
            continue
        if _NO_LETTERS_RE.match(text):
            report.skipped.append((line.no, text, "no letters (layout)"))
            continue
        for prefix in opts.glued_prefixes:
            rest = text[len(prefix) :]
            if text.startswith(prefix) and (rest[:1].isupper() or rest[:1].isdigit()):
                notes.setdefault(line.no, []).append(
                    f"stripped chrome {prefix!r} glued to line {line.no}"
                )
                report.skipped.append((line.no, prefix, "site chrome glued to the next text"))
                text = rest
                break
        content.append(_Line(line.no, text, line.bad_bytes))

    def date_for(index: int) -> str | None:
        current = dates[0][1] if dates else None
        for start, value in dates:
            if start <= index:
                current = value
        return current

    if len({d for _, d in dates}) > 1:
        report.warnings.append(
            f"{source}: several listing dates ({', '.join(d for _, d in dates)}); "
            "each record takes the date above it"
        )

    # Pass 2: pair titles with abstracts by shape.
    records: list[RawRecord] = []
    i = 0
    n = len(content)
    while i < n:
        cur = content[i]
        meta = {"listing_date": date_for(i)}
        if _is_prose(cur.text, opts):
            records.append(
                RawRecord(
                    source,
                    cur.no,
                    None,
                    cur.text,
                    meta,
                    problem=cur.bad_bytes
                    or f"unplaced line {cur.no}: abstract-like text with no title before it",
                    problem_code="invalid-encoding" if cur.bad_bytes else "unplaced-line",
                )
            )
            i += 1
            continue
        nxt = content[i + 1] if i + 1 < n else None
        after = content[i + 2] if i + 2 < n else None
        takes_next = nxt is not None and (
            _is_prose(nxt.text, opts)
            # A short line that ends like a sentence is a (too short) abstract when
            # the line after it is not prose; otherwise it is the next title.
            or (
                _ends_like_sentence(nxt.text) and (after is None or not _is_prose(after.text, opts))
            )
        )
        if takes_next:
            assert nxt is not None
            problem = cur.bad_bytes or nxt.bad_bytes
            code = "invalid-encoding" if problem else None
            records.append(
                RawRecord(
                    source, cur.no, cur.text, nxt.text, meta, problem, code, notes.get(cur.no, [])
                )
            )
            i += 2
        else:
            why = (
                f"file ends on a title (line {cur.no}) with no abstract after it"
                if nxt is None
                else f"title-like line {cur.no} has no abstract after it "
                f"(line {nxt.no} is another title)"
            )
            code = "invalid-encoding" if cur.bad_bytes else "no-abstract"
            records.append(
                RawRecord(
                    source,
                    cur.no,
                    cur.text,
                    None,
                    meta,
                    cur.bad_bytes or why,
                    code,
                    notes.get(cur.no, []),
                )
            )
            i += 1
    _check_placed(records, content, source, opts)
    return records, report


def _check_placed(
    records: list[RawRecord], content: list[_Line], source: str, opts: ListingOptions
) -> None:
    """Refuse a file that is not a listing page instead of returning its lines as records.

    A tagged export (Web of Science, MEDLINE, RIS) that reached this parser, or any
    text that is not title/abstract pairs, would give records whose "titles" are
    tag lines or random text: garbage is worse than an error.
    """
    if not content:
        return
    tagged = sum(1 for line in content if _TAGGED_RE.match(line.text))
    if 2 * tagged > len(content):
        raise InputError(
            f"{source}: not a listing page: {tagged} of its {len(content)} text lines are "
            "field tags of a database export (Web of Science, MEDLINE or RIS) that could not "
            "be read as one; export the records again, or check the file is complete"
        )
    placed = 2 * sum(1 for r in records if r.title is not None and r.abstract is not None)
    if placed < opts.min_placed_share * len(content):
        raise InputError(
            f"{source}: not a listing page: only {placed} of its {len(content)} text lines "
            f"form title/abstract pairs (under {opts.min_placed_share:.0%}); refused rather "
            "than read as records. A listing page has a title line, then its abstract line"
        )
