"""Errors a user can act on.

Every error that comes from the user's input or settings (a missing file, a file
with nothing usable in it, an unknown config key) is a :class:`LandscapeError`.
The CLI prints its message as one line and exits non-zero without a traceback;
``--debug`` shows the traceback. Anything else escaping is a bug.
"""

from __future__ import annotations


class LandscapeError(Exception):
    """Base class for errors caused by input or settings, not by a bug."""

    exit_code = 1


class InputError(LandscapeError):
    """An input path or file that cannot be used (missing, empty, binary, unreadable)."""


class ConfigError(LandscapeError):
    """A config file or option that is invalid."""

    exit_code = 2


class CorpusTooSmallError(LandscapeError):
    """A corpus with too few documents for the requested step."""
