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


def project_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The project folder: the nearest folder at or above ``start`` with a ``pyproject.toml``.

    The default paths (``data/raw``, ``runs``...) are relative to it. A notebook
    kernel starts in ``notebooks/``, a shell anywhere in the checkout; both find
    the same root. Without a ``pyproject.toml`` above ``start``, ``start`` itself.

    Args:
        start: Where to look from; default the working folder.

    Returns:
        An absolute path.
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


def project_path(path: str | os.PathLike[str], start: str | os.PathLike[str] | None = None) -> Path:
    """``path`` as an absolute path: relative paths are taken from :func:`project_root`.

    Notebooks pass every path parameter through this, so Run All works whatever
    folder JupyterLab started the kernel in, and papermill's absolute paths pass
    through unchanged.
    """
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root(start) / path


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
        keep_title_only: Keep papers without an abstract (flagged
            ``has_abstract = False`` in the corpus, embedded on their title alone)
            instead of dropping them as ``no-abstract``.
        encoding: Text encoding of plain-text sources.
        extra_chrome: Extra regular expressions for site-chrome lines of listing pages.
        source_names: Readable names of source files, keyed by file name or path
            (``[ingest.source_names]`` in TOML); the others are named by
            :mod:`landscape.ingest.sources`.
        title_threshold: Near-duplicate titles: minimum similarity ratio (0-1).
        max_year_gap: Near-duplicate titles: largest year difference.
        abstract_threshold: Near-duplicate abstracts: minimum word 3-gram
            Jaccard (0-1); above 1 disables the rule.
        title_col, abstract_col, id_col, year_col, doi_col, authors_col, date_col,
            venue_col: Columns of tabular sources (CSV, TSV, Parquet) to use
            instead of the automatic detection by name; empty means automatic.
    """

    min_abstract_words: int = 20
    min_title_chars: int = 3
    keep_title_only: bool = False
    encoding: str = "utf-8"
    extra_chrome: tuple[str, ...] = ()
    source_names: dict[str, str] = field(default_factory=dict)
    title_threshold: float = 0.92
    max_year_gap: int = 1
    abstract_threshold: float = 0.8
    title_col: str = ""
    abstract_col: str = ""
    id_col: str = ""
    year_col: str = ""
    doi_col: str = ""
    authors_col: str = ""
    date_col: str = ""
    venue_col: str = ""


@dataclass(frozen=True)
class EmbedConfig:
    """Embedding settings (see :mod:`landscape.embed`).

    Attributes:
        model: A sentence-transformers model name or local folder. The default,
            BERTopic's, is bundled and works offline.
        batch_size: Texts per forward pass.
        cache: Read and fill the on-disk cache under ``paths.interim``.
        precision: ``"auto"`` (default): fp16 on a CUDA GPU; on a CPU, int8
            on OpenVINO where the CPU has VNNI and the model's int8 agreement
            was measured (the default model: 56-66 abstracts/s against 33-41/s
            in fp32; mean cosine to fp32 0.9993, 97% of 10 nearest neighbours
            kept), else bf16 where it beats fp32 (AMX, or AVX-512 BF16 on AMD;
            cosine 0.99998, 99.4% kept), else fp32. ``"fp32"`` is the
            reference; ``"bf16"``, ``"fp16"``, ``"int8"`` force a choice.
        backend: ``"auto"`` (default): OpenVINO on a CPU where the ``openvino``
            package is installed, torch on a GPU. ``"torch"``
            (sentence-transformers as shipped) or ``"openvino"`` force a
            choice; each backend and precision has its own cache.
        scheduler: Embed on a Dask cluster: ``"local"`` (a LocalCluster on this
            machine) or a ``dask.distributed`` scheduler address
            (``"tcp://host:8786"``); empty embeds in this process.
        workers: Worker processes of the LocalCluster (0: Dask's default when
            ``scheduler = "local"``; setting it alone also asks for a LocalCluster).
    """

    model: str = "all-MiniLM-L6-v2"
    batch_size: int = 16
    cache: bool = True
    precision: str = "auto"
    backend: str = "auto"
    scheduler: str = ""
    workers: int = 0


@dataclass(frozen=True)
class TopicsConfig:
    """Clustering and topic settings (see :mod:`landscape.fit.cluster` and :mod:`~.fit.topics`).

    Attributes:
        seed: Seed of every random step; the same seed gives identical outputs.
        method: ``"consensus-leiden"`` (stable; default) or ``"hdbscan"``
            (BERTopic's UMAP + HDBSCAN recipe, for comparison).
        n_neighbors: Neighbours in the kNN graph (clustering and 2-D map).
        resolution: Leiden resolution; higher gives more, smaller topics. 2.0
            gives 21 topics on the default corpus and 33-34 on 10,000 arXiv
            papers; see benchmarks/results/topic_quality.md.
        consensus_runs: Leiden runs per consensus round. 0 means automatic:
            20 below 30,000 papers, 10 from there (where each run costs seconds).
        consensus_threshold: Edges kept by fewer than this share of runs are cut.
        min_topic_size: Smallest topic; smaller groups are outliers. 0 means
            automatic: 0.5% of the corpus, between 5 and 100 papers.
        top_n_words: Terms per topic (KeyBERTInspired + MMR).
        mmr_diversity: Diversity of the MMR step, in [0, 1].
        outlier_reduction: Assign outliers to the nearest topic centroid until at
            most ``outlier_target`` of the corpus is left as outliers.
        outlier_target: Target outlier share of the reduction.
        outlier_min_similarity: Outliers less similar than this to every topic
            centroid stay outliers, whatever the target.
        map_min_dist: UMAP ``min_dist`` of the 2-D map.
        stability_runs: Also cluster with this many seeds and report the mean
            pairwise ARI (0: skip).
        levels: Levels of the topic tree, themes and topics included (2, 3 or
            4); 0 means automatic by corpus size (see :mod:`landscape.fit.hierarchy`).
    """

    seed: int = 42
    method: str = "consensus-leiden"
    n_neighbors: int = 15
    resolution: float = 2.0
    consensus_runs: int = 0
    consensus_threshold: float = 0.2
    min_topic_size: int = 0
    top_n_words: int = 10
    mmr_diversity: float = 0.3
    outlier_reduction: bool = False
    outlier_target: float = 0.05
    outlier_min_similarity: float = 0.2
    map_min_dist: float = 0.1
    stability_runs: int = 0
    levels: int = 0


@dataclass(frozen=True)
class LabelsConfig:
    """Topic labels: user renames and optional LLM labels (see :mod:`landscape.labels.overrides`).

    Attributes:
        file: A TOML file of renames; empty means ``runs/NAME/labels.toml`` when
            it exists (``landscape labels init`` writes a template there).
        llm_endpoint: Base URL of an OpenAI-compatible API (``.../v1``). Empty
            (the default) means no LLM is ever called. When set, ``landscape
            labels llm`` sends each topic's top terms and three titles there.
        llm_model: Model name sent to the endpoint.
        llm_api_key_env: Environment variable holding the API key (never stored).
        llm_timeout: Seconds per request.
        llm_max_topics: Label at most this many topics, the largest first.
    """

    file: str = ""
    llm_endpoint: str = ""
    llm_model: str = ""
    llm_api_key_env: str = "OPENAI_API_KEY"
    llm_timeout: float = 60.0
    llm_max_topics: int = 50


@dataclass(frozen=True)
class Config:
    """All settings of a run.

    Attributes:
        paths: Folder layout.
        ingest: Ingest and cleaning settings.
        embed: Embedding model and cache.
        topics: Clustering, topics and the 2-D map.
        labels: User renames and optional LLM labels.
    """

    paths: PathsConfig = field(default_factory=PathsConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    embed: EmbedConfig = field(default_factory=EmbedConfig)
    topics: TopicsConfig = field(default_factory=TopicsConfig)
    labels: LabelsConfig = field(default_factory=LabelsConfig)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain data (for provenance files)."""
        return dataclasses.asdict(self)


def _coerce(section: str, name: str, value: Any, default: Any, source: str) -> Any:
    """Check a TOML value against the type of its default."""
    if isinstance(default, dict):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
        ):
            raise ConfigError(
                f"{source}: [{section}] {name} must be a table of names (text), got {value!r}"
            )
        return dict(value)
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
