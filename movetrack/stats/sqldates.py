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
    """Every day from first to last as rows (`day`): one statement whatever the period's
    length. PostgreSQL's generate_series, whose row count the planner knows (a recursive
    query is guessed at a few dozen rows, and the statistics' attendance then chose nested
    loops over a year's 200,000 scheduled days: tens of seconds at the large scale);
    SQLite has no generate_series, so a recursive query there."""
    from movetrack.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        series = sa.func.generate_series(date_literal(first), date_literal(last), sa.text("interval '1 day'"))
        return sa.select(sa.cast(series, sa.Date).label("day")).cte(name)
    days = sa.select(date_literal(first).label("day")).cte(name, recursive=True)
    return days.union_all(
        sa.select(next_day(days.c.day).label("day")).where(days.c.day < date_literal(last))
    )


def weekday_of(date_column) -> sa.ColumnElement[int]:
    """Monday = 0 … Sunday = 6, as ScheduleDay counts, in SQLite and PostgreSQL alike
    (both number the day of the week from Sunday = 0)."""
    return (sa.cast(sa.extract("dow", date_column), sa.Integer) + 6) % 7
