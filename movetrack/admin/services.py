"""The coordinator's changes to users, units, workstations and ordering units.

Each function checks the rules, writes, audits and flushes (the request commits). The caller has already
checked that the actor is an admin and that the object belongs to the actor's organisation;
ids given here (units, ordering units) are checked against that organisation again, so a
crafted form cannot reach into another one. Passwords and their hashes never reach the
audit details.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.forms import MIN_PASSWORD_LENGTH
from movetrack.auth.models import Role, User
from movetrack.auth.policy import (
    MANAGED_ROLES,
    is_case_worker_role,
    keeps_admin_role,
    needs_units,
)
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Unit, Workstation
from movetrack.rules import RuleViolation
from movetrack.security import hash_password
from movetrack.unit_of_work import refused_as

# ASCII only: å, ä, ö and look-alike letters are hard to type on a borrowed keyboard.
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]+")


# --- checks shared by several changes -------------------------------------------------

def _check_length(text: str, column, field: str) -> str:
    """No longer than the column holds (PostgreSQL would refuse it with an error page)."""
    if len(text) > column.type.length:
        raise RuleViolation(
            _l("Keep it to %(count)d characters or fewer.", count=column.type.length), field=field
        )
    return text


def _clean_name(name: str | None, column) -> str:
    name = (name or "").strip()
    if not name:
        raise RuleViolation(_l("Write a name."), field="name")
    return _check_length(name, column, "name")


def _check_unique_name(name: str, sibling_names: Iterable[str], message) -> None:
    """Case-insensitive, so "Snickeriet" and "snickeriet" are not two places. Compared in
    Python because SQLite's lower() leaves å, ä and ö alone; the sibling lists are short."""
    if name.casefold() in {sibling.casefold() for sibling in sibling_names}:
        raise RuleViolation(message, field="name")


def _unique(message, field: str = "name"):
    """Flush the block; a unique constraint that fires anyway (two admins saving at once)
    becomes the same clear message as the check before it."""
    return refused_as(partial(RuleViolation, message, field))


# --- users ---------------------------------------------------------------------------

USERNAME_TAKEN = _l("That username is taken. Choose another one.")


def _clean_username(username: str | None, user: User | None) -> str:
    username = (username or "").strip().lower()
    if not username:
        raise RuleViolation(_l("Write a username."), field="username")
    _check_length(username, User.username, "username")
    if not USERNAME_PATTERN.fullmatch(username):
        raise RuleViolation(
            _l("Use only the letters a–z, digits, dot, dash and underscore (no å, ä, ö or spaces)."),
            field="username",
        )
    taken = db.session.scalar(
        sa.select(User.id).where(User.username == username, User.id != getattr(user, "id", None))
    )
    if taken is not None:
        raise RuleViolation(USERNAME_TAKEN, field="username")
    return username


def _check_password(password: str | None) -> str:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(
            _l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH), field="password"
        )
    return password


def _check_role(actor: User, user: User | None, role: Role | str | None) -> Role:
    if role not in {r.value for r in MANAGED_ROLES}:
        raise RuleViolation(_l("Choose a role."), field="role")
    role = Role(role)
    # Compared by id: the actor is often Flask-Login's proxy, not the loaded object.
    if user is not None and user.id == actor.id and not keeps_admin_role(role):
        # Otherwise the organisation could be left with nobody able to undo it.
        raise RuleViolation(
            _l("You cannot take away your own coordinator role. Ask another coordinator."),
            field="role",
        )
    return role


def _units_of_organisation(actor: User, unit_ids: Iterable[int], role: Role) -> list[Unit]:
    unit_ids = set(unit_ids)
    units = list(
        db.session.scalars(
            sa.select(Unit).where(
                Unit.id.in_(unit_ids), Unit.organisation_id == actor.organisation_id
            )
        )
    )
    if len(units) != len(unit_ids):
        raise RuleViolation(_l("Choose units from the list."), field="units")
    if needs_units(role) and not units:
        raise RuleViolation(
            _l("A work supervisor needs at least one unit. Tick the units they work in."),
            field="units",
        )
    return units


