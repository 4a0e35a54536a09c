"""Lists that grow without bound, read one page at a time by keyset: "the rows after this
one" in a stable order (a sort key, ending in the id), not "skip the first N". The
database walks its index from the bookmark and stops after a page, so page 200 costs what
page 1 costs and a row added meanwhile neither repeats nor skips one.

The bookmark (cursor) is the sort key of the first or last row shown, in the query string
as `after=` (Next) or `before=` (Previous). It is opaque to look at but not secret: it is
the user's own filter, applied within their scope like a search, so a made-up one shows
no more than they may see. One that cannot be read starts the list from the beginning.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request, url_for

from movetrack.extensions import db
from movetrack.input import fits_a_column

PAGE_SIZE = 50
LONGEST_CURSOR = 1000  # characters: a cursor holds a name and a few dates, never more


@dataclass(frozen=True)
class Key:
    """One column of a list's order. The last key of every order is unique (the id)."""

    expression: sa.ColumnElement
    descending: bool = False

    def _bound(self, value: Any) -> sa.BindParameter:
        """The value as a parameter of the column's type (booleans compare as values too)."""
        return sa.literal(value, self.expression.type)

    def _upwards(self, backwards: bool) -> bool:
        """Whether a page reads this key upwards: ascending going forward, or descending
        going back."""
        return self.descending == backwards

    def _equal(self, value: Any) -> sa.ColumnElement:
        return self.expression == self._bound(value)

    def _beyond(self, value: Any, backwards: bool) -> sa.ColumnElement:
        bound = self._bound(value)
        return self.expression > bound if self._upwards(backwards) else self.expression < bound

    def _from_or_beyond(self, value: Any, backwards: bool) -> sa.ColumnElement:
        bound = self._bound(value)
        return self.expression >= bound if self._upwards(backwards) else self.expression <= bound

    def ordering(self, backwards: bool) -> sa.ColumnElement:
        return self.expression.asc() if self._upwards(backwards) else self.expression.desc()

    def read(self, value: Any) -> Any:
        """A value from a cursor, as the column's type and one the database can hold
        (movetrack/input.py); ValueError if it is not."""
        kind = self.expression.type.python_type
        if kind in (dt.date, dt.datetime) and isinstance(value, str):
            return kind.fromisoformat(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ValueError(value)
        if (kind is int and not fits_a_column(value)) or (kind is str and "\x00" in value):
            raise ValueError(value)
        return value


@dataclass(frozen=True)
class Cursor:
    values: tuple
    backwards: bool = False  # True: the page before these values (Previous)


@dataclass(frozen=True)
class Page:
    rows: list
    after: str | None  # the cursor of the next page; None on the last page
    before: str | None  # the cursor of the previous page; None on the first page

    @property
    def is_partial(self) -> bool:
        return bool(self.after or self.before)


def _encode(values: Sequence) -> str:
    plain = [value.isoformat() if isinstance(value, dt.date) else value for value in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def cursor_from_request(keys: Sequence[Key]) -> Cursor | None:
    """The cursor in the query string (`after` or `before`), or None: the first page."""
    for name, backwards in (("after", False), ("before", True)):
        text = request.args.get(name, "")
        if text and len(text) <= LONGEST_CURSOR:
            try:
                values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
                return Cursor(tuple(key.read(v) for key, v in zip(keys, values, strict=True)), backwards)
            except (ValueError, TypeError, binascii.Error):
                return None
    return None


def _past(keys: Sequence[Key], cursor: Cursor) -> sa.ColumnElement:
    """Rows beyond the cursor: (k1 beyond v1) or (k1 = v1 and k2 beyond v2) or …, with
    "k1 from v1" in front so the database can start its index scan at the bookmark."""
    alternatives = [
        sa.and_(
            *(key._equal(value) for key, value in zip(keys[:i], cursor.values[:i], strict=True)),
            keys[i]._beyond(cursor.values[i], cursor.backwards),
        )
        for i in range(len(keys))
    ]
    return sa.and_(
        keys[0]._from_or_beyond(cursor.values[0], cursor.backwards), sa.or_(*alternatives)
    )


def keyset_page(
    statement: sa.Select, keys: Sequence[Key], cursor: Cursor | None, size: int = PAGE_SIZE
) -> Page:
    """One page of `statement` (filtered, not yet ordered) in the order of `keys`: one
    statement, the rows as `db.session.execute` gives them."""
    backwards = bool(cursor and cursor.backwards)
    labels = [f"keyset_{i}" for i in range(len(keys))]
    statement = statement.add_columns(
        *(key.expression.label(label) for key, label in zip(keys, labels, strict=True))
    ).order_by(*(key.ordering(backwards) for key in keys)).limit(size + 1)
    if cursor:
        statement = statement.where(_past(keys, cursor))
    rows = list(db.session.execute(statement))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return Page([], None, None)

    def bookmark(row) -> str:
        return _encode([getattr(row, label) for label in labels])

    has_next = more if not backwards else True
    has_previous = more if backwards else cursor is not None
    return Page(
        rows,
        after=bookmark(rows[-1]) if has_next else None,
        before=bookmark(rows[0]) if has_previous else None,
    )


def count(statement: sa.Select) -> int:
    """How many rows `statement` (filtered, without extra columns) finds in all."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )


def page_url(**cursor: str) -> str:
    """This page's address with its filters kept and `after=` or `before=` set."""
    arguments = {k: v for k, v in request.args.items() if k not in ("after", "before")}
    return url_for(request.endpoint, **(request.view_args or {}), **arguments, **cursor)
