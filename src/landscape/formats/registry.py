"""Which parser reads which file: format detection, gzip, and one entry point.

Detection looks at the content first (Parquet magic bytes, an Atom ``<feed>``,
JSON keys that only one source uses, ``@type{key,`` entries, ``TY  -`` lines, a
delimited header with a title column) and only then at the file name's
extension, because exported files are often misnamed (``results.txt`` holding
RIS). Files ending in ``.gz``, or starting with the gzip magic bytes whatever
their name, are decompressed transparently.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from types import ModuleType
from typing import Protocol

from landscape.errors import InputError
from landscape.formats import (
    arxiv_atom,
    arxiv_jsonl,
    bibtex,
    openalex,
    ris,
    semantic_scholar,
    tabular,
)
from landscape.formats.base import FileReport, RawRecord
from landscape.formats.listing import DEFAULT_CHROME_PATTERNS, ListingOptions, parse_listing
from landscape.formats.options import FormatOptions

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 65536


class FormatModule(Protocol):
    """What a format provides: ``parse`` and ``sniff`` (modules, or a class of them)."""

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
            ".csv", ".tsv", ".parquet")  # fmt: skip


def is_supported_name(name: str) -> bool:
    """Whether a file name has one of :data:`SUFFIXES` (optionally ``.gz``)."""
    return name.lower().removesuffix(".gz").endswith(SUFFIXES)


#: Formats in detection order: the most specific content signatures first.
FORMATS: list[tuple[str, ModuleType | type[FormatModule]]] = [
    ("tabular", tabular),
    ("arxiv_atom", arxiv_atom),
    ("openalex", openalex),
    ("semantic_scholar", semantic_scholar),
    ("arxiv_jsonl", arxiv_jsonl),
    ("bibtex", bibtex),
    ("ris", ris),
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
    head = data[:_SNIFF_BYTES]
    for fmt, module in FORMATS:
        if module.sniff(head, ""):  # content alone
            return fmt
    for fmt, module in FORMATS:
        if module.sniff(head, name):  # content helped by the extension
            return fmt
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    json_like = stripped in (b"{", b"[")
    hint = " (JSON with no keys of OpenAlex, Semantic Scholar or arXiv)" if json_like else ""
    supported = ".xml/.atom, .json/.jsonl, .bib, .ris, .csv/.tsv/.parquet, .txt (optionally .gz)"
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
    path = Path(path)
    source = source or path.as_posix()
    data = read_bytes(path)
    fmt = detect(data, source)  # the source ends like the path, and names it in errors
    records, report = _BY_NAME[fmt].parse(data, source, options)
    report.format = fmt
    return records, report
