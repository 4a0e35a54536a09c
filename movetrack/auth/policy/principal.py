"""Who is asking: the principal every policy answer is about."""

from __future__ import annotations

from dataclasses import dataclass

from movetrack.auth.models import Role, User


@dataclass(frozen=True)
class Principal:
    """A signed-in staff user (coordinator, supervisor, case worker), a participant, or nobody.

    A participant signed in with their card has no `user`, only `participant_id`. In
    participant mode a supervisor's tablet is handed to a participant: `user` is the
    supervisor (whose password ends the mode), `participant_id` the participant, and only
    the participant's own pages answer. Every policy function takes a Principal or a User
    (or Flask-Login's current_user, which may be a SignedInParticipant).
    """

    user: User | None
    participant_id: int | None = None

    @classmethod
    def of(cls, who: Principal | User | None) -> Principal:
        if isinstance(who, Principal):
            return who
        signed_in = who is not None and getattr(who, "is_authenticated", False)
        if not signed_in:
            return cls(user=None)
        # A participant's session (mypages.session.SignedInParticipant) or participant mode.
        return cls(user=getattr(who, "staff_user", who), participant_id=getattr(who, "participant_id", None))

    @property
    def is_participant(self) -> bool:
        """Signed in as a participant, on their own card or in participant mode."""
        return self.participant_id is not None

    @property
    def is_staff_session(self) -> bool:
        """A staff member using the app as themselves (not a tablet handed to a participant)."""
        return self.user is not None and self.participant_id is None

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        return self.is_staff_session and self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.is_staff_session and self.role in STAFF_ROLES

    @property
    def is_case_worker(self) -> bool:
        return self.is_staff_session and self.role == Role.ORDERER and self.user.ordering_unit_id is not None


# The people who work with participants in the units: coordinators and supervisors.
STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR)
