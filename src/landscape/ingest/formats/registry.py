"""Which parser reads which file: format detection, gzip, and one entry point.

Detection looks at the content first (Parquet magic bytes, an Atom ``<feed>``,
a PubMed ``<PubmedArticleSet>``, JSON keys that only one source uses,
``@type{key,`` entries, ``TY  -`` lines, Web of Science ``FN``/``PT`` lines,
MEDLINE ``PMID-`` lines, a delimited header with a title column) and only then
at the file name's extension, because exported files are often misnamed
(``results.txt`` holding RIS, ``savedrecs.txt`` holding Web of Science records).
The listing-page parser comes last and refuses a file that is not a listing
page. Files ending in ``.gz``, or starting with the gzip magic bytes whatever
their name, are decompressed transparently.

:func:`open_source` is the streaming entry point: it reads only the head of a
file to detect its format and returns a generator of records. Formats with a
``parse_stream`` function (JSON Lines, CSV/TSV, Parquet, PubMed XML) are read
incrementally from the (decompressed) file; the others are read whole, then parsed.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import BinaryIO, Protocol

from landscape.errors import InputError
from landscape.ingest.formats import (
    arxiv_atom,
    arxiv_jsonl,
    bibtex,
    crossref,
    csl_json,
    medline,
    openalex,
    pubmed_xml,
    ris,
    semantic_scholar,
    tabular,
    wos,
)
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.decoding import utf8_head
from landscape.ingest.formats.listing import DEFAULT_CHROME_PATTERNS, ListingOptions, parse_listing
from landscape.ingest.formats.options import FormatOptions

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 65536


class FormatModule(Protocol):
    """What a format provides: ``parse`` and ``sniff`` (modules, or a class of them).

    A format that can read a file incrementally also provides ``parse_stream(stream,
    source, options, report)``, a generator of records that raises ``InputError``
    only before its first record.
    """

    @staticmethod
    def parse(
        data: bytes, source: str, options: FormatOptions | None = None
    ) -> tuple[list[RawRecord], FileReport]:
        """Parse a file's bytes into records and a report."""
        ...

    @staticmethod
    def sniff(data: bytes, name: str) -> bool:
        """Whether the head of a file looks like this format."""
        ...


class ListingFormat:
    """The listing-page parser, wrapped to the common ``parse``/``sniff`` signature."""

    @staticmethod
    def parse(
        data: bytes, source: str, options: FormatOptions | None = None
    ) -> tuple[list[RawRecord], FileReport]:
        """Parse a listing page; ``options.encoding`` and ``extra_chrome`` apply."""
        opts = options or FormatOptions()
        chrome = DEFAULT_CHROME_PATTERNS + tuple(opts.extra_chrome)
        return parse_listing(
            data, source, ListingOptions(chrome_patterns=chrome, encoding=opts.encoding)
        )

    @staticmethod
    def sniff(data: bytes, name: str) -> bool:
        """Listing pages are plain text with no structure to sniff: the name decides."""
        return name.lower().removesuffix(".gz").endswith((".txt", ".text"))


#: File name endings that folders are searched for (each also with ``.gz``).
SUFFIXES = (".txt", ".text", ".xml", ".atom", ".json", ".jsonl", ".ndjson", ".bib", ".ris",
            ".isi", ".ciw", ".nbib", ".medline", ".csv", ".tsv", ".parquet")  # fmt: skip


def is_supported_name(name: str) -> bool:
    """Whether a file name has one of :data:`SUFFIXES` (optionally ``.gz``)."""
    return name.lower().removesuffix(".gz").endswith(SUFFIXES)


#: Formats in detection order: the most specific content signatures first.
FORMATS: list[tuple[str, ModuleType | type[FormatModule]]] = [
    ("tabular", tabular),
    ("pubmed_xml", pubmed_xml),
    ("arxiv_atom", arxiv_atom),
    ("openalex", openalex),
    ("semantic_scholar", semantic_scholar),
    ("arxiv_jsonl", arxiv_jsonl),
    ("crossref", crossref),
    ("csl_json", csl_json),
    ("bibtex", bibtex),
    ("ris", ris),
    ("wos", wos),
    ("medline", medline),
    ("listing", ListingFormat),
]
_BY_NAME = dict(FORMATS)


