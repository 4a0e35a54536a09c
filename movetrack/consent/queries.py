"""Reading a participant's consents: the whole history in one statement."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.participants.models import Participant
from movetrack.placements.models import OPEN_STATUSES, Placement


def consents_of(participant: Participant) -> list[Consent]:
    """Every consent the person gave, those in force first, then newest first."""
    return list(
        db.session.scalars(
            sa.select(Consent)
            .where(Consent.participant_id == participant.id)
            .options(
                orm.joinedload(Consent.ordering_unit),
                orm.joinedload(Consent.recorded_by),
                orm.joinedload(Consent.withdrawn_by),
            )
            .order_by(
                Consent.withdrawn_on.is_not(None), Consent.given_on.desc(), Consent.id.desc()
            )
        )
    )


def consent_of(participant: Participant, consent_id: int) -> Consent | None:
    """One of the participant's consents; None when the id belongs to someone else."""
    return db.session.scalar(
        sa.select(Consent).where(Consent.id == consent_id, Consent.participant_id == participant.id)
    )


def open_placement_of(participant: Participant) -> Placement | None:
    """The person's open placement, if any (at most one: the database sees to it). Its
    ordering unit is who consent is usually recorded for, at intake."""
    return db.session.scalar(
        sa.select(Placement)
        .where(Placement.participant_id == participant.id, Placement.status.in_(OPEN_STATUSES))
        .options(orm.joinedload(Placement.ordering_unit))
    )
