"""Reading intake settings, action plans and follow-ups: a fixed number of statements per
page, however many goals, modules or follow-ups there are.

Scope: a placement or follow-up is in a user's scope when its unit is (auth/policy/
decides which units, and finds follow-ups and placements); anything else is a 404, as for
participants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from movetrack.attendance.queries import attendance_summary
from movetrack.auth.models import User
from movetrack.auth.policy import unit_ids_in_scope, visible_or_404
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.followups import schedule
from movetrack.followups.models import FollowUp, FollowUpKind, Goal, GoalModule, UnitSettings
from movetrack.modules.models import Module, ModuleVersion
from movetrack.org.models import Unit
from movetrack.participants.models import Assignment, Participant
from movetrack.participants.queries import assignments_of
from movetrack.placements.models import Placement, PlacementStatus
from movetrack.placements.queries import placement_page_loads
from movetrack.progress.queries import steps_on

# MOVE.md §4: the four introduction modules prepared before day one (004 p.26).
DEFAULT_INTRO_TITLES = ("Introduktion", "Fysisk hälsa", "Psykisk hälsa", "Närvaro")
# Östervik's exit interview (004 p.24), used until a unit writes its own; asked in the
# reader's language (the Swedish catalogue has Östervik's own words). An answer is stored
# under the question as it was asked, so it keeps that wording.
DEFAULT_EXIT_QUESTIONS = (
    _l("How long have you been a participant with us?"),
    _l("Which work tasks have you done most?"),
    _l("What has been the best thing about us?"),
    _l("What would you like to change?"),
    _l("How have you developed during your time here?"),
    _l("Views on rules and routines?"),
    _l("Any other views?"),
)
# "Due" on the lists: overdue, or due within this many days.
DUE_SOON_DAYS = 14
PANEL_SIZE = 5  # the day view's panel stays small; the list page has the rest


# --- follow-ups in scope --------------------------------------------------------------------


def follow_up_or_404(user: User, follow_up_id: int) -> FollowUp:
    """One follow-up in scope (the policy decides), with its placement's page data."""
    return visible_or_404(
        user, FollowUp, follow_up_id,
        *placement_page_loads(via=orm.contains_eager(FollowUp.placement)),
        orm.joinedload(FollowUp.recorded_by),
    )


def follow_ups_of(placement: Placement) -> list[FollowUp]:
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(FollowUp.placement_id == placement.id)
            .options(orm.joinedload(FollowUp.recorded_by))
            .order_by(FollowUp.due_on, FollowUp.id)
        )
    )


# --- due and overdue --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueFollowUp:
    follow_up: FollowUp
    overdue: bool

    @property
    def participant(self) -> Participant:
        return self.follow_up.placement.participant


def waiting() -> sa.ColumnElement[bool]:
    """Not held yet, and still meaningful: a scheduled one while the placement is active
    (the exit cancels the rest, reopening restores them), the one after exit once it has
    ended. Used with Placement in the statement."""
    return sa.and_(
        FollowUp.held_on.is_(None),
        sa.or_(
            sa.and_(
                FollowUp.kind == FollowUpKind.SCHEDULED,
                FollowUp.cancelled_on.is_(None),
                Placement.status == PlacementStatus.ACTIVE,
            ),
            sa.and_(
                FollowUp.kind == FollowUpKind.AFTER_EXIT,
                Placement.status == PlacementStatus.ENDED,
            ),
        ),
    )


def next_follow_up(placement: Placement) -> FollowUp | None:
    """The placement's next follow-up still to come (after an exit: the one three months
    after), or None."""
    return db.session.scalar(
        sa.select(FollowUp)
        .join(FollowUp.placement)
        .where(FollowUp.placement_id == placement.id, waiting())
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(1)
    )


def due_in_scope(user: User, today: dt.date, unit_id: int | None = None,
                 limit: int | None = None) -> list[DueFollowUp]:
    """Follow-ups overdue or due within DUE_SOON_DAYS, in the user's units (or one of
    them), oldest first, so the overdue come first. One statement."""
    statement = (
        sa.select(FollowUp)
        .join(FollowUp.placement)
        .join(Placement.participant)
        .where(
            Placement.unit_id.in_(unit_ids_in_scope(user)),
            waiting(),
            FollowUp.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS),
        )
        .options(
            orm.contains_eager(FollowUp.placement).contains_eager(Placement.participant),
            orm.contains_eager(FollowUp.placement).joinedload(Placement.unit),
        )
        .order_by(FollowUp.due_on, Participant.name, FollowUp.id)
        .limit(limit)
    )
    if unit_id is not None:
        statement = statement.where(Placement.unit_id == unit_id)
    return [
        DueFollowUp(follow_up, follow_up.due_on < today)
        for follow_up in db.session.scalars(statement).unique()
    ]


def due_for_unit(user: User, unit: Unit) -> list[DueFollowUp]:
    """The day view's panel: the first PANEL_SIZE (its link leads to the rest)."""
    return due_in_scope(user, local_today(), unit.id, limit=PANEL_SIZE)


# --- a unit's settings --------------------------------------------------------------------


@dataclass(frozen=True)
class PlacementSettings:
    """What a unit uses: its saved settings, or MOVE's defaults where it has none."""

    intro_modules: list[Module]
    follow_up_schedule: schedule.Schedule
    exit_questions: list[str]
    saved: bool  # False: nothing saved for the unit, all defaults


