"""Redactions: the one record that lets the database blank a person's frozen rows.

Ratings and certificates are append-only (triggers). Erasing a person must still remove
their name and the free texts written about them, so the triggers let exactly one change
through: blanking the note and correction reason of a rating, and replacing a
certificate's content with REDACTED_CONTENT, for a participant who has a row here. The
row is written first, in the same transaction, and is itself append-only; nothing else
can change a frozen row.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db


class Redaction(db.Model):
    __tablename__ = "redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: a person is erased once; there is nothing left to erase the second time.
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), unique=True)
    redacted_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # None: the retention command (the system), not a person.
    redacted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)

    redacted_by: Mapped[User | None] = relationship()
