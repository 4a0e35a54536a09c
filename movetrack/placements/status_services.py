"""A placement's status after the order: what happens before the start (study visit,
declined, withdrawn), the exit with its outcome and interview, and reopening. Every change
goes through flow.move, which dates and attributes it; like services.py, each function
checks, writes, audits and flushes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.clock import local_today
from movetrack.followups.services import (
    cancel_follow_ups_at_exit,
    restore_follow_ups_at_reopening,
    schedule_after_exit,
)
from movetrack.placements import flow, queries
from movetrack.placements.models import (
    PLACEMENT_STATUS_LABELS,
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from movetrack.placements.services import (
    BEFORE_START,
    REGISTERED_BY_MISTAKE,
    REOPENS_TO,
    TEXT_MAX_LENGTH,
    check_no_open_placement,
    check_placement_version,
    require_staff,
    saving_placement,
)
from movetrack.rules import RuleViolation, clean_text, not_in_future, required_date

STATUS_FIELD = {"status": _l("Status")}
EXIT_LABELS = {
    **STATUS_FIELD,
    "end_date": _l("Last day"),
    "exit_outcome": _l("Outcome"),
}


# --- before the start: study visit, declined, withdrawn -------------------------------------


def _checked_before_start(to: str | None) -> tuple[PlacementStatus, Outcome | None]:
    """The status to move to, and the outcome that goes with it (a mistake's only)."""
    if to == REGISTERED_BY_MISTAKE:
        return PlacementStatus.WITHDRAWN, Outcome.REGISTERED_BY_MISTAKE
    try:
        status = PlacementStatus(to)
    except ValueError:
        status = None
    if status not in BEFORE_START:
        raise RuleViolation(_l("Choose what happened."), field="to")
    return status, None


def change_status(
    user: User,
    placement: Placement,
    to: str | None,
    on_date: dt.date | None,
    note: str | None,
    version: Any,
) -> PlacementEvent:
    """A study visit booked or held (its date may lie ahead), or the order declined,
    withdrawn or found registered by mistake (on a day that has come)."""
    require_staff(user)
    status, outcome = _checked_before_start(to)
    sent = {"status": status}
    check_placement_version(placement, version, STATUS_FIELD, sent)
    on_date = required_date(on_date, "on_date", _l("Write the date."))
    if status != PlacementStatus.STUDY_VISIT:
        not_in_future(on_date, "on_date")
    note = clean_text(note, "note", TEXT_MAX_LENGTH)
    with saving_placement(placement, STATUS_FIELD, sent):
        event = flow.move(user, placement, status, on_date, note)
        if status == PlacementStatus.STUDY_VISIT:
            placement.study_visit_on = on_date
        if outcome is not None:
            placement.exit_outcome = outcome
            audit.record(
                user, "placement.registered_by_mistake", placement, placement.participant_id
            )
    return event


# --- exit and reopening --------------------------------------------------------------------


def _checked_end_date(placement: Placement, end_date: dt.date | None) -> dt.date:
    end_date = not_in_future(
        required_date(end_date, "end_date", _l("Write the participant's last day.")), "end_date"
    )
    if end_date < placement.start_date:  # an active placement has one: intake sets it
        raise RuleViolation(
            _l(
                "The last day cannot come before the start (%(date)s).",
                date=format_date(placement.start_date),
            ),
            field="end_date",
        )
    last_attended = queries.last_attendance_day(placement)
    if last_attended and end_date < last_attended:
        raise RuleViolation(
            _l(
                "Attendance is recorded on %(date)s, after that day. Choose %(date)s or later, "
                "or correct the attendance first.",
                date=format_date(last_attended),
            ),
            field="end_date",
        )
    return end_date


def _checked_outcome(value: str | None) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise RuleViolation(_l("Choose the outcome."), field="exit_outcome") from None


def _checked_interview(answers: Mapping[str, str | None]) -> dict[str, str] | None:
    """{question: answer} for the questions answered; None when none was."""
    interview = {}
    for question, answer in answers.items():
        answer = (answer or "").strip()
        if len(answer) > TEXT_MAX_LENGTH:
            raise RuleViolation(
                _l("Keep each answer to %(count)d characters.", count=TEXT_MAX_LENGTH)
            )
        if answer:
            interview[question] = answer
    return interview or None


def record_exit(
    user: User,
    placement: Placement,
    end_date: dt.date | None,
    outcome: str | None,
    answers: Mapping[str, str | None],
    note: str | None,
    version: Any,
) -> Placement:
    """End an active placement: last day, outcome, the optional exit interview
    ({question: answer}), the regular follow-ups not held cancelled (kept, marked), and the
    follow-up three months later, in one transaction."""
    require_staff(user)
    sent = {"status": PlacementStatus.ENDED, "end_date": end_date, "exit_outcome": outcome}
    check_placement_version(placement, version, EXIT_LABELS, sent)
    if placement.status != PlacementStatus.ACTIVE:
        raise RuleViolation(
            _l(
                "Only an active placement can end. This one is “%(status)s”.",
                status=PLACEMENT_STATUS_LABELS[placement.status],
            )
        )
    end_date = _checked_end_date(placement, end_date)
    outcome = _checked_outcome(outcome)
    interview = _checked_interview(answers)
    note = clean_text(note, "note", TEXT_MAX_LENGTH)
    with saving_placement(placement, EXIT_LABELS, sent):
        flow.move(user, placement, PlacementStatus.ENDED, end_date, note)
        placement.end_date = end_date
        placement.exit_outcome = outcome
        placement.exit_interview = interview
        audit.record(
            user,
            "placement.exit_recorded",
            placement,
            placement.participant_id,
            outcome=outcome.value,
            end_date=end_date.isoformat(),
            interview_answers=len(interview or {}),
        )
        cancel_follow_ups_at_exit(user, placement)
        schedule_after_exit(user, placement)
    return placement


def reopen(user: User, placement: Placement, note: str | None, version: Any) -> PlacementEvent:
    """An ended placement becomes active again, a declined or withdrawn order an order
    again; an end date and outcome are cleared (the audit keeps them; the exit interview
    stays for the next exit), and the follow-ups the exit cancelled are planned again.
    Dated today, with the reason."""
    require_staff(user)
    note = clean_text(note, "note", TEXT_MAX_LENGTH)
    if note is None:
        raise RuleViolation(_l("Write why the placement is reopened."), field="note")
    check_placement_version(placement, version, {}, {})  # the page shows the status it has now
    to = REOPENS_TO.get(placement.status)
    if to is None:
        raise RuleViolation(_l("Only an ended, declined or withdrawn placement can be reopened."))
    check_no_open_placement(placement.participant, except_id=placement.id)
    previous_end, previous_outcome = placement.end_date, placement.exit_outcome
    with saving_placement(placement, {}, {}):
        event = flow.move(user, placement, to, local_today(), note)
        if previous_outcome is not None:
            placement.end_date = None
            placement.exit_outcome = None
            restore_follow_ups_at_reopening(user, placement)
            audit.record(
                user,
                "placement.exit_undone",
                placement,
                placement.participant_id,
                previous_end_date=previous_end.isoformat() if previous_end else None,
                previous_outcome=previous_outcome.value,
            )
    return event
