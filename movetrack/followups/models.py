"""The action plan (goals, sub-goals, modules with target steps), follow-ups, and each
unit's settings for the placement flow."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.extensions import db, enum_column
from movetrack.org.models import Unit
from movetrack.participants.models import Assignment
from movetrack.placements.models import Outcome, Placement


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
    __table_args__ = (
        # The due lists and the after-exit outcome scan follow-ups of one kind by date
        # across every placement in scope.
        sa.Index("ix_follow_ups_kind_due_on", "kind", "due_on"),
    )

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
