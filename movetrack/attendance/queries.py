"""Reading attendance: the day's roster, rates over a period, one placement's month. A fixed
number of statements each, however many people or days.

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
from movetrack.attendance.scheduled import is_public_holiday, scheduled_hours
from movetrack.audit import AuditEvent
from movetrack.auth.models import User
from movetrack.auth.policy import Share, consent_exists, participants_in_scope, placements_in_scope
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Unit
from movetrack.participants.models import Participant
from movetrack.placements.models import (
    OPEN_STATUSES,
    Placement,
    PlacementStatus,
    ScheduleDay,
    schedule_periods,
)
from movetrack.placements.queries import counted

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
# The day view


@dataclass(frozen=True)
class RosterEntry:
    """Someone scheduled on the day, with their hours and what is recorded so far."""

    placement: Placement
    scheduled_hours: Decimal
    attendance: Attendance | None

    @property
    def participant(self) -> Participant:
        return self.placement.participant


@dataclass(frozen=True)
class OtherEntry:
    """Someone in the unit not scheduled on the day: their open placement (not started, or
    running but not on this weekday), or None for people registered without a placement."""

    participant: Participant
    placement: Placement | None


@dataclass(frozen=True)
class DayRoster:
    day: dt.date
    scheduled: list[RosterEntry]
    others: list[OtherEntry]

    def entry(self, placement_id: int) -> RosterEntry | None:
        return next((e for e in self.scheduled if e.placement.id == placement_id), None)

    @property
    def recorded(self) -> int:
        return sum(1 for entry in self.scheduled if entry.attendance and entry.attendance.status)

    @property
    def present(self) -> int:
        return sum(
            1 for entry in self.scheduled
            if entry.attendance and entry.attendance.status in PRESENT_STATUSES
        )


def _by_display_name():
    return sa.func.coalesce(Participant.preferred_name, Participant.name), Participant.id


def _period_start_on(day: dt.date) -> sa.ScalarSelect:
    """The first day of the placement's schedule period in force on the day."""
    period = orm.aliased(ScheduleDay)
    return (
        sa.select(sa.func.max(period.valid_from))
        .where(period.placement_id == Placement.id, period.valid_from <= day)
        .correlate(Placement)
        .scalar_subquery()
    )


def day_roster(user: User, unit: Unit, day: dt.date) -> DayRoster:
    """Who is expected in the unit on the day, and everyone else still in it; two statements.

    Expected: active placements in the unit, started by the day, with the day's weekday in
    the schedule valid that day (nobody on a public holiday). Then, in a second group, the
    unit's active participants not expected:
    people whose open placement has not started or does not run on this weekday, and people
    registered before placements existed (no placement at all). People whose placement has
    ended, and who have no new one, have left and are not shown.
    """
    scheduled = [
        RosterEntry(placement, hours, attendance)
        for placement, hours, attendance in db.session.execute(
            placements_in_scope(user)
            .add_columns(ScheduleDay.hours, Attendance)
            .join(Placement.participant)
            .join(
                ScheduleDay,
                sa.and_(
                    ScheduleDay.placement_id == Placement.id,
                    ScheduleDay.valid_from == _period_start_on(day),
                    ScheduleDay.weekday == day.weekday(),
                ),
            )
            .outerjoin(
                Attendance,
                sa.and_(Attendance.placement_id == Placement.id, Attendance.on_date == day),
            )
            .where(
                Placement.unit_id == unit.id,
                Placement.status == PlacementStatus.ACTIVE,
                Placement.start_date <= day,
                Participant.active.is_(True),
                sa.false() if is_public_holiday(day) else sa.true(),
            )
            .options(
                orm.contains_eager(Placement.participant).joinedload(Participant.workstation)
            )
            .order_by(*_by_display_name())
        )
    ]
    open_placement = orm.aliased(Placement)
    left = sa.exists().where(
        Placement.participant_id == Participant.id, Placement.status == PlacementStatus.ENDED
    )
    others = [
        OtherEntry(participant, placement)
        for participant, placement in db.session.execute(
            participants_in_scope(user)
            .add_columns(open_placement)
            .outerjoin(
                open_placement,
                sa.and_(
                    open_placement.participant_id == Participant.id,
                    open_placement.status.in_(OPEN_STATUSES),
                ),
            )
            .where(
                Participant.unit_id == unit.id,
                Participant.active.is_(True),
                Participant.id.not_in([entry.participant.id for entry in scheduled]),
                sa.or_(open_placement.id.is_not(None), ~left),
            )
            .options(orm.joinedload(Participant.workstation))
            .order_by(*_by_display_name())
        )
    ]
    return DayRoster(day, scheduled, others)


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
    scheduled = _scheduled_hours_by_day(placement, month.first, min(month.last, today))
    rows = [
        DayRow(day, scheduled.get(day), records.get(day))
        for day in month.days()
        if day in scheduled or day in records
    ]
    changes = _changes(placement, month)
    for row in rows:
        row.changes = changes.get(row.day, [])
    return rows