def detect(data: bytes, name: str) -> str:
    """Return the name of the format of a file.

    Args:
        data: The (decompressed) head or whole content of the file.
        name: The file name; a ``.gz`` suffix is ignored.

    Returns:
        A name from :data:`FORMATS`, e.g. ``"bibtex"``.

    Raises:
        InputError: Neither the content nor the extension is of a supported format.
    """
    head = utf8_head(data[:_SNIFF_BYTES])  # sniffers read UTF-8, whatever the encoding
    for fmt, module in FORMATS:
        if module.sniff(head, ""):  # content alone
            return fmt
    for fmt, module in FORMATS:
        if module.sniff(head, name):  # content helped by the extension
            return fmt
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    json_like = stripped in (b"{", b"[")
    known = "OpenAlex, Semantic Scholar, arXiv, Crossref or CSL-JSON"
    hint = f" (JSON with no keys of {known})" if json_like else ""
    supported = (
        ".xml/.atom (arXiv, PubMed), .json/.jsonl (incl. Crossref, CSL-JSON .csl.json), .bib, "
        ".ris, .isi/.ciw (Web of Science), .nbib/.medline (PubMed), .csv/.tsv/.parquet, .txt "
        "(optionally .gz)"
    )
    raise InputError(f"{name}: unsupported file format{hint}; supported: {supported}")


def read_bytes(path: str | Path) -> bytes:
    """Read a file, decompressing gzip (recognised by its magic bytes).

    Args:
        path: The file.

    Returns:
        The (decompressed) content.

    Raises:
        InputError: The file is missing, unreadable, or a corrupt gzip.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: corrupt gzip file ({exc})") from None


def _read_head(path: Path) -> bytes:
    """The first bytes of a file, decompressed; a gzip cut short still has a head."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_SNIFF_BYTES)
            if raw[:2] != _GZIP_MAGIC:
                return raw
            inflate = zlib.decompressobj(wbits=31)
            out = bytearray()
            while len(out) < _SNIFF_BYTES and not inflate.eof:
                if not raw:
                    raw = fh.read(_SNIFF_BYTES)
                    if not raw:
                        break
                out += inflate.decompress(raw, _SNIFF_BYTES - len(out))
                raw = inflate.unconsumed_tail
            return bytes(out)
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except zlib.error as exc:
        raise InputError(f"{path}: corrupt gzip file ({exc})") from None


class _Reader(io.RawIOBase):
    """A file (or its gzip content) whose read errors are :class:`InputError` naming it.

    Seekable only when not compressed (Parquet needs to seek; a gzip stream would
    decompress again from the start on every backward seek).
    """

    def __init__(self, fh: BinaryIO, source: str, compressed: bool) -> None:
        self._fh, self._source, self._compressed = fh, source, compressed

    def readable(self) -> bool:
        """Always readable."""
        return True

    def seekable(self) -> bool:
        """Whether the file is a plain (uncompressed) file."""
        return not self._compressed

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Seek in a plain file."""
        if self._compressed:
            raise io.UnsupportedOperation("seek")
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        """Position in a plain file."""
        if self._compressed:
            raise io.UnsupportedOperation("tell")
        return self._fh.tell()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Read into ``buffer``; a damaged gzip stream is an :class:`InputError`."""
        try:
            data = getattr(self._fh, "read1", self._fh.read)(len(buffer))
        except (OSError, EOFError, zlib.error) as exc:
            what = "corrupt or cut-off gzip file" if self._compressed else "cannot read file"
            raise InputError(f"{self._source}: {what} ({exc})") from None
        buffer[: len(data)] = data
        return len(data)


