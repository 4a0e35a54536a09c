"""Date arithmetic the same on SQLite and PostgreSQL, as SQL expressions.

SQLite stores dates as ISO text and has no date arithmetic operators; PostgreSQL has
them. Each construct compiles to what its database understands."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def _function(name: str, type_: sa.types.TypeEngine, postgresql: str, sqlite: str) -> type:
    """A SQL function compiled from a template per database: {0}, {1}… are its arguments
    as SQL, {all} all of them separated by commas."""
    function = type(name, (FunctionElement,), {"type": type_, "inherit_cache": True, "name": name})

    def compiled_as(template: str):
        def compile_(element, compiler, **kw):
            arguments = [compiler.process(clause, **kw) for clause in element.clauses]
            return template.format(*arguments, all=", ".join(arguments))
        return compile_

    compiles(function)(compiled_as(postgresql))
    compiles(function, "sqlite")(compiled_as(sqlite))
    return function


# The day before a date.
day_before = _function("day_before", sa.Date(), "({0} - 1)", "date({0}, '-1 day')")
# days_from(a, b): b − a in whole days (an integer; negative when b is before a).
days_from = _function("days_from", sa.Integer(), "({1} - {0})",
                      "CAST(julianday({1}) - julianday({0}) AS INTEGER)")
# The latest and the earliest of some dates, none of them NULL (SQLite's max() and min()
# of several arguments are PostgreSQL's GREATEST and LEAST).
latest = _function("latest", sa.Date(), "GREATEST({all})", "max({all})")
earliest = _function("earliest", sa.Date(), "LEAST({all})", "min({all})")


def date_literal(day: dt.date) -> sa.ColumnElement:
    """A date as a bound parameter (ISO text on SQLite, a date on PostgreSQL; no CAST:
    SQLite would turn '2026-02-26' into the number 2026)."""
    return sa.literal(day, sa.Date)


def weekday_of(date_column) -> sa.ColumnElement[int]:
    """Monday = 0 … Sunday = 6, as ScheduleDay counts, in SQLite and PostgreSQL alike
    (both number the day of the week from Sunday = 0)."""
    return (sa.cast(sa.extract("dow", date_column), sa.Integer) + 6) % 7
