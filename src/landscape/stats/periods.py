"""Calendar periods of dates: the period of each paper and the gap-free list of periods.

Used by the topics-over-time figure (:mod:`landscape.maps.compare`), the trend
tables (:mod:`landscape.stats.trends`) and the period groups of
:mod:`landscape.stats.contrast`. It needs only pandas, so the statistics modules do not
import plotly through it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: The pandas period code of each ``freq`` name (short names too).
FREQ_CODES = {"year": "Y", "y": "Y", "quarter": "Q", "q": "Q", "month": "M", "m": "M"}


def _clean(value: Any) -> str:
    """A data value as one line of plain text (whitespace collapsed)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return " ".join(str(value).split())


def periods(values: pd.Series, freq: str) -> tuple[pd.Series, list[Any]]:
    """Period of each value (NaN when unknown) and the full, gap-free list of periods.

    Numeric values are years (a year cannot be split finer, so they give years
    whatever ``freq`` is); strings are parsed as dates (ISO 8601 first, then any
    format pandas reads), datetimes are used as they are.

    Args:
        values: Dates, int years, or date strings; shape (n,).
        freq: ``"year"``, ``"quarter"`` or ``"month"`` (or ``"y"``, ``"q"``, ``"m"``).

    Returns:
        ``(period_of, full)``: ``period_of`` has the index of ``values`` and holds
        the year (a number) or, for quarters and months, the ISO start date of the
        period (``"2021-07-01"``), NaN where a value is missing or unreadable;
        ``full`` lists every period from the first to the last, in order (ints
        for years, ISO start dates otherwise); empty when no value is usable.

    Raises:
        ValueError: ``freq`` is not one of the three.
    """
    code = FREQ_CODES.get(freq.lower())
    if code is None:
        raise ValueError(f"freq must be one of year, quarter, month; got {freq!r}")
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        years = pd.to_numeric(values, errors="coerce")
        years = years.where((years >= 1) & (years <= 9999) & (years == years.round()))
        if years.notna().sum() == 0:
            return years, []
        lo, hi = int(years.min()), int(years.max())
        return years, list(range(lo, hi + 1))
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = pd.to_datetime(values, errors="coerce", utc=True)
    else:
        text = values.map(lambda v: None if v is None or _clean(v) == "" else _clean(v))
        text = text.astype(object).where(text.notna(), None)
        dates = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
        retry = dates.isna() & text.notna()
        if retry.any():
            dates[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed", utc=True)
    dates = dates.dt.tz_convert(None)
    if dates.notna().sum() == 0:
        return pd.Series(np.nan, index=values.index), []
    if code == "Y":
        years = dates.dt.year.astype("float64")
        return years, list(range(int(years.min()), int(years.max()) + 1))
    periods = dates.dt.to_period(code)
    full = pd.period_range(periods.min(), periods.max(), freq=code)
    start = {p: p.start_time.strftime("%Y-%m-%d") for p in full}
    return periods.map(lambda p: start.get(p) if pd.notna(p) else np.nan), list(start.values())
