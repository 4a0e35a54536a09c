"""Reading what the coordinator administers, always within their own organisation (an id
from another one is a 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy import orm

from movetrack.audit import AuditEvent, newest_first
from movetrack.auth.models import User
from movetrack.auth.policy import MANAGED_ROLES, participants_in_scope, unit_ids_in_scope
from movetrack.clock import local_midnight
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Unit, Workstation
from movetrack.participants.models import Participant


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


# --- the audit log -------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the coordinator narrows the log to; None means any."""

    actor_id: int | None = None
    participant_id: int | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        wanted = []
        if self.actor_id is not None:
            wanted.append(AuditEvent.actor_id == self.actor_id)
        if self.participant_id is not None:
            wanted.append(AuditEvent.participant_id == self.participant_id)
        if self.action:
            wanted.append(AuditEvent.action == self.action)
        if self.since is not None:
            wanted.append(AuditEvent.at >= local_midnight(self.since))
        if self.until is not None:  # the whole of the last day
            wanted.append(AuditEvent.at < local_midnight(self.until + dt.timedelta(days=1)))
        return wanted


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    actor: User | None
    participant: Participant | None


def _audit_statement(admin: User, filters: AuditFilters) -> sa.Select:
    """The organisation's audit rows: about its participants, or done by its staff."""
    people = participants_in_scope(admin).with_only_columns(Participant.id)
    return (
        sa.select(AuditEvent, User, Participant)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Participant, Participant.id == AuditEvent.participant_id)
        .where(
            sa.or_(AuditEvent.participant_id.in_(people), User.organisation_id == admin.organisation_id),
            *filters.conditions(),
        )
    )


def audit_page(admin: User, filters: AuditFilters, before: int | None) -> tuple[list[AuditRow], int | None]:
    """One page of the log, newest first, and the id to continue before (None: the last page)."""
    statement = newest_first(_audit_statement(admin, filters), before, AUDIT_PAGE_SIZE)
    found = [AuditRow(*row) for row in db.session.execute(statement)]
    more = len(found) > AUDIT_PAGE_SIZE
    shown = found[:AUDIT_PAGE_SIZE]
    return shown, (shown[-1].event.id if more else None)


def audit_rows(admin: User, filters: AuditFilters) -> list[AuditRow]:
    """Every row the filters select, newest first, for the CSV (one query)."""
    statement = _audit_statement(admin, filters).order_by(AuditEvent.id.desc())
    return [AuditRow(*row) for row in db.session.execute(statement)]


def audit_actions() -> list[str]:
    """The actions the log holds, for the filter."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_people(admin: User) -> tuple[list[User], list[Participant]]:
    """Whom the filters offer: the organisation's staff, and its participants."""
    staff = db.session.scalars(
        sa.select(User).where(User.organisation_id == admin.organisation_id).order_by(User.name)
    )
    people = db.session.scalars(participants_in_scope(admin).order_by(Participant.name, Participant.id))
    return list(staff), list(people)
