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

from landscape.clean import clean_text, make_doc_id, title_key, word_count
from landscape.config import IngestConfig
from landscape.errors import InputError
from landscape.formats.base import FileReport, RawRecord
from landscape.formats.listing import DEFAULT_CHROME_PATTERNS, ListingOptions, parse_listing
from landscape.io import write_json, write_parquet

#: File extensions read as listing pages.
LISTING_SUFFIXES = (".txt", ".text")

LEDGER_COLUMNS = [
    "record",
    "source",
    "line",
    "status",
    "doc_id",
    "reason_code",
    "reason",
    "rule",
    "raw_title",
    "raw_abstract",
    "notes",
]


def listing_options(config: IngestConfig) -> ListingOptions:
    """Return the listing-parser settings that ``config`` implies."""
    return ListingOptions(
        chrome_patterns=DEFAULT_CHROME_PATTERNS + tuple(config.extra_chrome),
        encoding=config.encoding,
    )


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
            supported = [p for p in found if p.suffix.lower() in LISTING_SUFFIXES]
            ignored += [_display_path(p) for p in found if p not in supported]
            if not supported:
                raise InputError(
                    f"{path}: folder holds no supported file "
                    f"(looked for {', '.join(LISTING_SUFFIXES)}; found {len(found)} other files)"
                )
            files += supported
        elif path.suffix.lower() in LISTING_SUFFIXES:
            files.append(path)
        else:
            raise InputError(
                f"{path}: unsupported file type {path.suffix or '(none)'!r}; "
                f"supported: {', '.join(LISTING_SUFFIXES)}"
            )
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
    parser_options = listing_options(options)
    for path in files:
        shown = _display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            errors.append(f"{shown}: cannot read ({exc.strerror})")
            continue
        try:
            recs, report = parse_listing(data, shown, parser_options)
        except InputError as exc:
            errors.append(str(exc))
        else:
            records += recs
            reports.append(report)
        if on_file is not None:
            on_file(path, len(data))
    return records, reports, errors


def _source_entry(rec: RawRecord) -> dict[str, Any]:
    return {"file": rec.source, "line": rec.line, "listing_date": rec.meta.get("listing_date")}


def build_corpus(
    records: Sequence[RawRecord], options: IngestConfig
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean, validate and deduplicate raw records into a corpus and its ledger.

    Duplicates are papers with equal title keys (:func:`~landscape.clean.title_key`).
    The first occurrence in read order is the ``kept`` row; a merge keeps the
    longest abstract of the group and the union of sources. A record without an
    abstract whose title matches a kept paper is merged too (its listing still
    counts as a source), rather than dropped.

    Args:
        records: Raw records in read order.
        options: Cleaning settings.

    Returns:
        ``(corpus, ledger)`` as described in :class:`IngestResult`.
    """
    rows: list[dict[str, Any]] = []
    groups: dict[str, list[int]] = {}  # title key -> indices of valid records
    pending_no_abstract: list[tuple[int, str]] = []
    cleaned: list[tuple[str, str]] = []
    for i, rec in enumerate(records):
        title, abstract = clean_text(rec.title), clean_text(rec.abstract)
        cleaned.append((title, abstract))
        key = title_key(title)
        row = {
            "record": i,
            "source": rec.source,
            "line": rec.line,
            "status": "dropped",
            "doc_id": None,
            "reason_code": None,
            "reason": None,
            "rule": None,
            "raw_title": rec.title,
            "raw_abstract": rec.abstract,
            "notes": "; ".join(rec.notes) or None,
        }
        rows.append(row)
        if rec.problem is not None:
            row["reason_code"], row["reason"] = rec.problem_code or "unreadable", rec.problem
            if rec.problem_code == "no-abstract" and len(key) >= options.min_title_chars:
                pending_no_abstract.append((i, key))
        elif len(key) < options.min_title_chars:
            row["reason_code"] = "empty-title"
            row["reason"] = f"title {title!r} is empty or too short after cleaning"
        elif word_count(abstract) < options.min_abstract_words:
            row["reason_code"] = "abstract-too-short"
            row["reason"] = (
                f"abstract has {word_count(abstract)} words; "
                f"at least {options.min_abstract_words} are needed"
            )
        else:
            groups.setdefault(key, []).append(i)

    corpus_rows = []
    for key, members in groups.items():
        first = members[0]
        doc_id = make_doc_id("title", key)
        for j in members:
            rows[j]["doc_id"] = doc_id
            if j == first:
                rows[j].update(status="kept", reason_code="kept", reason="first occurrence")
            else:
                where = f"{records[first].source}:{records[first].line}"
                rows[j].update(
                    status="duplicate",
                    reason_code="duplicate-title",
                    reason=f"same normalised title as {doc_id} (kept from {where})",
                    rule="exact-title",
                )
        corpus_rows.append((first, key, doc_id, members))

    extra_sources: dict[str, list[int]] = {}
    for i, key in pending_no_abstract:
        if key in groups:
            first = groups[key][0]
            doc_id = rows[first]["doc_id"]
            rows[i].update(
                status="duplicate",
                doc_id=doc_id,
                reason_code="duplicate-title",
                reason=(
                    f"no abstract here; same normalised title as {doc_id} "
                    f"(kept from {records[first].source}:{records[first].line})"
                ),
                rule="exact-title",
            )
            extra_sources.setdefault(key, []).append(i)

    out = []
    for first, key, doc_id, members in corpus_rows:
        # The richest abstract wins; ties go to the earliest record (stable).
        best = max(members, key=lambda j: (len(cleaned[j][1]), -j))
        src_idx = sorted(members + extra_sources.get(key, []))
        sources = [_source_entry(records[j]) for j in src_idx]
        out.append(
            {
                "doc_id": doc_id,
                "title": cleaned[first][0],
                "abstract": cleaned[best][1],
                "sources": sources,
                "source_files": list(dict.fromkeys(s["file"] for s in sources)),
                "n_sources": len(sources),
            }
        )
    corpus = pd.DataFrame(
        out, columns=["doc_id", "title", "abstract", "sources", "source_files", "n_sources"]
    )
    ledger = pd.DataFrame(rows, columns=LEDGER_COLUMNS)
    ledger["line"] = ledger["line"].astype("int64")
    return corpus, ledger


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
