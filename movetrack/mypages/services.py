"""Cards, sign-in and self-ratings. Each function checks the rules, writes, audits and
flushes; the request's unit of work commits."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.policy import Kind, Principal, may_change
from movetrack.clock import local_today, utcnow
from movetrack.extensions import db
from movetrack.idempotency import save_once, stored
from movetrack.modules.models import STEP_COUNT
from movetrack.mypages.models import ParticipantCredential, SelfRating
from movetrack.participants.models import Assignment, AssignmentStatus, Participant
from movetrack.rules import RuleViolation
from movetrack.security import hash_password, verify_password

TOKEN_BYTES = 32  # 256 bits: a card cannot be guessed
MIN_TOKEN_LENGTH = 43  # what token_urlsafe(32) gives
PIN_PATTERN = re.compile(r"[0-9]{4}")
PICTURES_IN_SEQUENCE = 3
# The pictures a sequence is chosen from (pictograms in static/pictograms): easy to tell apart.
SIGN_IN_PICTURES = ("apple", "bicycle", "car", "cat", "dog", "fish", "heart", "house", "carrot")
MAX_FAILED_ATTEMPTS = 5

ALREADY_SAVED = _l("Already saved.")
LOCKED = _l("Your card is locked. Ask your supervisor to open it again.")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _pictures_secret(pictures: Sequence[str]) -> str:
    return " ".join(pictures)


def _check_secrets(pin: str | None, pictures: Sequence[str] | None) -> None:
    if not pin and not pictures:
        raise RuleViolation(_l("Choose a PIN or three pictures (or both)."), field="pin")
    if pin and not PIN_PATTERN.fullmatch(pin):
        raise RuleViolation(_l("The PIN is four digits."), field="pin")
    if pictures and (len(pictures) != PICTURES_IN_SEQUENCE
                     or any(picture not in SIGN_IN_PICTURES for picture in pictures)):
        raise RuleViolation(_l("Choose three pictures."), field="pictures")


def issue_card(staff, participant: Participant, pin: str | None, pictures: Sequence[str] | None,
               token: str | None = None) -> str:
    """A new card for the participant, with a new PIN and/or picture sequence; returns the
    card's token, which is stored only hashed (print it now). Every earlier card and every
    session signed in with one stops working at once. Only the demo passes a `token` (its
    cards are printed in the README); it must be as long as a random one."""
    if not may_change(staff, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff change sign-in cards."))
    _check_secrets(pin, pictures)
    token = token or secrets.token_urlsafe(TOKEN_BYTES)
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError("a card's token has at least 128 bits")
    credential = db.session.get(ParticipantCredential, participant.id)
    if credential is None:
        credential = ParticipantCredential(participant_id=participant.id, generation=0)
        db.session.add(credential)
    credential.card_token_hash = token_hash(token)
    credential.generation += 1
    credential.pin_hash = hash_password(pin) if pin else None
    credential.pictures_hash = hash_password(_pictures_secret(pictures)) if pictures else None
    credential.failed_attempts = 0
    credential.locked_at = None
    credential.issued_at = utcnow()
    credential.issued_by_id = staff.id
    audit.record(staff, "participant.card_issued", participant, participant.id,
                 card=credential.generation, pin=bool(pin), pictures=bool(pictures))
    db.session.flush()
    return token


def _issued_card(staff, participant: Participant) -> ParticipantCredential:
    if not may_change(staff, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff change sign-in cards."))
    credential = credential_of(participant)
    if credential is None:
        raise RuleViolation(_l("%(name)s has no sign-in card yet.", name=participant.display_name))
    return credential


def stop_card(staff, participant: Participant) -> None:
    """A lost card: it stops opening anything at once (a token nobody has, and the sessions
    of the old one end), until staff print a new one."""
    credential = _issued_card(staff, participant)
    credential.card_token_hash = token_hash(secrets.token_urlsafe(TOKEN_BYTES))
    credential.generation += 1
    audit.record(staff, "participant.card_stopped", participant, participant.id, card=credential.generation)
    db.session.flush()


def unlock_card(staff, participant: Participant) -> None:
    credential = _issued_card(staff, participant)
    credential.failed_attempts = 0
    credential.locked_at = None
    audit.record(staff, "participant.card_unlocked", participant, participant.id)
    db.session.flush()


def credential_of(participant: Participant) -> ParticipantCredential | None:
    return db.session.get(ParticipantCredential, participant.id)


def card_holder(token: str) -> ParticipantCredential | None:
    """The credential of an active participant whose card carries this token, else None (a
    replaced card, a guessed token and a mistyped one look the same)."""
    if not token or len(token) > 2 * TOKEN_BYTES:
        return None
    credential = db.session.scalar(
        sa.select(ParticipantCredential).where(ParticipantCredential.card_token_hash == token_hash(token))
    )
    return credential if credential is not None and credential.participant.active else None


def sign_in(credential: ParticipantCredential, pin: str | None = None,
            pictures: Sequence[str] | None = None) -> bool:
    """Whether the PIN (or the pictures, in order) match the card. Each failure counts;
    the card locks after MAX_FAILED_ATTEMPTS until staff open it. Raises for a locked card."""
    if credential.locked:
        raise RuleViolation(LOCKED)
    method = "pin" if pin is not None else "pictures"
    stored, given = ((credential.pin_hash, pin) if method == "pin"
                     else (credential.pictures_hash, _pictures_secret(pictures or ())))
    participant = credential.participant
    if verify_password(stored, given):
        credential.failed_attempts = 0
        audit.record(participant, "participant.signed_in", participant, participant.id, method=method)
        db.session.flush()
        return True
    credential.failed_attempts += 1
    if credential.failed_attempts >= MAX_FAILED_ATTEMPTS:
        credential.locked_at = utcnow()
    audit.record(participant, "participant.sign_in_failed", participant, participant.id, method=method,
                 locked=credential.locked or None)
    db.session.flush()
    return False


def start_participant_mode(staff, participant: Participant) -> None:
    """The supervisor hands their tablet to the participant (the caller marks the session)."""
    if not may_change(staff, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff hand over a tablet."))
    audit.record(staff, "participant_mode.started", participant, participant.id)
    db.session.flush()


def end_participant_mode(staff, password: str, participant: Participant) -> bool:
    """Whether the password is the supervisor's, who then has the tablet back."""
    if not verify_password(staff.password_hash, password):
        return False
    audit.record(staff, "participant_mode.ended", participant, participant.id)
    db.session.flush()
    return True


