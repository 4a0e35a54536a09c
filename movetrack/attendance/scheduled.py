"""Which days a placement is scheduled: from its start to its end, each day by the weekly
schedule valid on that day (ScheduleDay's periods), never on a Swedish public holiday
(the workshops are closed; the `holidays` package knows the moving ones, Easter and
Midsummer). One place, so the day view, the rates and the reports agree on every day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from decimal import Decimal

import holidays

from movetrack.placements.models import SchedulePeriod, period_on


@functools.lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[dt.date]:
    # Sundays are not holidays here: a person scheduled on Sundays comes on Sundays.
    return frozenset(holidays.Sweden(years=year, include_sundays=False))


def is_public_holiday(day: dt.date) -> bool:
    return day in _public_holidays(day.year)


def public_holidays_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The public holidays from first to last, for queries that leave them out in SQL."""
    return sorted(
        day for year in range(first.year, last.year + 1) for day in _public_holidays(year)
        if first <= day <= last
    )


def running_span(
    start_date: dt.date, end_date: dt.date | None, first: dt.date, last: dt.date
) -> tuple[dt.date, dt.date]:
    """The days of [first, last] a placement ran, from its start to its end (if it ended);
    empty (the first day after the last) when they do not meet."""
    return max(first, start_date), min(last, end_date) if end_date else last


def hours_on(periods: list[SchedulePeriod], day: dt.date) -> Decimal | None:
    """The hours scheduled on the day by the schedule valid then; None: not a scheduled day."""
    period = period_on(periods, day)
    if period is None or is_public_holiday(day):
        return None
    return period.hours.get(day.weekday())


def scheduled_hours(
    periods: list[SchedulePeriod], start_date: dt.date, end_date: dt.date | None,
    first: dt.date, last: dt.date,
) -> dict[dt.date, Decimal]:
    """{day: hours} for every scheduled day from first to last that the placement ran."""
    return {
        day: hours for day in _days(*running_span(start_date, end_date, first, last))
        if (hours := hours_on(periods, day)) is not None
    }


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    return (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
