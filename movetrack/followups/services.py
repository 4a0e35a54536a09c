"""Writing intakes, unit settings, action plans and follow-ups. Each public function checks
the rules, writes, audits and flushes; the request commits, and nothing is kept when a
function raises RuleViolation.

The caller has already checked that the placement, goal or follow-up is in the user's
scope (followups/queries.py, on the policy's units).

Concurrency: placements and follow-ups carry a version. A form sends the version it was
built from; if the row has moved on since, or moves on between our check and our write
(StaleDataError), EditConflict says so and lists what the other person saved beside what
this one typed, and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.clock import utcnow
from movetrack.conflicts import check_version, conflict, saving, shown_value
from movetrack.extensions import db
from movetrack.followups import queries, schedule
from movetrack.followups.models import FollowUp, FollowUpKind, Goal, GoalModule, UnitSettings
from movetrack.i18n import lazy_text
from movetrack.modules.models import Module
from movetrack.org.models import Unit, Workstation
from movetrack.participants.models import Assignment, AssignmentStatus
from movetrack.participants.services import assign_module
from movetrack.placements import flow
from movetrack.placements.models import (
    OUTCOME_LABELS,
    PLACEMENT_STATUS_LABELS,
    Outcome,
    Placement,
    PlacementStatus,
    ScheduleDay,
)
from movetrack.rules import RuleViolation, clean_text, not_in_future, required_date
from movetrack.unit_of_work import refused_as

MAX_TEXT = 4000
MAX_SHORT_TEXT = 200  # Goal.who and Goal.when
MAX_HOURS = Decimal(12)
INTAKE_FROM = (PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT, PlacementStatus.INTAKE)
PLAN_OPEN = (*INTAKE_FROM, PlacementStatus.ACTIVE)
# What a person may be doing three months after exit: every outcome but a mistake.
ACTIVITIES_AFTER_EXIT = tuple(o for o in Outcome if o != Outcome.REGISTERED_BY_MISTAKE)


# --- edit conflicts -------------------------------------------------------------------------


def _shown(name: str, value: Any) -> str:
    """Statuses and outcomes by their labels; anything else read the plain way."""
    if isinstance(value, Outcome):
        return str(OUTCOME_LABELS[value])
    if isinstance(value, PlacementStatus):
        return str(PLACEMENT_STATUS_LABELS[value])
    return shown_value(name, value)


# --- small checks ---------------------------------------------------------------------------


def _require_staff(user: User) -> None:
    if not may_change(user, Kind.PLACEMENT):
        raise RuleViolation(_l("Only staff work with intakes, plans and follow-ups."))


# --- intake in the three-party meeting -------------------------------------------------------

INTAKE_LABELS = {
    "status": _l("Status"),
    "intake_on": _l("Date of the intake meeting"),
    "intake_attendees": _l("Who took part"),
    "start_date": _l("Start date"),
    "wants_to_take_part": _l("Wants to take part"),
}


def _checked_schedule(days: Iterable[tuple[int, Decimal | None]]) -> list[ScheduleDay]:
    """The ticked weekdays (Monday = 0) with their hours; part-time is normal."""
    chosen = []
    for weekday, hours in days:
        if not 0 <= weekday <= 6:
            raise RuleViolation(_l("Choose days from Monday to Sunday."), field="schedule")
        if hours is None or not 0 < hours <= MAX_HOURS:
            raise RuleViolation(
                _l("Write the hours of every ticked day: more than 0, at most 12."),
                field="schedule",
            )
        chosen.append(ScheduleDay(weekday=weekday, hours=hours))
    if not chosen:
        raise RuleViolation(
            _l("Tick at least one day the participant comes, with the hours."), field="schedule"
        )
    return chosen


def _workstation_of(placement: Placement, workstation_id: int | None) -> int | None:
    if workstation_id is None:
        return None
    workstation = db.session.get(Workstation, workstation_id)
    if (
        workstation is None
        or workstation.unit_id != placement.unit_id
        or (workstation.archived and workstation.id != placement.workstation_id)
    ):
        raise RuleViolation(
            lazy_text("Choose a workstation in %(unit)s, or none.", unit=placement.unit.name),
            field="workstation_id",
        )
    return workstation.id


def _check_intake_allowed(placement: Placement) -> None:
    if placement.status in (PlacementStatus.ACTIVE, PlacementStatus.ENDED):
        raise RuleViolation(
            _l("This placement already had its intake (start date %(date)s). Its action plan "
               "and follow-ups go on from there.",
               date=format_date(placement.start_date) if placement.start_date else "–")
        )
    if placement.status not in INTAKE_FROM:
        raise RuleViolation(
            _l("A placement that is “%(status)s” cannot have an intake. Reopen the order first.",
               status=PLACEMENT_STATUS_LABELS[placement.status])
        )


def _intake_dates(placement: Placement, data: dict) -> tuple[dt.date, dt.date]:
    intake_on = not_in_future(
        required_date(data.get("intake_on"), "intake_on", _l("Write the date of the meeting.")),
        "intake_on",
    )
    start_date = required_date(
        data.get("start_date"), "start_date", _l("Write the date the participant starts.")
    )
    for day, field in ((intake_on, "intake_on"), (start_date, "start_date")):
        if day < placement.received_on:
            raise RuleViolation(
                _l("The date is before the order was received (%(date)s).",
                   date=format_date(placement.received_on)),
                field=field,
            )
    return intake_on, start_date


CHANGED_AT_INTAKE = _l("Someone changed this participant's modules or placements at the same "
                       "moment. Nothing is saved: open the intake again.")
def _take_in_modules_outside_placements(user: User, placement: Placement) -> None:
    """The person's active modules begun outside any placement (before the order, say)
    become this placement's, with their baselines: that work is where the placement
    starts. A returning person's old modules belong to the old placement and stay there."""
    assignments = list(
        db.session.scalars(
            sa.select(Assignment).where(
                Assignment.participant_id == placement.participant_id,
                Assignment.placement_id.is_(None),
                Assignment.status == AssignmentStatus.ACTIVE,
            )
        )
    )
    for assignment in assignments:
        assignment.placement_id = placement.id
    if assignments:
        audit.record(user, "assignment.taken_into_placement", placement, placement.participant_id,
                     assignment_ids=[assignment.id for assignment in assignments])


