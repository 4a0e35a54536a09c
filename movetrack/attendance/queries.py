"""Reading attendance: rates over a period and one placement's month (the day's roster is
roster.py, the monthly report report.py). A fixed number of statements each, however many
people or days.

Attendance rate (MOVE.md §5): days present, fully or partly, / days scheduled, within the
period. The scheduled days are those of scheduled.py (the schedule valid on each day, no
public holidays) from the later of the placement's start and the period's first day to
the earlier of its end and the period's last day, and never after today: a day that has
not come is not yet missed. Only attendance on scheduled days counts, so the rate stays
between 0 and 1 even when a schedule is changed after the fact. attendance_summary is the
one place the rate is computed; every page shows it from there.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.attendance.models import PRESENT_STATUSES, Attendance, AttendanceStatus
from movetrack.attendance.scheduled import scheduled_hours
from movetrack.audit import AuditEvent
from movetrack.auth.models import User
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.participants.models import Participant
from movetrack.placements.models import (
    Placement,
    PlacementStatus,
    ScheduleDay,
    schedule_periods,
)

# Placements whose days can be scheduled: started, and either going on or ended.
STARTED_STATUSES = (PlacementStatus.ACTIVE, PlacementStatus.ENDED)
# The audit actions of attendance (services.py writes them), for a day's attributed history.
AUDIT_ACTIONS = ("attendance.recorded", "attendance.corrected", "attendance.cleared")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> Month:
        return Month.of(self.first - dt.timedelta(days=1))

    @property
    def next(self) -> Month:
        return Month.of(self.last + dt.timedelta(days=1))

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range(self.last.day)]

    def __str__(self) -> str:  # the form the URLs and <input type="month"> use
        return f"{self.year:04d}-{self.month:02d}"


# ---------------------------------------------------------------------------------------
# Rates


@dataclass(frozen=True)
class AttendanceFigures:
    """A placement's attendance over a period. `present_days` counts full and partial
    days alike; `rate` is present_days / scheduled_days, None when nothing was scheduled."""

    present_days: int = 0
    scheduled_days: int = 0
    rate: float | None = None
    partly_days: int = 0
    partly_hours: float = 0.0
    sick_days: int = 0
    valid_reason_days: int = 0
    unannounced_days: int = 0

    @property
    def full_days(self) -> int:
        return self.present_days - self.partly_days

    @property
    def absent_days(self) -> int:
        return self.sick_days + self.valid_reason_days + self.unannounced_days

    @property
    def unrecorded_days(self) -> int:
        """Scheduled days that have come and have no record yet."""
        return self.scheduled_days - self.present_days - self.absent_days

    def to_json(self) -> dict:
        """Plain values, for freezing into a follow-up's summary."""
        return {
            "present_days": self.present_days,
            "scheduled_days": self.scheduled_days,
            "rate": self.rate,
            "partly_days": self.partly_days,
            "partly_hours": self.partly_hours,
            "sick_days": self.sick_days,
            "valid_reason_days": self.valid_reason_days,
            "unannounced_days": self.unannounced_days,
        }


def attendance_summary(
    placement_ids: Iterable[int], first: dt.date, last: dt.date, today: dt.date | None = None
) -> dict[int, AttendanceFigures]:
    """{placement id: figures from first to last} for every id asked for; two statements.
    Days after `today` (the workshop's today by default) are not counted."""
    ids = list(dict.fromkeys(placement_ids))
    if not ids:
        return {}
    last = min(last, today or local_today())
    scheduled = _scheduled_days(ids, first, last)
    counts = _counts_on_scheduled_days(ids, first, last, scheduled)
    return {pid: _figures(len(scheduled.get(pid, {})), counts.get(pid, {})) for pid in ids}


def placement_figures(
    placement: Placement, first: dt.date | None, last: dt.date, today: dt.date
) -> AttendanceFigures | None:
    """One placement's figures from first (None: not started, no figures) to last."""
    if first is None:
        return None
    return attendance_summary([placement.id], first, last, today)[placement.id]


def _scheduled_days(ids: list[int], first: dt.date, last: dt.date) -> dict[int, dict]:
    """{placement id: {day: hours}} of the scheduled days from first to last."""
    rows = db.session.execute(
        sa.select(Placement.id, Placement.start_date, Placement.end_date, ScheduleDay)
        .join(ScheduleDay, ScheduleDay.placement_id == Placement.id)
        .where(
            Placement.id.in_(ids),
            Placement.status.in_(STARTED_STATUSES),
            Placement.start_date.is_not(None),
        )
    )
    spans, days = {}, defaultdict(list)
    for placement_id, start_date, end_date, schedule_day in rows:
        spans[placement_id] = (start_date, end_date)
        days[placement_id].append(schedule_day)
    return {
        pid: scheduled_hours(schedule_periods(days[pid]), *spans[pid], first, last)
        for pid in spans
    }


