"""Everything stored about one participant (GDPR art. 15 and 20), as plain data.

`personal_data` gathers it in a fixed number of statements, however much there is (one
per kind of row, never one per row), into a dict of sections that the JSON answer gives
as is and the PDF (export_pdf.py) writes out. Rows are given whole, column by column, so
a column added later is exported without anyone remembering to; only the sign-in card's
secrets (hashes) are left out, since they are no data about the person.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.attendance.models import Attendance
from movetrack.audit import AuditEvent
from movetrack.auth.models import User
from movetrack.certificates.models import Certificate
from movetrack.clock import utcnow
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.media.models import Upload
from movetrack.modules.models import Module
from movetrack.mypages.models import ParticipantCredential, SelfRating
from movetrack.participants.models import Assignment, Participant
from movetrack.placements.models import Placement
from movetrack.privacy.queries import redaction_of
from movetrack.progress.models import Rating
from movetrack.quality.models import QualityAnswer

# The audit rows that say who looked at the person's data (and who exported it).
READ_ACTIONS = ("participant.read", "participant.exported")
CARD_SECRETS = ("card_token_hash", "pin_hash", "pictures_hash")


def plain(value: Any) -> Any:
    """A value as JSON can hold it: dates in ISO 8601, codes as their value."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def columns(row, leave_out: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """Every column of the row (deferred ones, such as a photo's bytes, aside), plus extras."""
    mapper = sa.inspect(row).mapper
    values = {prop.key: plain(getattr(row, prop.key)) for prop in mapper.column_attrs
              if prop.key not in leave_out and not prop.deferred}
    return {**values, **{key: plain(value) for key, value in extra.items()}}


def _all(statement) -> list:
    return list(db.session.scalars(statement))


def _modules(participant: Participant) -> list[dict]:
    """Each assigned module with its staff ratings (corrections included) and self-ratings."""
    assignments = _all(
        sa.select(Assignment).where(Assignment.participant_id == participant.id)
        .options(orm.joinedload(Assignment.module).joinedload(Module.current_version))
        .order_by(Assignment.assigned_on, Assignment.id))
    ids = [assignment.id for assignment in assignments]
    ratings = _all(sa.select(Rating).where(Rating.assignment_id.in_(ids))
                   .options(orm.joinedload(Rating.rated_by))
                   .order_by(Rating.rated_on, Rating.recorded_at, Rating.id))
    own = _all(sa.select(SelfRating).where(SelfRating.assignment_id.in_(ids))
               .order_by(SelfRating.rated_on, SelfRating.recorded_at, SelfRating.id))
    return [
        columns(assignment, module_key=assignment.module.key, module_title=assignment.module.title,
                ratings=[columns(r, rated_by=r.rated_by.name) for r in ratings
                         if r.assignment_id == assignment.id],
                self_ratings=[columns(r) for r in own if r.assignment_id == assignment.id])
        for assignment in assignments
    ]


def _placements(participant: Participant) -> list[dict]:
    """Each placement with its status history, schedules, action plan, follow-ups and
    attendance: one statement per kind of row."""
    placements = _all(
        sa.select(Placement).where(Placement.participant_id == participant.id)
        .options(orm.joinedload(Placement.unit), orm.joinedload(Placement.ordering_unit),
                 orm.selectinload(Placement.events), orm.selectinload(Placement.schedule),
                 orm.selectinload(Placement.follow_ups), orm.selectinload(Placement.goals),
                 orm.selectinload(Placement.target_group_rows))
        .order_by(Placement.received_on, Placement.id))
    attendance = _all(sa.select(Attendance)
                      .where(Attendance.placement_id.in_([p.id for p in placements]))
                      .order_by(Attendance.on_date, Attendance.id))
    return [
        columns(
            placement, unit=placement.unit.name, ordering_unit=placement.ordering_unit.name,
            target_groups=[row.code for row in placement.target_group_rows],
            events=[columns(event) for event in placement.events],
            schedule=[columns(day, leave_out=("placement_id",)) for day in placement.schedule],
            action_plan=[columns(goal) for goal in placement.goals],
            follow_ups=[columns(follow_up) for follow_up in placement.follow_ups],
            attendance=[columns(row) for row in attendance if row.placement_id == placement.id],
        )
        for placement in placements
    ]


def _reads(participant: Participant) -> list[dict]:
    """Who looked at or exported the person's data, when, which page and from where."""
    events = db.session.execute(
        sa.select(AuditEvent, User.name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.participant_id == participant.id, AuditEvent.action.in_(READ_ACTIONS))
        .order_by(AuditEvent.at, AuditEvent.id))
    return [{"at": plain(event.at), "action": event.action,
             "by": reader or event.details.get("actor"), **event.details}
            for event, reader in events]


def _photo(participant: Participant) -> dict | None:
    if participant.photo_id is None:
        return None
    photo = db.session.scalar(sa.select(Upload).where(Upload.id == participant.photo_id)
                              .options(orm.undefer(Upload.data)))
    return columns(photo, data_base64=base64.b64encode(photo.data).decode("ascii"))


def personal_data(participant: Participant) -> dict[str, Any]:
    """Every section of the export. The participant is already loaded (by the route's
    scope check); each section below is one to three statements."""
    card = db.session.get(ParticipantCredential, participant.id)
    redaction = redaction_of(participant)
    return {
        "exported_at": plain(utcnow()),
        "participant": columns(participant, unit=participant.unit.name,
                               workstation=participant.workstation and participant.workstation.name),
        "photo": _photo(participant),
        "sign_in_card": card and columns(card, leave_out=CARD_SECRETS),
        "modules": _modules(participant),
        "placements": _placements(participant),
        "consents": [columns(c) for c in _all(
            sa.select(Consent).where(Consent.participant_id == participant.id)
            .order_by(Consent.given_on, Consent.id))],
        "certificates": [columns(c) for c in _all(
            sa.select(Certificate).where(Certificate.participant_id == participant.id)
            .order_by(Certificate.issued_at, Certificate.id))],
        "quality_answers": [columns(a) for a in _all(
            sa.select(QualityAnswer).where(QualityAnswer.participant_id == participant.id)
            .order_by(QualityAnswer.month, QualityAnswer.id))],
        "reads": _reads(participant),
        "erasure": redaction and columns(redaction),
    }
