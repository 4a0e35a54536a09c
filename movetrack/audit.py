"""Who did what to whom, and when: every change to a person's data leaves a row here, and so
does a staff member opening a participant's own pages (record_read)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from movetrack.clock import utcnow
from movetrack.extensions import db

# Who acted when no user did: the command line (a library import without --as), the demo
# loader. Named in the row's details, so "who imported this?" always has an answer.
SYSTEM_ACTOR = "system"
PARTICIPANT_ACTOR = "participant"  # the participant themself: card sign-in, self-rating, quality answers


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None]
    # Set whenever the change concerns a person, so "everything done to X" is one indexed query.
    participant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


def record(actor, action: str, subject, participant_id: int | None = None, **details: Any) -> None:
    """Add an audit row to the current transaction; it commits (or rolls back) with the change.
    `actor` is a staff user, a participant acting on their own pages, or None: the system."""
    subject = _unwrap(subject)
    if actor is None:
        details = {"actor": SYSTEM_ACTOR, **details}
    elif getattr(actor, "__tablename__", None) == "participants":
        details = {"actor": PARTICIPANT_ACTOR, **details}
        actor = None  # actor_id names staff; the participant is the row's participant_id
    if subject.id is None:
        db.session.flush()  # the new row needs its id before we can point at it
    db.session.add(
        AuditEvent(
            actor_id=getattr(actor, "id", None),
            action=action,
            subject_type=type(subject).__tablename__,
            subject_id=subject.id,
            participant_id=participant_id,
            details={key: value for key, value in details.items() if value is not None},
        )
    )


def record_read(reader, participant, page: str) -> None:
    """A staff member opened a page about the participant: who, whom, which page, from
    where, and when (the row's time). One row per page view, not per field shown."""
    address = request.remote_addr if has_request_context() else None
    # The tablet's service worker fetching today's pages to keep them for offline use.
    kept_offline = {"kept_offline": True} if has_request_context() and request.headers.get(
        "X-Movetrack-Prefetch") else {}
    record(reader, "participant.read", participant, participant.id, page=page, address=address,
           **kept_offline)


def _unwrap(obj):
    """The real object behind a proxy such as Flask-Login's current_user."""
    return obj._get_current_object() if hasattr(obj, "_get_current_object") else obj
