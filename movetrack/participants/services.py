"""Writing participants and their modules. Each function checks the rules, writes, audits
and flushes (the request commits); nothing is kept when it raises RuleViolation.

The caller has already checked that the participant or assignment is in the user's
scope (auth/policy/); a unit chosen in a form is checked here, since it comes from input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change, unit_ids_in_scope
from movetrack.clock import local_today, utcnow
from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.languages import LANGUAGES
from movetrack.media.models import Upload
from movetrack.media.services import discard_unused_upload, save_upload
from movetrack.modules.models import STEP_COUNT, Module
from movetrack.org.models import Unit, Workstation
from movetrack.participants.models import (
    Assignment,
    AssignmentStatus,
    Gender,
    Participant,
)
from movetrack.placements.models import OPEN_STATUSES, Placement
from movetrack.rules import RuleViolation
from movetrack.unit_of_work import refused_as

NAME_MAX_LENGTH = 160
PREFERRED_NAME_MAX_LENGTH = 80
FIRST_BIRTH_YEAR = 1900


def _require_staff(user: User) -> None:
    if not may_change(user, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff change participants and their modules."))


# --- participants -------------------------------------------------------------------------


def _clean_name(value: str | None, field: str, max_length: int) -> str | None:
    value = (value or "").strip()
    if len(value) > max_length:
        raise RuleViolation(_l("Use at most %(count)d characters.", count=max_length), field=field)
    return value or None


def _required_name(value: str | None) -> str:
    name = _clean_name(value, "name", NAME_MAX_LENGTH)
    if name is None:
        raise RuleViolation(_l("Write the participant's name."), field="name")
    return name


def _checked_birth_year(year: int | None) -> int | None:
    this_year = local_today().year
    if year is not None and not FIRST_BIRTH_YEAR <= year <= this_year:
        raise RuleViolation(
            _l(
                "Write a birth year from %(first)d to %(last)d, or leave it empty.",
                first=FIRST_BIRTH_YEAR,
                last=this_year,
            ),
            field="birth_year",
        )
    return year


def _checked_gender(value: str | None) -> Gender:
    try:
        return Gender(value or Gender.NOT_STATED)
    except ValueError:
        raise RuleViolation(_l("Choose one of the listed genders."), field="gender") from None


def _checked_language(code: str | None) -> str:
    if code not in LANGUAGES:
        raise RuleViolation(_l("Choose one of the listed languages."), field="language")
    return code


def _unit_in_scope(user: User, unit_id: int | None) -> Unit:
    unit = unit_id and db.session.scalar(
        sa.select(Unit).where(Unit.id == unit_id, Unit.id.in_(unit_ids_in_scope(user)))
    )
    if not unit:
        raise RuleViolation(_l("Choose one of your units."), field="unit_id")
    return unit


def workstation_in(unit: Unit, workstation_id: int | None, current_id: int | None) -> int | None:
    """A workstation of the unit; an archived one only if it is the current one already
    (the participant's, or the placement's at intake)."""
    if workstation_id is None:
        return None
    workstation = db.session.get(Workstation, workstation_id)
    if (
        workstation is None
        or workstation.unit_id != unit.id
        or (workstation.archived and workstation.id != current_id)
    ):
        raise RuleViolation(
            lazy_text("Choose a workstation in %(unit)s, or none.", unit=unit.name), field="workstation_id"
        )
    return workstation.id


def _participant_values(user: User, data: dict[str, Any], current: Participant | None) -> dict:
    """The values, checked in the order the form shows them. `data` holds the
    Participant attributes a form edits (name, preferred_name, birth_year, gender,
    needs_pictures, language, unit_id, workstation_id), as parsed by the form."""
    values = {
        "name": _required_name(data.get("name")),
        "preferred_name": _clean_name(
            data.get("preferred_name"), "preferred_name", PREFERRED_NAME_MAX_LENGTH
        ),
        "birth_year": _checked_birth_year(data.get("birth_year")),
        "gender": _checked_gender(data.get("gender")),
        "needs_pictures": bool(data.get("needs_pictures")),
        "language": _checked_language(data.get("language")),
    }
    unit = _unit_in_scope(user, data.get("unit_id"))
    values["unit_id"] = unit.id
    values["workstation_id"] = workstation_in(
        unit, data.get("workstation_id"), current.workstation_id if current else None
    )
    return values


def _saved_photo(user: User, photo_file: FileStorage | None) -> Upload | None:
    """The photo, checked and re-encoded by the media room, in this unit of work (so the
    person and their photo are saved together or not at all); None when none was chosen."""
    if not photo_file:
        return None
    try:
        return save_upload(photo_file, user, _("Participant's photo"))
    except RuleViolation as violation:  # shown beside this form's file field
        raise RuleViolation(violation.message, field="photo_file") from None


def create_participant(user: User, data: dict[str, Any]) -> Participant:
    """A new participant from form data (see _participant_values; `photo_file` optional)."""
    _require_staff(user)
    values = _participant_values(user, data, current=None)
    photo = _saved_photo(user, data.get("photo_file"))
    participant = Participant(**values, photo=photo, created_by_id=user.id)
    db.session.add(participant)
    db.session.flush()  # the audit row points at the participant's id
    given = [name for name, value in values.items() if value not in (None, "", False)]
    audit.record(
        user,
        "participant.created",
        participant,
        participant.id,
        fields=given + (["photo"] if photo else []),
    )
    db.session.flush()
    return participant


def update_participant(user: User, participant: Participant, data: dict[str, Any]) -> Participant:
    """Apply form data (as for create, plus `active`). The audit names the
    fields that changed, not their values, so the log holds as little personal data as
    possible. Deactivating takes the person off the day view."""
    _require_staff(user)
    values = _participant_values(user, data, current=participant)
    if "active" in data:
        values["active"] = bool(data["active"])
    photo = _saved_photo(user, data.get("photo_file"))
    changed = [name for name, value in values.items() if getattr(participant, name) != value]
    for name in changed:
        setattr(participant, name, values[name])
    if photo:
        replaced = participant.photo
        participant.photo = photo
        changed.append("photo")
        if replaced is not None:
            discard_unused_upload(replaced)  # a replaced photo does not linger
    if changed:
        audit.record(user, "participant.updated", participant, participant.id, fields=changed)
        db.session.flush()
    return participant


# --- assigned modules ---------------------------------------------------------------------


def _checked_step(step: int | None, field: str) -> int | None:
    if step is not None and not 1 <= step <= STEP_COUNT:
        raise RuleViolation(_l("Choose a step from 1 to 10, or leave it empty."), field=field)
    return step


def _assignable_module(module_id: int | None) -> Module:
    module = db.session.get(Module, module_id) if module_id else None
    if module is None:
        raise RuleViolation(_l("Choose a module."), field="module_id")
    if module.archived:
        raise RuleViolation(
            _l("This module is archived and can no longer be assigned."), field="module_id"
        )
    return module


def _checked_assignment_day(day: dt.date | None) -> dt.date:
    day = day or local_today()
    if day > local_today():
        raise RuleViolation(
            _l("A module cannot be assigned on a day that has not come."), field="assigned_on"
        )
    return day


def _already_has_module(participant: Participant) -> RuleViolation:
    return RuleViolation(
        lazy_text("%(name)s already has this module.", name=participant.display_name), field="module_id"
    )


def _open_placement_id(participant: Participant) -> int | None:
    """The placement the person is in now (ordered to active: at most one is open)."""
    return db.session.scalar(
        sa.select(Placement.id).where(
            Placement.participant_id == participant.id, Placement.status.in_(OPEN_STATUSES)
        )
    )


def assign_module(
    user: User,
    participant: Participant,
    module_id: int | None,
    baseline_step: int | None = None,
    goal_step: int | None = None,
    assigned_on: dt.date | None = None,
    **audit_details,
) -> Assignment:
    """Give the participant a module to work on in their open placement (if any): while
    the module is active there, a second time is refused."""
    _require_staff(user)
    module = _assignable_module(module_id)
    baseline_step = _checked_step(baseline_step, "baseline_step")
    goal_step = _checked_step(goal_step, "goal_step")
    assigned_on = _checked_assignment_day(assigned_on)
    already_has = _already_has_module(participant)  # built now: a rollback expires participant
    placement_id = _open_placement_id(participant)
    if db.session.scalar(
        sa.select(
            sa.exists().where(
                Assignment.participant_id == participant.id,
                Assignment.module_id == module.id,
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.placement_id.is_(None) if placement_id is None
                else Assignment.placement_id == placement_id,
            )
        )
    ):
        raise already_has
    assignment = Assignment(
        participant_id=participant.id,
        module_id=module.id,
        placement_id=placement_id,
        baseline_step=baseline_step,
        goal_step=goal_step,
        assigned_on=assigned_on,
        assigned_by_id=user.id,
        status=AssignmentStatus.ACTIVE,
    )
    # Someone may have assigned the same module a moment ago: one active per placement.
    with refused_as(lambda: already_has):
        db.session.add(assignment)
        audit.record(
            user,
            "assignment.created",
            assignment,
            participant.id,
            module_id=module.id,
            baseline_step=baseline_step,
            goal_step=goal_step,
            **audit_details,
        )
    return assignment


def update_assignment_steps(
    user: User, assignment: Assignment, baseline_step: int | None, goal_step: int | None
) -> list[str]:
    """Change where the participant started and where they aim; returns what changed.
    Old and new steps are audited: the baseline decides the gain in the statistics."""
    _require_staff(user)
    values = {
        "baseline_step": _checked_step(baseline_step, "baseline_step"),
        "goal_step": _checked_step(goal_step, "goal_step"),
    }
    changes = {
        name: [getattr(assignment, name), value]
        for name, value in values.items()
        if getattr(assignment, name) != value
    }
    if changes:
        for name, (_old, new) in changes.items():
            setattr(assignment, name, new)
        audit.record(
            user, "assignment.steps_changed", assignment, assignment.participant_id, changes=changes
        )
        db.session.flush()
    return list(changes)


def change_assignment_status(user: User, assignment: Assignment, status: str | None) -> None:
    """Active, paused, done or switched to something else, and back to active at any time:
    switching is a choice the participant makes, never a failure."""
    _require_staff(user)
    try:
        status = AssignmentStatus(status)
    except ValueError:
        raise RuleViolation(_l("Choose one of the listed statuses."), field="status") from None
    old = assignment.status
    if status == old:
        return
    assignment.status = status
    assignment.status_changed_at = utcnow()
    audit.record(
        user,
        "assignment.status_changed",
        assignment,
        assignment.participant_id,
        old=old.value,
        new=status.value,
    )
    db.session.flush()
