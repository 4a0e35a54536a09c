"""Who may see and who may change each kind of thing: one answer per kind, asked by
routes (`allowed`), services (`may_change` before they write) and templates (`can`)."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from movetrack.auth.models import Role, User
from movetrack.auth.policy.principal import Principal


class Kind(enum.StrEnum):
    """The kinds of thing the policy answers for (templates name them by value)."""

    LIBRARY = "library"  # modules, their versions, steps and step pictures
    PHOTO = "photo"  # uploaded photos
    ORGANISATION = "organisation"  # users, units, workstations, ordering units, codes, unit settings
    PARTICIPANT = "participant"  # people, assigned modules, ratings, consent, attendance
    PLACEMENT = "placement"  # placements, intake, action plan, follow-ups
    CERTIFICATE = "certificate"  # issuing and reissuing certificates
    REVOCATION = "revocation"  # revoking an issued certificate
    ORDER = "order"  # a case worker's own orders, as far as consent allows
    STATISTICS = "statistics"  # the flow figures, within the aggregate scope (statistics.py)
    OWN_PAGES = "own_pages"  # a participant's own progress, certificates and self-ratings
    ACCOUNT = "account"  # a staff member's own account (password)
    PERSONAL_DATA = "personal_data"  # a person's data as a whole: GDPR export and erasure


Rule = Callable[[Principal], bool]


def _signed_in_staff(principal: Principal) -> bool:
    """Anyone who works here, using the app as themselves (not in participant mode)."""
    return principal.is_staff_session


def _participant(principal: Principal) -> bool:
    return principal.is_participant


def _admin(principal: Principal) -> bool:
    return principal.is_admin


def _staff(principal: Principal) -> bool:
    return principal.is_staff


def _case_worker(principal: Principal) -> bool:
    return principal.is_case_worker


def _staff_or_case_worker(principal: Principal) -> bool:
    return principal.is_staff or principal.is_case_worker


def _nobody(_principal: Principal) -> bool:
    return False


def _staff_or_participant(principal: Principal) -> bool:
    """Staff, or a participant (whose scope is themselves: their own certificates)."""
    return principal.is_staff or principal.is_participant


SEE: dict[Kind, Rule] = {
    Kind.LIBRARY: _signed_in_staff,
    Kind.PHOTO: _signed_in_staff,
    Kind.ORGANISATION: _admin,
    Kind.PARTICIPANT: _staff,
    Kind.PLACEMENT: _staff,
    Kind.CERTIFICATE: _staff_or_participant,
    Kind.REVOCATION: _admin,
    Kind.ORDER: _case_worker,
    Kind.STATISTICS: _staff_or_case_worker,
    Kind.OWN_PAGES: _participant,
    Kind.ACCOUNT: _signed_in_staff,
    Kind.PERSONAL_DATA: _admin,
}
CHANGE: dict[Kind, Rule] = {
    Kind.LIBRARY: _admin,
    Kind.PHOTO: _staff,
    Kind.ORGANISATION: _admin,
    Kind.PARTICIPANT: _staff,
    Kind.PLACEMENT: _staff,
    Kind.CERTIFICATE: _staff,
    Kind.REVOCATION: _admin,
    Kind.ORDER: _nobody,  # orders are registered by staff; the case worker only reads
    Kind.STATISTICS: _nobody,  # figures are computed, never edited
    Kind.OWN_PAGES: _participant,  # their own self-ratings, nothing else
    Kind.ACCOUNT: _signed_in_staff,
    Kind.PERSONAL_DATA: _admin,
}


def may_see(who, kind: Kind | str) -> bool:
    """May the principal see things of this kind at all? Which ones: `scope`."""
    return SEE[Kind(kind)](Principal.of(who))


def may_change(who, kind: Kind | str) -> bool:
    """May the principal change things of this kind? Services ask before they write;
    which ones they may touch is `scope`'s answer, as for seeing."""
    return CHANGE[Kind(kind)](Principal.of(who))


ANSWERS = {"see": may_see, "change": may_change}


def can(verb: str, kind: Kind | str, who=None) -> bool:
    """For templates: `can("change", "library")` asks about the signed-in user."""
    return ANSWERS[verb](current_user if who is None else who, kind)


def allowed(verb: str, kind: Kind | str):
    """Route decorator: signed in and allowed to see (or change) the kind, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not ANSWERS[verb](current_user, kind):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- the roles themselves, for the pages that manage accounts --------------------------

# The roles an admin creates and edits. Participants sign in another way (later).
MANAGED_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.ORDERER)
HOME_BY_ROLE = {
    Role.ADMIN: "day.today",
    Role.SUPERVISOR: "day.today",
    Role.ORDERER: "caseworker.orders",
    Role.PARTICIPANT: "modules.library",
}


def home_endpoint(who) -> str:
    """Where a principal lands after signing in."""
    principal = Principal.of(who)
    return "mypages.home" if principal.is_participant else HOME_BY_ROLE[principal.role]


def keeps_admin_role(role: Role | str) -> bool:
    return role == Role.ADMIN


def works_in_every_unit(user) -> bool:
    """A coordinator works with every unit of the organisation; others with their own."""
    return Principal.of(user).is_admin


def needs_units(role: Role | str) -> bool:
    """A supervisor works in at least one unit."""
    return role == Role.SUPERVISOR


def is_case_worker_role(role: Role | str) -> bool:
    """Case workers, and only they, belong to an ordering unit (the database insists too)."""
    return role == Role.ORDERER


def is_case_worker(user) -> bool:
    return user is not None and is_case_worker_role(user.role)


def case_workers_clause() -> sa.ColumnElement[bool]:
    """SQL: the users who are case workers."""
    return User.role == Role.ORDERER
