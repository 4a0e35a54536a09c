"""A placement is one person's way through a unit: ordered by an ordering unit, started at
intake, followed up, ended with an outcome. MOVE.md §4 is the flow, §5 the statistics
these columns must answer, §6 the rules.

The placement room's own models; consent, the action plan, follow-ups and attendance keep
theirs in their rooms. Concurrency: rows two people may edit at once (placement, follow-up,
attendance) carry a
`version` column that SQLAlchemy checks on every UPDATE, so a stale edit fails instead of
silently overwriting (services turn that into "it changed, here is what").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db, enum_column
from movetrack.labels import LabelledEnum
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from movetrack.participants.models import Participant

if TYPE_CHECKING:  # the rooms that own them import this module
    from movetrack.followups.models import FollowUp, Goal


class PlacementStatus(LabelledEnum):
    ORDERED = "ordered", _l("Ordered")
    STUDY_VISIT = "study_visit", _l("Study visit")
    INTAKE = "intake", _l("Intake")
    ACTIVE = "active", _l("Active")
    ENDED = "ended", _l("Ended")
    DECLINED = "declined", _l("Declined")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


PLACEMENT_STATUS_LABELS = PlacementStatus.labels()
OPEN_STATUSES = (
    PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT, PlacementStatus.INTAKE,
    PlacementStatus.ACTIVE,
)


class Purpose(LabelledEnum):
    WORK_TRAINING = "work_training", _l("Work training")
    WORK_CAPACITY_ASSESSMENT = "work_capacity_assessment", _l("Work-capacity assessment")
    OCCUPATION = "occupation", _l("Occupation")
    OTHER = "other", _l("Other")


PURPOSE_LABELS = Purpose.labels()


class Outcome(LabelledEnum):
    """Exit outcomes (MOVE.md §4); also what a person is doing three months after exit."""

    WORK = "work", _l("Work (unsubsidised)")
    SUBSIDISED_EMPLOYMENT = "subsidised_employment", _l("Subsidised employment (lönebidrag, OSA, nystartsjobb…)")
    STUDIES = "studies", _l("Studies")
    OTHER_PLACEMENT = "other_placement", _l("Another placement or internship")
    OCCUPATION = "occupation", _l("Occupation or daily activity")
    OTHER_PROGRAMME = "other_programme", _l("Other intervention or programme")
    LONG_TERM_SUPPORT = "long_term_support", _l("Needs long-term support")
    OWN_CHOICE = "own_choice", _l("Ended by own choice")
    HEALTH = "health", _l("Health")
    MOVED = "moved", _l("Moved")
    UNKNOWN = "unknown", _l("Unknown")
    REGISTERED_BY_MISTAKE = "registered_by_mistake", _l("Registered by mistake")  # counts nowhere in statistics


OUTCOME_LABELS = Outcome.labels()
WORK_OR_STUDIES = (Outcome.WORK, Outcome.SUBSIDISED_EMPLOYMENT, Outcome.STUDIES)


class TargetGroup(LabelledEnum):
    INCOME_SUPPORT = "income_support", _l("Income support")
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", _l("Long-term unemployed")
    SUBSTANCE_USE = "substance_use", _l("Substance use")
    MENTAL_HEALTH = "mental_health", _l("Mental ill-health")
    DISABILITY = "disability", _l("Disability (LSS)")
    NEWLY_ARRIVED = "newly_arrived", _l("Newly arrived")
    YOUNG_ADULT = "young_adult", _l("Young adult")


TARGET_GROUP_LABELS = TargetGroup.labels()


class TargetGroupCode(db.Model):
    """The code list of target groups, as rows so figures can be grouped and filtered by
    them (the migration fills it from TargetGroup; labels stay translated in code)."""

    __tablename__ = "target_groups"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    position: Mapped[int]


class PlacementTargetGroup(db.Model):
    """A target group an order names (an order may name several)."""

    __tablename__ = "placement_target_groups"

    # No ON DELETE CASCADE: SQLite rebuilds `placements` to alter it, and a cascade
    # would empty this table on every such migration.
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), primary_key=True)
    # Indexed on its own: the statistics filter placements by one code.
    code: Mapped[str] = mapped_column(sa.ForeignKey("target_groups.code"), primary_key=True,
                                      index=True)


class NeedCategory(db.Model):
    """The code list of needs an admin maintains (e.g. "Försörjningsstöd, ej arbetsför")."""

    __tablename__ = "need_categories"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship()


class Placement(db.Model):
    __tablename__ = "placements"
    __table_args__ = (
        sa.CheckConstraint(
            "start_date IS NULL OR start_date >= received_on", name="start_after_order"
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR (start_date IS NOT NULL AND end_date >= start_date)",
            name="end_after_start",
        ),
        sa.CheckConstraint(
            "(status = 'ended') = (end_date IS NOT NULL AND exit_outcome IS NOT NULL)",
            name="ended_has_date_and_outcome",
        ),
        sa.CheckConstraint(
            "requested_end IS NULL OR requested_start IS NULL OR requested_end >= requested_start",
            name="requested_period_in_order",
        ),
        # One open placement per person at a time: a second intake is refused by the database.
        sa.Index(
            "uq_placements_one_open_per_participant",
            "participant_id",
            unique=True,
            sqlite_where=sa.text("status IN ('ordered', 'study_visit', 'intake', 'active')"),
            postgresql_where=sa.text("status IN ('ordered', 'study_visit', 'intake', 'active')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    ordering_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("ordering_units.id"), index=True)
    case_worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[PlacementStatus] = mapped_column(
        enum_column(PlacementStatus, "placement_status"), default=PlacementStatus.ORDERED
    )
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose, "purpose"))
    # Indexed: inflow is "orders received in a period" (stats scan by received_on).
    received_on: Mapped[dt.date] = mapped_column(index=True)
    requested_start: Mapped[dt.date | None]
    requested_end: Mapped[dt.date | None]
    need_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("need_categories.id"))
    order_note: Mapped[str | None] = mapped_column(sa.Text)
    study_visit_on: Mapped[dt.date | None]
    # Intake (the three-party meeting)
    intake_on: Mapped[dt.date | None]
    intake_attendees: Mapped[str | None] = mapped_column(sa.Text)
    wants_to_take_part: Mapped[bool | None]  # the participant's own tick
    # Indexed: starts, lead time and "active on a day" scan placements by start date.
    start_date: Mapped[dt.date | None] = mapped_column(index=True)
    workstation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workstations.id"))
    # Exit
    # Indexed: outflow and time in activity scan placements by end date.
    end_date: Mapped[dt.date | None] = mapped_column(index=True)
    exit_outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "outcome"))
    exit_interview: Mapped[dict | None] = mapped_column(sa.JSON)  # {question: answer}
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    participant: Mapped[Participant] = relationship()
    unit: Mapped[Unit] = relationship()
    ordering_unit: Mapped[OrderingUnit] = relationship()
    case_worker: Mapped[User | None] = relationship(foreign_keys=[case_worker_id])
    need_category: Mapped[NeedCategory | None] = relationship()
    workstation: Mapped[Workstation | None] = relationship()
    events: Mapped[list[PlacementEvent]] = relationship(
        back_populates="placement", order_by="PlacementEvent.id"
    )
    # Every period's days, oldest period first (see schedule_periods).
    schedule: Mapped[list[ScheduleDay]] = relationship(
        back_populates="placement", order_by="(ScheduleDay.valid_from, ScheduleDay.weekday)",
        cascade="all, delete-orphan",
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="placement", order_by="FollowUp.due_on"
    )
    goals: Mapped[list[Goal]] = relationship(
        back_populates="placement", order_by="Goal.position",
        primaryjoin="and_(Goal.placement_id == Placement.id, Goal.parent_id.is_(None))",
        viewonly=True,
    )
    target_group_rows: Mapped[list[PlacementTargetGroup]] = relationship(
        cascade="all, delete-orphan"
    )

    @property
    def target_groups(self) -> list[str]:
        """The order's target group codes in the code list's order (so edits compare)."""
        chosen = {row.code for row in self.target_group_rows}
        known = [group.value for group in TargetGroup]
        return [code for code in known if code in chosen] + sorted(chosen - set(known))

    @target_groups.setter
    def target_groups(self, codes: list[str]) -> None:
        kept = {row.code: row for row in self.target_group_rows}
        self.target_group_rows = [kept.get(code) or PlacementTargetGroup(code=code) for code in codes]

    @property
    def schedule_periods(self) -> list[SchedulePeriod]:
        """The weekly schedules in force one after another, oldest first."""
        return schedule_periods(self.schedule)

    def schedule_on(self, day: dt.date) -> SchedulePeriod | None:
        """The weekly schedule valid on the day (None before the first one)."""
        return period_on(self.schedule_periods, day)


class PlacementEvent(db.Model):
    """Every status change, dated and attributed; a reopened placement shows here."""

    __tablename__ = "placement_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    from_status: Mapped[PlacementStatus | None] = mapped_column(
        enum_column(PlacementStatus, "event_from_status")
    )
    to_status: Mapped[PlacementStatus] = mapped_column(
        enum_column(PlacementStatus, "event_to_status")
    )
    on_date: Mapped[dt.date]  # the day it happened (may be before it was recorded)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)

    placement: Mapped[Placement] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


def _first_period_start(context) -> dt.date:
    """A day given without its period belongs to the first one, which begins when the
    placement does (the intake's schedule)."""
    placement_id = context.get_current_parameters()["placement_id"]
    return context.connection.scalar(
        sa.select(sa.func.coalesce(Placement.start_date, Placement.received_on))
        .where(Placement.id == placement_id)
    )


class ScheduleDay(db.Model):
    """One weekday of a weekly schedule: how many hours (part-time is normal). Hours often
    ramp up during a placement (upptrappning), so a schedule has periods: the days sharing
    a valid_from form the schedule in force from that day until the next period begins.
    The intake sets the first period (from the start); a change adds a period and keeps
    the earlier ones, so attendance is always counted against the schedule of its day."""

    __tablename__ = "schedule_days"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_monday_0"),
        sa.CheckConstraint("hours > 0 AND hours <= 12", name="hours_in_a_day"),
    )

    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), primary_key=True)
    valid_from: Mapped[dt.date] = mapped_column(primary_key=True, default=_first_period_start)
    weekday: Mapped[int] = mapped_column(primary_key=True)  # Monday = 0
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(4, 2))

    placement: Mapped[Placement] = relationship(back_populates="schedule")


@dataclass(frozen=True)
class SchedulePeriod:
    """A weekly schedule and the days it is in force: from valid_from to valid_until
    (inclusive; None while it is the latest)."""

    valid_from: dt.date
    valid_until: dt.date | None
    hours: dict[int, Decimal]  # weekday (Monday = 0) → hours

    @property
    def weekly_hours(self) -> Decimal:
        return sum(self.hours.values(), Decimal(0))


def schedule_periods(days: Iterable[ScheduleDay]) -> list[SchedulePeriod]:
    """Schedule days (of one placement) grouped into periods, oldest first."""
    by_start: dict[dt.date, dict[int, Decimal]] = {}
    for day in sorted(days, key=lambda day: (day.valid_from, day.weekday)):
        by_start.setdefault(day.valid_from, {})[day.weekday] = day.hours
    starts = list(by_start)
    return [
        SchedulePeriod(
            start,
            starts[n + 1] - dt.timedelta(days=1) if n + 1 < len(starts) else None,
            by_start[start],
        )
        for n, start in enumerate(starts)
    ]


def period_on(periods: list[SchedulePeriod], day: dt.date) -> SchedulePeriod | None:
    return next(
        (p for p in reversed(periods) if p.valid_from <= day), None
    )
