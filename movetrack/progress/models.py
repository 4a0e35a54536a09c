"""Ratings: the step a participant has reached on a module, dated and signed.

Ratings can affect a person's income support, so they are append-only: the database
refuses UPDATE and DELETE (see the migration's triggers), and a correction is a new
rating that points at the one it corrects, with a reason.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db, enum_column
from movetrack.modules.models import STEP_RANGE_SQL, ModuleVersion
from movetrack.participants.models import Assignment


class RatingSource(enum.StrEnum):
    SUPERVISOR = "supervisor"  # staff's assessment: the one that counts in statistics
    SELF = "self"  # the participant's own rating, kept beside the staff's and never merged


class Rating(db.Model):
    __tablename__ = "ratings"
    __table_args__ = (
        sa.CheckConstraint(f"step {STEP_RANGE_SQL}", name="step_1_to_10"),
        sa.CheckConstraint(
            "(corrects_id IS NULL) = (correction_reason IS NULL)", name="correction_has_reason"
        ),
        # The step on a day per module (progress/queries.py) reads one entry of this
        # backwards: `id` completes the order by, and on PostgreSQL the columns the
        # statistics test and show are in the index, so thousands of such look-ups never
        # visit the table (issue 14).
        sa.Index("ix_ratings_assignment_latest", "assignment_id", "rated_on", "recorded_at", "id",
                 postgresql_include=["step", "approved", "source"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    module_version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"), index=True)
    step: Mapped[int]
    rated_on: Mapped[dt.date]
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    rated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    source: Mapped[RatingSource] = mapped_column(
        enum_column(RatingSource, "rating_source"), default=RatingSource.SUPERVISOR
    )
    # Self-ratings wait for approval before they count; staff ratings count at once.
    approved: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    participant_agreed: Mapped[bool | None]
    # Unique: a rating is corrected once; a wrong correction is itself corrected.
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ratings.id"), unique=True)
    correction_reason: Mapped[str | None] = mapped_column(sa.Text)
    # The key of the form that saved it (movetrack/idempotency.py): a resent form saves once.
    request_key: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True, unique=True)
    # The participant's own rating this staff rating agrees with ("approving" it adds this row).
    agrees_with_id: Mapped[int | None] = mapped_column(sa.ForeignKey("self_ratings.id"))

    assignment: Mapped[Assignment] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()
    rated_by: Mapped[User] = relationship()
    corrects: Mapped[Rating | None] = relationship(
        remote_side=[id], foreign_keys=[corrects_id], back_populates="corrected_by"
    )
    corrected_by: Mapped[Rating | None] = relationship(
        back_populates="corrects", foreign_keys=[corrects_id], uselist=False
    )
