"""Which things of a kind a principal may see, as SQL: a list page filters in the
database, and a single-object lookup answers 404 for anything out of scope (an id from
another unit reveals nothing). Staff reach participants, placements, follow-ups and
certificates through their units; case workers reach their own orders (consent.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from movetrack.auth.models import user_units
from movetrack.auth.policy.principal import Principal
from movetrack.certificates.models import Certificate
from movetrack.extensions import db
from movetrack.followups.models import FollowUp
from movetrack.media.models import Upload
from movetrack.modules.models import StepPicture
from movetrack.org.models import Unit
from movetrack.participants.models import Assignment, Participant
from movetrack.placements.models import Placement


def unit_ids_in_scope(who) -> sa.Select:
    """The units whose participants the principal works with: all of the organisation for
    admins, their own units for supervisors, none for anyone else."""
    principal = Principal.of(who)
    if principal.is_admin:
        return sa.select(Unit.id).where(Unit.organisation_id == principal.user.organisation_id)
    if principal.is_staff:
        return sa.select(user_units.c.unit_id).where(user_units.c.user_id == principal.user.id)
    return sa.select(Unit.id).where(sa.false())


# Each kind of row in scope, as a condition on a statement that selects (or joins) it.
IN_SCOPE = {
    Unit: lambda who: Unit.id.in_(unit_ids_in_scope(who)),
    # Staff: the people in their units. A participant: themselves, and nobody else.
    Participant: lambda who: sa.or_(
        Participant.unit_id.in_(unit_ids_in_scope(who)), Participant.id == Principal.of(who).participant_id
    ),
    Placement: lambda who: Placement.unit_id.in_(unit_ids_in_scope(who)),
}
# Rows reached through another: the join, then the other's condition.
THROUGH = {
    Assignment: (Assignment.participant, Participant),
    FollowUp: (FollowUp.placement, Placement),
    Certificate: (Certificate.participant, Participant),  # where the person is now
}


def scope(who, model) -> sa.Select:
    """SELECT model … of the rows the principal may see."""
    if model in THROUGH:
        relationship, owner = THROUGH[model]
        return sa.select(model).join(relationship).where(IN_SCOPE[owner](who))
    return sa.select(model).where(IN_SCOPE[model](who))


def visible_or_404(who, model, row_id: int, *options):
    """One row in scope (loaded with `options`), else 404."""
    row = db.session.scalar(scope(who, model).where(model.id == row_id).options(*options))
    return row if row is not None else abort(404)


def upload_visible(who) -> sa.ColumnElement[bool]:
    """Uploads the principal may see. A photo on a module step is library content for
    everyone signed in. A participant's photo is personal data: only staff with that
    participant in scope see it. Any other upload (replaced, removed, not yet used) only
    the person who uploaded it."""
    principal = Principal.of(who)
    on_a_step = sa.exists().where(StepPicture.upload_id == Upload.id)
    if principal.is_participant:  # the pictures of the steps, and their own photo
        return sa.or_(on_a_step, scope(principal, Participant).where(Participant.photo_id == Upload.id).exists())
    if principal.user is None:
        return sa.false()
    photo_in_scope = scope(principal, Participant).where(Participant.photo_id == Upload.id).exists()
    return sa.or_(on_a_step, photo_in_scope, Upload.uploaded_by_id == principal.user.id)


def units_in_scope(who) -> list[Unit]:
    return list(db.session.scalars(scope(who, Unit).order_by(Unit.name)))


def unit_or_404(who, unit_id: int) -> Unit:
    return visible_or_404(who, Unit, unit_id)


def participants_in_scope(who) -> sa.Select:
    return scope(who, Participant)


def participant_or_404(who, participant_id: int) -> Participant:
    return visible_or_404(who, Participant, participant_id)


def assignment_or_404(who, assignment_id: int, *options) -> Assignment:
    return visible_or_404(who, Assignment, assignment_id, *options)


def placements_in_scope(who) -> sa.Select:
    """Placements in the units the principal works with (none for case workers: their
    view is their own orders, decided by consent)."""
    return scope(who, Placement)


def certificate_or_404(who, certificate_id: int) -> Certificate:
    return visible_or_404(who, Certificate, certificate_id)
