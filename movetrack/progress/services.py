"""Writing ratings. Each function checks the rules, writes, audits and flushes."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.idempotency import Saved, save_once
from movetrack.modules.models import STEP_COUNT
from movetrack.mypages.models import SelfRating
from movetrack.participants.models import Assignment, AssignmentStatus
from movetrack.progress.models import Rating, RatingSource
from movetrack.rules import RuleViolation, clean_text

CORRECTED_MEANWHILE = _l(
    "Someone else corrected this rating just now. Look at the history again."
)

MAX_NOTE_LENGTH = 2000


def _check_step(step: int | None) -> int:
    if step is None or not 1 <= step <= STEP_COUNT:
        raise RuleViolation(_l("Choose a step from 1 to 10."), field="step")
    return step


def earliest_rating_day() -> dt.date:
    """Supervisors catch up the next morning: a step may be recorded this many days back."""
    return local_today() - dt.timedelta(days=current_app.config["RATING_PAST_DAYS"])


def check_rating_day(rated_on: dt.date) -> dt.date:
    if rated_on > local_today():
        raise RuleViolation(
            _l("A step cannot be recorded for a day that has not come."), field="rated_on"
        )
    if rated_on < earliest_rating_day():
        raise RuleViolation(
            _l("A step can be recorded for today and up to %(days)d days back.",
               days=current_app.config["RATING_PAST_DAYS"]),
            field="rated_on",
        )
    return rated_on


def record_rating(
    user: User,
    assignment: Assignment,
    step: int | None,
    note: str | None = None,
    participant_agreed: bool | None = None,
    rated_on: dt.date | None = None,
    request_key: uuid.UUID | None = None,
    agrees_with: SelfRating | None = None,
) -> Saved[Rating]:
    """A supervisor's rating of the step reached, under the module's current wording.
    A second request with the same `request_key` saves nothing and answers with the first.
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
    rated_on = check_rating_day(rated_on or local_today())
    agrees_with_id = _agreed_self_rating(assignment, agrees_with, step)

    def write() -> Rating:
        rating = Rating(
            assignment_id=assignment.id,
            module_version_id=assignment.module.current_version.id,
            step=step,
            rated_on=rated_on,
            rated_by_id=user.id,
            source=RatingSource.SUPERVISOR,
            note=note,
            participant_agreed=participant_agreed,
            agrees_with_id=agrees_with_id,
            request_key=request_key,
        )
        db.session.add(rating)
        audit.record(user, "rating.recorded", rating, assignment.participant_id,
                     step=step, rated_on=rated_on.isoformat(), agrees_with=agrees_with_id)
        current_app.logger.info(
            "step %s recorded on assignment %s by %s", step, assignment.id, user.username
        )
        return rating

    return save_once(Rating, request_key, write)


def _agreed_self_rating(assignment: Assignment, self_rating: SelfRating | None, step: int) -> int | None:
    if self_rating is None:
        return None
    if self_rating.assignment_id != assignment.id or self_rating.step != step:
        raise RuleViolation(_l("Agreeing with the participant records the step they chose."))
    return self_rating.id


def correct_rating(user: User, original: Rating, step: int | None, reason: str | None,
                   request_key: uuid.UUID | None = None) -> Saved[Rating]:
    """A new rating that replaces `original`; the original stays visible in the history.
    A second request with the same `request_key` answers with the correction it saved."""
    if not may_change(user, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff correct steps."))
    step = _check_step(step)
    reason = clean_text(reason, "reason", MAX_NOTE_LENGTH)
    if not reason:
        raise RuleViolation(_l("Write why the step is corrected."), field="reason")

    def write() -> Rating:
        if original.corrected_by is not None:
            raise RuleViolation(
                _l("This rating is already corrected. Correct the newest one instead.")
            )
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
            request_key=request_key,
        )
        db.session.add(correction)
        audit.record(
            user, "rating.corrected", correction, original.assignment.participant_id,
            corrects=original.id, step=step,
        )
        return correction

    try:
        return save_once(Rating, request_key, write)
    except sa.exc.IntegrityError:
        # Someone else corrected the same rating a moment ago (corrects_id is unique);
        # save_once has rolled the unit of work back.
        raise RuleViolation(CORRECTED_MEANWHILE) from None
