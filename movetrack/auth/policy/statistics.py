"""The aggregate scope: whose placements a principal's statistics describe, and whether
small numbers are hidden from them (MOVE.md §5)."""

from __future__ import annotations

import sqlalchemy as sa

from movetrack.auth.policy.principal import Principal
from movetrack.auth.policy.scopes import unit_ids_in_scope
from movetrack.placements.models import Placement


def placements_in_stats_scope(who) -> sa.ColumnElement[bool]:
    """An admin: the whole organisation; a supervisor: their own units; a case worker:
    the placements their own ordering unit ordered (aggregates only: the page never names
    a person); anyone else: nothing."""
    principal = Principal.of(who)
    if principal.is_staff:
        return Placement.unit_id.in_(unit_ids_in_scope(principal))
    if principal.is_case_worker:
        return Placement.ordering_unit_id == principal.user.ordering_unit_id
    return sa.false()


def hides_small_numbers(who) -> bool:
    """Case workers (the ordering units) see "<5" for 1–4 people; staff see exact numbers."""
    return Principal.of(who).is_case_worker
