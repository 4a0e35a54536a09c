"""Who did what to whom, and when: every change to a person's data leaves a row here, and so
does every look at a person's data by someone else (record_read: one row per person per page
view, written in one statement per request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from movetrack.auth.policy.principal import Principal
from movetrack.clock import utcnow
from movetrack.extensions import db

# Who acted when no user did: the command line (a library import without --as), the demo
# loader. Named in the row's details, so "who imported this?" always has an answer.
SYSTEM_ACTOR = "system"
PARTICIPANT_ACTOR = "participant"  # the participant themself: card sign-in, self-rating, quality answers
PUBLIC_ACTOR = "public"  # someone not signed in, e.g. an employer checking a certificate's code
READ_ACTION = "participant.read"  # one row per person per page view (the GDPR export reads these)


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


def record_read(reader, people, page: str | None = None) -> None:
    """`reader` is being shown `people` (a participant, an id, or many of either): note one
    read per person for this request. The rows are written together, in one statement, when
    the request ends (write_reads), so a list of 50 people costs the same as a list of 10.

    Only GET requests are reads: a POST changes something and leaves its own audit row.
    A participant looking at their own pages is not "someone else looking" and is not
    noted; `page` is the route's endpoint unless named."""
    if not has_request_context() or request.method != "GET":
        return
    principal = Principal.of(reader)
    if principal.is_participant:
        return
    noted = g.setdefault("audit_reads", {})
    for person in _as_list(people):
        person_id = person if isinstance(person, int) else person.id
        noted.setdefault(person_id, (principal.user, page or request.endpoint))


def write_reads() -> None:
    """Add the reads the request noted, all in one INSERT, just before the request's unit of
    work commits. A refused answer (4xx/5xx) is rolled back instead, its reads with it."""
    noted = g.pop("audit_reads", None)
    if not noted:
        return
    at = utcnow()
    address = request.remote_addr
    rows = [
        {
            "at": at,
            "actor_id": getattr(reader, "id", None),
            "action": READ_ACTION,
            "subject_type": "participants",
            "subject_id": person_id,
            "participant_id": person_id,
            "details": _read_details(reader, page, address),
        }
        for person_id, (reader, page) in noted.items()
    ]
    db.session.execute(sa.insert(AuditEvent).values(rows))


def _read_details(reader, page: str, address: str | None) -> dict[str, Any]:
    details = {"page": page, "address": address}
    if reader is None:  # a public page, e.g. a certificate checked with its code
        details["actor"] = PUBLIC_ACTOR
    return {key: value for key, value in details.items() if value is not None}


def _as_list(people) -> list:
    return list(people) if isinstance(people, list | tuple | set | frozenset) else [people]


def _unwrap(obj):
    """The real object behind a proxy such as Flask-Login's current_user."""
    return obj._get_current_object() if hasattr(obj, "_get_current_object") else obj
