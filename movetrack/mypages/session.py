"""Who Flask-Login has signed in: a staff User ("u:12") or a participant on their card
("p:34:2", the card's generation last, so a session of a replaced card ends at once)."""

from __future__ import annotations

from flask_login import UserMixin

from movetrack.auth.models import User
from movetrack.extensions import db
from movetrack.mypages.models import ParticipantCredential
from movetrack.participants.models import Participant


class SignedInParticipant(UserMixin):
    """A participant as Flask-Login's current_user. No staff account stands behind it:
    the policy sees a Principal with only `participant_id`."""

    staff_user = None

    def __init__(self, credential: ParticipantCredential):
        self.participant: Participant = credential.participant
        self.participant_id = credential.participant_id
        self.generation = credential.generation

    def get_id(self) -> str:
        return f"p:{self.participant_id}:{self.generation}"

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
    """Flask-Login's loader for either kind; anything malformed is nobody."""
    kind, _, rest = session_id.partition(":")
    if kind == "u" and rest.isdigit():
        return db.session.get(User, int(rest))
    participant_id, _, generation = rest.partition(":")
    if kind == "p" and participant_id.isdigit() and generation.isdigit():
        credential = db.session.get(ParticipantCredential, int(participant_id))
        if credential is not None and credential.generation == int(generation):
            return SignedInParticipant(credential)
    return None
