"""Erasure: one audited operation removes a participant's identity and the free texts
written about them, and keeps what the statistics count.

Removed: name (the row keeps "#<id>"), preferred name, photo, sign-in card and PIN,
notes and correction reasons on ratings, the certificates' content, the placement's order
note, intake attendees and exit interview, status-change notes, the action plan's texts,
follow-up attendees, notes, decisions and next steps, and reasons for withdrawing consent.
Kept: every row and every date, step, status, outcome, gender, birth year, unit and
workstation, so the statistics of any period are the same before and after; and the
audit log, which names the person by id only.

Ratings and certificates are frozen by triggers: the redaction row is written first, and
the triggers then let exactly the blanking below through (migration 0013).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.certificates.models import REDACTED_CONTENT, Certificate
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, Goal
from movetrack.media.services import discard_unused_upload
from movetrack.mypages.models import ParticipantCredential
from movetrack.participants.models import Assignment, Participant
from movetrack.placements.models import Placement, PlacementEvent
from movetrack.privacy.models import Redaction
from movetrack.privacy.queries import redaction_of
from movetrack.progress.models import Rating
from movetrack.rules import RuleViolation, clean_text

MAX_REASON_LENGTH = 2000
RETENTION_REASON = "retention period after exit ended"  # the command's reason, in the row


def erased_name(participant: Participant) -> str:
    """What stays in the name column: the id the audit log already uses, nothing more."""
    return f"#{participant.id}"


def _blank(model, where: sa.ColumnElement[bool], **values) -> None:
    db.session.execute(
        sa.update(model).where(where).values(**values).execution_options(synchronize_session=False)
    )


def _blank_free_texts(participant_id: int) -> None:
    """Every free text written about the person, one UPDATE per table."""
    of_person = Placement.participant_id == participant_id
    placements = sa.select(Placement.id).where(of_person).scalar_subquery()
    assignments = sa.select(Assignment.id).where(Assignment.participant_id == participant_id)
    _blank(Rating, Rating.assignment_id.in_(assignments.scalar_subquery()), note=None,
           correction_reason=sa.case((Rating.correction_reason.is_(None), None), else_=""))
    _blank(Certificate, Certificate.participant_id == participant_id, content=REDACTED_CONTENT,
           revocation_reason=sa.case((Certificate.revocation_reason.is_(None), None), else_=""))
    _blank(Placement, of_person, order_note=None, intake_attendees=None, exit_interview=None)
    _blank(PlacementEvent, PlacementEvent.placement_id.in_(placements), note=None)
    _blank(Goal, Goal.placement_id.in_(placements), text="", participant_words=None, who=None,
           when=None, follow_up_how=None)
    _blank(FollowUp, FollowUp.placement_id.in_(placements), attendees=None, notes=None,
           decisions=None, next_step=None)
    _blank(Consent, Consent.participant_id == participant_id, withdrawal_reason=None)


def _remove_identity(participant: Participant) -> None:
    photo = participant.photo
    participant.name = erased_name(participant)
    participant.preferred_name = None
    participant.photo = None
    participant.active = False
    if photo is not None:
        discard_unused_upload(photo)
    db.session.execute(sa.delete(ParticipantCredential).where(
        ParticipantCredential.participant_id == participant.id))


def erase_participant(actor: User | None, participant: Participant, reason: str | None) -> Redaction:
    """Erase the person: an admin on request (with a reason), or the system (actor None)
    when the retention period has run out. Written with its audit row, or not at all."""
    if actor is not None and not may_change(actor, Kind.PERSONAL_DATA):
        raise RuleViolation(_l("Only a coordinator erases a participant."))
    reason = clean_text(reason, "reason", MAX_REASON_LENGTH)
    if reason is None:
        raise RuleViolation(_l("Write why the participant is erased."), field="reason")
    if redaction_of(participant) is not None:
        raise RuleViolation(_l("This participant has already been erased."))
    redaction = Redaction(participant_id=participant.id, redacted_by_id=actor and actor.id,
                          reason=reason)
    db.session.add(redaction)
    db.session.flush()  # first: the triggers let the blanking through only after it
    _remove_identity(participant)
    db.session.flush()
    _blank_free_texts(participant.id)
    audit.record(actor, "participant.erased", redaction, participant.id,
                 on_request=actor is not None)
    db.session.flush()
    db.session.expire_all()  # the UPDATEs above bypassed the session's copies
    return redaction


def erase_expired(due: list[Participant]) -> list[int]:
    """Erase everyone whose retention period has run out (privacy.queries.due_for_erasure)."""
    erased = [participant.id for participant in due]
    for participant in due:
        erase_participant(None, participant, RETENTION_REASON)
    return erased
