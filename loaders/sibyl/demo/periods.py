"""The generator's calendar: the window of days with usage and the billing periods it spans.

Days are counted from the window's first day (day 0); a period knows its first and last day with
data, so the last period of a window that ends mid-month is month-to-date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Period:
    index: int
    start: dt.date
    end: dt.date  # exclusive: first day of the next month
    first_day: int  # window day index of `start`
    last_day: int  # window day index of the last day with data (inclusive)
    closed: bool  # the whole month has data

    @property
    def label(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def hours(self) -> int:
        return (self.end - self.start).days * 24

    @property
    def start_ms(self) -> int:
        return _ms(self.start)

    @property
    def end_ms(self) -> int:
        return _ms(self.end)


def _ms(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days * DAY_MS


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def make_calendar(end_date: dt.date, months: int) -> tuple[dt.date, int, list[Period]]:
    """(window start, number of days, billing periods) for data up to `end_date` (exclusive)."""
    last = end_date - dt.timedelta(days=1)
    start = last.replace(day=1)
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    n_days = (last - start).days + 1
    periods: list[Period] = []
    p_start = start
    while p_start <= last:
        p_end = _first_of_next_month(p_start)
        data_end = min(p_end - dt.timedelta(days=1), last)
        periods.append(
            Period(len(periods), p_start, p_end, (p_start - start).days, (data_end - start).days, data_end == p_end - dt.timedelta(days=1))
        )
        p_start = p_end
    return start, n_days, periods