def _ordering_unit_for_role(actor: User, ordering_unit_id: int | None, role: Role) -> OrderingUnit | None:
    """Required for case workers and empty for everyone else (the database insists too)."""
    if not is_case_worker_role(role):
        if ordering_unit_id is not None:
            raise RuleViolation(
                _l("Only case workers belong to an ordering unit. Choose “None” for this role."),
                field="ordering_unit",
            )
        return None
    if ordering_unit_id is None:
        raise RuleViolation(
            _l("A case worker must belong to an ordering unit. Choose one."), field="ordering_unit"
        )
    ordering_unit = db.session.scalar(
        sa.select(OrderingUnit).where(
            OrderingUnit.id == ordering_unit_id,
            OrderingUnit.organisation_id == actor.organisation_id,
        )
    )
    if ordering_unit is None:
        raise RuleViolation(_l("Choose an ordering unit from the list."), field="ordering_unit")
    return ordering_unit


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    return _check_length(email, User.email, "email") if email else None


class UserProblems(RuleViolation):
    """Every rule a user's details break, by field, so a form can mark them all at once."""

    def __init__(self, problems: dict):
        field, message = next(iter(problems.items()))
        super().__init__(message, field=field)
        self.problems = problems

    def messages_by_field(self) -> dict:
        return dict(self.problems)


def _profile(actor: User, user: User | None, name, username, email, role, unit_ids,
             ordering_unit_id) -> dict:
    """Every editable attribute of a user, checked; raises UserProblems if any rule is broken."""
    profile, problems = {}, {}

    def attempt(field, check, *args):
        try:
            profile[field] = check(*args)
        except RuleViolation as violation:
            problems[violation.field or field] = violation.message

    attempt("name", _clean_name, name, User.name)
    attempt("username", _clean_username, username, user)
    attempt("email", _clean_email, email)
    attempt("role", _check_role, actor, user, role)
    if "role" in profile:  # which units a user needs depends on the role
        attempt("units", _units_of_organisation, actor, unit_ids, profile["role"])
        attempt("ordering_unit", _ordering_unit_for_role, actor, ordering_unit_id, profile["role"])
    if problems:
        raise UserProblems(problems)
    return profile


def user_problems(actor: User, user: User | None = None, **details) -> dict:
    """The rules these details would break ({field: message}), writing nothing: lets a form
    that already failed its own checks show every problem in one round."""
    try:
        _profile(actor, user, **details)
    except UserProblems as broken:
        return broken.problems
    return {}


def _audit_view(user: User) -> dict:
    """What the audit keeps of a user: ids and names, never the password or its hash."""
    return {
        "name": user.name,
        "username": user.username,
        "email": user.email,
        "role": str(user.role),
        "unit_ids": sorted(unit.id for unit in user.units),
        "ordering_unit_id": user.ordering_unit.id if user.ordering_unit else None,
    }


def create_user(
    actor: User,
    *,
    name: str,
    username: str,
    email: str | None,
    role: Role | str,
    unit_ids: Iterable[int],
    ordering_unit_id: int | None,
    password: str,
) -> User:
    """A staff account in the actor's organisation, with a password the admin hands over."""
    profile = _profile(actor, None, name, username, email, role, unit_ids, ordering_unit_id)
    password = _check_password(password)
    user = User(
        organisation_id=actor.organisation_id,
        password_hash=hash_password(password),
        password_changed_at=utcnow(),
        active=True,
        **profile,
    )
    with _unique(USERNAME_TAKEN, field="username"):
        db.session.add(user)
        audit.record(actor, "user.created", user, **_audit_view(user))
    return user


def update_user(
    actor: User,
    user: User,
    *,
    name: str,
    username: str,
    email: str | None,
    role: Role | str,
    unit_ids: Iterable[int],
    ordering_unit_id: int | None,
) -> User:
    profile = _profile(actor, user, name, username, email, role, unit_ids, ordering_unit_id)
    before = _audit_view(user)
    with _unique(USERNAME_TAKEN, field="username"):
        for attribute, value in profile.items():
            setattr(user, attribute, value)
        after = _audit_view(user)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            audit.record(actor, "user.updated", user, changes=changes)
    return user


def reset_password(actor: User, user: User, password: str) -> None:
    """The admin sets a new password and hands it over; the audit notes only that it happened."""
    user.password_hash = hash_password(_check_password(password))
    user.password_changed_at = utcnow()
    user.end_all_sessions()  # whoever knew the old password is signed out too
    audit.record(actor, "user.password_reset", user)
    db.session.flush()


