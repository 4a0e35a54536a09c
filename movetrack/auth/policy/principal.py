"""Who is asking: the principal every policy answer is about."""

from __future__ import annotations

from dataclasses import dataclass

from movetrack.auth.models import Role, User


@dataclass(frozen=True)
class Principal:
    """Today a signed-in staff user (coordinator, supervisor, case worker) or nobody.

    Made to take the next two without changing a caller: a participant signed in on their
    own (`user` their account, `participant_id` themselves), and participant mode, a
    supervisor's tablet handed to a participant (`user` the supervisor, whose units still
    bound what is seen, `participant_id` the participant, who then sees only their own).
    Every policy function takes a Principal or a User (or Flask-Login's current_user).
    """

    user: User | None
    participant_id: int | None = None

    @classmethod
    def of(cls, who: Principal | User | None) -> Principal:
        if isinstance(who, Principal):
            return who
        signed_in = who is not None and getattr(who, "is_authenticated", False)
        return cls(user=who if signed_in else None)

    @property
    def role(self) -> Role | None:
        return self.user.role if self.user is not None else None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_case_worker(self) -> bool:
        return self.role == Role.ORDERER and self.user.ordering_unit_id is not None


# The people who work with participants in the units: coordinators and supervisors.
STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR)
