"""Reading orders and placements: who may see which (through the policy's unit scope),
the list page, one placement with everything its page shows, and the statistics filter.
A fixed number of statements per page, however many placements or events there are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import orm

from movetrack.attendance.models import Attendance
from movetrack.auth.models import User
from movetrack.auth.policy import (
    case_workers_clause,
    placements_in_scope,
    unit_ids_in_scope,
    visible_or_404,
)
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit
from movetrack.participants.models import Participant
from movetrack.placements.models import (
    OPEN_STATUSES,
    NeedCategory,
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
)

OPEN, EVERY_STATUS = "open", "all"
PAGE_SIZE = 50


def counted(statement: sa.Select) -> sa.Select:
    """Leave out placements registered by mistake: they count nowhere (MOVE.md §5).
    `statement` must select from or join Placement."""
    return statement.where(
        sa.or_(
            Placement.exit_outcome.is_(None),
            Placement.exit_outcome != Outcome.REGISTERED_BY_MISTAKE,
        )
    )


def placement_or_404(user: User, placement_id: int) -> Placement:
    """One placement in scope (the policy decides), with what every placement page shows;
    404 otherwise."""
    return visible_or_404(user, Placement, placement_id, *placement_page_loads())


def placement_page_loads(via=None) -> tuple:
    """Loader options for what every placement page shows, from a Placement or along `via`
    (an option that reached the placement, such as contains_eager(FollowUp.placement))."""
    joined, selected = (via.joinedload, via.selectinload) if via is not None else (orm.joinedload, orm.selectinload)
    return (
        *(joined(relation) for relation in (
            Placement.participant, Placement.unit, Placement.ordering_unit, Placement.case_worker,
            Placement.need_category, Placement.workstation,
        )),
        selected(Placement.schedule),
    )


@dataclass(frozen=True)
class PlacementPage:
    """Everything the placement's own page shows besides the placement itself."""

    events: list[PlacementEvent]
    registered_by: User | None
    other_placements: list[Placement]


def latest_placement_of(user: User, participant: Participant) -> Placement | None:
    """The person's placement the staff work with now: the open one, else the latest."""
    return db.session.scalar(
        placements_in_scope(user)
        .where(Placement.participant_id == participant.id)
        .options(orm.joinedload(Placement.unit), orm.joinedload(Placement.ordering_unit))
        .order_by(
            Placement.status.not_in(OPEN_STATUSES), Placement.received_on.desc(),
            Placement.id.desc(),
        )
        .limit(1)
    )


def placement_page(placement: Placement) -> PlacementPage:
    """Timeline, registrar and the person's other placements: three statements (the
    schedule and follow-ups load with one more each when the page reads them)."""
    events = list(
        db.session.scalars(
            sa.select(PlacementEvent)
            .where(PlacementEvent.placement_id == placement.id)
            .options(orm.joinedload(PlacementEvent.actor))
            .order_by(PlacementEvent.at, PlacementEvent.id)
        )
    )
    others = list(
        db.session.scalars(
            sa.select(Placement)
            .where(
                Placement.participant_id == placement.participant_id, Placement.id != placement.id
            )
            .options(orm.joinedload(Placement.ordering_unit))
            .order_by(Placement.received_on.desc(), Placement.id.desc())
        )
    )
    registered_by = (
        db.session.get(User, placement.created_by_id) if placement.created_by_id else None
    )
    return PlacementPage(events, registered_by, others)


def placement_list(
    user: User,
    page: int = 1,
    status: str = OPEN,
    unit_id: int | None = None,
    ordering_unit_id: int | None = None,
    search: str | None = None,
) -> Pagination:
    """The list page: newest orders first, filtered; a count and one page of rows."""
    statement = (
        placements_in_scope(user)
        .join(Placement.participant)
        .options(
            orm.contains_eager(Placement.participant),
            orm.joinedload(Placement.unit),
            orm.joinedload(Placement.ordering_unit),
            orm.joinedload(Placement.case_worker),
        )
        .order_by(Placement.received_on.desc(), Placement.id.desc())
    )
    if status == OPEN:
        statement = statement.where(Placement.status.in_(OPEN_STATUSES))
    elif status in {known.value for known in PlacementStatus}:
        statement = statement.where(Placement.status == PlacementStatus(status))
    if unit_id is not None:
        statement = statement.where(Placement.unit_id == unit_id)
    if ordering_unit_id is not None:
        statement = statement.where(Placement.ordering_unit_id == ordering_unit_id)
    if search:
        statement = statement.where(
            sa.or_(
                Participant.name.icontains(search, autoescape=True),
                Participant.preferred_name.icontains(search, autoescape=True),
            )
        )
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)


# --- what an order form may offer ---------------------------------------------------------


def orderable_participants(user: User) -> list[Participant]:
    """Active people in the user's units, by name."""
    return list(
        db.session.scalars(
            sa.select(Participant)
            .where(Participant.unit_id.in_(unit_ids_in_scope(user)), Participant.active.is_(True))
            .options(orm.joinedload(Participant.unit))
            .order_by(
                sa.func.coalesce(Participant.preferred_name, Participant.name), Participant.id
            )
        )
    )


def case_workers(user: User, keep_id: int | None = None,
                 ordering_unit_id: int | None = None) -> list[User]:
    """Active case workers of the organisation (of one ordering unit, when given) with
    their ordering unit, by unit then name; `keep_id` stays choosable after that account
    is deactivated."""
    statement = (
        sa.select(User)
        .join(User.ordering_unit)
        .where(
            User.organisation_id == user.organisation_id,
            case_workers_clause(),
            sa.or_(User.active.is_(True), User.id == keep_id),
        )
        .options(orm.contains_eager(User.ordering_unit))
        .order_by(OrderingUnit.name, User.name)
    )
    if ordering_unit_id is not None:
        statement = statement.where(User.ordering_unit_id == ordering_unit_id)
    return list(db.session.scalars(statement))


def need_categories(
    user: User, keep_id: int | None = None, active_only: bool = True
) -> list[NeedCategory]:
    """The organisation's code list, by name; `keep_id` stays choosable once retired."""
    statement = (
        sa.select(NeedCategory)
        .where(NeedCategory.organisation_id == user.organisation_id)
        .order_by(NeedCategory.active.desc(), NeedCategory.name)
    )
    if active_only:
        statement = statement.where(
            sa.or_(NeedCategory.active.is_(True), NeedCategory.id == keep_id)
        )
    return list(db.session.scalars(statement))


def open_placement_of(participant_id: int, except_id: int | None = None) -> Placement | None:
    """The person's open order or placement, if any (there is at most one)."""
    return db.session.scalar(
        sa.select(Placement).where(
            Placement.participant_id == participant_id,
            Placement.status.in_(OPEN_STATUSES),
            Placement.id != except_id if except_id else sa.true(),
        )
    )


def last_attendance_day(placement: Placement) -> dt.date | None:
    """The last day with a record (a record taken away keeps its row, with no status)."""
    return db.session.scalar(
        sa.select(sa.func.max(Attendance.on_date)).where(
            Attendance.placement_id == placement.id, Attendance.status.is_not(None)
        )
    )
