"""Parser for tables of papers: CSV, TSV and Parquet.

Schema columns are found by name, case-insensitively and ignoring ``_``/``-``/
spaces, from common synonyms (``title``/``paper_title``/``Document Title``,
``abstract``/``summary``/``AB``, ...); a ``*_col`` setting of
:class:`~landscape.ingest.formats.options.FormatOptions` names one explicitly. A table
without a title column cannot be used and is an :class:`InputError`.

Every other column is kept in ``meta["labels"]`` (for example ``group``,
``primary_category``, ``archive``, but also any other leftover column such as
``updated_date``): keeping all of them is simpler and loses nothing, and the
topic-scoring step decides which ones are label-like (low cardinality).

CSV is read with the stdlib ``csv`` module as a stream, line by line (a file of any
size is read with memory bounded by its longest row), every cell as a string (so ids
such as ``0704.0001`` keep their zeros), with line numbers: a broken quote becomes a
record with ``problem`` set and reading goes on. A row with the wrong number of
fields keeps the columns before the first column whose count varies between rows
(Scopus's funding columns), with a note, when its title and abstract lie there;
otherwise it is a record with ``problem`` set. A first line that is not a header is
skipped (with a note in the report) when the next line is one (the Dimensions
preamble). Titles and abstracts are passed on as found, HTML/JATS markup included
(it is removed when records are staged, and the cells as found stay in
``meta["original"]``). Scopus's ``[No abstract available]`` is no abstract.
Springer joins its authors without a separator ("Ann SmithBob Jones"): they are
split where a lower-case letter meets an upper-case one
(:func:`~landscape.ingest.formats.text.split_joined_names`). A field may be as
large as 2 GB (the ``csv`` module's default limit, 128 KiB, would split a long
abstract). Parquet is read with pyarrow one batch of rows at a time, column by
column (no per-row pandas access); a batch that cannot be read after others were
ends the file with one dropped record for the rest.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from landscape.errors import InputError
from landscape.ingest.formats.base import FileReport, RawRecord, parse_whole
from landscape.ingest.formats.decoding import Chain, open_text, read_exactly
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.text import (
    jsonable,
    normalise_doi,
    parse_date,
    scrub,
    split_authors,
    split_joined_names,
    split_list,
    strip_arxiv_version,
    to_year,
)

NAME = "tabular"
_SYNONYMS: dict[str, tuple[str, ...]] = {
    # "item title": Springer; "document title": IEEE Xplore.
    "title": (
        "title",
        "paper title",
        "ti",
        "document title",
        "article title",
        "primary title",
        "item title",
    ),
    "abstract": ("abstract", "summary", "ab", "description", "abstract text", "abstract note"),
    # "eid": Scopus; "lens id": Lens.org.
    "id": (
        "id",
        "paper id",
        "arxiv id",
        "arxivid",
        "doc id",
        "uid",
        "eid",
        "openalex id",
        "lens id",
    ),
    # "pubyear": Dimensions.
    "year": ("year", "publication year", "pub year", "pubyear", "py"),
    "date": (
        "date",
        "publication date",
        "published",
        "pub date",
        "publicationdate",
        "date published",
    ),
    # "item doi": Springer.
    "doi": ("doi", "di", "item doi"),
    "authors": ("authors", "author", "author names", "author full names", "au", "author/s"),
    # "publication title": IEEE Xplore and Springer.
    "venue": (
        "venue",
        "journal",
        "source title",
        "journal name",
        "publication",
        "so",
        "publication title",
    ),
    "keywords": ("keywords", "keyword", "author keywords", "kw", "de"),
    "categories": ("categories", "category", "subjects", "fields of study"),
    "url": ("url", "link"),
}
# Web of Science tab-delimited exports name their columns by field tag (``PT``,
# ``AU``, ... ``TI``, ``AB``, ... ``UT``); ``ID`` there is Keywords Plus, not an id.
_WOS_COLUMNS = {
    "title": ("ti",), "abstract": ("ab",), "id": ("ut",), "year": ("py",), "doi": ("di",),
    "authors": ("af", "au"), "venue": ("so",), "keywords": ("de",),
}  # fmt: skip
_WOS_TAG_RE = re.compile(r"^[A-Z][A-Z0-9]$")
_OPTION = {"title": "title_col", "abstract": "abstract_col", "id": "id_col", "year": "year_col"}
_OPTION |= {"doi": "doi_col", "authors": "authors_col", "date": "date_col", "venue": "venue_col"}
_ARXIV_ID_RE = re.compile(
    r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$", re.I
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Scopus writes this in place of a missing abstract.
_NO_ABSTRACT_RE = re.compile(r"^\s*\[no abstract available\]\s*$", re.I)
# Columns whose count varies between rows of one export, so that a row may hold
# more (or fewer) fields than the header names from there on: Scopus's funding
# columns. Columns before the first of them stay aligned in such a row.
_VARIABLE_COLUMN_RE = re.compile(r"^funding( details| texts?( \d+)?)?$")
_BATCH_ROWS = 16384
_FIELD_LIMIT = 2**31 - 1


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip()


def sniff(data: bytes, name: str) -> bool:
    """Whether ``data`` looks like a table of papers.

    Args:
        data: The head (or all) of the decompressed file.
        name: The file name; ``.csv``/``.tsv``/``.tab``/``.parquet`` decide alone.

    Returns:
        True for Parquet magic bytes, a table extension, or a delimited header
        line with a title column (the first line, or the second after a preamble).
    """
    if data[:4] == b"PAR1":
        return True
    if name.lower().removesuffix(".gz").endswith((".csv", ".tsv", ".tab", ".parquet", ".pq")):
        return True
    text = data[:4096].decode("utf-8", errors="replace").lstrip("\ufeff")
    # The header, or the line after a preamble line (Dimensions: "About the data: ...").
    for line in [line for line in text.splitlines() if line.strip()][:2]:
        cells = [_norm(c.strip("\"' ")) for c in line.split(_delimiter(line, name))]
        if len(cells) >= 2 and any(c in _SYNONYMS["title"] for c in cells):
            return True
    return False


def _delimiter(header: str, name: str) -> str:
    if name.lower().removesuffix(".gz").endswith((".tsv", ".tab")):
        return "\t"
    return max("\t,;", key=lambda d: (header.count(d), d == ","))


def _dedupe(names: Iterable[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = str(raw).strip() or "column"
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(f"{name}.{count}" if count else name)
    return out


def _resolve(header: list[str], opts: FormatOptions, source: str) -> dict[str, int]:
    """Map schema fields to column indices: explicit options first, then synonyms."""
    by_norm: dict[str, int] = {}
    for i, col in enumerate(header):
        by_norm.setdefault(_norm(col), i)
    found: dict[str, int] = {}
    names = _WOS_COLUMNS if is_wos_header(header) else _SYNONYMS
    for field, synonyms in names.items():
        wanted = getattr(opts, _OPTION[field]) if field in _OPTION else None
        if wanted:
            if _norm(wanted) not in by_norm:
                raise InputError(
                    f"{source}: column {wanted!r} ({_OPTION[field]}) not found; "
                    f"columns are: {_listing(header)}"
                )
            found[field] = by_norm[_norm(wanted)]
            continue
        used = set(found.values())
        index = next((by_norm[s] for s in synonyms if s in by_norm), None)
        if index is not None and index not in used:
            found[field] = index
    if "title" not in found:
        raise InputError(
            f"{source}: no title column found (looked for {', '.join(_SYNONYMS['title'])}; "
            f"set title_col); columns are: {_listing(header)}"
        )
    return found


def is_wos_header(header: list[str]) -> bool:
    """Whether a header is that of a Web of Science tab-delimited export (``PT AU ... TI``)."""
    # Empty names (a header that ends with a tab too) are left out, also once named.
    cells = [c.strip() for c in header if c.strip() and not re.match(r"^column(\.\d+)?$", c)]
    return (
        len(cells) >= 5
        and cells[0] in ("PT", "FN")
        and "TI" in cells
        and all(_WOS_TAG_RE.match(c) for c in cells)
    )


def _listing(header: list[str]) -> str:
    # Shortened: a file that is not a table has its whole first line as one "column".
    shown = [name if len(name) <= 40 else name[:37] + "..." for name in header[:30]]
    more = f" and {len(header) - 30} more" if len(header) > 30 else ""
    return (", ".join(shown) or "(none)") + more


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _categories(value: Any) -> list[str]:
    return split_list(value, whitespace=True)


def _springer_authors(value: Any) -> list[str]:
    """Springer's ``Authors`` cell: names joined without a separator, unless it has one."""
    if isinstance(value, str) and ";" not in value and "," not in value:
        return split_joined_names(value)
    return split_authors(value)


