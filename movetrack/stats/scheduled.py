"""The days a placement was scheduled to attend, and those it attended, counted in SQL:
the one place that knows it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from movetrack.attendance.models import PRESENT_STATUSES, Attendance
from movetrack.attendance.queries import STARTED_STATUSES
from movetrack.attendance.scheduled import public_holidays_between
from movetrack.placements.models import Placement, ScheduleDay
from movetrack.stats.sqldates import date_literal, day_before, days_from, earliest, latest, weekday_of


def days_per_placement(first: dt.date, last: dt.date) -> sa.Select:
    """Rows (placement_id, scheduled, present), one per started placement with at least
    one scheduled day from `first` to `last`: its scheduled days (from its start to its
    end, inclusive, on the weekdays of the weekly schedule valid that day, public
    holidays left out, as attendance/scheduled.py decides for the day view and the
    rates) and how many of them it was present on, fully or partly. Restrict the
    placements by joining on `placement_id`. Callers never count scheduled days any
    other way.

    Counted, not listed: each weekday of each schedule period, clipped to the period
    asked for and the placement's run, is a stretch of days whose matching weekdays are
    arithmetic; a large municipality's year has about 230,000 scheduled days, which the
    database used to make one by one and join to attendance (issue 14).
    """
    stretches = _stretches(first, last).subquery("stretches")
    holidays = public_holidays_between(first, last)
    attended = _days_present(first, last, holidays)
    # Each stretch with the days present on it (each day of a placement falls in at most
    # one stretch: its periods follow one another), then summed per placement.
    per_stretch = (
        sa.select(stretches.c.placement_id,
                  (_weekdays_in(stretches) - _holidays_in(stretches, holidays)).label("scheduled"),
                  sa.func.count(attended.c.on_date).label("present"))
        .outerjoin(attended, sa.and_(
            attended.c.placement_id == stretches.c.placement_id,
            attended.c.weekday == stretches.c.weekday,
            attended.c.on_date.between(stretches.c.starts, stretches.c.ends),
        ))
        .group_by(stretches.c.placement_id, stretches.c.weekday, stretches.c.starts, stretches.c.ends)
        .subquery("per_stretch")
    )
    scheduled = sa.func.sum(per_stretch.c.scheduled)
    return (
        sa.select(per_stretch.c.placement_id, sa.cast(scheduled, sa.BigInteger).label("scheduled"),
                  sa.cast(sa.func.sum(per_stretch.c.present), sa.BigInteger).label("present"))
        .group_by(per_stretch.c.placement_id)
        .having(scheduled > 0)
    )


def _days_present(first: dt.date, last: dt.date, holidays: list[dt.date]) -> sa.Subquery:
    """(placement_id, on_date, weekday) of every day recorded present, fully or partly,
    from first to last, public holidays left out: the period's rows, read once and
    matched to the stretches by a hash on (placement, weekday). OFFSET 0 keeps
    PostgreSQL from instead looking up each stretch's days in the attendance index,
    which reads every weekday's rows for each weekday and which it chose because it
    cannot estimate the stretches (2.6 s for a large municipality's year; issue 14)."""
    return (
        sa.select(Attendance.placement_id, Attendance.on_date, weekday_of(Attendance.on_date).label("weekday"))
        .where(Attendance.on_date.between(first, last), Attendance.status.in_(PRESENT_STATUSES),
               *([Attendance.on_date.not_in(holidays)] if holidays else []))
        .offset(0)
        .subquery("days_present")
    )


def _stretches(first: dt.date, last: dt.date) -> sa.Select:
    """(placement_id, weekday, starts, ends): each weekday of each weekly schedule period,
    from the later of the period's valid_from, the placement's start and `first` to the
    earlier of the day before the next period's valid_from, the placement's end and
    `last`; empty ones left out."""
    # Each weekly schedule period runs until the next one begins (open-ended for the
    # last): looked up per schedule row (an index seek), which PostgreSQL estimates
    # well; a window over the periods joined back on two columns it guessed at 2 rows.
    later = aliased(ScheduleDay)
    valid_until = (
        sa.select(sa.func.min(later.valid_from))
        .where(later.placement_id == ScheduleDay.placement_id, later.valid_from > ScheduleDay.valid_from)
        .scalar_subquery()
    )
    until = date_literal(last)
    starts = latest(date_literal(first), Placement.start_date, ScheduleDay.valid_from)
    ends = earliest(until, sa.func.coalesce(Placement.end_date, until),
                    sa.func.coalesce(day_before(valid_until), until))
    stretches = (
        sa.select(Placement.id.label("placement_id"), ScheduleDay.weekday,
                  starts.label("starts"), ends.label("ends"))
        .join(ScheduleDay, ScheduleDay.placement_id == Placement.id)
        .where(
            Placement.status.in_(STARTED_STATUSES),
            Placement.start_date.is_not(None),
            Placement.start_date <= last,
            sa.or_(Placement.end_date.is_(None), Placement.end_date >= first),
        )
        # OFFSET 0, here and below: each schedule row's next period is looked up once, not
        # again for the filter, and each stretch is made once, not once per day joined to it.
        .offset(0)
        .subquery("clipped")
    )
    return sa.select(stretches).where(stretches.c.starts <= stretches.c.ends).offset(0)


def _weekdays_in(stretch) -> sa.ColumnElement[int]:
    """The days from `starts` to `ends` (inclusive, starts <= ends) that fall on the
    stretch's weekday: after the first of them (`offset` days in), one a week."""
    offset = (stretch.c.weekday - weekday_of(stretch.c.starts) + 7) % 7
    # With n = ends − starts, in whole numbers: (n − offset + 7) // 7 is 0 when the first
    # one falls after `ends` (n − offset is then −6 … −1), else 1 + the whole weeks after it.
    return (days_from(stretch.c.starts, stretch.c.ends) - offset + 7) // 7


def _holidays_in(stretch, holidays: list[dt.date]) -> sa.ColumnElement[int]:
    """How many of the public holidays fall within the stretch on its weekday (a handful
    a year: one term each)."""
    return sum(
        (sa.case((sa.and_(stretch.c.weekday == day.weekday(),
                          stretch.c.starts <= date_literal(day), date_literal(day) <= stretch.c.ends), 1),
                 else_=0) for day in holidays),
        sa.literal(0),
    )