def record_self_rating(who, assignment: Assignment, step: int | None,
                       request_key: uuid.UUID) -> tuple[SelfRating, bool]:
    """The participant's own rating of the step reached: (the row, whether it is new).
    The same request key twice (a double tap, a resent form) stores one row; the caller has
    checked that the assignment is the participant's own."""
    principal = Principal.of(who)
    if not may_change(principal, Kind.OWN_PAGES) or assignment.participant_id != principal.participant_id:
        raise RuleViolation(_l("Only you can rate your own steps."))
    earlier = stored(SelfRating, request_key)
    if earlier is not None and earlier.assignment_id != assignment.id:
        raise RuleViolation(_l("This form was already used. Tap the step again."))
    if earlier is None:
        if step is None or not 1 <= step <= STEP_COUNT:
            raise RuleViolation(_l("Choose a step from 1 to 10."), field="step")
        if assignment.status != AssignmentStatus.ACTIVE:
            raise RuleViolation(_l("This module is not active."))

    def write() -> SelfRating:
        rating = SelfRating(
            assignment_id=assignment.id,
            module_version_id=assignment.module.current_version.id,
            step=step,
            rated_on=local_today(),
            rated_by_id=principal.participant_id,
            request_key=request_key,
        )
        db.session.add(rating)
        audit.record(assignment.participant, "self_rating.recorded", rating, assignment.participant_id, step=step)
        return rating

    # The same key as a staff rating's: a double tap or a resend, even at the same moment, stores one row.
    saved = save_once(SelfRating, request_key, write)
    return saved.row, not saved.already
