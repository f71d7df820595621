"""Ingest: source files in, a clean corpus and a ledger out.

The ledger has one row per input record and says what became of it:
``kept`` (it is a row of the corpus), ``duplicate`` (merged into a kept row,
whose ``doc_id`` it names) or ``dropped`` (with a reason). The invariant
``read == kept + duplicate + dropped`` holds by construction and is tested.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from landscape.config import IngestConfig
from landscape.errors import InputError
from landscape.formats.base import FileReport, RawRecord
from landscape.formats.options import FormatOptions
from landscape.formats.registry import SUFFIXES, is_supported_name, parse_file
from landscape.io import write_json, write_parquet
from landscape.merge import build_corpus


def format_options(config: IngestConfig) -> FormatOptions:
    """Return the parser settings that ``config`` implies."""
    cols = {
        name: getattr(config, name) or None
        for name in (
            "title_col",
            "abstract_col",
            "id_col",
            "year_col",
            "doi_col",
            "authors_col",
            "date_col",
            "venue_col",
        )
    }
    return FormatOptions(encoding=config.encoding, extra_chrome=tuple(config.extra_chrome), **cols)


@dataclass
class IngestResult:
    """The outcome of :func:`ingest`.

    Attributes:
        corpus: One row per kept paper: ``doc_id``, ``title``, ``abstract``,
            ``sources`` (list of ``{file, line, listing_date}``), ``source_files``
            (list of str), ``n_sources``.
        ledger: One row per input record (see :data:`LEDGER_COLUMNS`).
        files: What each parser reported besides records (chrome lines skipped).
        file_errors: One message per file that could not be read at all.
        ignored: Files under the input folders that are not a supported format.
    """

    corpus: pd.DataFrame
    ledger: pd.DataFrame
    files: list[FileReport]
    file_errors: list[str]
    ignored: list[str]

    def summary(self) -> dict[str, Any]:
        """Counts of records read, kept, merged and dropped (by reason)."""
        status = self.ledger["status"].value_counts()
        dropped = self.ledger.loc[self.ledger["status"] == "dropped", "reason_code"]
        return {
            "files_read": len(self.files),
            "files_failed": len(self.file_errors),
            "files_ignored": len(self.ignored),
            "records_read": len(self.ledger),
            "kept": int(status.get("kept", 0)),
            "duplicate": int(status.get("duplicate", 0)),
            "dropped": int(status.get("dropped", 0)),
            "dropped_by_reason": {
                k: int(v) for k, v in dropped.value_counts().sort_index().items()
            },
            "chrome_lines_skipped": sum(len(f.skipped) for f in self.files),
        }


def _display_path(path: Path) -> str:
    """Path as shown in records: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[str]]:
    """Expand input paths into the files to read.

    Args:
        paths: Files and folders. Folders are searched recursively.

    Returns:
        ``(files, ignored)``: supported files in sorted order, and files in the
        folders that are not a supported format (reported, not read).

    Raises:
        InputError: A path does not exist, or a folder holds no supported file.
    """
    files: list[Path] = []
    ignored: list[str] = []
    if not paths:
        raise InputError("no input path given")
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            supported = [p for p in found if is_supported_name(p.name)]
            ignored += [_display_path(p) for p in found if p not in supported]
            if not supported:
                raise InputError(
                    f"{path}: folder holds no supported file "
                    f"(looked for {', '.join(SUFFIXES)}; found {len(found)} other files)"
                )
            files += supported
        else:
            # A file named explicitly is read whatever its name: its content decides.
            files.append(path)
    # The same file named twice (a folder and a file in it) is read once.
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return [
        Path(os.path.relpath(p)) if p.is_relative_to(Path.cwd()) else p for p in unique
    ], ignored


def read_records(
    files: Iterable[Path],
    options: IngestConfig,
    on_file: Callable[[Path, int], None] | None = None,
) -> tuple[list[RawRecord], list[FileReport], list[str]]:
    """Parse every file; a file that cannot be read is reported, not fatal.

    Args:
        files: Files to read, in order.
        options: Parser settings.
        on_file: Called with ``(path, n_bytes)`` after each file (progress display).

    Returns:
        ``(records, reports, file_errors)``.
    """
    records: list[RawRecord] = []
    reports: list[FileReport] = []
    errors: list[str] = []
    parser_options = format_options(options)
    for path in files:
        shown = _display_path(path)
        try:
            recs, report = parse_file(path, shown, parser_options)
        except InputError as exc:
            errors.append(str(exc))
        else:
            records += recs
            reports.append(report)
        if on_file is not None:
            on_file(path, path.stat().st_size)
    return records, reports, errors


def ingest(
    paths: Sequence[str | os.PathLike[str]],
    options: IngestConfig | None = None,
    on_file: Callable[[Path, int], None] | None = None,
) -> IngestResult:
    """Read source files into a deduplicated corpus with a ledger.

    Args:
        paths: Files and folders to read.
        options: Cleaning and parsing settings.
        on_file: Optional progress callback, see :func:`read_records`.

    Returns:
        An :class:`IngestResult`.

    Raises:
        InputError: A path is missing, a folder holds no supported file, or no
            record at all could be read (the message lists each file's problem).
    """
    options = options or IngestConfig()
    files, ignored = discover(paths)
    records, reports, errors = read_records(files, options, on_file)
    if not records:
        detail = "; ".join(errors) if errors else "no records found"
        raise InputError(f"nothing could be read: {detail}")
    corpus, ledger = build_corpus(records, options)
    return IngestResult(corpus, ledger, reports, errors, ignored)


def write_ingest(result: IngestResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``corpus.parquet``, ``ledger.parquet`` and ``ingest_report.json`` atomically.

    Args:
        result: What :func:`ingest` returned.
        out_dir: Output folder, created if missing.

    Returns:
        The paths written, by name.
    """
    out = Path(out_dir)
    report = {
        "summary": result.summary(),
        "file_errors": result.file_errors,
        "ignored_files": result.ignored,
        "files": [
            {
                "source": f.source,
                "format": f.format,
                "skipped_lines": [{"line": n, "text": t, "why": w} for n, t, w in f.skipped],
                "warnings": f.warnings,
            }
            for f in result.files
        ],
    }
    # The ledger is written first: a corpus never exists without its ledger.
    paths = {
        "ledger": write_parquet(out / "ledger.parquet", result.ledger),
        "corpus": write_parquet(out / "corpus.parquet", result.corpus),
        "report": write_json(out / "ingest_report.json", report),
    }
    return paths
