"""A participant's sign-in card and their own ratings.

A participant is a principal of their own, not a staff User: their card (a long random
token in a QR code, stored hashed) and a PIN or a sequence of three pictures (argon2) let
them see only their own pages. Self-ratings are append-only like staff ratings (the
migration's triggers) and never count as the current step: only staff ratings do.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.modules.models import STEP_RANGE_SQL, ModuleVersion
from movetrack.participants.models import Assignment, Participant


class ParticipantCredential(db.Model):
    __tablename__ = "participant_credentials"
    __table_args__ = (
        sa.CheckConstraint("pin_hash IS NOT NULL OR pictures_hash IS NOT NULL", name="has_a_secret"),
        sa.CheckConstraint("failed_attempts >= 0", name="failed_attempts_not_negative"),
    )

    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), primary_key=True)
    # sha256 of the card's token: a stolen database does not print working cards.
    card_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Goes up with every new card, and sessions carry it: an old card's session ends at once.
    generation: Mapped[int] = mapped_column(default=1)
    # Goes up when the participant signs out: a copy of the session cookie taken before
    # then opens nothing afterwards (as User.session_generation does for staff).
    session_generation: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    pin_hash: Mapped[str | None] = mapped_column(sa.String(255))
    pictures_hash: Mapped[str | None] = mapped_column(sa.String(255))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    issued_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    participant: Mapped[Participant] = relationship()

    @property
    def locked(self) -> bool:
        return self.locked_at is not None


class SelfRating(db.Model):
    """The step a participant thinks they have reached: kept beside staff ratings, never merged."""

    __tablename__ = "self_ratings"
    __table_args__ = (
        sa.CheckConstraint(f"step {STEP_RANGE_SQL}", name="step_1_to_10"),
        sa.Index("ix_self_ratings_assignment_latest", "assignment_id", "rated_on", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    module_version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"))
    step: Mapped[int]
    rated_on: Mapped[dt.date]
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    rated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    # One per form shown: a double tap or a resent post stores one row.
    request_key: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)

    assignment: Mapped[Assignment] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()
    rated_by: Mapped[Participant] = relationship()
