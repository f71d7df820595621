"""What every benchmark result records, in one place: the machine, the code, the spread.

- :func:`facts`: CPU model (/proc/cpuinfo "model name"), core count, git commit
  (and whether the working tree had uncommitted changes), library versions, time.
- :class:`Meter`: the 1-minute load average at the start and end of one measured
  run, and how many cores other processes kept busy meanwhile (from /proc/stat,
  less this process's and its children's own CPU time), so a number taken while
  other work ran says so.
- :func:`wait_for_quiet`: before a measured run, wait (a bounded time) for other
  work to stop.
- :func:`spread` / :func:`cell`: a timed cell is the median of its runs with the
  minimum and maximum beside it, ``12.3 [11.9-13.0]``; never a single run.

Git is only read (``rev-parse``, ``status`` without optional locks).
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import statistics
import subprocess
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIN_RUNS = 3
LIBRARIES = (
    "landscape",
    "bertopic",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "umap-learn",
    "pynndescent",
    "hdbscan",
    "numba",
    "leidenalg",
    "igraph",
    "torch",
    "openvino",
    "sentence-transformers",
    "transformers",
    "dask",
    "distributed",
)


def cpu_model() -> str:
    """The "model name" line of /proc/cpuinfo (the platform's processor string elsewhere)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True,
            timeout=30, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def versions(names: tuple[str, ...] = LIBRARIES) -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def facts() -> dict:
    """The machine and code a result was measured on (call once per results file)."""
    changed = _git("status", "--porcelain", "--untracked-files=no")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
        "git_commit": _git("rev-parse", "--short", "HEAD") or "unknown",
        "git_uncommitted_files": len(changed.splitlines()) if changed else 0,
        "versions": versions(),
    }


def facts_markdown(f: dict) -> list[str]:
    """Lines for the head of a results .md file."""
    v = f["versions"]
    libs = ", ".join(f"{k} {val}" for k, val in v.items() if val != "not installed")
    missing = [k for k, val in v.items() if val == "not installed"]
    tree = (
        f", with {f['git_uncommitted_files']} tracked files changed and not yet committed"
        if f["git_uncommitted_files"]
        else ""
    )
    lines = [
        f"Measured {f['date_utc']} UTC on {f['cpu_model']}, {f['cpu_count']} cores "
        f"({f['cpus_usable']} usable), {f['memory_gb']} GB; code at commit "
        f"`{f['git_commit']}`{tree}.",
        "",
        f"Libraries: {libs}" + (f" (not installed: {', '.join(missing)})" if missing else "") + ".",
    ]
    return lines


# --------------------------------------------------------------------------- load


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def _busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat; 0 where absent)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds(pids: tuple[int, ...] = ()) -> float:
    """CPU seconds of this process, of its children that have ended, and of ``pids``."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            # Fields after the command name: utime and stime are the 12th and 13th.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Meter:
    """Load around one measured run: ``with Meter() as m: ...; m.record``.

    ``other_cores`` is the mean number of cores kept busy by processes other than
    this one, the children it waited for and ``pids`` (say, Dask workers); on an
    otherwise idle machine it is about 0.
    """

    def __init__(self, pids: tuple[int, ...] = ()) -> None:
        self.pids = tuple(pids)

    def __enter__(self) -> Meter:
        self.load_start = load1()
        self._busy, self._own = _busy_seconds(), _own_seconds(self.pids)
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        wall = time.perf_counter() - self._t
        busy = _busy_seconds() - self._busy
        own = _own_seconds(self.pids) - self._own
        self.record = {
            "load1_start": self.load_start,
            "load1_end": load1(),
            "other_cores": round(max(0.0, busy - own) / wall, 2) if wall > 0 and busy else None,
        }


def wait_for_quiet(max_wait: float = 90.0, threshold: float = 0.3, window: float = 3.0) -> dict:
    """Wait until other processes use under ``threshold`` cores (at most ``max_wait`` s).

    Returns ``{"waited_s", "other_cores"}``: the last window's reading, so a run
    started on a busy machine (after the wait ran out) is marked as such.
    """
    start = time.perf_counter()
    while True:
        with Meter() as m:
            time.sleep(window)
        other = m.record["other_cores"] or 0.0
        waited = time.perf_counter() - start
        if other < threshold or waited >= max_wait:
            return {"waited_s": round(waited, 1), "other_cores": other}


def load_summary(records: list[dict]) -> str:
    """``0.4->1.9 (other 0.0), 1.9->2.0 (other 1.0)``: per run, 1-minute load average
    at start and end, and the cores other processes kept busy."""
    out = []
    for r in records:
        text = f"{r['load1_start']:.1f}->{r['load1_end']:.1f}"
        if r.get("other_cores") is not None:
            text += f" (other {r['other_cores']:.1f})"
        out.append(text)
    return ", ".join(out)


# --------------------------------------------------------------------------- spread


def spread(values: list[float], digits: int = 3, allow_fewer: bool = False) -> dict:
    """Median, minimum, maximum and the runs themselves, of at least MIN_RUNS values.

    ``allow_fewer`` lets a smoke test through; :func:`cell` then says how few.
    """
    if not values or (len(values) < MIN_RUNS and not allow_fewer):
        raise ValueError(f"a timed cell needs at least {MIN_RUNS} runs, got {len(values)}")
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": [round(v, digits) for v in values],
        "n": len(values),
    }


def cell(s: dict | list[float] | None, fmt: str = ".1f") -> str:
    """``median [min-max]`` of a :func:`spread` (or of raw values); ``-`` for none."""
    if s is None:
        return "-"
    if not isinstance(s, dict):
        s = spread(list(s))
    text = f"{s['median']:{fmt}} [{s['min']:{fmt}}-{s['max']:{fmt}}]"
    n = s.get("n", len(s.get("runs", ())))
    return text if n >= MIN_RUNS else f"{text} ({n} run{'s' if n > 1 else ''} only)"
