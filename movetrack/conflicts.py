"""Two people editing the same row: the second sees what changed, nothing is overwritten.

Rows that can be edited from two screens at once (a placement, a follow-up) carry a
`version` column. A form sends back the version it was opened at; `check_version` refuses
a stale one before anything is written, and `saving` catches the race in which someone
else commits between our check and our write. Either way the user gets an EditConflict
listing their value beside ours for every field that differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from movetrack.extensions import db
from movetrack.rules import RuleViolation

# How a field's value reads to a person: (field name, value) → text.
Shown = Callable[[str, Any], str]


@dataclass(frozen=True)
class Change:
    label: str
    theirs: str
    yours: str


class EditConflict(RuleViolation):
    """Someone saved the same row after this form was opened. `changes` holds their value
    beside this user's for every field that differs; `version` is the row's version now,
    so a second submit saves on top of what they saw."""

    def __init__(self, changes: list[Change], version: int | str):
        super().__init__(_l("Someone else changed this while you were editing. Nothing of "
                            "yours is saved yet: compare below, then save again or cancel."))
        self.changes = changes
        self.version = version


def shown_value(_name: str, value: Any) -> str:
    """The plain reading of a value; features with ids or codes pass their own `Shown`."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


def conflict(row, labels: Mapping[str, Any], submitted: Mapping[str, Any],
             shown: Shown = shown_value, version: int | str | None = None) -> EditConflict:
    changes = []
    for name, label in labels.items():
        theirs, yours = shown(name, getattr(row, name)), shown(name, submitted.get(name))
        if theirs != yours:
            changes.append(Change(str(label), theirs, yours))
    return EditConflict(changes, row.version if version is None else version)


def check_version(row, submitted_version: Any, labels: Mapping[str, Any],
                  submitted: Mapping[str, Any], shown: Shown = shown_value) -> None:
    if str(submitted_version) != str(row.version):
        raise conflict(row, labels, submitted, shown)


@contextmanager
def saving(row, labels: Mapping[str, Any], submitted: Mapping[str, Any],
           shown: Shown = shown_value) -> Iterator[None]:
    """Make the changes inside the block, then flush them. A save by someone else in
    between rolls the unit of work back and raises the EditConflict."""
    try:
        yield
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(row)
        raise conflict(row, labels, submitted, shown) from None
