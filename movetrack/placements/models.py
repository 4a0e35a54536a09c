"""A placement is one person's way through a unit: ordered by an ordering unit, started at
intake, followed up, ended with an outcome. MOVE.md §4 is the flow, §5 the statistics
these columns must answer, §6 the rules.

Concurrency: rows two people may edit at once (placement, follow-up, attendance) carry a
`version` column that SQLAlchemy checks on every UPDATE, so a stale edit fails instead of
silently overwriting (services turn that into "it changed, here is what").
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db, enum_column
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from movetrack.participants.models import Assignment, Participant


class PlacementStatus(enum.StrEnum):
    ORDERED = "ordered"
    STUDY_VISIT = "study_visit"
    INTAKE = "intake"
    ACTIVE = "active"
    ENDED = "ended"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


PLACEMENT_STATUS_LABELS = {
    PlacementStatus.ORDERED: _l("Ordered"),
    PlacementStatus.STUDY_VISIT: _l("Study visit"),
    PlacementStatus.INTAKE: _l("Intake"),
    PlacementStatus.ACTIVE: _l("Active"),
    PlacementStatus.ENDED: _l("Ended"),
    PlacementStatus.DECLINED: _l("Declined"),
    PlacementStatus.WITHDRAWN: _l("Withdrawn"),
}
OPEN_STATUSES = (
    PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT, PlacementStatus.INTAKE,
    PlacementStatus.ACTIVE,
)


class Purpose(enum.StrEnum):
    WORK_TRAINING = "work_training"
    WORK_CAPACITY_ASSESSMENT = "work_capacity_assessment"
    OCCUPATION = "occupation"
    OTHER = "other"


PURPOSE_LABELS = {
    Purpose.WORK_TRAINING: _l("Work training"),
    Purpose.WORK_CAPACITY_ASSESSMENT: _l("Work-capacity assessment"),
    Purpose.OCCUPATION: _l("Occupation"),
    Purpose.OTHER: _l("Other"),
}


class Outcome(enum.StrEnum):
    """Exit outcomes (MOVE.md §4); also what a person is doing three months after exit."""

    WORK = "work"
    SUBSIDISED_EMPLOYMENT = "subsidised_employment"
    STUDIES = "studies"
    OTHER_PLACEMENT = "other_placement"
    OCCUPATION = "occupation"
    OTHER_PROGRAMME = "other_programme"
    LONG_TERM_SUPPORT = "long_term_support"
    OWN_CHOICE = "own_choice"
    HEALTH = "health"
    MOVED = "moved"
    UNKNOWN = "unknown"
    REGISTERED_BY_MISTAKE = "registered_by_mistake"  # counts nowhere in statistics


OUTCOME_LABELS = {
    Outcome.WORK: _l("Work (unsubsidised)"),
    Outcome.SUBSIDISED_EMPLOYMENT: _l("Subsidised employment (lönebidrag, OSA, nystartsjobb…)"),
    Outcome.STUDIES: _l("Studies"),
    Outcome.OTHER_PLACEMENT: _l("Another placement or internship"),
    Outcome.OCCUPATION: _l("Occupation or daily activity"),
    Outcome.OTHER_PROGRAMME: _l("Other intervention or programme"),
    Outcome.LONG_TERM_SUPPORT: _l("Needs long-term support"),
    Outcome.OWN_CHOICE: _l("Ended by own choice"),
    Outcome.HEALTH: _l("Health"),
    Outcome.MOVED: _l("Moved"),
    Outcome.UNKNOWN: _l("Unknown"),
    Outcome.REGISTERED_BY_MISTAKE: _l("Registered by mistake"),
}
WORK_OR_STUDIES = (Outcome.WORK, Outcome.SUBSIDISED_EMPLOYMENT, Outcome.STUDIES)


class TargetGroup(enum.StrEnum):
    INCOME_SUPPORT = "income_support"
    LONG_TERM_UNEMPLOYED = "long_term_unemployed"
    SUBSTANCE_USE = "substance_use"
    MENTAL_HEALTH = "mental_health"
    DISABILITY = "disability"
    NEWLY_ARRIVED = "newly_arrived"
    YOUNG_ADULT = "young_adult"


TARGET_GROUP_LABELS = {
    TargetGroup.INCOME_SUPPORT: _l("Income support"),
    TargetGroup.LONG_TERM_UNEMPLOYED: _l("Long-term unemployed"),
    TargetGroup.SUBSTANCE_USE: _l("Substance use"),
    TargetGroup.MENTAL_HEALTH: _l("Mental ill-health"),
    TargetGroup.DISABILITY: _l("Disability (LSS)"),
    TargetGroup.NEWLY_ARRIVED: _l("Newly arrived"),
    TargetGroup.YOUNG_ADULT: _l("Young adult"),
}


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
    received_on: Mapped[dt.date]
    requested_start: Mapped[dt.date | None]
    requested_end: Mapped[dt.date | None]
    need_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("need_categories.id"))
    target_groups: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    order_note: Mapped[str | None] = mapped_column(sa.Text)
    study_visit_on: Mapped[dt.date | None]
    # Intake (the three-party meeting)
    intake_on: Mapped[dt.date | None]
    intake_attendees: Mapped[str | None] = mapped_column(sa.Text)
    wants_to_take_part: Mapped[bool | None]  # the participant's own tick
    start_date: Mapped[dt.date | None] = mapped_column(index=True)
    workstation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workstations.id"))
    # Exit
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


class Consent(db.Model):
    """What a party may see about a participant. Withdrawal closes the row; a new consent
    is a new row, so the history stays. Visibility is decided when someone looks."""

    __tablename__ = "consents"
    __table_args__ = (
        sa.CheckConstraint(
            "(ordering_unit_id IS NULL) <> (other_party IS NULL)", name="one_party"
        ),
        sa.CheckConstraint(
            "withdrawn_on IS NULL OR withdrawn_on >= given_on", name="withdrawn_after_given"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    ordering_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ordering_units.id"), index=True
    )
    other_party: Mapped[str | None] = mapped_column(sa.String(200))
    share_progress: Mapped[bool] = mapped_column(default=False)
    share_attendance: Mapped[bool] = mapped_column(default=False)
    share_follow_up_notes: Mapped[bool] = mapped_column(default=False)
    given_on: Mapped[dt.date]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    withdrawn_on: Mapped[dt.date | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)

    participant: Mapped[Participant] = relationship()
    ordering_unit: Mapped[OrderingUnit | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])


class Goal(db.Model):
    """The action plan: goals → sub-goals (parent_id) → modules with target steps."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("goals.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.Text)
    participant_words: Mapped[str | None] = mapped_column(sa.Text)  # kept as theirs, verbatim
    who: Mapped[str | None] = mapped_column(sa.String(200))
    when: Mapped[str | None] = mapped_column(sa.String(200))
    follow_up_how: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    placement: Mapped[Placement] = relationship()
    parent: Mapped[Goal | None] = relationship(remote_side=[id], back_populates="sub_goals")
    sub_goals: Mapped[list[Goal]] = relationship(back_populates="parent", order_by="Goal.position")
    modules: Mapped[list[GoalModule]] = relationship(
        back_populates="goal", cascade="all, delete-orphan"
    )


