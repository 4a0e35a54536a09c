"""Who did what to whom, and when: every change to a person's data leaves a row here, and so
does every look at a person's data by someone else (record_read: one row per person per page
view, written in one statement per request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from movetrack.auth.models import ROLE_LABELS
from movetrack.auth.policy.principal import Principal
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.offline.prefetch import is_prefetch

# Who acted when no user did: the command line (a library import without --as), the demo
# loader. Named in the row's details, so "who imported this?" always has an answer.
SYSTEM_ACTOR = "system"
PARTICIPANT_ACTOR = "participant"  # the participant themself: card sign-in, self-rating, quality answers
PUBLIC_ACTOR = "public"  # someone not signed in, e.g. an employer checking a certificate's code
# One INSERT writes this many reads (7 values each: well inside SQLite's 32 766 variables),
# so any page up to a thousand people costs one statement.
READS_PER_STATEMENT = 1000
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
    """Add the reads the request noted, in one INSERT (per thousand), just before the request's unit of
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
    for start in range(0, len(rows), READS_PER_STATEMENT):
        db.session.execute(sa.insert(AuditEvent).values(rows[start:start + READS_PER_STATEMENT]))


def _read_details(reader, page: str, address: str | None) -> dict[str, Any]:
    details = {"page": page, "address": address}
    if is_prefetch():  # the tablet keeping today's pages for offline use
        details["kept_offline"] = True
    if reader is None:  # a public page, e.g. a certificate checked with its code
        details["actor"] = PUBLIC_ACTOR
    return {key: value for key, value in details.items() if value is not None}


def _as_list(people) -> list:
    return list(people) if isinstance(people, list | tuple | set | frozenset) else [people]


# What a read's page was, in a participant's words: by room, and the lists by page.
_ROOM_LABELS = {
    "participants": _l("Your page"),
    "progress": _l("Your modules and steps"),
    "day": _l("Today's list"),
    "followups": _l("Your follow-ups and plan"),
    "placements": _l("Your placement"),
    "attendance": _l("Your attendance"),
    "caseworker": _l("Your placement"),
    "consent": _l("Your consents"),
    "certificates": _l("Your certificate"),
    "mypages": _l("Your card"),
}
_PAGE_LABELS = {
    "participants.index": _l("The list of participants"),
    "placements.index": _l("The list of placements"),
    "followups.due": _l("The list of follow-ups"),
    "caseworker.orders": _l("The case worker's list"),
    "attendance.report": _l("The attendance report"),
    "attendance.report_csv": _l("The attendance report"),
    "certificates.verify": _l("Your certificate, checked with its code"),
    "certificates.badge": _l("Your certificate, checked with its code"),
}
_ACTOR_LABELS = {
    SYSTEM_ACTOR: _l("The system"),
    PARTICIPANT_ACTOR: _l("The participant"),
    PUBLIC_ACTOR: _l("Someone with a certificate's code"),
}


def page_label(page: str | None) -> str:
    """A read's page in plain words ("Your attendance"), as the participant is told it."""
    page = page or ""
    return str(_PAGE_LABELS.get(page) or _ROOM_LABELS.get(page.partition(".")[0]) or _l("A page about you"))


def actor_label(event: AuditEvent, actor) -> str:
    """Who did it: the staff member's name and role, or who acted when no staff member did."""
    if actor is not None:
        return f"{actor.name} ({ROLE_LABELS[actor.role]})"
    return str(_ACTOR_LABELS.get(event.details.get("actor"), _l("Unknown")))


def newest_first(statement: sa.Select, before: int | None, size: int) -> sa.Select:
    """A page of audit rows, newest first, keyed by id (the next page is "before the last
    id shown"): every page costs one query however long the log grows."""
    if before is not None:
        statement = statement.where(AuditEvent.id < before)
    return statement.order_by(AuditEvent.id.desc()).limit(size + 1)  # one more: is there a next page?


def _unwrap(obj):
    """The real object behind a proxy such as Flask-Login's current_user."""
    return obj._get_current_object() if hasattr(obj, "_get_current_object") else obj