def _assign_intro_modules(user: User, placement: Placement, modules: list[Module],
                          on: dt.date) -> list[Module]:
    """The unit's introduction modules the participant does not have yet in this placement,
    assigned in it the way every module is (participants.services.assign_module). A
    returning person starts them again, with a new baseline."""
    has = set(
        db.session.scalars(
            sa.select(Assignment.module_id).where(
                Assignment.placement_id == placement.id,
                Assignment.status == AssignmentStatus.ACTIVE,
            )
        )
    )
    added = [module for module in modules if module.id not in has]
    for module in added:
        assign_module(user, placement.participant, module.id, assigned_on=on,
                      source="intake", placement_id=placement.id)
    return added


def _schedule_follow_ups(placement: Placement, plan: schedule.Schedule) -> list[FollowUp]:
    """The unit's schedule from the start date; repeating ones up to the requested end,
    else a year after the start."""
    until = placement.requested_end or schedule.add_months(placement.start_date, 12)
    follow_ups = [
        FollowUp(placement=placement, kind=FollowUpKind.SCHEDULED, label=label, due_on=due_on)
        for label, due_on in plan.dates(placement.start_date, until)
    ]
    db.session.add_all(follow_ups)
    return follow_ups


def record_intake(user: User, placement: Placement, data: dict[str, Any]) -> Placement:
    """The three-party meeting. `data`: version, intake_on, intake_attendees,
    wants_to_take_part, start_date, schedule [(weekday, hours)], workstation_id.

    Sets the start and the weekly schedule, moves the placement to intake and on to
    active (two events dated the meeting), takes in the person's modules begun outside any
    placement, assigns the unit's introduction modules the participant lacks in it, and
    plans the follow-ups."""
    _require_staff(user)
    _check_intake_allowed(placement)
    submitted = {**data, "status": PlacementStatus.ACTIVE}
    check_version(placement, data.get("version"), INTAKE_LABELS, submitted, _shown)
    intake_on, start_date = _intake_dates(placement, data)
    attendees = clean_text(data.get("intake_attendees"), "intake_attendees", MAX_TEXT)
    if not data.get("wants_to_take_part"):
        raise RuleViolation(
            _l("Tick this only when the participant has said so themselves. Without their "
               "yes there is no intake: decline or withdraw the order instead."),
            field="wants_to_take_part",
        )
    days = _checked_schedule(data.get("schedule") or [])
    workstation_id = _workstation_of(placement, data.get("workstation_id"))
    settings = queries.settings_for(placement.unit_id)
    # A module assigned, or another placement opened, for the person a moment ago.
    with refused_as(partial(RuleViolation, CHANGED_AT_INTAKE)), saving(
        placement, INTAKE_LABELS, submitted, _shown
    ):
        _write_intake(user, placement, intake_on, start_date, attendees, days, workstation_id)
        if placement.status != PlacementStatus.INTAKE:
            flow.move(user, placement, PlacementStatus.INTAKE, intake_on)
        flow.move(user, placement, PlacementStatus.ACTIVE, intake_on)
        _take_in_modules_outside_placements(user, placement)
        added = _assign_intro_modules(user, placement, settings.intro_modules, intake_on)
        follow_ups = _schedule_follow_ups(placement, settings.follow_up_schedule)
        audit.record(
            user, "placement.intake_recorded", placement, placement.participant_id,
            start_date=start_date.isoformat(), weekdays=[day.weekday for day in days],
            modules=[module.key for module in added], follow_ups=len(follow_ups),
        )
    return placement


