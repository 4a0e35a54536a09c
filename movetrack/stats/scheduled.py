"""The days a placement was scheduled to attend, as SQL: the one place that knows it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from movetrack.attendance.queries import STARTED_STATUSES
from movetrack.attendance.scheduled import public_holidays_between
from movetrack.placements.models import Placement, ScheduleDay
from movetrack.stats.sqldates import calendar, weekday_of


def scheduled_days(first: dt.date, last: dt.date) -> sa.Select:
    """Rows (placement_id, day): every day from `first` to `last` on which a started
    placement was running (from its start to its end, inclusive) and the weekly schedule
    valid that day (the ScheduleDay period begun last on or before it) has the weekday,
    public holidays left out, as attendance/scheduled.py decides for the day view and the
    rates. Restrict the placements by joining or filtering on `placement_id`. Callers
    never count scheduled days any other way.
    """
    days = calendar(first, last)
    # Each weekly schedule period runs from its valid_from to the next period's (exclusive;
    # open-ended for the last): lead() over the placement's periods, read once, instead
    # of asking "has a later period begun?" per placement and day (a probe for each of a
    # large municipality's 260,000 candidate days a year: issue 14).
    begun = sa.select(ScheduleDay.placement_id, ScheduleDay.valid_from).distinct().subquery("begun")
    periods = sa.select(
        begun.c.placement_id, begun.c.valid_from,
        sa.func.lead(begun.c.valid_from).over(
            partition_by=begun.c.placement_id, order_by=begun.c.valid_from
        ).label("valid_until"),
    ).subquery("periods")
    holidays = public_holidays_between(first, last)
    return (
        sa.select(Placement.id.label("placement_id"), days.c.day)
        .join(ScheduleDay, ScheduleDay.placement_id == Placement.id)
        .join(periods, sa.and_(periods.c.placement_id == ScheduleDay.placement_id,
                               periods.c.valid_from == ScheduleDay.valid_from))
        .join(
            days,
            sa.and_(
                weekday_of(days.c.day) == ScheduleDay.weekday,
                days.c.day >= Placement.start_date,
                sa.or_(Placement.end_date.is_(None), days.c.day <= Placement.end_date),
                days.c.day >= ScheduleDay.valid_from,
                sa.or_(periods.c.valid_until.is_(None), days.c.day < periods.c.valid_until),
            ),
        )
        .where(
            Placement.status.in_(STARTED_STATUSES),
            Placement.start_date.is_not(None),
            # Implied by the join (a day from first to last, between start and end), but
            # said here so the database drops the placements that did not run then before
            # pairing every one of them with every day (issue 14: years of history).
            Placement.start_date <= last,
            sa.or_(Placement.end_date.is_(None), Placement.end_date >= first),
            *([days.c.day.not_in(holidays)] if holidays else []),
        )
    )
