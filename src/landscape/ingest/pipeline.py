"""Ingest: source files in, a clean corpus and a ledger out.

The ledger has one row per input record and says what became of it:
``kept`` (it is a row of the corpus), ``duplicate`` (merged into a kept row,
whose ``doc_id`` it names) or ``dropped`` (with a reason). The invariant
``read == kept + duplicate + dropped`` holds by construction and is tested.

Memory does not grow with the bytes of the input. Files are parsed as streams
where the format allows (JSON Lines, CSV/TSV, Parquet); records are cleaned and
staged in batches to an Arrow file in a temporary folder (:mod:`landscape.ingest.staging`);
only compact dedup keys (title keys, identifiers, LSH band keys: a few hundred
bytes a record) stay in memory. The corpus and the ledger are written from the
stage batch by batch (:mod:`landscape.ingest.assemble`); ``IngestResult.corpus`` and
``.ledger`` load them as DataFrames only when asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from landscape.config import IngestConfig
from landscape.errors import InputError
from landscape.ingest.assemble import Output
from landscape.ingest.dedup import DedupIndex, DedupOptions
from landscape.ingest.formats.base import FileReport, RawRecord
from landscape.ingest.formats.options import FormatOptions
from landscape.ingest.formats.registry import SUFFIXES, is_supported_name, open_source, parse_file
from landscape.ingest.ledger import DROPPED, DUPLICATE, KEPT, plan
from landscape.ingest.merge import Labels, stage_records
from landscape.ingest.sources import source_names
from landscape.ingest.staging import Stage
from landscape.io import write_json

#: Records cleaned and staged at a time, or fewer when their text passes BATCH_CHARS.
BATCH_RECORDS = 4096
BATCH_CHARS = 64 << 20


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


class IngestResult:
    """The outcome of :func:`ingest`.

    The corpus and the ledger stay staged on disk until written
    (:func:`write_ingest`) or asked for as DataFrames; call :meth:`close` (or let
    the result be garbage collected) to remove the staged files.

    Attributes:
        files: What each parser reported besides records (chrome lines skipped).
        file_errors: One message per file that could not be read at all.
        ignored: Files under the input folders that are not a supported format.
        source_names: A readable name per file read (see :mod:`landscape.ingest.sources`).
    """

    def __init__(
        self,
        output: Output,
        files: list[FileReport],
        file_errors: list[str],
        ignored: list[str],
        source_names: dict[str, str] | None = None,
    ) -> None:
        self.files, self.file_errors, self.ignored = files, file_errors, ignored
        self.source_names = source_names or {}
        self.output = output
        self._frames: dict[str, pd.DataFrame] = {}

    @property
    def corpus(self) -> pd.DataFrame:
        """One row per kept paper.

        Columns ``doc_id``, ``title``, ``abstract``, ``authors``, ``year``, ``date``,
        ``venue``, ``doi``, ``arxiv_id``, ``url``, ``keywords``, ``categories``,
        ``sources`` (list of ``{file, line, locator, listing_date}``),
        ``source_files`` (list of str), ``n_sources``, ``has_abstract`` (False for
        a paper kept on its title alone, see ``keep_title_only``), then one
        column per label of tabular inputs.
        """
        if "corpus" not in self._frames:
            self._frames["corpus"] = self.output.frame("corpus")
        return self._frames["corpus"]

    @property
    def ledger(self) -> pd.DataFrame:
        """One row per input record (see :data:`landscape.ingest.merge.LEDGER_COLUMNS`)."""
        if "ledger" not in self._frames:
            self._frames["ledger"] = self.output.frame("ledger")
        return self._frames["ledger"]

    def summary(self) -> dict[str, Any]:
        """Counts of records read, kept, merged and dropped (by reason).

        ``title_only`` is the number of kept papers without an abstract (0 unless
        ``keep_title_only``); ``files_ignored`` the number of files in the input
        folders that no parser reads (named in :attr:`ignored`).
        """
        p = self.output.plan
        return {
            "files_read": len(self.files),
            "files_failed": len(self.file_errors),
            "files_ignored": len(self.ignored),
            "records_read": len(p.status),
            "kept": p.count(KEPT),
            "title_only": p.title_only,
            "duplicate": p.count(DUPLICATE),
            "dropped": p.count(DROPPED),
            "dropped_by_reason": dict(p.dropped_by_reason),
            "chrome_lines_skipped": sum(len(f.skipped) for f in self.files),
        }

    def close(self) -> None:
        """Remove the staged records (the DataFrames already loaded stay usable)."""
        self.output.stage.cleanup()


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
    """Parse every file into one list; a file that cannot be read is reported, not fatal.

    This holds every record in memory; :func:`ingest` streams them instead.

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


