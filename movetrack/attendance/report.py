"""The monthly attendance report per ordering unit (and its CSV in export.py), built on
the rates of queries.py. A fixed number of statements however many people or days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.attendance.models import Attendance
from movetrack.attendance.queries import (
    STARTED_STATUSES,
    AttendanceFigures,
    Month,
    attendance_summary,
    by_display_name,
    recorded,
    scheduled_hours_by_day,
)
from movetrack.auth.models import User
from movetrack.auth.policy import Share, consent_exists, placements_in_scope
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import (
    Placement,
)
from movetrack.placements.queries import counted


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
        .order_by(OrderingUnit.name, *by_display_name())
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
    scheduled = scheduled_hours_by_day(placement, month.first, month.last)

    def report_day(day: dt.date) -> ReportDay:
        record = records.get((placement.id, day))
        if record:
            return ReportDay(day, "recorded", record)
        if day not in scheduled:
            return ReportDay(day, "off")
        return ReportDay(day, "upcoming" if day > today else "missing")

    return [report_day(day) for day in month.days()]