def _write_intake(user: User, placement: Placement, intake_on: dt.date, start_date: dt.date,
                  attendees: str | None, days: list[ScheduleDay], workstation_id: int | None):
    placement.intake_on = intake_on
    placement.intake_attendees = attendees
    placement.wants_to_take_part = True
    placement.start_date = start_date
    placement.workstation_id = workstation_id
    for day in days:
        day.valid_from = start_date  # the first period begins with the placement
    placement.schedule = days
    participant = placement.participant
    if workstation_id and participant.workstation_id != workstation_id:
        participant.workstation_id = workstation_id  # the day view shows where they work
        audit.record(user, "participant.updated", participant, participant.id,
                     fields=["workstation_id"], source="intake")


# --- changing the schedule -------------------------------------------------------------------


def _hours_text(days: Iterable[ScheduleDay]) -> dict[str, str]:
    return {str(day.weekday): str(day.hours) for day in days}


def change_schedule(user: User, placement: Placement, valid_from: dt.date | None,
                    days: Iterable[tuple[int, Decimal | None]]) -> list[ScheduleDay]:
    """A new weekly schedule from `valid_from` on (upptrappning): the earlier periods stay,
    so the days before it keep the schedule they had. Giving a period's own first day
    again replaces that period (a correction: the audit keeps the old hours)."""
    _require_staff(user)
    if placement.status != PlacementStatus.ACTIVE:
        raise RuleViolation(_l("A schedule changes while the placement is active."))
    valid_from = required_date(
        valid_from, "valid_from", _l("Write the first day of the new schedule.")
    )
    if valid_from < placement.start_date:
        raise RuleViolation(
            _l("The placement started on %(date)s: the new schedule begins then or later.",
               date=format_date(placement.start_date)),
            field="valid_from",
        )
    new_days = _checked_schedule(days)
    replaced = [day for day in placement.schedule if day.valid_from == valid_from]
    for day in replaced:
        placement.schedule.remove(day)
    db.session.flush()  # the replaced rows go before the new ones take their keys
    for day in new_days:
        day.valid_from = valid_from
        placement.schedule.append(day)
    audit.record(user, "placement.schedule_changed", placement, placement.participant_id,
                 valid_from=valid_from.isoformat(), hours=_hours_text(new_days),
                 replaced=_hours_text(replaced) or None)
    db.session.flush()
    return new_days