class Ingestion:
    """Records in, batch by batch; an :class:`IngestResult` out.

    Args:
        options: Cleaning and deduplication settings.
        work_dir: Folder for the staged records (default: the system's temp folder).
    """

    def __init__(self, options: IngestConfig, work_dir: str | os.PathLike[str] | None = None):
        self.options = options
        self.stage = Stage(work_dir)
        self.index = DedupIndex(
            DedupOptions(
                title_threshold=options.title_threshold,
                max_year_gap=options.max_year_gap,
                abstract_threshold=options.abstract_threshold,
            )
        )
        self.labels = Labels()
        self._valid: list[np.ndarray] = []
        self._codes: list[np.ndarray] = []
        self._code_names: dict[str, int] = {}
        self._joinable: list[tuple[int, str | None, str | None, str]] = []
        self._title_only: list[np.ndarray] = []
        self._filled: set[str] = set()
        # The first listing date seen in each file, for its readable name.
        self._listing_dates: dict[str, str] = {}

    @property
    def n(self) -> int:
        """Records staged so far."""
        return self.stage.n

    def add(self, records: Sequence[RawRecord]) -> None:
        """Clean, validate and stage a batch of records (in read order)."""
        if not records:
            return
        for record in records:
            date = record.meta.get("listing_date") if record.meta else None
            if date and record.source not in self._listing_dates:
                self._listing_dates[record.source] = str(date)
        staged = stage_records(records, self.options, self.labels)
        start = self.stage.n
        signatures = self.index.add(
            staged.keys, staged.abstracts, staged.dois, staged.arxiv_ids, staged.years
        )
        self.stage.append(staged.batch.append_column("title_sig", _lists(signatures, staged.valid)))
        self._valid.append(np.flatnonzero(staged.valid) + start)
        names = self._code_names
        codes = [-1 if c is None else names.setdefault(c, len(names)) for c in staged.codes]
        self._codes.append(np.array(codes, dtype=np.int32))
        self._joinable += [(start + i, *keys) for i, *keys in staged.joinable]
        self._title_only.append(np.array(staged.title_only, dtype=np.int64) + start)
        for name in ("raw_title", "raw_abstract", "original", "notes"):
            column = staged.batch.column(name)
            if column.null_count < len(column):
                self._filled.add(name)

    def finish(
        self, files: list[FileReport], file_errors: list[str], ignored: list[str]
    ) -> IngestResult:
        """Deduplicate, settle every record's fate and return the result."""
        self.stage.finish()
        empty = np.zeros(0, dtype=np.int64)
        valid = np.concatenate(self._valid) if self._valid else empty
        codes = np.concatenate(self._codes) if self._codes else empty
        label_columns = self.labels.columns()
        title_only = np.concatenate(self._title_only) if self._title_only else empty
        fate = plan(
            self.stage, self.index, valid, codes, list(self._code_names), self._joinable,
            label_columns, list(self.labels.shapes), title_only,
        )  # fmt: skip
        output = Output(self.stage, fate, label_columns, self._filled)
        names = source_names(
            [(f.source, self._listing_dates.get(f.source), f.format) for f in files],
            self.options.source_names,
        )
        return IngestResult(output, files, file_errors, ignored, names)


