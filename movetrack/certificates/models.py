"""Issued certificates (intyg): frozen at issue, verifiable by an unguessable code.

A certificate stores everything it prints in `content` (JSON), with the SHA-256 of its
canonical form, so later edits to modules, ratings, names or units never change what
was issued. The row is immutable except for its revocation, which is written once; the
migrations add database triggers that refuse any other UPDATE and every DELETE. A
reissue is a new row that points at the one it replaces.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.org.models import Unit
from movetrack.participants.models import Participant

# secrets.token_urlsafe(24): 24 random bytes = 192 bits, 32 URL-safe characters.
CODE_BYTES = 24
CODE_MIN_LENGTH = 32
# What an erased person's certificates hold instead of their content: the triggers let
# exactly this through for a participant with a redaction (privacy/models.py), and the
# verification page then answers "revoked" without a name.
REDACTED_CONTENT = {"redacted": True}


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint(f"length(code) >= {CODE_MIN_LENGTH}", name="code_long_enough"),
        # A revocation is complete or absent: when, by whom and why, all three.
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by_id IS NULL) "
            "AND (revoked_at IS NULL) = (revocation_reason IS NULL)",
            name="revocation_complete",
        ),
        # The participant's agreement to what the certificate shows: when and who
        # recorded it, both or neither (certificates issued before it was asked have none).
        sa.CheckConstraint(
            "(agreement_recorded_at IS NULL) = (agreement_recorded_by_id IS NULL)",
            name="agreement_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True, index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"), index=True)
    # The unit that issued it; the participant may later move to another unit.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    content_sha256: Mapped[str] = mapped_column(sa.String(64))
    # Unique: a certificate is replaced once; to reissue again, reissue the newest one.
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    agreement_recorded_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    agreement_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    participant: Mapped[Participant] = relationship()
    unit: Mapped[Unit] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    agreement_recorded_by: Mapped[User | None] = relationship(
        foreign_keys=[agreement_recorded_by_id]
    )
    replaces: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[replaces_id], back_populates="replaced_by"
    )
    replaced_by: Mapped[Certificate | None] = relationship(
        back_populates="replaces", foreign_keys=[replaces_id], uselist=False
    )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def redacted(self) -> bool:
        return self.content == REDACTED_CONTENT
