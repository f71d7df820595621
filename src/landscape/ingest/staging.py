"""Records staged on disk: cleaned records in Arrow batches, read back column by column.

Ingest does not hold its records as Python objects. Each batch of parsed and
cleaned records becomes an Arrow record batch (:data:`STAGE_SCHEMA`) appended to
an Arrow IPC file in a temporary folder (LZ4-compressed when available); only
compact dedup keys stay in memory. The corpus and the ledger are then written
from the staged batches, one at a time, so memory does not grow with the bytes
of the input.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

_TEXT = pa.large_string()  # abstracts of several megabytes fit any batch
_LIST = pa.list_(pa.string())

#: One row per input record, in read order. Ledger fields for every record;
#: cleaned corpus fields (``title`` ... ``doc_id``) for valid records only.
STAGE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("line", pa.int64()),
        ("locator", pa.string()),
        ("reason_code", pa.string()),  # why a record is dropped (null: valid)
        ("reason", _TEXT),
        ("raw_title", _TEXT),
        ("raw_abstract", _TEXT),
        ("original", _TEXT),
        ("notes", _TEXT),
        ("listing_date", pa.string()),
        ("title", _TEXT),
        ("abstract", _TEXT),
        ("key", _TEXT),
        ("doi", pa.string()),
        ("arxiv_id", pa.string()),
        ("year", pa.int64()),
        ("date", _TEXT),
        ("venue", _TEXT),
        ("url", _TEXT),
        ("authors", _LIST),
        ("keywords", _LIST),
        ("categories", _LIST),
        ("labels", _TEXT),  # JSON object of label values
        ("label_shape", pa.int32()),  # which labels (and value types) the record has
        ("doc_id", pa.string()),  # the record's own id (valid records)
        ("title_sig", pa.list_(pa.uint32())),  # MinHash of the title key (valid records)
    ]
)


_PREFIX = ".landscape-ingest-"


def _remove_stale(parent: Path) -> None:
    """Remove stages left by runs that were killed (their process is gone)."""
    for folder in parent.glob(f"{_PREFIX}*"):
        try:
            os.kill(int((folder / "pid").read_text()), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):  # not ours to judge (no pid file, no permission)
            continue


def _compression() -> str | None:
    return "lz4" if pa.Codec.is_available("lz4") else None


class Stage:
    """An append-only Arrow IPC file of record batches in a temporary folder.

    The folder is removed by :meth:`cleanup`, or when the stage is garbage
    collected.

    Args:
        work_dir: Folder to create the temporary folder in (default: the system's).
    """

    def __init__(self, work_dir: str | Path | None = None) -> None:
        if work_dir is not None:
            Path(work_dir).mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=work_dir))
        (self.folder / "pid").write_text(str(os.getpid()))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)
        _remove_stale(self.folder.parent)
        self.path = self.folder / "records.arrow"
        self._writer: pa.ipc.RecordBatchFileWriter | None = None
        self._open = False
        self.starts: list[int] = []  # global index of each batch's first record
        self.n = 0

    def append(self, batch: pa.RecordBatch) -> None:
        """Add a batch of records (schema :data:`STAGE_SCHEMA`)."""
        if self._writer is None:
            options = pa.ipc.IpcWriteOptions(compression=_compression())
            self._writer = pa.ipc.new_file(str(self.path), STAGE_SCHEMA, options=options)
            self._open = True
        self._writer.write_batch(batch)
        self.starts.append(self.n)
        self.n += batch.num_rows

    def finish(self) -> None:
        """Close the file for writing; reading may start."""
        if self._writer is None:
            self._writer = pa.ipc.new_file(str(self.path), STAGE_SCHEMA)
        self._writer.close()
        self._open = False

    def batches(self, columns: Sequence[str] | None = None) -> Iterator[tuple[int, pa.RecordBatch]]:
        """``(first record index, batch)`` for every batch, in order.

        Args:
            columns: Columns to read (default: all); the others are not decompressed.
                Batches hold them in :data:`STAGE_SCHEMA` order (use them by name).
        """
        with pa.OSFile(str(self.path)) as fh:
            options = None
            if columns is not None:
                fields = [STAGE_SCHEMA.get_field_index(c) for c in columns]
                options = pa.ipc.IpcReadOptions(included_fields=fields)
            reader = pa.ipc.open_file(fh, options=options)
            for k in range(reader.num_record_batches):
                yield self.starts[k], reader.get_batch(k)

    def take(self, indices: np.ndarray, columns: Sequence[str]) -> pa.Table:
        """The rows at sorted global ``indices`` (reading only the batches holding them).

        Args:
            indices: Sorted, distinct record indices.
            columns: Columns to read.

        Returns:
            A table with one row per index, in order.
        """
        parts = []
        fields = [STAGE_SCHEMA.get_field_index(c) for c in columns]
        options = pa.ipc.IpcReadOptions(included_fields=fields)
        bounds = np.searchsorted(indices, [*self.starts[1:], self.n])
        with pa.OSFile(str(self.path)) as fh:
            reader = pa.ipc.open_file(fh, options=options)
            lo = 0
            for k, hi in enumerate(bounds.tolist()):
                if hi > lo:
                    local = indices[lo:hi] - self.starts[k]
                    # Read columns come in schema order: put them in the order asked.
                    parts.append(reader.get_batch(k).take(pa.array(local)).select(list(columns)))
                lo = hi
        schema = pa.schema([STAGE_SCHEMA.field(c) for c in columns])
        return pa.Table.from_batches(parts, schema=schema)

    def cleanup(self) -> None:
        """Remove the temporary folder now."""
        if self._open:
            self._writer.close()  # type: ignore[union-attr]
            self._open = False
        self._cleanup()
