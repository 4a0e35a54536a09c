"""People in a placement and the modules they work on.

Placements (order → intake → exit), consent, attendance and follow-ups hang off
Participant in later features; nothing here needs a personal identity number.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from movetrack.clock import utcnow
from movetrack.extensions import db, enum_column
from movetrack.labels import LabelledEnum
from movetrack.media.models import Upload
from movetrack.modules.models import STEP_RANGE_SQL, Module
from movetrack.names import search_name, sort_name
from movetrack.org.models import Unit, Workstation

if TYPE_CHECKING:
    from movetrack.placements.models import Placement


class Gender(LabelledEnum):
    WOMAN = "woman", _l("Woman")
    MAN = "man", _l("Man")
    OTHER = "other", _l("Other")
    NOT_STATED = "not_stated", _l("Not stated")


GENDER_LABELS = Gender.labels()


def _names_of(context) -> tuple[str | None, str | None]:
    """The names in a Core insert (a bulk insert bypasses the ORM's validators)."""
    values = context.get_current_parameters()
    return values.get("name"), values.get("preferred_name")


class Participant(db.Model):
    __tablename__ = "participants"
    __table_args__ = (
        sa.CheckConstraint("birth_year BETWEEN 1900 AND 2100", name="birth_year_plausible"),
        # The list is read a page at a time in this order (keyset on sort name, id), so
        # the database walks the index and stops after one page instead of sorting all.
        sa.Index("ix_participants_sort_name_id", "sort_name", "id"),
        # Search is "contains", which only a trigram index serves (PostgreSQL's pg_trgm,
        # created by migration 0016); SQLite gets a plain index of the same name.
        sa.Index(
            "ix_participants_search_name", "search_name",
            postgresql_using="gin", postgresql_ops={"search_name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    workstation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workstations.id"))
    name: Mapped[str] = mapped_column(sa.String(160))
    preferred_name: Mapped[str | None] = mapped_column(sa.String(80))
    # Kept from the two names above (movetrack/names.py): by validators for the ORM, by
    # column defaults for bulk inserts.
    sort_name: Mapped[str] = mapped_column(
        sa.Text, default=lambda context: sort_name(*_names_of(context))
    )
    search_name: Mapped[str] = mapped_column(
        sa.Text, default=lambda context: search_name(*_names_of(context))
    )
    birth_year: Mapped[int | None]
    gender: Mapped[Gender] = mapped_column(enum_column(Gender, "gender"), default=Gender.NOT_STATED)
    needs_pictures: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    photo_id: Mapped[int | None] = mapped_column(sa.ForeignKey("uploads.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship()
    workstation: Mapped[Workstation | None] = relationship()
    photo: Mapped[Upload | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="participant")

    @validates("name", "preferred_name")
    def _keep_name_keys(self, key: str, value: str | None) -> str | None:
        names = {"name": self.name, "preferred_name": self.preferred_name, key: value}
        self.sort_name = sort_name(**names)
        self.search_name = search_name(**names)
        return value

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.name

    @property
    def initials(self) -> str:
        parts = self.display_name.split() if self.preferred_name else self.name.split()
        return "".join(part[0] for part in parts[:2]).upper()


class AssignmentStatus(LabelledEnum):
    ACTIVE = "active", _l("Active")
    PAUSED = "paused", _l("Paused")
    DONE = "done", _l("Done")
    SWITCHED = "switched", _l("Switched to something else")  # "do something else instead" is a choice, not a failure


STATUS_LABELS = AssignmentStatus.labels()


ACTIVE_ASSIGNMENT_SQL = "status = 'active'"


class Assignment(db.Model):
    """A module a participant works on in a placement, with where they started and where
    they aim. A person who comes back for a new placement gets new assignments, so each
    placement has its own baseline and gain (MOVE.md §5). Assignments made while the
    person had no placement (and rows older than placements) have no placement."""

    __tablename__ = "assignments"
    __table_args__ = (
        # One active assignment of a module per placement (done, switched or paused ones
        # stay as history beside it) …
        sa.Index(
            "uq_assignments_one_active_per_placement", "placement_id", "module_id", unique=True,
            sqlite_where=sa.text(f"placement_id IS NOT NULL AND {ACTIVE_ASSIGNMENT_SQL}"),
            postgresql_where=sa.text(f"placement_id IS NOT NULL AND {ACTIVE_ASSIGNMENT_SQL}"),
        ),
        # … and one outside any placement.
        sa.Index(
            "uq_assignments_one_active_outside_placement", "participant_id", "module_id",
            unique=True,
            sqlite_where=sa.text(f"placement_id IS NULL AND {ACTIVE_ASSIGNMENT_SQL}"),
            postgresql_where=sa.text(f"placement_id IS NULL AND {ACTIVE_ASSIGNMENT_SQL}"),
        ),
        sa.CheckConstraint(
            f"baseline_step IS NULL OR baseline_step {STEP_RANGE_SQL}", name="baseline_1_to_10"
        ),
        sa.CheckConstraint(f"goal_step IS NULL OR goal_step {STEP_RANGE_SQL}", name="goal_1_to_10"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    # The placement it was assigned in (a string FK: placements import this module).
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    baseline_step: Mapped[int | None]
    goal_step: Mapped[int | None]
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"), default=AssignmentStatus.ACTIVE
    )
    assigned_on: Mapped[dt.date]
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    participant: Mapped[Participant] = relationship(back_populates="assignments")
    module: Mapped[Module] = relationship()
    placement: Mapped[Placement | None] = relationship()