# --- unit settings --------------------------------------------------------------------------


def _checked_intro_keys(keys: Iterable[str]) -> list[str]:
    keys = list(dict.fromkeys(key for key in keys if key))
    found = set(
        db.session.scalars(
            sa.select(Module.key).where(Module.key.in_(keys), Module.archived_at.is_(None))
        )
    )
    if set(keys) - found:
        raise RuleViolation(
            _l("Choose modules from the list; an archived module cannot be assigned."),
            field="intro_module_keys",
        )
    return keys


def _checked_questions(text: str | None) -> list[str]:
    questions = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not questions:
        raise RuleViolation(
            _l("Write at least one question, one per line."), field="exit_questions"
        )
    if any(len(question) > 300 for question in questions):
        raise RuleViolation(
            _l("Keep each question under %(count)d characters.", count=300),
            field="exit_questions",
        )
    return questions


def save_unit_settings(user: User, unit: Unit, intro_module_keys: Iterable[str],
                       follow_up_schedule: str | None, exit_questions: str | None) -> UnitSettings:
    """The unit's introduction modules (none is a choice), follow-up schedule as text
    ("3w, 2m, 3m, every 3m") and exit questions, one per line. Admins only."""
    if not may_change(user, Kind.ORGANISATION):
        raise RuleViolation(_l("Only a coordinator changes a unit's settings."))
    values = {
        "intro_module_keys": _checked_intro_keys(intro_module_keys),
        "follow_up_schedule": schedule.parse(follow_up_schedule or "").codes,
        "exit_questions": _checked_questions(exit_questions),
    }
    settings = db.session.get(UnitSettings, unit.id) or UnitSettings(unit_id=unit.id)
    changed = [name for name, value in values.items() if getattr(settings, name, None) != value]
    for name in changed:
        setattr(settings, name, values[name])
    db.session.add(settings)
    if changed:
        audit.record(user, "unit.placement_settings_changed", unit, None,
                     fields=changed, **{name: values[name] for name in changed})
    db.session.flush()
    return settings


# --- the action plan ------------------------------------------------------------------------

GOAL_FIELDS = ("text", "participant_words", "who", "when", "follow_up_how")
GOAL_LABELS = {
    "text": _l("What"),
    "participant_words": _l("In their own words"),
    "who": _l("Who"),
    "when": _l("When"),
    "follow_up_how": _l("How it is followed up"),
}


def goal_fingerprint(goal: Goal) -> str:
    """Stands in for a version column (goals have none): the form carries it, and a
    different one on save means someone else changed the goal meanwhile."""
    values = json.dumps([getattr(goal, name) for name in GOAL_FIELDS], ensure_ascii=False)
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def _require_open_plan(placement: Placement) -> None:
    if placement.status not in PLAN_OPEN:
        raise RuleViolation(
            _l("The placement is “%(status)s”: its plan is kept as it was. Reopen it to change "
               "the plan.", status=PLACEMENT_STATUS_LABELS[placement.status])
        )


def _goal_values(data: dict[str, Any]) -> dict[str, str | None]:
    values = {
        "text": clean_text(data.get("text"), "text", MAX_TEXT),
        "participant_words": clean_text(data.get("participant_words"), "participant_words", MAX_TEXT),
        "who": clean_text(data.get("who"), "who", MAX_SHORT_TEXT),
        "when": clean_text(data.get("when"), "when", MAX_SHORT_TEXT),
        "follow_up_how": clean_text(data.get("follow_up_how"), "follow_up_how", MAX_TEXT),
    }
    if not values["text"]:
        raise RuleViolation(_l("Write what the goal is."), field="text")
    return values