# A Springer export's header: its title column is "Item Title".
_SPRINGER_TITLE = "item title"


# Schema field -> converter of its cell; the order is the order of keys in meta.
_CONVERTERS = {
    "authors": split_authors,
    "year": to_year,
    "venue": _text,
    "doi": normalise_doi,
    "url": _text,
    "keywords": split_list,
    "categories": _categories,
}


class _Rows:
    """Turns rows of a table with resolved columns into records.

    The per-row work is planned once (which converters run on which columns), as
    this loop runs once per row of files with 100k rows or more.
    """

    def __init__(self, header: list[str], cols: dict[str, int], source: str) -> None:
        self.header, self.source = header, source
        converters = dict(_CONVERTERS)
        if _norm(header[cols["title"]]) == _SPRINGER_TITLE:
            converters["authors"] = _springer_authors
        self.plan = [(key, cols[key], fn) for key, fn in converters.items() if key in cols]
        self.labels = [(header[i], i) for i in range(len(header)) if i not in cols.values()]
        self.title, self.abstract = cols["title"], cols.get("abstract")
        self.date, self.id = cols.get("date"), cols.get("id")
        self.id_is_arxiv = "id" in cols and "arxiv" in _norm(header[cols["id"]])
        variable = [i for i, name in enumerate(header) if _VARIABLE_COLUMN_RE.match(_norm(name))]
        self.shift = variable[0] if variable and variable[0] > 0 else None

    def record(self, line: int, locator: str, values: list[Any]) -> RawRecord:
        """Build the record of one row (``values`` in header order)."""
        meta: dict[str, Any] = {}
        for key, index, convert in self.plan:
            value = convert(values[index])
            if value:
                meta[key] = value
        if self.date is not None:
            year, date = parse_date(values[self.date])
            if date:
                meta["date"] = date
                meta.setdefault("year", year)
        raw_id = _text(values[self.id]) if self.id is not None else None
        if raw_id:
            if self.id_is_arxiv or _ARXIV_ID_RE.match(raw_id.strip()):
                meta["arxiv_id"] = strip_arxiv_version(raw_id)
            elif "doi" not in meta and normalise_doi(raw_id):
                meta["doi"] = normalise_doi(raw_id)
        labels = {name: values[i] for name, i in self.labels if values[i] not in (None, "")}
        if labels:
            meta["labels"] = labels
        meta["original"] = dict(zip(self.header, values, strict=True))
        abstract = _text(values[self.abstract]) if self.abstract is not None else None
        if abstract is not None and _NO_ABSTRACT_RE.match(abstract):
            abstract = None
        return RawRecord(
            self.source, line, _text(values[self.title]), abstract, meta, locator=locator
        )

    def shifted(self, line: int, row: list[str]) -> RawRecord:
        """The record of a row whose field count differs from the header's.

        Where the extra (or missing) field sits cannot be seen; only a column
        whose count varies between rows (Scopus's funding columns) marks it. The
        columns before that point are aligned and kept, the rest left out, with a
        note; without such a point, or when the title or abstract column lies
        past it, the row is a ``malformed-record``.
        """
        n, found = len(self.header), len(row)
        why = f"line {line}: expected {n} fields, found {found}"
        needed = [self.title] + ([self.abstract] if self.abstract is not None else [])
        shift = self.shift
        if shift is None or found < shift or max(needed) >= shift:
            meta = {"original": {"fields": scrub(row)[0]}}
            return RawRecord(
                self.source, line, None, None, meta, why, "malformed-record", [], f"line {line}"
            )
        kept = scrub(row[:shift])[0]
        record = self.record(line, f"line {line}", kept + [None] * (n - shift))
        original = dict(zip(self.header[:shift], kept, strict=True))
        original["unaligned fields"] = scrub(row[shift:])[0]
        record.meta["original"] = original
        record.notes.append(
            f"{why}; kept columns {self.header[0]}..{self.header[shift - 1]}"
            f" (the columns from {self.header[shift]} on may be shifted)"
        )
        return record

    def checked(self, line: int, row: list[str], encoding: str) -> RawRecord:
        """The record of a row, dropped as ``invalid-encoding`` when it holds bad bytes."""
        if len(row) != len(self.header):
            record = self.shifted(line, row)
        elif _SURROGATE_RE.search("".join(row)):
            record = self.record(line, f"line {line}", scrub(row)[0])
        else:
            return self.record(line, f"line {line}", row)
        if record.problem is None and _SURROGATE_RE.search("".join(row)):
            record.problem = f"line {line} is not valid {encoding} text"
            record.problem_code = "invalid-encoding"
        return record


