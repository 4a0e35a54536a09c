"""Reading what the coordinator administers, always within their own organisation (an id
from another one is a 404)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy import orm

from movetrack.auth.models import User
from movetrack.auth.policy import MANAGED_ROLES, unit_ids_in_scope
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Unit, Workstation


def user_or_404(admin: User, user_id: int) -> User:
    user = db.session.scalar(
        sa.select(User).where(
            User.id == user_id,
            User.organisation_id == admin.organisation_id,
            User.role.in_(MANAGED_ROLES),
        )
    )
    return user or abort(404)


def workstation_or_404(admin: User, workstation_id: int) -> Workstation:
    workstation = db.session.scalar(
        sa.select(Workstation).where(
            Workstation.id == workstation_id,
            Workstation.unit_id.in_(unit_ids_in_scope(admin)),
        )
    )
    return workstation or abort(404)


def ordering_unit_or_404(admin: User, ordering_unit_id: int) -> OrderingUnit:
    ordering_unit = db.session.scalar(
        sa.select(OrderingUnit).where(
            OrderingUnit.id == ordering_unit_id,
            OrderingUnit.organisation_id == admin.organisation_id,
        )
    )
    return ordering_unit or abort(404)


def is_managed_role(role: str) -> bool:
    return role in {managed.value for managed in MANAGED_ROLES}


def users(admin: User, role: str = "") -> list[User]:
    """The organisation's staff accounts, active first; only those of `role` when given."""
    query = (
        sa.select(User)
        .where(User.organisation_id == admin.organisation_id, User.role.in_(MANAGED_ROLES))
        .options(orm.selectinload(User.units), orm.joinedload(User.ordering_unit))
        .order_by(User.active.desc(), User.name)
    )
    if role:
        query = query.where(User.role == role)
    return list(db.session.scalars(query))


def units_with_workstations(admin: User) -> list[Unit]:
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.id.in_(unit_ids_in_scope(admin)))
            .options(orm.selectinload(Unit.workstations))
            .order_by(Unit.name)
        )
    )
