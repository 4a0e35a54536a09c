"""The need-category code list, kept by the coordinators (admins): adding, renaming,
retiring. Each function checks, writes, audits and flushes."""

from __future__ import annotations

from functools import partial

from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.extensions import db
from movetrack.placements import queries
from movetrack.placements.models import (
    NeedCategory,
)
from movetrack.rules import RuleViolation
from movetrack.unit_of_work import refused_as

CATEGORY_TAKEN = _l("There is already a need category with that name.")


# --- the need-category code list (admins) ------------------------------------------------


def _require_admin(user: User) -> None:
    if not may_change(user, Kind.ORGANISATION):
        raise RuleViolation(_l("Only coordinators change the need categories."))


def _clean_category_name(user: User, name: str | None, current: NeedCategory | None) -> str:
    name = (name or "").strip()
    if not name:
        raise RuleViolation(_l("Write a name."), field="name")
    if len(name) > NeedCategory.name.type.length:
        raise RuleViolation(
            _l("Keep it to %(count)d characters or fewer.", count=NeedCategory.name.type.length),
            field="name",
        )
    # Compared in Python: SQLite's lower() leaves å, ä and ö alone, and the list is short.
    taken = {
        category.name.casefold()
        for category in queries.need_categories(user, active_only=False)
        if category is not current
    }
    if name.casefold() in taken:
        raise RuleViolation(CATEGORY_TAKEN, field="name")
    return name


def create_need_category(user: User, name: str | None) -> NeedCategory:
    _require_admin(user)
    category = NeedCategory(
        organisation_id=user.organisation_id, name=_clean_category_name(user, name, None)
    )
    with refused_as(partial(RuleViolation, CATEGORY_TAKEN, "name")):  # two admins at once
        db.session.add(category)
        audit.record(user, "need_category.created", category, name=category.name)
    return category


def update_need_category(
    user: User, category: NeedCategory, name: str | None, active: bool
) -> list[str]:
    """Rename, retire (no longer offered; orders keep it) or bring back. Returns what changed."""
    _require_admin(user)
    values = {"name": _clean_category_name(user, name, category), "active": bool(active)}
    changed = [field for field, value in values.items() if getattr(category, field) != value]
    if changed:
        audit.record(
            user,
            "need_category.changed",
            category,
            **{field: [getattr(category, field), values[field]] for field in changed},
        )
        with refused_as(partial(RuleViolation, CATEGORY_TAKEN, "name")):
            for field in changed:
                setattr(category, field, values[field])
    return changed