def _counts_on_scheduled_days(ids: list[int], first: dt.date, last: dt.date,
                              scheduled: dict[int, dict]) -> dict:
    """{placement id: {status: (days, hours)}} for records on scheduled, counted days."""
    rows = db.session.execute(
        sa.select(Attendance.placement_id, Attendance.on_date, Attendance.status, Attendance.hours)
        .where(Attendance.placement_id.in_(ids), recorded(), Attendance.on_date.between(first, last))
    )
    counts: dict[int, dict] = defaultdict(dict)
    for placement_id, on_date, status, hours in rows:
        if on_date in scheduled.get(placement_id, {}):
            days, total = counts[placement_id].get(AttendanceStatus(status), (0, Decimal(0)))
            counts[placement_id][AttendanceStatus(status)] = (days + 1, total + (hours or 0))
    return counts


def _figures(scheduled: int, counts: dict) -> AttendanceFigures:
    def days(status: AttendanceStatus) -> int:
        return counts.get(status, (0, 0))[0]

    present = sum(days(status) for status in PRESENT_STATUSES)
    return AttendanceFigures(
        present_days=present,
        scheduled_days=scheduled,
        rate=present / scheduled if scheduled else None,
        partly_days=days(AttendanceStatus.PARTLY),
        partly_hours=float(counts.get(AttendanceStatus.PARTLY, (0, Decimal(0)))[1]),
        sick_days=days(AttendanceStatus.SICK),
        valid_reason_days=days(AttendanceStatus.VALID_REASON),
        unannounced_days=days(AttendanceStatus.UNANNOUNCED),
    )


# ---------------------------------------------------------------------------------------
# One placement


def recorded() -> sa.ColumnElement[bool]:
    """Records that say something: a record taken away keeps its row (for its version)
    with an empty status, and counts nowhere."""
    return Attendance.status.is_not(None)


def day_record(placement: Placement, day: dt.date) -> Attendance | None:
    """The placement's record of the day, as the database has it now (its status empty
    when it was taken away)."""
    return db.session.scalar(
        sa.select(Attendance)
        .where(Attendance.placement_id == placement.id, Attendance.on_date == day)
        .execution_options(populate_existing=True)
    )


@dataclass(frozen=True)
class Change:
    """One attributed step in a day's history: what it became (None: record taken away)."""

    at: dt.datetime
    actor_name: str | None
    old_status: str | None
    old_hours: Decimal | None
    new_status: str | None
    new_hours: Decimal | None


@dataclass
class DayRow:
    day: dt.date
    scheduled_hours: Decimal | None  # None: not a scheduled day
    attendance: Attendance | None
    changes: list[Change] = field(default_factory=list)


def placement_month(placement: Placement, month: Month, today: dt.date) -> list[DayRow]:
    """Every day of the month up to today that the placement scheduled or has a record for,
    each with its attributed history of changes; two statements."""
    records = {
        record.on_date: record
        for record in db.session.scalars(
            sa.select(Attendance)
            .where(
                Attendance.placement_id == placement.id,
                recorded(),
                Attendance.on_date.between(month.first, month.last),
            )
            .options(orm.joinedload(Attendance.recorded_by))
        )
    }
    scheduled = scheduled_hours_by_day(placement, month.first, min(month.last, today))
    rows = [
        DayRow(day, scheduled.get(day), records.get(day))
        for day in month.days()
        if day in scheduled or day in records
    ]
    changes = _changes(placement, month)
    for row in rows:
        row.changes = changes.get(row.day, [])
    return rows


def scheduled_hours_by_day(
    placement: Placement, first: dt.date, last: dt.date
) -> dict[dt.date, Decimal]:
    """{day: hours} for each day from first to last the placement ran and scheduled."""
    if placement.status not in STARTED_STATUSES or not placement.start_date:
        return {}
    return scheduled_hours(
        placement.schedule_periods, placement.start_date, placement.end_date, first, last
    )


def _changes(placement: Placement, month: Month) -> dict[dt.date, list[Change]]:
    details = AuditEvent.details
    events = db.session.execute(
        sa.select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.participant_id == placement.participant_id,
            AuditEvent.action.in_(AUDIT_ACTIONS),
            details["placement_id"].as_integer() == placement.id,
            details["on_date"].as_string().between(month.first.isoformat(), month.last.isoformat()),
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    by_day: dict[dt.date, list[Change]] = defaultdict(list)
    for event, actor_name in events:
        facts = event.details
        by_day[dt.date.fromisoformat(facts["on_date"])].append(
            Change(
                at=event.at,
                actor_name=actor_name,
                old_status=facts.get("old_status"),
                old_hours=_hours(facts.get("old_hours")),
                new_status=facts.get("status"),
                new_hours=_hours(facts.get("hours")),
            )
        )
    return by_day


def _hours(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


def by_display_name():
    """The order of people on every attendance list: by the name they go by."""
    return sa.func.coalesce(Participant.preferred_name, Participant.name), Participant.id
