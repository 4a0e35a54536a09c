"""Who may see whom and do what: decided here, once, and used by every route and query.

Scopes are SQL expressions so a list page filters in the database, and a single-object
lookup answers 404 for anything out of scope (an id from another unit reveals nothing).
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from movetrack.auth.models import Role, User, user_units
from movetrack.extensions import db
from movetrack.org.models import Unit
from movetrack.participants.models import Assignment, Participant

STAFF_ROLES = (Role.ADMIN, Role.SUPERVISOR)


def roles_required(*roles: Role):
    """Signed in and holding one of the roles, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def unit_ids_in_scope(user: User) -> sa.Select:
    """The units whose participants the user works with: all of the organisation for
    admins, their own units for supervisors, none for anyone else."""
    if user.role == Role.ADMIN:
        return sa.select(Unit.id).where(Unit.organisation_id == user.organisation_id)
    if user.role == Role.SUPERVISOR:
        return sa.select(user_units.c.unit_id).where(user_units.c.user_id == user.id)
    return sa.select(Unit.id).where(sa.false())


def units_in_scope(user: User) -> list[Unit]:
    return list(
        db.session.scalars(
            sa.select(Unit).where(Unit.id.in_(unit_ids_in_scope(user))).order_by(Unit.name)
        )
    )


def unit_or_404(user: User, unit_id: int) -> Unit:
    unit = db.session.scalar(
        sa.select(Unit).where(Unit.id == unit_id, Unit.id.in_(unit_ids_in_scope(user)))
    )
    return unit or abort(404)


def participants_in_scope(user: User) -> sa.Select:
    return sa.select(Participant).where(Participant.unit_id.in_(unit_ids_in_scope(user)))


def participant_or_404(user: User, participant_id: int) -> Participant:
    participant = db.session.scalar(
        participants_in_scope(user).where(Participant.id == participant_id)
    )
    return participant or abort(404)


def assignment_or_404(user: User, assignment_id: int) -> Assignment:
    assignment = db.session.scalar(
        sa.select(Assignment)
        .join(Assignment.participant)
        .where(
            Assignment.id == assignment_id,
            Participant.unit_id.in_(unit_ids_in_scope(user)),
        )
    )
    return assignment or abort(404)


def can_manage_library(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def can_upload_photos(user: User) -> bool:
    return user.is_authenticated and user.role in STAFF_ROLES
