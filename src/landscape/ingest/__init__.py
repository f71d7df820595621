"""Ingest: source files in, a clean corpus and a ledger out.

The stage reads every supported format (:mod:`landscape.ingest.formats`), cleans
each record (:mod:`~landscape.ingest.clean`), stages records on disk
(:mod:`~landscape.ingest.staging`), finds duplicates (:mod:`~landscape.ingest.dedup`
with :mod:`~landscape.ingest.minhash`), merges them (:mod:`~landscape.ingest.merge`),
plans what becomes of every record (:mod:`~landscape.ingest.ledger`) and writes
the corpus and the ledger (:mod:`~landscape.ingest.assemble`).
:mod:`~landscape.ingest.pipeline` runs it all: ``landscape.ingest.ingest(paths)``.
"""

from landscape.ingest.pipeline import IngestResult, discover, ingest, read_records, write_ingest

__all__ = ["IngestResult", "discover", "ingest", "read_records", "write_ingest"]
