"""Source-format parsers.

Each parser turns one file into :class:`~landscape.ingest.formats.base.RawRecord`
objects and never raises for bad content inside a file: a record it cannot use
is returned with its ``problem`` set, so the ledger can account for it. Only a
file that cannot be read at all raises :class:`~landscape.errors.InputError`.
"""