def deactivate_user(actor: User, user: User) -> None:
    """The account stays (its name signs old ratings) but can no longer sign in."""
    if user.id == actor.id:
        raise RuleViolation(
            _l("You cannot deactivate your own account. Ask another coordinator.")
        )
    if user.active:
        user.active = False
        audit.record(actor, "user.deactivated", user)
    db.session.flush()


def reactivate_user(actor: User, user: User) -> None:
    if not user.active:
        user.active = True
        audit.record(actor, "user.reactivated", user)
    db.session.flush()


# --- units and workstations ----------------------------------------------------------

UNIT_TAKEN = _l("There is already a unit with that name.")
WORKSTATION_TAKEN = _l("This unit already has a workstation with that name.")
ORDERING_UNIT_TAKEN = _l("There is already an ordering unit with that name.")


# Units, workstations and ordering units follow one rule: a name unique (ignoring case)
# among its siblings, which for a workstation are the unit's other workstations (archived
# ones too: their name is still on old records) and for the others the organisation's.
NAMED = {
    Unit: ("organisation_id", UNIT_TAKEN),
    Workstation: ("unit_id", WORKSTATION_TAKEN),
    OrderingUnit: ("organisation_id", ORDERING_UNIT_TAKEN),
}


def _checked_name(model, parent_id: int, name: str | None, current=None) -> str:
    parent_column, taken = NAMED[model]
    name = _clean_name(name, model.name)
    siblings = db.session.scalars(
        sa.select(model.name).where(
            getattr(model, parent_column) == parent_id, model.id != getattr(current, "id", None)
        )
    )
    _check_unique_name(name, siblings, taken)
    return name


def _create_named(actor: User, model, parent_id: int, name: str | None):
    parent_column, taken = NAMED[model]
    name = _checked_name(model, parent_id, name)
    thing = model(**{parent_column: parent_id, "name": name})
    with _unique(taken):
        db.session.add(thing)
        audit.record(actor, f"{_kind(model)}.created", thing, name=name,
                     **{parent_column: parent_id})
    return thing


def _rename(actor: User, thing, name: str | None):
    model = type(thing)
    parent_column, taken = NAMED[model]
    name = _checked_name(model, getattr(thing, parent_column), name, current=thing)
    with _unique(taken):
        if name != thing.name:
            audit.record(actor, f"{_kind(model)}.renamed", thing, old_name=thing.name, name=name)
            thing.name = name
    return thing


def _kind(model) -> str:
    return model.__tablename__.removesuffix("s")  # units → unit, ordering_units → ordering_unit


def create_unit(actor: User, name: str) -> Unit:
    return _create_named(actor, Unit, actor.organisation_id, name)


def rename_unit(actor: User, unit: Unit, name: str) -> Unit:
    return _rename(actor, unit, name)


def create_workstation(actor: User, unit: Unit, name: str) -> Workstation:
    return _create_named(actor, Workstation, unit.id, name)


def rename_workstation(actor: User, workstation: Workstation, name: str) -> Workstation:
    return _rename(actor, workstation, name)


def set_workstation_archived(actor: User, workstation: Workstation, archived: bool) -> None:
    """Archived: kept on the records that name it, no longer offered for new ones."""
    if workstation.archived != archived:
        workstation.archived = archived
        action = "workstation.archived" if archived else "workstation.unarchived"
        audit.record(actor, action, workstation, name=workstation.name)
    db.session.flush()


def create_ordering_unit(actor: User, name: str) -> OrderingUnit:
    return _create_named(actor, OrderingUnit, actor.organisation_id, name)


def rename_ordering_unit(actor: User, ordering_unit: OrderingUnit, name: str) -> OrderingUnit:
    return _rename(actor, ordering_unit, name)


def record_audit_export(admin: User, filters: dict, rows: int) -> None:
    """An export of the audit log leaves its own row: who took which part of the log out
    (the filters as chosen, dates as ISO text)."""
    chosen = {name: value.isoformat() if isinstance(value, dt.date) else value
              for name, value in filters.items() if value is not None}
    audit.record(admin, "audit.exported", admin, rows=rows, filters=chosen)