def _scheduled_hours_by_day(
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


# ---------------------------------------------------------------------------------------
# The monthly report per ordering unit


@dataclass(frozen=True)
class ReportDay:
    """One day of a participant's month in the report.

    kind: "recorded" (has a record), "missing" (scheduled, come, not recorded), "upcoming"
    (scheduled, not come yet), "off" (not scheduled, or outside the placement).
    """

    day: dt.date
    kind: str
    record: Attendance | None = None


@dataclass(frozen=True)
class ReportRow:
    placement: Placement
    figures: AttendanceFigures
    days: list[ReportDay]
    # Whether the person consents, today, to their attendance being shared with the ordering
    # unit: staff check this before they send the report out (auth/policy/consent.py decides).
    consents: bool

    @property
    def weeks(self) -> list[list[ReportDay | None]]:
        """The days as calendar weeks, Monday first; None pads the weeks outside the month."""
        padded = [None] * self.days[0].day.weekday() + list(self.days)
        padded += [None] * (-len(padded) % 7)
        return [padded[i:i + 7] for i in range(0, len(padded), 7)]


@dataclass(frozen=True)
class ReportSection:
    ordering_unit: OrderingUnit
    rows: list[ReportRow]


def month_report(
    user: User, month: Month, ordering_unit_id: int | None, today: dt.date
) -> list[ReportSection]:
    """Every placement running in the month in the user's units, by ordering unit and
    participant, with figures and day-by-day records; five statements in all. A placement
    registered by mistake is left out: it is reported nowhere."""
    consents = consent_exists(
        Placement.ordering_unit_id, Placement.participant_id, today, Share.ATTENDANCE
    ).label("consents")
    statement = counted(
        placements_in_scope(user)
        .add_columns(consents)
        .join(Placement.participant)
        .join(Placement.ordering_unit)
        .where(
            Placement.status.in_(STARTED_STATUSES),
            Placement.start_date <= month.last,
            sa.or_(Placement.end_date.is_(None), Placement.end_date >= month.first),
        )
        .options(
            orm.contains_eager(Placement.participant),
            orm.contains_eager(Placement.ordering_unit),
            orm.joinedload(Placement.unit),
            orm.selectinload(Placement.schedule),
        )
        .order_by(OrderingUnit.name, *_by_display_name())
    )
    if ordering_unit_id is not None:
        statement = statement.where(Placement.ordering_unit_id == ordering_unit_id)
    found = db.session.execute(statement).all()
    placements = [placement for placement, _consents in found]
    figures = attendance_summary([p.id for p in placements], month.first, month.last, today)
    records = _records_in(placements, month)
    sections: dict[int, ReportSection] = {}
    for placement, consents in found:
        row = ReportRow(
            placement, figures[placement.id], _report_days(placement, month, records, today),
            bool(consents),
        )
        sections.setdefault(
            placement.ordering_unit_id, ReportSection(placement.ordering_unit, [])
        ).rows.append(row)
    return list(sections.values())


def _records_in(placements: list[Placement], month: Month) -> dict[tuple[int, dt.date], Attendance]:
    if not placements:
        return {}
    return {
        (record.placement_id, record.on_date): record
        for record in db.session.scalars(
            sa.select(Attendance).where(
                Attendance.placement_id.in_([p.id for p in placements]),
                recorded(),
                Attendance.on_date.between(month.first, month.last),
            )
        )
    }


def _report_days(
    placement: Placement, month: Month, records: dict, today: dt.date
) -> list[ReportDay]:
    scheduled = _scheduled_hours_by_day(placement, month.first, month.last)

    def report_day(day: dt.date) -> ReportDay:
        record = records.get((placement.id, day))
        if record:
            return ReportDay(day, "recorded", record)
        if day not in scheduled:
            return ReportDay(day, "off")
        return ReportDay(day, "upcoming" if day > today else "missing")

    return [report_day(day) for day in month.days()]
