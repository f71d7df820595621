import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from landscape.stats.periods import periods


def test_numbers_are_years_and_the_range_has_no_gaps():
    values = pd.Series([2012, 2010.0, np.nan, 2010.5, 0, 10000], index=list("abcdef"))
    period_of, full = periods(values, "quarter")  # years cannot be split
    assert full == [2010, 2011, 2012]
    assert period_of.index.equals(values.index)
    assert period_of.tolist()[:2] == [2012, 2010]
    assert period_of.iloc[2:].isna().all()


def test_dates_give_years_or_period_starts():
    values = pd.Series(["2021-02-03", " 2020-11-30 ", None, "", "not a date", "05 Jan 2021"])
    years, full = periods(values, "year")
    assert full == [2020, 2021]
    assert years.tolist()[:2] == [2021, 2020] and years.iloc[2:5].isna().all()
    assert years.iloc[5] == 2021
    quarters, full = periods(values, "q")
    assert full == ["2020-10-01", "2021-01-01"]
    assert quarters.tolist()[:2] == ["2021-01-01", "2020-10-01"]
    months, full = periods(values, "Month")
    assert full[0] == "2020-11-01" and full[-1] == "2021-02-01" and len(full) == 4
    assert months.iloc[5] == "2021-01-01"


def test_datetimes_and_no_usable_value():
    values = pd.Series(pd.to_datetime(["2019-12-31", None, "2019-06-01"]))
    months, full = periods(values, "month")
    assert months.tolist()[0] == "2019-12-01" and pd.isna(months.iloc[1])
    assert full[0] == "2019-06-01" and len(full) == 7
    empty, none = periods(pd.Series([None, "", "??"]), "year")
    assert none == [] and empty.isna().all() and len(empty) == 3
    assert periods(pd.Series([np.nan, -3.0]), "year")[1] == []


def test_unknown_freq_is_refused():
    with pytest.raises(ValueError, match="week"):
        periods(pd.Series(["2021-01-01"]), "week")


def test_statistics_modules_do_not_import_plotly():
    code = (
        "import sys, landscape.stats.contrast, landscape.stats.trends, landscape.stats.periods; "
        "sys.exit('plotly' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
