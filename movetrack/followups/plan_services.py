"""The action plan: goals in the participant's words and the modules that serve them.
Like every service here (see services.py) it checks, writes, audits and flushes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.conflicts import conflict
from movetrack.extensions import db
from movetrack.followups.models import Goal, GoalModule
from movetrack.followups.services import (
    MAX_SHORT_TEXT,
    MAX_TEXT,
    PLAN_OPEN,
    require_staff,
    shown,
)
from movetrack.participants.models import Assignment
from movetrack.placements.models import (
    PLACEMENT_STATUS_LABELS,
    Placement,
)
from movetrack.rules import RuleViolation, clean_text

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
    require_staff(user)
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
    require_staff(user)
    placement = goal.placement
    _require_open_plan(placement)
    if data.get("fingerprint") != goal_fingerprint(goal):
        raise conflict(goal, GOAL_LABELS, data, shown, version=goal_fingerprint(goal))
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
    require_staff(user)
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
    require_staff(user)
    _require_open_plan(goal.placement)
    link = db.session.get(GoalModule, (goal.id, assignment_id))
    if link is None:
        return
    audit.record(user, "goal.module_unlinked", goal, goal.placement.participant_id,
                 assignment_id=assignment_id)
    db.session.delete(link)
    db.session.flush()
