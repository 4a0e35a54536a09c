"""The day view's roster: who is scheduled in a unit on a day, what is recorded for them,
and who else is there. A fixed number of statements however many people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.attendance.models import PRESENT_STATUSES, Attendance
from movetrack.attendance.queries import by_display_name
from movetrack.attendance.scheduled import is_public_holiday
from movetrack.auth.models import User
from movetrack.auth.policy import participants_in_scope, placements_in_scope
from movetrack.extensions import db
from movetrack.org.models import Unit
from movetrack.participants.models import Participant
from movetrack.placements.models import (
    OPEN_STATUSES,
    Placement,
    PlacementStatus,
    ScheduleDay,
)


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
            .order_by(*by_display_name())
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
            .order_by(*by_display_name())
        )
    ]
    return DayRoster(day, scheduled, others)