def add_goal(user: User, placement: Placement, data: dict[str, Any],
             parent: Goal | None = None) -> Goal:
    """A goal, or a sub-goal under `parent` (a goal of the same placement; sub-goals do
    not nest further). `data`: text, participant_words, who, when, follow_up_how."""
    _require_staff(user)
    _require_open_plan(placement)
    if parent is not None and (parent.placement_id != placement.id or parent.parent_id):
        raise RuleViolation(_l("A sub-goal belongs under one of this plan's goals."))
    values = _goal_values(data)
    siblings = sa.select(sa.func.coalesce(sa.func.max(Goal.position), -1) + 1).where(
        Goal.placement_id == placement.id,
        Goal.parent_id == parent.id if parent else Goal.parent_id.is_(None),
    )
    goal = Goal(
        placement_id=placement.id, parent_id=parent.id if parent else None,
        position=db.session.scalar(siblings), created_by_id=user.id, **values,
    )
    db.session.add(goal)
    audit.record(user, "goal.created", goal, placement.participant_id, parent_id=goal.parent_id,
                 with_own_words=bool(values["participant_words"]))
    db.session.flush()
    return goal


def update_goal(user: User, goal: Goal, data: dict[str, Any]) -> list[str]:
    """Change a goal; returns what changed. `data` as for add_goal, plus fingerprint (see
    goal_fingerprint) and words_confirmed. Words the participant said are theirs: once
    saved, changing them needs words_confirmed (they asked for it), and the log keeps the
    old and the new words (the only personal text it keeps: without it their words could
    be lost to a staff member's rewording)."""
    _require_staff(user)
    placement = goal.placement
    _require_open_plan(placement)
    if data.get("fingerprint") != goal_fingerprint(goal):
        raise conflict(goal, GOAL_LABELS, data, _shown, version=goal_fingerprint(goal))
    values = _goal_values(data)
    old_words = goal.participant_words
    words_changed = values["participant_words"] != old_words
    if words_changed and old_words and not data.get("words_confirmed"):
        raise RuleViolation(
            _l("These are the participant's own words. Change them only when they ask, and "
               "tick that they did."),
            field="words_confirmed",
        )
    changed = [name for name in GOAL_FIELDS if getattr(goal, name) != values[name]]
    if not changed:
        return []
    for name in changed:
        setattr(goal, name, values[name])
    audit.record(
        user, "goal.updated", goal, placement.participant_id, fields=changed,
        **({"old_words": old_words, "new_words": values["participant_words"]}
           if words_changed else {}),
    )
    db.session.flush()
    return changed


def link_module(user: User, goal: Goal, assignment_id: int | None) -> GoalModule:
    """Put one of the participant's modules under the goal. Its goal step is the module's
    own (Assignment.goal_step, set on the participant's page): one place to set it, so
    the plan, the day view and the case worker never disagree."""
    _require_staff(user)
    placement = goal.placement
    _require_open_plan(placement)
    assignment = assignment_id and db.session.get(Assignment, assignment_id)
    if not assignment or assignment.participant_id != placement.participant_id:
        raise RuleViolation(_l("Choose one of the participant's modules."), field="assignment_id")
    link = db.session.get(GoalModule, (goal.id, assignment.id))
    if link is None:
        link = GoalModule(goal_id=goal.id, assignment_id=assignment.id)
        db.session.add(link)
        audit.record(user, "goal.module_linked", goal, placement.participant_id,
                     assignment_id=assignment.id)
        db.session.flush()
    return link


def unlink_module(user: User, goal: Goal, assignment_id: int) -> None:
    _require_staff(user)
    _require_open_plan(goal.placement)
    link = db.session.get(GoalModule, (goal.id, assignment_id))
    if link is None:
        return
    audit.record(user, "goal.module_unlinked", goal, goal.placement.participant_id,
                 assignment_id=assignment_id)
    db.session.delete(link)
    db.session.flush()