def _csv_records(
    stream: BinaryIO, source: str, opts: FormatOptions, report: FileReport
) -> Iterator[RawRecord]:
    """Rows of a CSV/TSV stream as records, read line by line."""
    lines = iter(open_text(stream, source, opts.encoding))
    # Blank lines before the header still count for line numbers: csv gets them too.
    leading: list[str] = []
    for line in lines:
        leading.append(line)
        if line.strip("\r\n"):
            break
    if not any(line.strip() for line in leading):
        raise InputError(f"{source}: file is empty; nothing to read")
    # Dimensions puts a line such as "About the data: Exported on ..." above the
    # header: a first line that is not a header is skipped when the next one is.
    header_line, preamble, first_line = leading[-1], None, len(leading)
    if not _is_header(header_line, source, opts):
        following = None
        for following in lines:  # the next line that is not blank
            leading.append(following)
            if following.strip("\r\n"):
                break
        if (
            following is not None
            and following.strip("\r\n")
            and _is_header(following, source, opts)
        ):
            preamble = first_line
            report.skipped.append(
                (
                    preamble,
                    scrub(header_line.rstrip("\r\n"))[0],
                    "export preamble above the header",
                )
            )
            header_line = following
    dialect = _dialect(header_line, source)
    # Web of Science exports do not quote fields: a '"' is text, and every row
    # may end with a tab that the header lacks.
    wos = dialect.delimiter == "\t" and is_wos_header(header_line.rstrip("\r\n").split("\t"))
    if wos:
        dialect.quoting = csv.QUOTE_NONE
    reader = csv.reader(itertools.chain(leading, lines), dialect, strict=True)
    try:
        if preamble is not None:
            while reader.line_num < preamble:  # the preamble, read as lines
                next(reader)
        first_row = next(reader)
        while not first_row:  # blank lines above the header
            first_row = next(reader)
        header = _dedupe(scrub(first_row)[0])
    except csv.Error as exc:
        raise InputError(f"{source}: the header line cannot be read as CSV ({exc})") from None
    cols = _resolve(header, opts, source)
    if "abstract" not in cols:
        report.warnings.append(f"{source}: no abstract column; columns are: {_listing(header)}")
    rows = _Rows(header, cols, source)
    last = reader.line_num
    limit = csv.field_size_limit()
    # An abstract of several megabytes is still one field (csv's default limit is 128 KiB).
    csv.field_size_limit(_FIELD_LIMIT)
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                cut = "unexpected end of data" in str(exc)
                why = f"line {last + 1}: " + (
                    "a quoted field is never closed (file cut off?)"
                    if cut
                    else f"not valid CSV ({exc})"
                )
                code = "truncated" if cut else "malformed-record"
                yield RawRecord(source, last + 1, None, None, {}, why, code, [], f"line {last + 1}")
                last = reader.line_num
                continue
            start, last = last + 1, reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if wos and len(row) > len(header) and not "".join(row[len(header) :]).strip():
                row = row[: len(header)]
            yield rows.checked(start, row, opts.encoding)
    finally:
        csv.field_size_limit(limit)


