"""Settings shared by the source-format parsers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FormatOptions:
    """How to read a source file, for every format.

    The ``*_col`` settings name columns of tabular files (CSV, TSV, Parquet)
    explicitly; they take precedence over the automatic detection of columns by
    name and are ignored by the other formats. Column names match
    case-insensitively.

    Attributes:
        encoding: Text encoding of text formats (ignored for Parquet; XML files
            declare their own encoding, which this overrides when not UTF-8).
        title_col: Column holding the title.
        abstract_col: Column holding the abstract.
        id_col: Column holding an identifier (an arXiv id or a DOI is recognised
            and kept as ``arxiv_id`` or ``doi``).
        year_col: Column holding the publication year.
        doi_col: Column holding the DOI.
        authors_col: Column holding the authors (one string, ``;``/``,``/``and``
            separated, or a list).
        date_col: Column holding the publication date.
        venue_col: Column holding the journal or venue name.
        extra_chrome: Extra regular expressions for site-chrome lines of listing pages.
    """

    encoding: str = "utf-8"
    title_col: str | None = None
    abstract_col: str | None = None
    id_col: str | None = None
    year_col: str | None = None
    doi_col: str | None = None
    authors_col: str | None = None
    date_col: str | None = None
    venue_col: str | None = None
    extra_chrome: tuple[str, ...] = ()