class GoalModule(db.Model):
    """A module under a goal. Its goal step is the module's own (Assignment.goal_step, set
    on the participant's page): one place, shown here."""

    __tablename__ = "goal_modules"

    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goals.id"), primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"), primary_key=True)

    goal: Mapped[Goal] = relationship(back_populates="modules")
    assignment: Mapped[Assignment] = relationship()


class FollowUpKind(enum.StrEnum):
    SCHEDULED = "scheduled"  # during the placement, from the unit's schedule
    AFTER_EXIT = "after_exit"  # three months after the end: what is the person doing now?


class FollowUp(db.Model):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    kind: Mapped[FollowUpKind] = mapped_column(enum_column(FollowUpKind, "follow_up_kind"))
    label: Mapped[str] = mapped_column(sa.String(80))  # "3 weeks", "2 months", …
    due_on: Mapped[dt.date] = mapped_column(index=True)
    held_on: Mapped[dt.date | None]
    # A scheduled follow-up not held when the placement ended: kept, marked cancelled (the
    # day of the exit); reopening the placement clears it.
    cancelled_on: Mapped[dt.date | None]
    attendees: Mapped[str | None] = mapped_column(sa.Text)
    # Frozen when recorded: steps gained per module and attendance since the last one.
    summary: Mapped[dict | None] = mapped_column(sa.JSON)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    decisions: Mapped[str | None] = mapped_column(sa.Text)
    next_step: Mapped[str | None] = mapped_column(sa.Text)
    activity_after_exit: Mapped[Outcome | None] = mapped_column(
        enum_column(Outcome, "activity_after_exit")
    )
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship(back_populates="follow_ups")
    recorded_by: Mapped[User | None] = relationship()


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    PARTLY = "partly"  # present part of the day: hours says how long
    SICK = "sick"
    VALID_REASON = "valid_reason"
    UNANNOUNCED = "unannounced"


ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.PARTLY: _l("Partly present"),
    AttendanceStatus.SICK: _l("Absent, sick"),
    AttendanceStatus.VALID_REASON: _l("Absent, valid reason"),
    AttendanceStatus.UNANNOUNCED: _l("Absent, unannounced"),
}
PRESENT_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.PARTLY)


class Attendance(db.Model):
    """One row per placement and day. A correction updates the row under its version
    check and leaves an audit event with the old and new status."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("placement_id", "on_date"),
        sa.CheckConstraint(
            "(status = 'partly') = (hours IS NOT NULL)", name="hours_only_when_partly"
        ),
        sa.CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 12)", name="hours_in_a_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    on_date: Mapped[dt.date] = mapped_column(index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status")
    )
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class UnitSettings(db.Model):
    """Per-unit configuration of the placement flow, with MOVE's defaults."""

    __tablename__ = "unit_settings"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), primary_key=True)
    # Keys of the modules assigned at intake (default: the four introduction modules).
    intro_module_keys: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Follow-up offsets as ISO-like strings: "3w", "2m", "3m", then "every 3m".
    follow_up_schedule: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    exit_questions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    unit: Mapped[Unit] = relationship()
