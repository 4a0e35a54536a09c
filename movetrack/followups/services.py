"""Writing unit settings and follow-ups (intakes: intake_services.py, action plans:
plan_services.py), and what they share. Each public function checks
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
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.clock import utcnow
from movetrack.conflicts import check_version, saving, shown_value
from movetrack.extensions import db
from movetrack.followups import queries, schedule
from movetrack.followups.models import FollowUp, FollowUpKind, UnitSettings
from movetrack.modules.models import Module
from movetrack.org.models import Unit
from movetrack.placements.models import (
    OUTCOME_LABELS,
    PLACEMENT_STATUS_LABELS,
    Outcome,
    Placement,
    PlacementStatus,
)
from movetrack.rules import RuleViolation, clean_text, not_in_future, required_date

MAX_TEXT = 4000
MAX_SHORT_TEXT = 200  # Goal.who and Goal.when
INTAKE_FROM = (PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT, PlacementStatus.INTAKE)
PLAN_OPEN = (*INTAKE_FROM, PlacementStatus.ACTIVE)
# What a person may be doing three months after exit: every outcome but a mistake.
ACTIVITIES_AFTER_EXIT = tuple(o for o in Outcome if o != Outcome.REGISTERED_BY_MISTAKE)


# --- edit conflicts -------------------------------------------------------------------------


def shown(name: str, value: Any) -> str:
    """Statuses and outcomes by their labels; anything else read the plain way."""
    if isinstance(value, Outcome):
        return str(OUTCOME_LABELS[value])
    if isinstance(value, PlacementStatus):
        return str(PLACEMENT_STATUS_LABELS[value])
    return shown_value(name, value)


# --- small checks ---------------------------------------------------------------------------


def require_staff(user: User) -> None:
    if not may_change(user, Kind.PLACEMENT):
        raise RuleViolation(_l("Only staff work with intakes, plans and follow-ups."))


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
    require_staff(user)
    check_version(follow_up, data.get("version"), FOLLOW_UP_LABELS, data, shown)
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
    with saving(follow_up, FOLLOW_UP_LABELS, data, shown):
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
