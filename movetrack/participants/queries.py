"""Reading participants and their modules: a fixed number of statements per page,
however many people or modules there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.auth.models import User
from movetrack.auth.policy import participants_in_scope
from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleArea, ModuleVersion
from movetrack.names import folded
from movetrack.org.models import Workstation
from movetrack.paging import Cursor, Key, Page, count, keyset_page
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


PARTICIPANT_ORDER = (Key(Participant.sort_name), Key(Participant.id))


@dataclass(frozen=True)
class ParticipantList:
    page: Page  # of ParticipantRow
    total: int


def participant_rows(
    user: User,
    cursor: Cursor | None = None,
    search: str | None = None,
    unit_id: int | None = None,
    workstation_id: int | None = None,
    state: str = ACTIVE,
) -> ParticipantList:
    """One page of the list by name, people in scope with their counts, and how many
    match in all: two statements however many people there are. The search is "contains"
    on both names, case and accents ignored (movetrack/names.py)."""
    statement = participants_in_scope(user)
    if search:
        statement = statement.where(
            Participant.search_name.contains(folded(search), autoescape=True)
        )
    if unit_id is not None:
        statement = statement.where(Participant.unit_id == unit_id)
    if workstation_id is not None:
        statement = statement.where(Participant.workstation_id == workstation_id)
    if state == ACTIVE:
        statement = statement.where(Participant.active.is_(True))
    elif state == INACTIVE:
        statement = statement.where(Participant.active.is_(False))
    page = keyset_page(
        statement.add_columns(_active_module_count(), _last_rating_date()).options(
            orm.joinedload(Participant.unit), orm.joinedload(Participant.workstation)
        ),
        PARTICIPANT_ORDER,
        cursor,
    )
    rows = [ParticipantRow(*row[:3]) for row in page.rows]
    return ParticipantList(replace(page, rows=rows), count(statement))


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
