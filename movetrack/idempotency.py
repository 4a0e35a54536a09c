"""Saving a form once: a double tap, a retried request or a resent form creates one row.

Every form that records something carries a request key: a UUID drawn into the form when
it is rendered (so it works without JavaScript; every redrawn form gets a fresh one). The
row the form creates stores the key in a UNIQUE column. A second request with the same
key finds the row and is answered with it, "already saved". Two requests racing each
other are decided by the database, not by a check-then-insert: the loser's flush fails
on the unique key (or on the row's version), and it is answered with the winner's row.

Ratings use it today; self-ratings and an offline queue that resends with the same key
use the same field and the same `save_once`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import ValidationError

from movetrack.extensions import db

Row = TypeVar("Row")


def new_request_key() -> str:
    return str(uuid.uuid4())


class RequestKeyField(HiddenField):
    """The form's request key: a fresh UUID whenever the form is drawn without data.
    Missing from a post (an old page, a script) means no protection, not an error."""

    def __init__(self, **kwargs):
        super().__init__(default=new_request_key, **kwargs)

    def process_formdata(self, valuelist):
        self.data = valuelist[0].strip() if valuelist and valuelist[0].strip() else None

    def pre_validate(self, form):
        if self.data is not None:
            try:
                uuid.UUID(str(self.data))
            except ValueError:
                raise ValidationError(_l("This form is damaged. Reload the page.")) from None

    @property
    def key(self) -> uuid.UUID | None:
        """The key as a UUID, for the service; None when the post carried none."""
        return uuid.UUID(str(self.data)) if self.data else None


@dataclass(frozen=True)
class Saved(Generic[Row]):
    row: Row
    already: bool = False  # True: this key was saved before; nothing new was written


def stored(model, key: uuid.UUID | None):
    """The row saved under `key`, as the database has it now, or None."""
    if key is None:
        return None
    return db.session.scalar(
        sa.select(model).where(model.request_key == key).execution_options(populate_existing=True)
    )


def save_once(model, key: uuid.UUID | None, write: Callable[[], Row]) -> Saved[Row]:
    """Run `write` (which adds the row with `request_key=key`; this flushes it) unless a row
    with the key exists. If the flush loses a race, the unit of work is rolled back (the
    database has abandoned it) and the row that won under the same key is the answer; a
    failure that is not about this key is raised for the caller to handle."""
    earlier = stored(model, key)
    if earlier is not None:
        return Saved(earlier, already=True)
    try:
        row = write()
        db.session.flush()
        return Saved(row)
    except (sa.exc.IntegrityError, StaleDataError):
        db.session.rollback()
        winner = stored(model, key)
        if winner is None:
            raise
        return Saved(winner, already=True)