class _Gunzip(io.RawIOBase):
    """Gzip content, decompressed as it is read (members one after another).

    Unlike :class:`gzip.GzipFile`, whose ``read`` loses what it decompressed when
    the file turns out cut off, this gives every byte before the damage, then
    raises :class:`InputError`.
    """

    def __init__(self, fh: BinaryIO, source: str) -> None:
        self._fh, self._source = fh, source
        self._inflate = zlib.decompressobj(wbits=31)
        self._in = self._out = b""
        self._started = False

    def readable(self) -> bool:
        """Always readable."""
        return True

    def _damaged(self, what: str) -> InputError:
        return InputError(f"{self._source}: corrupt or cut-off gzip file ({what})")

    def _fill(self) -> None:
        while not self._out:
            while len(self._in) < 2 and (more := self._fh.read(1 << 16)):
                self._in += more
            if not self._in:
                if self._started and not self._inflate.eof:
                    raise self._damaged("it ends inside compressed data")
                return
            if self._inflate.eof:  # a member ended: another one, or zero padding
                if not self._in.strip(b"\x00"):
                    self._in = b""
                    continue
                if self._in[:2] != _GZIP_MAGIC:
                    raise self._damaged("data after the end of the compressed stream")
                self._inflate, self._started = zlib.decompressobj(wbits=31), False
            try:
                self._out = self._inflate.decompress(self._in, 1 << 20)
            except zlib.error as exc:
                raise self._damaged(str(exc)) from None
            self._started = True
            self._in = (
                self._inflate.unused_data if self._inflate.eof else (self._inflate.unconsumed_tail)
            )

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` with decompressed bytes."""
        self._fill()
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


@contextlib.contextmanager
def open_stream(path: str | Path, source: str | None = None) -> Iterator[BinaryIO]:
    """Open a file for reading, decompressing gzip (recognised by its magic bytes).

    Args:
        path: The file.
        source: The path to show in messages; defaults to ``path``.

    Yields:
        A buffered binary stream; read errors raise :class:`InputError`.

    Raises:
        InputError: The file cannot be opened.
    """
    source = source or Path(path).as_posix()
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, after the caller is done
    except OSError as exc:
        raise InputError(f"{source}: cannot read file ({exc.strerror or exc})") from None
    try:
        compressed = fh.read(2) == _GZIP_MAGIC
        fh.seek(0)
        inner: BinaryIO = io.BufferedReader(_Gunzip(fh, source)) if compressed else fh
        yield io.BufferedReader(_Reader(inner, source, compressed), 1 << 20)  # type: ignore[arg-type]
    finally:
        fh.close()


def open_source(
    path: str | Path, source: str | None = None, options: FormatOptions | None = None
) -> tuple[FileReport, Iterator[RawRecord]]:
    """Detect a file's format from its head and return its records as a generator.

    Args:
        path: The file.
        source: The path to show in records and messages; defaults to ``path``.
        options: Parser settings.

    Returns:
        ``(report, records)``: the report (its ``format`` set; warnings and skipped
        lines are added while the records are read) and a generator of records
        in file order.

    Raises:
        InputError: The file cannot be read or its format is unsupported. The
            generator raises it too, before its first record, when the parser
            cannot use the file at all; after that, only for a damaged gzip
            stream (the records read before stay valid).
    """
    path = Path(path)
    source = source or path.as_posix()
    fmt = detect(_read_head(path), source)  # the source ends like the path
    report = FileReport(source, fmt)
    return report, _records(path, fmt, source, options, report)


def _records(
    path: Path, fmt: str, source: str, options: FormatOptions | None, report: FileReport
) -> Iterator[RawRecord]:
    module = _BY_NAME[fmt]
    parse_stream = getattr(module, "parse_stream", None)
    if parse_stream is None:
        records, parsed = module.parse(read_bytes(path), source, options)
        report.skipped += parsed.skipped
        report.warnings += parsed.warnings
        yield from records
        return
    with open_stream(path, source) as stream:
        yield from parse_stream(stream, source, options, report)


def parse_file(
    path: str | Path, source: str | None = None, options: FormatOptions | None = None
) -> tuple[list[RawRecord], FileReport]:
    """Read, detect and parse one file.

    Args:
        path: The file.
        source: The path to show in records and messages; defaults to ``path``.
        options: Parser settings.

    Returns:
        ``(records, report)`` with ``report.format`` set to the detected format.

    Raises:
        InputError: The file cannot be read, its format is unsupported, or its
            parser cannot use it at all.
    """
    report, records = open_source(path, source, options)
    return list(records), report
