"""The figures of MOVE.md §5, computed in the database.

Every figure is one statement, whatever the amount of data: counts, sums and distinct
people are SQL aggregates, grouped three ways at once (everyone, by gender, by age
band) with UNION ALL; a median or p90 reads one sorted list of values per figure and
picks the middle or the ⌈0.9·n⌉-th. Each cell also carries how many people it
describes, so small numbers can be hidden (stats/suppression.py).

Decisions where §5 leaves a choice (shown on the page too):
- Age is the year of the start (of the order's received date while not started) minus
  the birth year: movetrack stores no birth date. No birth year: "age not stated".
- "Active" needs a start: a placement that was declined or withdrawn before it started
  never counts as active, started or ended.
- Gains and "moved up" count the modules assigned in the placement (a returning person's
  second placement starts from its own baselines).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from movetrack.attendance.models import PRESENT_STATUSES, Attendance
from movetrack.attendance.queries import STARTED_STATUSES
from movetrack.auth.models import User
from movetrack.auth.policy import placements_in_stats_scope
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.modules.models import AREA_KEYS, Module, ModuleArea
from movetrack.participants.models import Assignment, Gender, Participant
from movetrack.placements.models import (
    WORK_OR_STUDIES,
    Outcome,
    Placement,
    PlacementTargetGroup,
)
from movetrack.placements.queries import counted
from movetrack.progress.queries import baseline_step, step_on_day
from movetrack.stats.period import Filters, Period
from movetrack.stats.scheduled import scheduled_days
from movetrack.stats.sqldates import days_between, month_key

UNDER_25, FROM_25, AGE_NOT_STATED = "under_25", "25_plus", "age_not_stated"
AGE_BANDS = (UNDER_25, FROM_25, AGE_NOT_STATED)
GENDERS = tuple(gender.value for gender in Gender)
# The columns of every figure: everyone, then by gender, then by age band.
COLUMNS = (("total", "total"),) + tuple(("gender", g) for g in GENDERS) + tuple(
    ("band", b) for b in AGE_BANDS
)
COUNTED_OUTCOMES = tuple(o for o in Outcome if o != Outcome.REGISTERED_BY_MISTAKE)


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


def _filtered(statement: sa.Select, filters: Filters) -> sa.Select:
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


def _facts(user: User, filters: Filters, *columns, where: Iterable = ()) -> sa.Select:
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
    return counted(_filtered(statement, filters))


def _started_by(day) -> sa.ColumnElement[bool]:
    return sa.and_(Placement.status.in_(STARTED_STATUSES), Placement.start_date <= day)


def active_on(day) -> sa.ColumnElement[bool]:
    """Started on or before the day and not ended before it (ending on it is active)."""
    return sa.and_(
        _started_by(day), sa.or_(Placement.end_date.is_(None), Placement.end_date >= day)
    )


def _in(column, period: Period) -> sa.ColumnElement[bool]:
    return column.between(period.first, period.last)


# --- grouping three ways in one statement -------------------------------------------------


def _grouped(facts: sa.Select, keys: tuple[str, ...] = (), **aggregates) -> dict:
    """{key values: {(dimension, group): row}} for everyone, by gender and by age band,
    in one UNION ALL statement. Each row has `people` (distinct participants) and the
    named aggregates (functions of the facts subquery)."""
    facts = facts.subquery("facts")
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


def _cells(groups: dict, value: Callable, empty=0) -> list[Cell]:
    cells = []
    for column in COLUMNS:
        row = groups.get(column)
        cells.append(Cell(value(row), row.people) if row and row.people else Cell(empty, 0))
    return cells


def _count(facts) -> sa.ColumnElement:
    return sa.func.count()


def _count_row(key: str, groups: dict, **row) -> Row:
    return Row(key, _cells(groups, lambda r: r.n), **row)


def _counts(user, filters, where) -> dict:
    return _grouped(_facts(user, filters, where=where), n=_count).get((), {})


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


def _spread_rows(user, filters, value, where) -> list[Row]:
    """Median and p90 of one value per placement, from one sorted list."""
    rows = db.session.execute(
        _facts(user, filters, value.label("value"), where=where).order_by(sa.text("value"))
    ).all()
    by_column: dict = defaultdict(list)
    for row in rows:
        for column in (("total", "total"), ("gender", row.gender), ("band", row.band)):
            by_column[column].append(row)

    def cells(statistic) -> list[Cell]:
        found = [by_column.get(column, []) for column in COLUMNS]
        return [
            Cell(statistic([r.value for r in group]), len({r.participant_id for r in group}))
            for group in found
        ]

    return [Row("median", cells(median), kind="days"), Row("p90", cells(p90), kind="days")]


# --- the figures ---------------------------------------------------------------------------


def flow(user: User, period: Period, filters: Filters) -> Table:
    """Inflow, starts, outflow, share to work or studies, active at period end."""
    inflow = _counts(user, filters, [_in(Placement.received_on, period)])
    starts = _counts(user, filters, [_in(Placement.start_date, period)])
    ended = [_in(Placement.end_date, period)]
    outflow = _counts(user, filters, ended)
    to_work = _counts(user, filters, ended + [Placement.exit_outcome.in_(WORK_OR_STUDIES)])
    active = _counts(user, filters, [active_on(period.last)])
    outflow_row = _count_row("outflow", outflow)
    # The count to work or studies is not shown (outflow minus it could be a small
    # number); its share is, unless that could be worked out (suppression.py).
    to_work_row = _count_row("to_work_or_studies", to_work)
    share = share_row("share_to_work_or_studies", to_work_row, outflow_row)
    return Table("flow", [
        _count_row("inflow", inflow),
        _count_row("starts", starts),
        outflow_row,
        share,
        _count_row("active_at_end", active),
    ], meta={"share": share, "share_of": (to_work_row, outflow_row)})


def share_row(key: str, part: Row, whole: Row) -> Row:
    """part / whole per column; `people` of the part, for hiding (suppression.py also
    hides a share whose part, or whole minus part, is hidden)."""
    return Row(key, [
        Cell(p.value / w.value if w.value else None, p.people)
        for p, w in zip(part.cells, whole.cells, strict=True)
    ], kind="share")


def outflow_by_outcome(user: User, period: Period, filters: Filters) -> Table:
    grouped = _grouped(
        _facts(user, filters, Placement.exit_outcome.label("outcome"),
               where=[_in(Placement.end_date, period)]),
        ("outcome",), n=_count,
    )
    return _by_code_table("outflow_by_outcome", grouped, COUNTED_OUTCOMES,
                          _counts(user, filters, [_in(Placement.end_date, period)]))


def _by_code_table(key: str, grouped: dict, codes: Iterable, totals: dict) -> Table:
    rows = [_count_row(str(code), grouped.get((str(code),), {})) for code in codes]
    return Table(key, rows + [_count_row("total", totals, is_total=True)], additive=True)


def after_exit(user: User, period: Period, filters: Filters) -> Table:
    """Placements ended in P whose 3-month after-exit follow-up is recorded, by what the
    person is doing then."""
    recorded = sa.and_(FollowUp.placement_id == Placement.id,
                       FollowUp.kind == FollowUpKind.AFTER_EXIT,
                       FollowUp.activity_after_exit.is_not(None))
    facts = _facts(
        user, filters, FollowUp.activity_after_exit.label("activity"),
        where=[_in(Placement.end_date, period)],
    ).join(FollowUp, recorded)
    grouped = _grouped(facts, ("activity",), n=_count)
    totals = _grouped(_facts(user, filters, where=[_in(Placement.end_date, period)])
                      .join(FollowUp, recorded), n=_count).get((), {})
    return _by_code_table("after_exit", grouped, COUNTED_OUTCOMES, totals)


def monthly_series(user: User, period: Period, filters: Filters) -> list[Table]:
    """Inflow and outflow per month (adding up to the period's), and active at each
    month's end (the period's last day for its last month)."""
    months = period.month_ends()
    inflow = _grouped(_facts(user, filters, month_key(Placement.received_on).label("month"),
                             where=[_in(Placement.received_on, period)]), ("month",), n=_count)
    outflow = _grouped(_facts(user, filters, month_key(Placement.end_date).label("month"),
                              where=[_in(Placement.end_date, period)]), ("month",), n=_count)
    month_end = _month_ends(months)
    active = _grouped(
        _facts(user, filters, month_end.c.day.label("month_end"),
               where=[active_on(month_end.c.day)]).join(month_end, sa.true()),
        ("month_end",), n=_count,
    )
    inflow_total = _counts(user, filters, [_in(Placement.received_on, period)])
    outflow_total = _counts(user, filters, [_in(Placement.end_date, period)])

    def month_rows(grouped: dict, total: dict | None) -> list[Row]:
        rows = [_count_row(day.isoformat(), grouped.get((day.year * 100 + day.month,), {}))
                for day in months]
        return rows + ([_count_row("total", total, is_total=True)] if total is not None else [])

    active_by_day = {_as_date(key[0]): groups for key, groups in active.items()}
    return [
        Table("series_inflow", month_rows(inflow, inflow_total), additive=True),
        Table("series_outflow", month_rows(outflow, outflow_total), additive=True),
        Table("series_active", [_count_row(day.isoformat(), active_by_day.get(day, {}))
                                for day in months]),
    ]


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _month_ends(days: list[dt.date]) -> sa.Subquery:
    """The month ends as rows (`day`), a handful of literal rows."""
    selects = [sa.select(sa.literal(day, sa.Date).label("day")) for day in days]
    return sa.union_all(*selects).subquery("month_end") if len(selects) > 1 else \
        selects[0].subquery("month_end")


def lead_time(user: User, period: Period, filters: Filters) -> Table:
    """Start − received, in days, for placements started in P."""
    return Table("lead_time", _spread_rows(
        user, filters, days_between(Placement.start_date, Placement.received_on),
        [_in(Placement.start_date, period)],
    ))


def time_in_activity(user: User, period: Period, filters: Filters) -> Table:
    """End − start, in days, for placements ended in P."""
    return Table("time_in_activity", _spread_rows(
        user, filters, days_between(Placement.end_date, Placement.start_date),
        [_in(Placement.end_date, period)],
    ))


def _placement_modules(period_last: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(Assignment.placement_id == Placement.id, Assignment.assigned_on <= period_last)


def moved_up(user: User, period: Period, filters: Filters) -> Table:
    """Participants active on L with at least one module; those with a module whose step
    on L is above its step three calendar months before (a module with no step then
    counts in no figure for that day, so it cannot show a move)."""
    before = period.three_months_before_last
    moved = sa.case(
        (step_on_day(period.last) > step_on_day(before), Placement.participant_id)
    )
    facts = _facts(user, filters, moved.label("moved"), where=[active_on(period.last)]).join(
        Assignment, _placement_modules(period.last)
    )
    groups = _grouped(
        facts, moved_people=lambda f: sa.func.count(sa.distinct(f.c.moved)),
    ).get((), {})
    with_modules = Row("with_modules", _cells(groups, lambda r: r.people), is_total=True)
    moved_row = Row("moved_up", [
        Cell(c.value, c.value) for c in _cells(groups, lambda r: r.moved_people)
    ])
    stayed = Row("not_moved_up", [
        Cell(w.value - m.value, w.value - m.value)
        for w, m in zip(with_modules.cells, moved_row.cells, strict=True)
    ])
    share = share_row("share_moved_up", moved_row, with_modules)
    return Table("moved_up", [share, moved_row, stayed, with_modules], additive=True,
                 meta={"share": share, "share_of": (moved_row, with_modules), "since": before})


def _gains(user: User, period: Period, filters: Filters) -> sa.Select:
    """One row per module assigned in a placement that ran during P (by L), with a step
    on L and a baseline: gain = step on L − baseline, and the module's area."""
    ran = sa.and_(_started_by(period.last),
                  sa.or_(Placement.end_date.is_(None), Placement.end_date >= period.first))
    modules = (
        _facts(user, filters, (step_on_day(period.last) - baseline_step()).label("gain"),
               ModuleArea.key.label("area"), where=[ran])
        .join(Assignment, _placement_modules(period.last))
        .join(Module, Module.id == Assignment.module_id)
        .join(ModuleArea, ModuleArea.id == Module.area_id)
        .subquery("modules")
    )
    return sa.select(modules).where(modules.c.gain.is_not(None))


