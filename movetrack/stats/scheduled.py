"""The days a placement was scheduled to attend, as SQL: the one place that knows it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from movetrack.attendance.queries import STARTED_STATUSES, weekday_of
from movetrack.placements.models import Placement, ScheduleDay
from movetrack.stats.sqldates import calendar


def scheduled_days(first: dt.date, last: dt.date) -> sa.Select:
    """Rows (placement_id, day): every day from `first` to `last` on which a started
    placement was running (from its start to its end, inclusive) and its schedule has
    the weekday. Restrict the placements by joining or filtering on `placement_id`.

    It must follow the schedule valid on each day: today a placement has one weekly
    schedule (ScheduleDay, no history), so that is the one used for every day. When
    schedules get validity periods (and public holidays), change this function alone:
    join the schedule version valid on `calendar.c.day` instead of ScheduleDay, and
    leave out the holidays. Callers never count scheduled days any other way.
    """
    days = calendar(first, last)
    return (
        sa.select(Placement.id.label("placement_id"), days.c.day)
        .join(ScheduleDay, ScheduleDay.placement_id == Placement.id)
        .join(
            days,
            sa.and_(
                weekday_of(days.c.day) == ScheduleDay.weekday,
                days.c.day >= Placement.start_date,
                sa.or_(Placement.end_date.is_(None), days.c.day <= Placement.end_date),
            ),
        )
        .where(Placement.status.in_(STARTED_STATUSES), Placement.start_date.is_not(None))
    )
