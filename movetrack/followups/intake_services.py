"""The intake in the three-party meeting (the schedule, the workstation, the introductory
modules and the follow-ups it plans) and a later change of the schedule. Like every
service here (see services.py) it checks, writes, audits and flushes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.conflicts import check_version, saving
from movetrack.extensions import db
from movetrack.followups import queries, schedule
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.followups.services import (
    INTAKE_FROM,
    MAX_TEXT,
    require_staff,
    shown,
)
from movetrack.modules.models import Module
from movetrack.participants.models import Assignment, AssignmentStatus
from movetrack.participants.services import assign_module, workstation_in
from movetrack.placements import flow
from movetrack.placements.models import (
    PLACEMENT_STATUS_LABELS,
    Placement,
    PlacementStatus,
    ScheduleDay,
)
from movetrack.rules import RuleViolation, clean_text, not_in_future, required_date
from movetrack.unit_of_work import refused_as

MAX_HOURS = Decimal(12)


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
    require_staff(user)
    _check_intake_allowed(placement)
    submitted = {**data, "status": PlacementStatus.ACTIVE}
    check_version(placement, data.get("version"), INTAKE_LABELS, submitted, shown)
    intake_on, start_date = _intake_dates(placement, data)
    attendees = clean_text(data.get("intake_attendees"), "intake_attendees", MAX_TEXT)
    if not data.get("wants_to_take_part"):
        raise RuleViolation(
            _l("Tick this only when the participant has said so themselves. Without their "
               "yes there is no intake: decline or withdraw the order instead."),
            field="wants_to_take_part",
        )
    days = _checked_schedule(data.get("schedule") or [])
    workstation_id = workstation_in(placement.unit, data.get("workstation_id"), placement.workstation_id)
    settings = queries.settings_for(placement.unit_id)
    # A module assigned, or another placement opened, for the person a moment ago.
    with refused_as(partial(RuleViolation, CHANGED_AT_INTAKE)), saving(
        placement, INTAKE_LABELS, submitted, shown
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
    require_staff(user)
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
