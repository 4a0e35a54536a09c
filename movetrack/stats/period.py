"""The period and the filters a statistics page describes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from movetrack.followups.schedule import add_months

MAX_YEARS = 10  # a longer period is refused (the monthly series would not be readable)


@dataclass(frozen=True)
class Period:
    """First day F to last day L, inclusive (MOVE.md §5)."""

    first: dt.date
    last: dt.date

    def month_ends(self) -> list[dt.date]:
        """The last day of each month in the period (the period's own last day for the
        last month), where the monthly series takes "active"."""
        ends, month_start = [], self.first.replace(day=1)
        while month_start <= self.last:
            next_month = add_months(month_start, 1)
            ends.append(min(next_month - dt.timedelta(days=1), self.last))
            month_start = next_month
        return ends

    @property
    def three_months_before_last(self) -> dt.date:
        """The day three calendar months before L ("moved up in the last 3 months")."""
        return add_months(self.last, -3)


def shortcuts(today: dt.date) -> list[tuple[str, Period]]:
    """Ready-made periods: this and last month, quarter and year (up to today)."""
    month = today.replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    year = today.replace(month=1, day=1)
    day_before = dt.timedelta(days=1)
    return [
        ("this_month", Period(month, today)),
        ("last_month", Period(add_months(month, -1), month - day_before)),
        ("this_quarter", Period(quarter, today)),
        ("last_quarter", Period(add_months(quarter, -3), quarter - day_before)),
        ("this_year", Period(year, today)),
        ("last_year", Period(year.replace(year=year.year - 1), year - day_before)),
    ]


@dataclass(frozen=True)
class Filters:
    """Which placements count: None means any."""

    ordering_unit_id: int | None = None
    unit_id: int | None = None
    workstation_id: int | None = None
    gender: str | None = None
    age_band: str | None = None
    need_category_id: int | None = None
    target_group: str | None = None
