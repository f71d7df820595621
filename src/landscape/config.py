"""Paths and settings: one place for every default, read by the CLI and the notebooks.

Settings come from three layers, later ones winning: the defaults below, a TOML
file (``--config FILE``), and command-line flags. A TOML file has one table per
section, with the same names as the dataclass fields::

    [paths]
    processed = "data/processed"

    [ingest]
    min_abstract_words = 20

Unknown sections or keys are an error naming the file and the key, so a typo
never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from landscape.errors import ConfigError


@dataclass(frozen=True)
class PathsConfig:
    """Where data lives (cookiecutter-data-science layout), relative to the working folder.

    Attributes:
        raw: Source files, never edited.
        interim: Caches (embeddings) that can be regenerated.
        processed: The clean corpus and its ledger.
        runs: One folder per fitted run.
        reports: Rendered HTML reports and figures.
    """

    raw: str = "data/raw"
    interim: str = "data/interim"
    processed: str = "data/processed"
    runs: str = "runs"
    reports: str = "reports"


@dataclass(frozen=True)
class IngestConfig:
    """Cleaning settings (see :class:`landscape.ingest.IngestOptions`).

    Attributes:
        min_abstract_words: Abstracts with fewer words are dropped as too short.
        min_title_chars: Titles shorter than this after cleaning are dropped.
        encoding: Text encoding of plain-text sources.
        extra_chrome: Extra regular expressions for site-chrome lines of listing pages.
    """

    min_abstract_words: int = 20
    min_title_chars: int = 3
    encoding: str = "utf-8"
    extra_chrome: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """All settings of a run.

    Attributes:
        paths: Folder layout.
        ingest: Ingest and cleaning settings.
    """

    paths: PathsConfig = field(default_factory=PathsConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain data (for provenance files)."""
        return dataclasses.asdict(self)


def _coerce(section: str, name: str, value: Any, default: Any, source: str) -> Any:
    """Check a TOML value against the type of its default."""
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{source}: [{section}] {name} must be a list, got {value!r}")
        return tuple(value)
    if isinstance(default, bool) or default is None:
        ok = isinstance(value, bool) if isinstance(default, bool) else True
    elif isinstance(default, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, type(default)) and not isinstance(value, bool)
    if not ok:
        raise ConfigError(
            f"{source}: [{section}] {name} must be {type(default).__name__}, got {value!r}"
        )
    return value


def from_dict(data: dict[str, Any], source: str = "config") -> Config:
    """Build a :class:`Config` from nested plain data, validating every key.

    Args:
        data: ``{section: {key: value}}``.
        source: Name used in error messages (the file path).

    Returns:
        The config, defaults filled in.

    Raises:
        ConfigError: An unknown section or key, or a value of the wrong type.
    """
    base = Config()
    sections = {f.name: f for f in dataclasses.fields(Config)}
    updates: dict[str, Any] = {}
    for section, values in data.items():
        if section not in sections:
            raise ConfigError(
                f"{source}: unknown section [{section}]; known: {', '.join(sorted(sections))}"
            )
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [{section}] must be a table")
        current = getattr(base, section)
        known = {f.name for f in dataclasses.fields(current)}
        changes = {}
        for name, value in values.items():
            if name not in known:
                raise ConfigError(
                    f"{source}: unknown key {name!r} in [{section}]; "
                    f"known: {', '.join(sorted(known))}"
                )
            changes[name] = _coerce(section, name, value, getattr(current, name), source)
        updates[section] = dataclasses.replace(current, **changes)
    return dataclasses.replace(base, **updates)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read a TOML config file, or return the defaults when ``path`` is ``None``.

    Raises:
        ConfigError: The file is missing, is not valid TOML, or has bad keys.
    """
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid TOML file ({exc})") from None
    return from_dict(data, source=str(path))


def override(config: Config, section: str, **values: Any) -> Config:
    """Return a copy of ``config`` with the non-``None`` ``values`` set in ``section``.

    Used by the CLI so that flags the user did not give leave the config alone.
    """
    changes = {k: v for k, v in values.items() if v is not None}
    if not changes:
        return config
    current = getattr(config, section)
    return dataclasses.replace(config, **{section: dataclasses.replace(current, **changes)})