# --- follow-ups -----------------------------------------------------------------------------

FOLLOW_UP_LABELS = {
    "held_on": _l("Held on"),
    "attendees": _l("Who took part"),
    "notes": _l("Notes"),
    "decisions": _l("Decisions"),
    "next_step": _l("Next step"),
    "activity_after_exit": _l("What the person is doing now"),
}


def _checked_held_on(follow_up: FollowUp, held_on: dt.date | None) -> dt.date:
    held_on = not_in_future(
        required_date(held_on, "held_on", _l("Write the date the follow-up was held.")), "held_on"
    )
    placement = follow_up.placement
    if follow_up.cancelled_on:
        raise RuleViolation(
            _l("This follow-up was cancelled when the placement ended (%(date)s). Reopen the "
               "placement to hold it.", date=format_date(follow_up.cancelled_on))
        )
    if follow_up.kind == FollowUpKind.AFTER_EXIT:
        if placement.end_date is None:
            raise RuleViolation(
                _l("The placement was reopened: this follow-up waits for the next exit.")
            )
        if held_on < placement.end_date:
            raise RuleViolation(
                _l("A follow-up after exit is held after the end date (%(date)s).",
                   date=format_date(placement.end_date)),
                field="held_on",
            )
    elif placement.start_date is None or held_on < placement.start_date:
        raise RuleViolation(
            _l("A follow-up is held after the start (%(date)s).",
               date=format_date(placement.start_date) if placement.start_date else "–"),
            field="held_on",
        )
    return held_on


def _checked_activity(follow_up: FollowUp, value: str | None) -> Outcome | None:
    if follow_up.kind != FollowUpKind.AFTER_EXIT:
        return None
    try:
        activity = Outcome(value)
    except ValueError:
        activity = None
    if activity not in ACTIVITIES_AFTER_EXIT:
        raise RuleViolation(
            _l("Choose what the person is doing now."), field="activity_after_exit"
        )
    return activity


def record_follow_up(user: User, follow_up: FollowUp, data: dict[str, Any]) -> FollowUp:
    """Record (or correct) a follow-up. `data`: version, held_on, attendees, notes,
    decisions, next_step, and for the one after exit activity_after_exit.

    The summary (steps gained, attendance since the last follow-up) is frozen when the
    follow-up is first recorded, and again only if its date changes: later corrections
    elsewhere do not rewrite what the meeting saw."""
    _require_staff(user)
    check_version(follow_up, data.get("version"), FOLLOW_UP_LABELS, data, _shown)
    values = {
        "held_on": _checked_held_on(follow_up, data.get("held_on")),
        "attendees": clean_text(data.get("attendees"), "attendees", MAX_TEXT),
        "notes": clean_text(data.get("notes"), "notes", MAX_TEXT),
        "decisions": clean_text(data.get("decisions"), "decisions", MAX_TEXT),
        "next_step": clean_text(data.get("next_step"), "next_step", MAX_TEXT),
        "activity_after_exit": _checked_activity(follow_up, data.get("activity_after_exit")),
    }
    first_time = follow_up.held_on is None
    changed = [name for name, value in values.items() if getattr(follow_up, name) != value]
    if not changed:
        return follow_up
    with saving(follow_up, FOLLOW_UP_LABELS, data, _shown):
        # Read everything first, then write: one UPDATE of the follow-up, one version step.
        if follow_up.kind == FollowUpKind.SCHEDULED and "held_on" in changed:
            values["summary"] = queries.summary_since_last(
                follow_up.placement, values["held_on"], follow_up.id
            )
            changed.append("summary")
        next_one = _next_repeating(follow_up) if first_time else None
        for name in changed:
            setattr(follow_up, name, values[name])
        follow_up.recorded_by_id = user.id
        follow_up.recorded_at = utcnow()
        if next_one:
            db.session.add(next_one)
        audit.record(
            user, "follow_up.recorded" if first_time else "follow_up.corrected", follow_up,
            follow_up.placement.participant_id, fields=changed,
            activity_after_exit=values["activity_after_exit"],
        )
    return follow_up


