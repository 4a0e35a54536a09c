"""Reading a case worker's orders, and about their people only what consent shares now
(auth/policy/consent.py decides). A fixed number of statements per page, however many
orders, modules or follow-ups there are; nothing a consent does not open is even loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.attendance.queries import AttendanceFigures, attendance_summary
from movetrack.auth.models import User
from movetrack.auth.policy import (
    Share,
    Shared,
    consent_exists,
    orders_in_scope,
    shared_columns,
    shared_from,
)
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.followups.models import FollowUp
from movetrack.followups.queries import next_follow_up, waiting
from movetrack.modules.models import Module, ModuleArea, ModuleVersion
from movetrack.paging import Cursor, Key, Page, keyset_page
from movetrack.participants.models import Assignment
from movetrack.placements.models import (
    OPEN_STATUSES,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from movetrack.progress.queries import baselines, steps_on

OPEN, CLOSED, EVERY_ORDER = "open", "closed", "all"


@dataclass(frozen=True)
class OrderRow:
    placement: Placement
    shared: Shared
    next_follow_up_on: dt.date | None  # None as well when no consent lets it be shown


def _next_follow_up_on() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.min(FollowUp.due_on))
        .where(FollowUp.placement_id == Placement.id, waiting())
        .correlate(Placement)
        .scalar_subquery()
    )



ORDER_ORDER = (
    Key(Placement.status.not_in(OPEN_STATUSES)),  # open ones first
    Key(Placement.received_on, descending=True),
    Key(Placement.id, descending=True),
)


def order_rows(
    user: User, state: str = OPEN, cursor: Cursor | None = None, today: dt.date | None = None
) -> Page:
    """One page of the case worker's orders in one statement, open ones first, newest
    first, each (an OrderRow) with what its person shares now and, when anything is
    shared, the next follow-up's date."""
    today = today or local_today()
    any_consent = consent_exists(Placement.ordering_unit_id, Placement.participant_id, today)
    statement = (
        orders_in_scope(user)
        .add_columns(
            *shared_columns(Placement.ordering_unit_id, Placement.participant_id, today),
            sa.case((any_consent, _next_follow_up_on()), else_=None).label("next_follow_up_on"),
        )
        .options(orm.joinedload(Placement.participant), orm.joinedload(Placement.unit))
    )
    if state == OPEN:
        statement = statement.where(Placement.status.in_(OPEN_STATUSES))
    elif state == CLOSED:
        statement = statement.where(Placement.status.not_in(OPEN_STATUSES))
    page = keyset_page(statement, ORDER_ORDER, cursor)
    rows = [
        OrderRow(row.Placement, shared_from(row), row.next_follow_up_on) for row in page.rows
    ]
    return replace(page, rows=rows)


def order_for_page(user: User, placement_id: int) -> Placement | None:
    """One of the case worker's orders with what its administrative part shows."""
    return db.session.scalar(
        orders_in_scope(user)
        .where(Placement.id == placement_id)
        .options(
            orm.joinedload(Placement.participant),
            orm.joinedload(Placement.unit),
            orm.joinedload(Placement.ordering_unit),
            orm.joinedload(Placement.need_category),
        )
    )


@dataclass(frozen=True)
class ModuleProgress:
    assignment: Assignment
    baseline: int | None
    current: int | None
    goal: int | None


@dataclass(frozen=True)
class Progress:
    modules: list[ModuleProgress]
    as_of: dt.date
    last_follow_up_on: dt.date | None


@dataclass(frozen=True)
class OrderDetails:
    """An order's page: the status history always; the rest only as far as consent shares
    it now (None: not shared)."""

    status_history: list[tuple[PlacementStatus, dt.date]]
    shared: Shared
    next_follow_up: FollowUp | None = None
    progress: Progress | None = None
    attendance: AttendanceFigures | None = None
    attendance_period: tuple[dt.date, dt.date] | None = None
    follow_ups_held: list[FollowUp] | None = None


def status_history(placement: Placement) -> list[tuple[PlacementStatus, dt.date]]:
    """Each status the order has had and the day it began: no notes, no names of staff."""
    return [
        (status, on_date)
        for status, on_date in db.session.execute(
            sa.select(PlacementEvent.to_status, PlacementEvent.on_date)
            .where(PlacementEvent.placement_id == placement.id)
            .order_by(PlacementEvent.on_date, PlacementEvent.id)
        )
    ]


def _as_of(placement: Placement, today: dt.date) -> dt.date:
    """The day the figures describe: today, or the last day of an ended placement (an
    ordering unit learns nothing of the person's later time elsewhere)."""
    return min(placement.end_date, today) if placement.end_date else today


def _progress(placement: Placement, follow_ups: list[FollowUp], as_of: dt.date) -> Progress:
    """The person's modules assigned in this placement by `as_of`, with this placement's
    baseline, step on `as_of`, and goal."""
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .join(Assignment.module)
            .join(Module.area)
            .join(Module.current_version)
            .where(Assignment.placement_id == placement.id, Assignment.assigned_on <= as_of)
            .options(
                orm.contains_eager(Assignment.module).contains_eager(Module.area),
                orm.contains_eager(Assignment.module).contains_eager(Module.current_version),
            )
            .order_by(ModuleArea.position, ModuleVersion.title)
        )
    )
    starts = baselines(assignments, as_of)
    current = steps_on(assignments, as_of)
    held = [f.held_on for f in follow_ups if f.held_on]
    return Progress(
        modules=[
            ModuleProgress(a, starts[a.id], current[a.id], a.goal_step) for a in assignments
        ],
        as_of=as_of,
        last_follow_up_on=max(held, default=None),
    )


def _attendance_period(placement: Placement, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    if placement.start_date is None or placement.start_date > as_of:
        return None
    return placement.start_date, as_of


def order_details(placement: Placement, shared: Shared, today: dt.date | None = None) -> OrderDetails:
    """What the order's page shows, given what is shared: one statement with nothing
    shared, at most ten with everything, however many modules or follow-ups."""
    today = today or local_today()
    history = status_history(placement)
    if not shared.anything:
        return OrderDetails(history, shared)
    follow_ups = list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(FollowUp.placement_id == placement.id)
            .order_by(FollowUp.due_on, FollowUp.id)
        )
    )
    as_of = _as_of(placement, today)
    period = _attendance_period(placement, as_of) if Share.ATTENDANCE in shared else None
    return OrderDetails(
        status_history=history,
        shared=shared,
        next_follow_up=next_follow_up(placement),
        progress=_progress(placement, follow_ups, as_of) if Share.PROGRESS in shared else None,
        attendance=attendance_summary([placement.id], *period, today)[placement.id]
        if period else None,
        attendance_period=period,
        follow_ups_held=sorted(
            (f for f in follow_ups if f.held_on), key=lambda f: f.held_on, reverse=True
        ) if Share.FOLLOW_UP_NOTES in shared else None,
    )
