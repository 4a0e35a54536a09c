"""Reads for the privacy room: who is due for erasure."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.auth.policy import participants_in_scope
from movetrack.extensions import db
from movetrack.participants.models import Participant
from movetrack.placements.models import OPEN_STATUSES, Placement
from movetrack.privacy.models import Redaction


class Due(NamedTuple):
    participant: Participant
    last_exit: dt.date


def retention_cutoff(today: dt.date, years: int) -> dt.date:
    """The last exit day whose retention period has run out by `today`."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February, and that year is not a leap year
        return today.replace(year=today.year - years, day=28)


def due_for_erasure(cutoff: dt.date, who=None) -> list[Due]:
    """People not yet erased whose last placement ended on or before `cutoff` and who have
    no open placement (a returning person is not due), oldest exit first; within `who`'s
    scope, or everyone (the command). One statement."""
    last_exit = sa.func.max(Placement.end_date)
    other = orm.aliased(Placement)  # not the joined one: any of the person's placements
    open_placement = sa.exists().where(
        other.participant_id == Participant.id, other.status.in_(OPEN_STATUSES))
    people = sa.select(Participant) if who is None else participants_in_scope(who)
    statement = (
        people.add_columns(last_exit)
        .join(Placement, Placement.participant_id == Participant.id)
        .where(~sa.exists().where(Redaction.participant_id == Participant.id), ~open_placement)
        .group_by(Participant.id)
        .having(last_exit <= cutoff)
        .order_by(last_exit, Participant.id)
    )
    return [Due(*row) for row in db.session.execute(statement)]


def redaction_of(participant: Participant) -> Redaction | None:
    return db.session.scalar(sa.select(Redaction).where(Redaction.participant_id == participant.id))