def gain_by_area(user: User, period: Period, filters: Filters) -> Table:
    """The mean gain of the modules of each area."""
    grouped = _grouped(_gains(user, period, filters), ("area",), n=_count,
                       total_gain=lambda f: sa.func.sum(f.c.gain))
    return Table("gain_by_area", [
        Row(area, _cells(grouped.get((area,), {}), lambda r: r.total_gain / r.n, empty=None),
            kind="mean")
        for area in AREA_KEYS
    ])


def gain_direction(user: User, period: Period, filters: Filters) -> Table:
    """Modules that went up, stayed, or went down (step on L against the baseline)."""
    facts = _gains(user, period, filters).subquery("gains")
    direction = sa.case((facts.c.gain > 0, "increased"), (facts.c.gain < 0, "decreased"),
                        else_="same")
    statement = sa.select(facts.c.participant_id, facts.c.gender, facts.c.band,
                          direction.label("direction"))
    grouped = _grouped(statement, ("direction",), n=_count)
    totals = _grouped(sa.select(facts), n=_count).get((), {})
    return _by_code_table("gain_direction", grouped, ("increased", "same", "decreased"), totals)


def attendance(user: User, period: Period, filters: Filters, today: dt.date) -> Table:
    """Days present (fully or partly) / days scheduled, within P (days after today are
    not scheduled yet: they have not come)."""
    days = scheduled_days(period.first, min(period.last, today)).subquery("scheduled")
    present = sa.case((Attendance.status.in_(PRESENT_STATUSES), 1), else_=0)
    facts = (
        _facts(user, filters, present.label("present"))
        .join(days, days.c.placement_id == Placement.id)
        .outerjoin(Attendance, sa.and_(Attendance.placement_id == days.c.placement_id,
                                       Attendance.on_date == days.c.day))
    )
    groups = _grouped(facts, scheduled=_count,
                      present_days=lambda f: sa.func.sum(f.c.present)).get((), {})
    return Table("attendance", [
        Row("rate", _cells(groups, lambda r: r.present_days / r.scheduled, empty=None),
            kind="rate"),
        Row("present_days", _cells(groups, lambda r: r.present_days), kind="days"),
        Row("scheduled_days", _cells(groups, lambda r: r.scheduled), kind="days"),
    ])


@dataclass
class Report:
    period: Period
    flow: Table
    outflow_by_outcome: Table
    series: list[Table]
    lead_time: Table
    time_in_activity: Table
    moved_up: Table
    gain_by_area: Table
    gain_direction: Table
    attendance: Table
    after_exit: Table

    def tables(self) -> list[Table]:
        return [self.flow, self.outflow_by_outcome, *self.series, self.lead_time,
                self.time_in_activity, self.moved_up, self.gain_by_area, self.gain_direction,
                self.attendance, self.after_exit]


def report(user: User, period: Period, filters: Filters, today: dt.date) -> Report:
    """Every figure of §5 for the period and filter, in a fixed number of statements."""
    return Report(
        period=period,
        flow=flow(user, period, filters),
        outflow_by_outcome=outflow_by_outcome(user, period, filters),
        series=monthly_series(user, period, filters),
        lead_time=lead_time(user, period, filters),
        time_in_activity=time_in_activity(user, period, filters),
        moved_up=moved_up(user, period, filters),
        gain_by_area=gain_by_area(user, period, filters),
        gain_direction=gain_direction(user, period, filters),
        attendance=attendance(user, period, filters, today),
        after_exit=after_exit(user, period, filters),
    )