def _next_repeating(held: FollowUp) -> FollowUp | None:
    """A placement that outlives its planned follow-ups (say, past its first year) gets
    the next repeating one when the last planned one is held."""
    placement = held.placement
    if held.kind != FollowUpKind.SCHEDULED or placement.status != PlacementStatus.ACTIVE:
        return None
    every = queries.settings_for(placement.unit_id).follow_up_schedule.every
    waiting, last_due = db.session.execute(
        sa.select(
            sa.func.count(FollowUp.id).filter(FollowUp.held_on.is_(None), FollowUp.id != held.id),
            sa.func.max(FollowUp.due_on),
        ).where(FollowUp.placement_id == placement.id, FollowUp.kind == FollowUpKind.SCHEDULED)
    ).one()
    if every is None or waiting:
        return None
    times = 1
    while (due_on := every.after(placement.start_date, times)) <= last_due:
        times += 1
    return FollowUp(
        placement_id=placement.id, kind=FollowUpKind.SCHEDULED, due_on=due_on,
        label=schedule.Offset(every.amount * times, every.unit).label,
    )


def _cancellable(placement: Placement) -> sa.ColumnElement[bool]:
    return sa.and_(
        FollowUp.placement_id == placement.id,
        FollowUp.kind == FollowUpKind.SCHEDULED,
        FollowUp.held_on.is_(None),
    )


def cancel_follow_ups_at_exit(user: User, placement: Placement) -> list[FollowUp]:
    """The exit's part (the caller commits): the regular follow-ups not held are kept but
    marked cancelled on the last day, so no list offers them and the history still shows
    them."""
    cancelled = list(db.session.scalars(
        sa.select(FollowUp).where(_cancellable(placement), FollowUp.cancelled_on.is_(None))
    ))
    for follow_up in cancelled:
        follow_up.cancelled_on = placement.end_date
    if cancelled:
        audit.record(user, "follow_up.cancelled_at_exit", placement, placement.participant_id,
                     follow_up_ids=[follow_up.id for follow_up in cancelled])
    return cancelled


def restore_follow_ups_at_reopening(user: User, placement: Placement) -> list[FollowUp]:
    """Reopening's part (the caller commits): the follow-ups the exit cancelled are
    planned again."""
    restored = list(db.session.scalars(
        sa.select(FollowUp).where(_cancellable(placement), FollowUp.cancelled_on.is_not(None))
    ))
    for follow_up in restored:
        follow_up.cancelled_on = None
    if restored:
        audit.record(user, "follow_up.restored_at_reopening", placement,
                     placement.participant_id,
                     follow_up_ids=[follow_up.id for follow_up in restored])
    return restored


def schedule_after_exit(user: User, placement: Placement) -> FollowUp:
    """The follow-up three calendar months after the end date, for the exit to call after
    setting end_date, in the same unit of work.
    A placement exited again after reopening moves its waiting one to the new date."""
    if placement.end_date is None:
        raise RuleViolation(_l("The placement has no end date yet."), field="end_date")
    due_on = schedule.add_months(placement.end_date, schedule.AFTER_EXIT_MONTHS)
    follow_up = db.session.scalar(
        sa.select(FollowUp).where(
            FollowUp.placement_id == placement.id,
            FollowUp.kind == FollowUpKind.AFTER_EXIT,
            FollowUp.held_on.is_(None),
        )
    )
    if follow_up is None:
        follow_up = FollowUp(
            placement_id=placement.id, kind=FollowUpKind.AFTER_EXIT,
            label=schedule.AFTER_EXIT_LABEL, due_on=due_on,
        )
        db.session.add(follow_up)
    follow_up.due_on = due_on
    audit.record(user, "follow_up.scheduled_after_exit", follow_up, placement.participant_id,
                 due_on=due_on.isoformat())
    return follow_up
