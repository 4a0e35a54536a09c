"""Who Flask-Login has signed in: a staff User ("u:12:3", the user's session generation
last, so sign-out, a new password or a reset ends every session of theirs) or a
participant on their card ("p:34:2:0": the card's generation, so a session of a replaced
card ends at once, then the card's session generation, so signing out ends every session
of the card).

Participant mode: a supervisor hands their tablet to one participant. The session stays
the supervisor's ("u:12:3") and also names the participant; until the supervisor's password
ends it, only that participant's pages answer. Left idle it signs out altogether (never
back to the supervisor's account, which the participant is holding).
"""

from __future__ import annotations

from flask import current_app, session
from flask_login import UserMixin, logout_user
from sqlalchemy import orm

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.i18n import PARTICIPANT_CHOICE
from movetrack.mypages.models import ParticipantCredential
from movetrack.participants.models import Participant

HANDED_TO = "handed_to"  # session keys of participant mode: the participant's id,
LAST_SEEN = "handed_to_seen"  # and when the tablet was last used (seconds since the epoch)


class SignedInParticipant(UserMixin):
    """A participant as Flask-Login's current_user. On their own card no staff account
    stands behind it (the policy sees only `participant_id`); in participant mode
    `staff_user` is the supervisor who handed over the tablet."""

    def __init__(self, participant: Participant, session_id: str, staff_user: User | None = None):
        self.participant = participant
        self.participant_id = participant.id
        self.staff_user = staff_user
        self._session_id = session_id
        self.credential: ParticipantCredential | None = None

    @classmethod
    def on_card(cls, credential: ParticipantCredential) -> SignedInParticipant:
        signed_in = cls(credential.participant, _card_session_id(credential))
        signed_in.credential = credential
        return signed_in

    def end_all_sessions(self) -> None:
        """Signing out: in participant mode, every session of the supervisor who handed the
        tablet over (as their own sign-out would); on a card, every session of the card."""
        if self.staff_user is not None:
            self.staff_user.end_all_sessions()
        else:
            self.credential.session_generation += 1

    def get_id(self) -> str:
        return self._session_id

    @property
    def name(self) -> str:
        return self.participant.display_name

    @property
    def locale(self) -> str:  # pages and messages in their own language (movetrack.i18n)
        return self.participant.language

    @property
    def is_active(self) -> bool:
        return self.participant.active


def load_principal(session_id: str) -> User | SignedInParticipant | None:
    """Flask-Login's loader for either kind; anything malformed, or a staff session whose
    generation has passed (sign-out, a new password, a reset: User.get_id), is nobody."""
    kind, _, rest = session_id.partition(":")
    number, _, generation = rest.partition(":")
    if kind == "p":
        # The person comes in the same statement: every page of theirs shows them.
        credential = db.session.get(ParticipantCredential, int(number), options=[
            orm.joinedload(ParticipantCredential.participant)]) if number.isdigit() else None
        if credential is not None and session_id == _card_session_id(credential):
            return SignedInParticipant.on_card(credential)
        return None
    if not (number.isdigit() and generation.isdigit()):
        return None
    if kind == "u":
        user = db.session.get(User, int(number))
        if user is None or user.session_generation != int(generation):
            return None
        handed_to = session.get(HANDED_TO)
        if handed_to is None:
            return user
        participant = db.session.get(Participant, handed_to)
        return SignedInParticipant(participant, session_id, staff_user=user) if participant else None
    return None


def _card_session_id(credential: ParticipantCredential) -> str:
    return f"p:{credential.participant_id}:{credential.generation}:{credential.session_generation}"


def hand_over(participant: Participant) -> None:
    """Participant mode on this session: from now on only the participant's pages."""
    session[HANDED_TO] = participant.id
    session.pop(PARTICIPANT_CHOICE, None)  # the last participant's choice is not theirs
    session[LAST_SEEN] = utcnow().timestamp()


def take_back() -> None:
    session.pop(PARTICIPANT_CHOICE, None)
    session.pop(HANDED_TO, None)
    session.pop(LAST_SEEN, None)


def end_idle_participant_mode() -> None:
    """Before each request: participant mode left alone longer than the configured idle
    time signs out; otherwise the clock starts again."""
    if HANDED_TO not in session:
        return
    now = utcnow().timestamp()
    if now - session.get(LAST_SEEN, 0) > current_app.config["PARTICIPANT_MODE_IDLE_MINUTES"] * 60:
        take_back()
        logout_user()
    else:
        session[LAST_SEEN] = now