def _modules_by_key(keys: list[str]) -> list[Module]:
    return list(
        db.session.scalars(
            sa.select(Module)
            .join(Module.current_version)
            .where(Module.key.in_(keys), Module.archived_at.is_(None))
            .options(orm.contains_eager(Module.current_version))
            .order_by(ModuleVersion.title)
        )
    )


def _default_intro_modules() -> list[Module]:
    """The four introduction modules by title, in MOVE's order (the first, should two
    modules share a title)."""
    modules = db.session.scalars(
        sa.select(Module)
        .join(Module.current_version)
        .where(ModuleVersion.title.in_(DEFAULT_INTRO_TITLES), Module.archived_at.is_(None))
        .options(orm.contains_eager(Module.current_version))
        .order_by(Module.id)
    )
    by_title: dict[str, Module] = {}
    for module in modules:
        by_title.setdefault(module.title, module)
    return [by_title[title] for title in DEFAULT_INTRO_TITLES if title in by_title]


def settings_for(unit_id: int) -> PlacementSettings:
    """A unit's intro modules (by key once the unit has saved its choice, which may be
    none; else the four by title), follow-up schedule and exit questions."""
    saved = db.session.get(UnitSettings, unit_id)
    intro_modules = _modules_by_key(saved.intro_module_keys) if saved else _default_intro_modules()
    return PlacementSettings(
        intro_modules=intro_modules,
        follow_up_schedule=schedule.parse(
            (saved and saved.follow_up_schedule) or list(schedule.DEFAULT_SCHEDULE)
        ),
        exit_questions=_exit_questions(saved),
        saved=saved is not None,
    )


def exit_questions_for(unit_id: int) -> list[str]:
    """The exit interview's questions for the unit (for the exit form)."""
    return _exit_questions(db.session.get(UnitSettings, unit_id))


def _exit_questions(saved: UnitSettings | None) -> list[str]:
    """The unit's own questions as written, else the defaults in the reader's language."""
    return list(saved and saved.exit_questions or (str(q) for q in DEFAULT_EXIT_QUESTIONS))


# --- the action plan ------------------------------------------------------------------------


@dataclass
class PlanGoal:
    goal: Goal
    sub_goals: list[PlanGoal] = field(default_factory=list)


def plan_of(placement: Placement) -> list[PlanGoal]:
    """Goals → sub-goals, each with its modules, in two statements."""
    goals = db.session.scalars(
        sa.select(Goal)
        .where(Goal.placement_id == placement.id)
        .options(
            orm.selectinload(Goal.modules)
            .joinedload(GoalModule.assignment)
            .joinedload(Assignment.module)
            .joinedload(Module.current_version)
        )
        .order_by(Goal.position, Goal.id)
    ).all()
    nodes = {goal.id: PlanGoal(goal) for goal in goals}
    top = []
    for goal in goals:
        parent = nodes.get(goal.parent_id)
        (parent.sub_goals if parent else top).append(nodes[goal.id])
    return top


def goal_of(placement: Placement, goal_id: int) -> Goal | None:
    return db.session.scalar(
        sa.select(Goal).where(Goal.id == goal_id, Goal.placement_id == placement.id)
    )


# --- what happened since the last follow-up ---------------------------------------------------


def last_held(placement: Placement, before: dt.date | None = None,
              other_than: int | None = None) -> FollowUp | None:
    """The latest held follow-up during the placement (before a day, if given)."""
    statement = (
        sa.select(FollowUp)
        .where(
            FollowUp.placement_id == placement.id,
            FollowUp.kind == FollowUpKind.SCHEDULED,
            FollowUp.held_on.is_not(None),
        )
        .order_by(FollowUp.held_on.desc(), FollowUp.id.desc())
        .limit(1)
    )
    if before is not None:
        statement = statement.where(FollowUp.held_on < before)
    if other_than is not None:
        statement = statement.where(FollowUp.id != other_than)
    return db.session.scalar(statement)


def summary_since_last(placement: Placement, until: dt.date,
                       follow_up_id: int | None = None) -> dict:
    """Steps gained per module and the attendance rate from the last held follow-up (or
    the start) to `until`, as JSON-ready data: what a follow-up freezes when recorded.
    The previous meeting's own day belongs to the previous summary."""
    previous = last_held(placement, before=until, other_than=follow_up_id)
    since = previous.held_on if previous else placement.start_date
    first = since + dt.timedelta(days=1) if previous else since
    assignments = [
        assignment for assignment in assignments_of(placement.participant, placement.id)
        if assignment.assigned_on <= until
    ]
    at_start = steps_on(assignments, since)
    at_end = steps_on(assignments, until)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "since_follow_up": previous.label if previous else None,
        "modules": [
            {
                "assignment_id": assignment.id,
                "module": assignment.module.title,
                "area": assignment.module.area.key,
                "from_step": at_start[assignment.id],
                "to_step": at_end[assignment.id],
                "gain": _gain(at_start[assignment.id], at_end[assignment.id]),
                "goal_step": assignment.goal_step,
            }
            for assignment in assignments
        ],
        "attendance": attendance_summary([placement.id], first, until)[placement.id].to_json(),
    }


def _gain(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before
