"""Reading participants and their modules: a fixed number of statements per page,
however many people or modules there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.auth.models import User
from movetrack.auth.policy import participants_in_scope
from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleArea, ModuleVersion
from movetrack.org.models import Workstation
from movetrack.participants.models import Assignment, AssignmentStatus, Participant
from movetrack.progress.models import Rating
from movetrack.progress.queries import counting_ratings

ACTIVE, INACTIVE, EVERYONE = "active", "inactive", "all"


@dataclass(frozen=True)
class ParticipantRow:
    participant: Participant
    active_modules: int
    last_rated_on: dt.date | None


def _active_module_count() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.count(Assignment.id))
        .where(
            Assignment.participant_id == Participant.id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .correlate(Participant)
        .scalar_subquery()
    )


def _last_rating_date() -> sa.ScalarSelect:
    """The day of the newest step that counts (approved staff ratings, corrections included)."""
    return (
        sa.select(sa.func.max(Rating.rated_on))
        .join(Assignment, Assignment.id == Rating.assignment_id)
        .where(Assignment.participant_id == Participant.id, counting_ratings())
        .correlate(Participant)
        .scalar_subquery()
    )


def participant_rows(
    user: User,
    search: str | None = None,
    unit_id: int | None = None,
    workstation_id: int | None = None,
    state: str = ACTIVE,
) -> list[ParticipantRow]:
    """The list page in one statement: people in scope with their counts, by display name."""
    statement = (
        participants_in_scope(user)
        .add_columns(_active_module_count(), _last_rating_date())
        .options(orm.joinedload(Participant.unit), orm.joinedload(Participant.workstation))
        .order_by(sa.func.coalesce(Participant.preferred_name, Participant.name), Participant.id)
    )
    if search:
        statement = statement.where(
            sa.or_(
                Participant.name.icontains(search, autoescape=True),
                Participant.preferred_name.icontains(search, autoescape=True),
            )
        )
    if unit_id is not None:
        statement = statement.where(Participant.unit_id == unit_id)
    if workstation_id is not None:
        statement = statement.where(Participant.workstation_id == workstation_id)
    if state == ACTIVE:
        statement = statement.where(Participant.active.is_(True))
    elif state == INACTIVE:
        statement = statement.where(Participant.active.is_(False))
    return [ParticipantRow(*row) for row in db.session.execute(statement)]


def workstations_of(unit_ids: Iterable[int], keep_id: int | None = None) -> list[Workstation]:
    """The workstations one may choose in these units: not archived, except `keep_id` (a
    participant's current workstation stays choosable after it is archived)."""
    return list(
        db.session.scalars(
            sa.select(Workstation)
            .where(
                Workstation.unit_id.in_(list(unit_ids)),
                sa.or_(Workstation.archived.is_(False), Workstation.id == keep_id),
            )
            .options(orm.joinedload(Workstation.unit))
            .order_by(Workstation.unit_id, Workstation.name)
        )
    )


def assignments_of(participant: Participant, placement_id: int | None = None) -> list[Assignment]:
    """Every module of the participant (or only those assigned in one placement: its
    baselines and gains are that placement's), whatever its status, by area then title."""
    statement = (
        sa.select(Assignment)
        .join(Assignment.module)
        .join(Module.area)
        .join(Module.current_version)
        .where(Assignment.participant_id == participant.id)
        .options(
            orm.contains_eager(Assignment.module).contains_eager(Module.area),
            orm.contains_eager(Assignment.module).contains_eager(Module.current_version),
        )
        .order_by(ModuleArea.position, ModuleVersion.title)
    )
    if placement_id is not None:
        statement = statement.where(Assignment.placement_id == placement_id)
    return list(db.session.scalars(statement))


def assignment_of(participant: Participant, assignment_id: int) -> Assignment | None:
    """One of the participant's assignments; None when the id belongs to someone else."""
    return db.session.scalar(
        sa.select(Assignment)
        .where(Assignment.id == assignment_id, Assignment.participant_id == participant.id)
        .options(orm.joinedload(Assignment.module).joinedload(Module.current_version))
    )


def assignable_modules() -> list[Module]:
    """Modules not archived, with area and current title, by area then title: one query."""
    return list(
        db.session.scalars(
            sa.select(Module)
            .join(Module.area)
            .join(Module.current_version)
            .where(Module.archived_at.is_(None))
            .options(orm.contains_eager(Module.area), orm.contains_eager(Module.current_version))
            .order_by(ModuleArea.position, ModuleVersion.title)
        )
    )
