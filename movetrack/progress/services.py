"""Writing ratings. Each function checks the rules, writes, audits and flushes."""

from __future__ import annotations

import datetime as dt
from functools import partial

from flask import current_app
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.modules.models import STEP_COUNT
from movetrack.mypages.models import SelfRating
from movetrack.participants.models import Assignment, AssignmentStatus
from movetrack.progress.models import Rating, RatingSource
from movetrack.rules import RuleViolation, clean_text
from movetrack.unit_of_work import refused_as

CORRECTED_MEANWHILE = _l(
    "Someone else corrected this rating just now. Look at the history again."
)

MAX_NOTE_LENGTH = 2000


def _check_step(step: int | None) -> int:
    if step is None or not 1 <= step <= STEP_COUNT:
        raise RuleViolation(_l("Choose a step from 1 to 10."), field="step")
    return step


def record_rating(
    user: User,
    assignment: Assignment,
    step: int | None,
    note: str | None = None,
    participant_agreed: bool | None = None,
    rated_on: dt.date | None = None,
    agrees_with: SelfRating | None = None,
) -> Rating:
    """A supervisor's rating of the step reached, under the module's current wording.
    `agrees_with`: the participant's own rating it agrees with (nothing of that is changed:
    only staff ratings count).

    The caller has already checked that the assignment is in the user's scope.
    """
    if not may_change(user, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff record steps."))
    step = _check_step(step)
    note = clean_text(note, "note", MAX_NOTE_LENGTH)
    if assignment.status != AssignmentStatus.ACTIVE:
        raise RuleViolation(_l("This module is not active. Make it active again to record steps."))
    rated_on = rated_on or local_today()
    if rated_on > local_today():
        raise RuleViolation(_l("A step cannot be recorded for a day that has not come."))
    rating = Rating(
        assignment_id=assignment.id,
        module_version_id=assignment.module.current_version.id,
        step=step,
        rated_on=rated_on,
        rated_by_id=user.id,
        source=RatingSource.SUPERVISOR,
        note=note,
        participant_agreed=participant_agreed,
        agrees_with_id=_agreed_self_rating(assignment, agrees_with, step),
    )
    db.session.add(rating)
    audit.record(user, "rating.recorded", rating, assignment.participant_id, step=step,
                 agrees_with=rating.agrees_with_id)
    db.session.flush()
    current_app.logger.info(
        "step %s recorded on assignment %s by %s", step, assignment.id, user.username
    )
    return rating


def _agreed_self_rating(assignment: Assignment, self_rating: SelfRating | None, step: int) -> int | None:
    if self_rating is None:
        return None
    if self_rating.assignment_id != assignment.id or self_rating.step != step:
        raise RuleViolation(_l("Agreeing with the participant records the step they chose."))
    return self_rating.id


def correct_rating(user: User, original: Rating, step: int | None, reason: str | None) -> Rating:
    """A new rating that replaces `original`; the original stays visible in the history."""
    if not may_change(user, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff correct steps."))
    step = _check_step(step)
    reason = clean_text(reason, "reason", MAX_NOTE_LENGTH)
    if not reason:
        raise RuleViolation(_l("Write why the step is corrected."), field="reason")
    if original.corrected_by is not None:
        raise RuleViolation(_l("This rating is already corrected. Correct the newest one instead."))
    correction = Rating(
        assignment_id=original.assignment_id,
        module_version_id=original.module_version_id,
        step=step,
        rated_on=original.rated_on,
        rated_by_id=user.id,
        source=original.source,
        approved=original.approved,
        note=original.note,
        participant_agreed=original.participant_agreed,
        corrects_id=original.id,
        correction_reason=reason,
    )
    participant_id = original.assignment.participant_id
    # Someone else may have corrected the same rating a moment ago (corrects_id is unique).
    with refused_as(partial(RuleViolation, CORRECTED_MEANWHILE)):
        db.session.add(correction)
        audit.record(user, "rating.corrected", correction, participant_id,
                     corrects=original.id, step=step)
    return correction