def _is_header(line: str, source: str, opts: FormatOptions) -> bool:
    """Whether one line reads as a header with a title column (named or a synonym)."""
    try:
        cells = next(csv.reader([line.lstrip("\ufeff")], _dialect(line, source)), [])
    except csv.Error:
        return False
    names = {_norm(c) for c in cells}
    if len(cells) < 2:
        return False
    if opts.title_col:
        return _norm(opts.title_col) in names
    return bool(names & set(_SYNONYMS["title"])) or is_wos_header(cells)


def _dialect(first_line: str, source: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        delimiter = _delimiter(first_line, source)

    return Dialect


def _pylist(column: pa.Array | pa.ChunkedArray) -> list[Any]:
    """Column values as plain Python (JSON-serialisable) objects."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind):
        return column.to_pylist()
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return [None] * len(column)  # binary cells carry no text
    try:
        # Vectorised: formatting 100k datetimes one by one in Python is slow.
        if pa.types.is_timestamp(kind):
            return pc.strftime(column, format="%Y-%m-%dT%H:%M:%S").to_pylist()
        if pa.types.is_date(kind):
            return column.cast(pa.string()).to_pylist()
        return [jsonable(v) for v in column.to_pylist()]
    except (pa.ArrowException, ValueError, OverflowError):  # out-of-range values etc.
        return [jsonable(v) for v in column.cast(pa.string()).to_pylist()]


def _parquet_records(
    file: BinaryIO, source: str, opts: FormatOptions, report: FileReport
) -> Iterator[RawRecord]:
    """Rows of a Parquet file as records, one row group batch at a time."""
    try:
        table = pq.ParquetFile(file)
        header = _dedupe(table.schema_arrow.names)
    except Exception as exc:  # pyarrow raises many types (ArrowInvalid, OSError) for bad files
        raise InputError(f"{source}: not a readable Parquet file ({exc})") from None
    cols = _resolve(header, opts, source)
    if "abstract" not in cols:
        report.warnings.append(f"{source}: no abstract column; columns are: {_listing(header)}")
    rows = _Rows(header, cols, source)
    batches = table.iter_batches(batch_size=_BATCH_ROWS)
    n = 0
    while True:
        try:
            batch = next(batches, None)
            if batch is None:
                return
            columns = [_pylist(batch.column(i)) for i in range(batch.num_columns)]
        except Exception as exc:  # a corrupt page deep in the file
            if n == 0:
                raise InputError(f"{source}: Parquet data cannot be read ({exc})") from None
            # The rows read so far are kept; the rest is one dropped record.
            why = f"rows from {n + 1} on cannot be read ({exc})"
            yield RawRecord(source, 0, None, None, {}, why, "unreadable", [], f"row {n + 1}")
            return
        for values in zip(*columns, strict=True):
            n += 1
            yield rows.record(0, f"row {n}", list(values))


def parse_stream(
    stream: BinaryIO,
    source: str,
    options: FormatOptions | None = None,
    report: FileReport | None = None,
) -> Iterator[RawRecord]:
    """Read a CSV, TSV or Parquet table from a binary stream, row by row.

    Args:
        stream: The file's (decompressed) bytes; Parquet (recognised by its magic
            bytes) needs a seekable stream and is read whole otherwise.
        source: The file's path, used in records and messages.
        options: Encoding and explicit column names.
        report: Where to add warnings (a missing abstract column).

    Yields:
        One record per row, in file order; rows that cannot be read are records
        with ``problem`` set.

    Raises:
        InputError: The file is empty, unreadable, has no title column, or an
            explicitly named column is missing (before any record is yielded).
    """
    opts = options or FormatOptions()
    report = report if report is not None else FileReport(source, NAME)
    magic = read_exactly(stream, 4)
    if magic == b"PAR1":
        if stream.seekable():
            stream.seek(0)
            yield from _parquet_records(stream, source, opts, report)
        else:
            yield from _parquet_records(io.BytesIO(magic + stream.read()), source, opts, report)
        return
    yield from _csv_records(io.BufferedReader(Chain(magic, stream)), source, opts, report)


def parse(
    data: bytes, source: str, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Parse a CSV, TSV or Parquet table.

    Args:
        data: The file's (decompressed) bytes; Parquet is recognised by its magic
            bytes, TSV by a ``.tsv``/``.tab`` name or a tab-delimited header.
        source: The file's path, used in records and messages.
        options: Encoding and explicit column names.

    Returns:
        ``(records, report)``: one record per row, in file order; CSV rows that
        cannot be read are records with ``problem`` set.

    Raises:
        InputError: The file is empty, unreadable, has no title column, or an
            explicitly named column is missing.
    """
    return parse_whole(parse_stream, NAME, data, source, options)
