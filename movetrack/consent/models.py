"""Consent: what a party may see about a participant (who may see it when: auth/policy/consent.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit
from movetrack.participants.models import Participant


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
