"""Date arithmetic the same on SQLite and PostgreSQL, as SQL expressions.

SQLite stores dates as ISO text and has no date arithmetic operators; PostgreSQL has
them. Each construct compiles to what its database understands."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class next_day(FunctionElement):
    """The day after a date."""

    type = sa.Date()
    inherit_cache = True
    name = "next_day"


@compiles(next_day)
def _next_day(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} + 1)"


@compiles(next_day, "sqlite")
def _next_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


def date_literal(day: dt.date) -> sa.ColumnElement:
    """A date as a bound parameter (ISO text on SQLite, a date on PostgreSQL; no CAST:
    SQLite would turn '2026-02-26' into the number 2026)."""
    return sa.literal(day, sa.Date)


def calendar(first: dt.date, last: dt.date, name: str = "calendar") -> sa.CTE:
    """Every day from first to last as rows (`day`), by a recursive query: one statement
    whatever the period's length."""
    days = sa.select(date_literal(first).label("day")).cte(name, recursive=True)
    return days.union_all(
        sa.select(next_day(days.c.day).label("day")).where(days.c.day < date_literal(last))
    )


def weekday_of(date_column) -> sa.ColumnElement[int]:
    """Monday = 0 … Sunday = 6, as ScheduleDay counts, in SQLite and PostgreSQL alike
    (both number the day of the week from Sunday = 0)."""
    return (sa.cast(sa.extract("dow", date_column), sa.Integer) + 6) % 7