def _lists(rows: np.ndarray, valid: np.ndarray) -> pa.Array:
    """A list column of the rows of a 2-D array, at the valid records (null elsewhere)."""
    width = rows.shape[1]
    offsets = np.arange(0, (len(rows) + 1) * width, width, dtype=np.int32)
    values = pa.ListArray.from_arrays(pa.array(offsets), pa.array(rows.reshape(-1)))
    if valid.all():
        return values
    positions = np.full(len(valid), -1, dtype=np.int64)
    positions[valid] = np.arange(len(rows))
    return values.take(pa.array(positions, mask=~valid))


def _ingest_file(
    ingestion: Ingestion, path: Path, shown: str, options: FormatOptions
) -> tuple[FileReport | None, int, str | None]:
    """Stage one file's records; ``(report, records staged, error)``.

    A file that fails before its first batch is staged is a file error (nothing of
    it is kept). One that fails later (a gzip stream damaged midway) keeps what was
    staged, and its unread rest becomes one dropped record.
    """
    staged, pending, chars = 0, [], 0
    try:
        report, records = open_source(path, shown, options)
        for record in records:
            pending.append(record)
            chars += len(record.title or "") + len(record.abstract or "")
            if len(pending) >= BATCH_RECORDS or chars >= BATCH_CHARS:
                ingestion.add(pending)
                staged, pending, chars = staged + len(pending), [], 0
    except InputError as exc:
        if not staged:
            return None, 0, str(exc)
        why = f"{exc}; the rest of the file is unread"
        pending.append(
            RawRecord(shown, 0, None, None, {}, why, "unreadable", [], f"record {staged + 1}")
        )
    ingestion.add(pending)
    return report, staged + len(pending), None


def ingest(
    paths: Sequence[str | os.PathLike[str]],
    options: IngestConfig | None = None,
    on_file: Callable[[Path, int], None] | None = None,
    work_dir: str | os.PathLike[str] | None = None,
) -> IngestResult:
    """Read source files into a deduplicated corpus with a ledger.

    Args:
        paths: Files and folders to read.
        options: Cleaning and parsing settings.
        on_file: Optional progress callback, see :func:`read_records`.
        work_dir: Folder for the staged records (a temporary folder is made in it
            and removed with the result); default: the system's temp folder.

    Returns:
        An :class:`IngestResult`.

    Raises:
        InputError: A path is missing, a folder holds no supported file, or no
            record at all could be read (the message lists each file's problem).
    """
    options = options or IngestConfig()
    files, ignored = discover(paths)
    parser_options = format_options(options)
    ingestion = Ingestion(options, work_dir)
    reports: list[FileReport] = []
    errors: list[str] = []
    empty: list[str] = []
    try:
        for path in files:
            shown = _display_path(path)
            report, n, error = _ingest_file(ingestion, path, shown, parser_options)
            if error is not None:
                errors.append(error)
            else:
                assert report is not None
                reports.append(report)
                if not n:
                    empty.append(f"{shown}: no records found")
            if on_file is not None:
                on_file(path, path.stat().st_size)
        if not ingestion.n:
            raise InputError(f"nothing could be read: {'; '.join(errors + empty)}")
        return ingestion.finish(reports, errors, ignored)
    except BaseException:
        ingestion.stage.cleanup()
        raise


def write_ingest(result: IngestResult, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``corpus.parquet``, ``ledger.parquet`` and ``ingest_report.json`` atomically.

    The tables are written from the staged records batch by batch.

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
        "source_names": result.source_names,
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
        "ledger": result.output.write(out / "ledger.parquet", "ledger"),
        "corpus": result.output.write(out / "corpus.parquet", "corpus"),
        "report": write_json(out / "ingest_report.json", report),
    }
    return paths
