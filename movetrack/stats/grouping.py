"""The machinery under every figure (figures.py): the placements that count under the
filters, grouped three ways in one statement (everyone, by gender, by age band) with
UNION ALL, and medians and p90s from one sorted list. Each cell also carries how many
people it describes, so small numbers can be hidden (suppression.py)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from movetrack.attendance.queries import STARTED_STATUSES
from movetrack.auth.models import User
from movetrack.auth.policy import placements_in_stats_scope
from movetrack.extensions import db
from movetrack.participants.models import Gender, Participant
from movetrack.placements.models import (
    Placement,
    PlacementTargetGroup,
)
from movetrack.placements.queries import counted
from movetrack.stats.period import Filters, Period

UNDER_25, FROM_25, AGE_NOT_STATED = "under_25", "25_plus", "age_not_stated"
AGE_BANDS = (UNDER_25, FROM_25, AGE_NOT_STATED)
GENDERS = tuple(gender.value for gender in Gender)
# The columns of every figure: everyone, then by gender, then by age band.
COLUMNS = (("total", "total"),) + tuple(("gender", g) for g in GENDERS) + tuple(
    ("band", b) for b in AGE_BANDS
)


@dataclass
class Cell:
    value: int | float | None
    people: int
    hidden: str | None = None  # "small" (1–4 people) or "complement" (would reveal one)


@dataclass
class Row:
    key: str
    cells: list[Cell]
    kind: str = "count"  # count | days | share | mean | rate
    is_total: bool = False


@dataclass
class Table:
    key: str
    rows: list[Row]
    # The rows add up to the total row (so hiding one means hiding another).
    additive: bool = False
    meta: dict = field(default_factory=dict)

    def row(self, key: str) -> Row:
        return next(row for row in self.rows if row.key == key)


# --- the placements that count ------------------------------------------------------------


def age_band() -> sa.ColumnElement[str]:
    """Under 25 or 25 and over at the start (at the order while not started), from the
    birth year alone."""
    age = (sa.cast(sa.extract("year", sa.func.coalesce(Placement.start_date, Placement.received_on)),
                   sa.Integer) - Participant.birth_year)
    return sa.case(
        (Participant.birth_year.is_(None), AGE_NOT_STATED),
        (age < 25, UNDER_25),
        else_=FROM_25,
    )


def filtered_by(statement: sa.Select, filters: Filters) -> sa.Select:
    chosen = {
        Placement.ordering_unit_id: filters.ordering_unit_id,
        Placement.unit_id: filters.unit_id,
        Placement.workstation_id: filters.workstation_id,
        Participant.gender: filters.gender,
        Placement.need_category_id: filters.need_category_id,
    }
    for column, value in chosen.items():
        if value is not None:
            statement = statement.where(column == value)
    if filters.age_band is not None:
        statement = statement.where(age_band() == filters.age_band)
    if filters.target_group is not None:
        statement = statement.where(
            sa.exists().where(
                PlacementTargetGroup.placement_id == Placement.id,
                PlacementTargetGroup.code == filters.target_group,
            )
        )
    return statement


def placement_facts(user: User, filters: Filters, *columns, where: Iterable = ()) -> sa.Select:
    """The counted placements in the user's scope and filter: who (participant, gender,
    age band) and what the figure needs (`columns`)."""
    statement = (
        sa.select(
            Placement.participant_id.label("participant_id"),
            sa.cast(Participant.gender, sa.String(20)).label("gender"),
            age_band().label("band"),
            *columns,
        )
        .select_from(Placement)
        .join(Participant, Participant.id == Placement.participant_id)
        .where(placements_in_stats_scope(user), *where)
    )
    return counted(filtered_by(statement, filters))


def started_by(day) -> sa.ColumnElement[bool]:
    return sa.and_(Placement.status.in_(STARTED_STATUSES), Placement.start_date <= day)


def within(column, period: Period) -> sa.ColumnElement[bool]:
    return column.between(period.first, period.last)


# --- grouping three ways in one statement -------------------------------------------------


def grouped_three_ways(facts: sa.Select, keys: tuple[str, ...] = (), **aggregates) -> dict:
    """{key values: {(dimension, group): row}} for everyone, by gender and by age band,
    in one UNION ALL statement. Each row has `people` (distinct participants) and the
    named aggregates (functions of the facts subquery)."""
    # A common table expression, not a subquery: the three groupings then read the facts
    # computed once (PostgreSQL materialises a CTE used more than once) instead of three times.
    facts = facts.cte("facts")
    key_columns = [facts.c[key] for key in keys]

    def part(dimension: str, group_column) -> sa.Select:
        group = sa.literal(dimension) if group_column is None else group_column
        statement = sa.select(
            sa.literal(dimension).label("dimension"),
            sa.cast(group, sa.String(20)).label("grp"),
            *key_columns,
            sa.func.count(sa.distinct(facts.c.participant_id)).label("people"),
            *(aggregate(facts).label(name) for name, aggregate in aggregates.items()),
        )
        grouping = ([] if group_column is None else [group_column]) + key_columns
        return statement.group_by(*grouping) if grouping else statement

    rows = db.session.execute(
        sa.union_all(part("total", None), part("gender", facts.c.gender),
                     part("band", facts.c.band))
    )
    grouped: dict = defaultdict(dict)
    for row in rows:
        key = tuple(getattr(row, name) for name in keys)
        grouped[key][(row.dimension, row.grp if row.dimension != "total" else "total")] = row
    return grouped


def cells_of(groups: dict, value: Callable, empty=0) -> list[Cell]:
    cells = []
    for column in COLUMNS:
        row = groups.get(column)
        cells.append(Cell(value(row), row.people) if row and row.people else Cell(empty, 0))
    return cells


def count_row(key: str, groups: dict, **row) -> Row:
    return Row(key, cells_of(groups, lambda r: r.n), **row)


# --- medians and p90 ------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    """Of an even count, the mean of the two middle values (MOVE.md §5)."""
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def p90(values: list[float]) -> float | None:
    """Nearest rank: the value at position ⌈0.9·n⌉ in ascending order."""
    return values[math.ceil(0.9 * len(values)) - 1] if values else None


def spread_of(values: Iterable[tuple]) -> list[Row]:
    """Median and p90 of one value per placement: (fact, value) pairs, where the fact has
    participant_id, gender and band."""
    ordered = sorted(values, key=lambda pair: pair[1])
    by_column: dict = defaultdict(list)
    for fact, value in ordered:
        for column in (("total", "total"), ("gender", fact.gender), ("band", fact.band)):
            by_column[column].append((fact.participant_id, value))

    def cells(statistic) -> list[Cell]:
        found = [by_column.get(column, []) for column in COLUMNS]
        return [
            Cell(statistic([value for _, value in group]), len({person for person, _ in group}))
            for group in found
        ]

    return [Row("median", cells(median), kind="days"), Row("p90", cells(p90), kind="days")]


# --- grouping rows already read ---------------------------------------------------------


@dataclass(frozen=True)
class Group:
    people: int  # distinct participants
    n: int  # rows
    total: float = 0  # the sum of `summed`, when asked for


def grouped_in_python(facts: Iterable, key: Callable = lambda fact: (), keep: Callable = lambda fact: True,
                      summed: Callable | None = None) -> dict:
    """grouped_three_ways with n = the count of rows (and the sum of `summed`), over facts already
    read (each with participant_id, gender and band): {key: {(dimension, group): Group}}
    for the facts kept."""
    # Each fact goes to a bucket of its (key, gender, band): one look-up per fact (tens of
    # thousands of gains at the large scale); the three columns are unions of buckets.
    buckets: dict = {}
    for fact in facts:
        if not keep(fact):
            continue
        found = (key(fact), fact.gender, fact.band)
        bucket = buckets.get(found)
        if bucket is None:
            bucket = buckets[found] = [[], 0]
        bucket[0].append(fact.participant_id)
        if summed:
            bucket[1] += summed(fact)
    people: dict = defaultdict(set)
    rows: dict = defaultdict(int)
    totals: dict = defaultdict(int)
    for (found, gender, band), (ids, amount) in buckets.items():
        for column in (("total", "total"), ("gender", gender), ("band", band)):
            people[found, column].update(ids)
            rows[found, column] += len(ids)
            totals[found, column] += amount
    grouped: dict = defaultdict(dict)
    for (found, column), ids in people.items():
        grouped[found][column] = Group(len(ids), rows[found, column], totals[found, column])
    return grouped
