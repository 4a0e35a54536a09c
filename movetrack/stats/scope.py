"""Whose placements a user's statistics describe: decided here, in one function, so the
policy package can take it over as the "aggregate scope" of a principal."""

from __future__ import annotations

import sqlalchemy as sa

from movetrack.auth.models import Role, User
from movetrack.auth.policy import unit_ids_in_scope
from movetrack.placements.models import Placement

STATS_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.ORDERER)


def placements_in_stats_scope(user: User) -> sa.ColumnElement[bool]:
    """An admin: the whole organisation; a supervisor: their own units; a case worker:
    the placements their own ordering unit ordered (aggregates only: the page never names
    a person); anyone else: nothing."""
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return Placement.unit_id.in_(unit_ids_in_scope(user))
    if user.role == Role.ORDERER and user.ordering_unit_id is not None:
        return Placement.ordering_unit_id == user.ordering_unit_id
    return sa.false()


def hides_small_numbers(user: User) -> bool:
    """Case workers (the ordering units) see "<5" for 1–4 people; staff see exact numbers."""
    return user.role == Role.ORDERER
