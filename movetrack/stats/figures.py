"""The figures of MOVE.md §5, computed in the database.

The page takes a fixed number of statements, whatever the amount of data. The counts of
placements (flow, outflow by outcome, the monthly series) and the spreads (lead time,
time in activity) come from one read of the placements touching the period (a few
thousand short rows for a large municipality's year) counted in Python with the same
conditions; the attendance, which aggregates many rows per placement, is an SQL
aggregate grouped three ways at once (everyone, by gender, by age band) with UNION ALL;
the gain tables and "moved up" share one read of the modules (a few tens of thousands of
rows), counted in Python the same way. A median or p90 picks
the middle or the ⌈0.9·n⌉-th of one sorted list. Each cell also carries how many people it
describes, so small numbers can be hidden (stats/suppression.py). The grouping itself is
stats/grouping.py.

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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa

from movetrack.attendance.queries import STARTED_STATUSES
from movetrack.auth.models import User
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.modules.models import AREA_KEYS, Module, ModuleArea
from movetrack.participants.models import Assignment
from movetrack.placements.models import (
    WORK_OR_STUDIES,
    Outcome,
    Placement,
)
from movetrack.progress.queries import baseline_step, step_on_day
from movetrack.stats.grouping import (
    Cell,
    Row,
    Table,
    cells_of,
    count_row,
    grouped_in_python,
    grouped_three_ways,
    placement_facts,
    spread_of,
    started_by,
    within,
)
from movetrack.stats.period import Filters, Period
from movetrack.stats.scheduled import days_per_placement

COUNTED_OUTCOMES = tuple(o for o in Outcome if o != Outcome.REGISTERED_BY_MISTAKE)


# --- the figures ---------------------------------------------------------------------------


def placements_touching(user: User, period: Period, filters: Filters) -> list[Placed]:
    """One row per counted placement in scope and filter that the flow, the outflow, the
    monthly series or the spreads can count: received, started or ended in P, or started
    by L and not ended before P (active on some day of it). One statement; a year of a
    large municipality is a few thousand short rows, counted in Python below with the
    same conditions the SQL had (grouping.grouped_in_python)."""
    touches = sa.or_(
        within(Placement.received_on, period), within(Placement.start_date, period),
        within(Placement.end_date, period),
        sa.and_(started_by(period.last),
                sa.or_(Placement.end_date.is_(None), Placement.end_date >= period.first)),
    )
    return [Placed(*row) for row in db.session.execute(placement_facts(
        user, filters, Placement.received_on, Placement.start_date, Placement.end_date,
        Placement.status, Placement.exit_outcome, where=[touches],
    ))]


@dataclass(frozen=True)
class Placed:
    participant_id: int
    gender: str
    band: str
    received_on: dt.date
    start_date: dt.date | None
    end_date: dt.date | None
    status: str
    exit_outcome: Outcome | None

    def active_on(self, day: dt.date) -> bool:
        """MOVE.md §5: started on or before the day and not ended before it (ending on it is active)."""
        return (self.status in STARTED_STATUSES and self.start_date is not None
                and self.start_date <= day and (self.end_date is None or self.end_date >= day))


def _within(day: dt.date | None, period: Period) -> bool:
    return day is not None and period.first <= day <= period.last


def _counts(placed: list[Placed], keep) -> dict:
    return grouped_in_python(placed, keep=keep).get((), {})


def flow(user: User, period: Period, filters: Filters, placed: list[Placed] | None = None) -> Table:
    """Inflow, starts, outflow, share to work or studies, active at period end."""
    placed = placements_touching(user, period, filters) if placed is None else placed
    inflow = _counts(placed, lambda p: _within(p.received_on, period))
    starts = _counts(placed, lambda p: _within(p.start_date, period))
    outflow = _counts(placed, lambda p: _within(p.end_date, period))
    to_work = _counts(placed, lambda p: _within(p.end_date, period) and p.exit_outcome in WORK_OR_STUDIES)
    active = _counts(placed, lambda p: p.active_on(period.last))
    outflow_row = count_row("outflow", outflow)
    # The count to work or studies is not shown (outflow minus it could be a small
    # number); its share is, unless that could be worked out (suppression.py).
    to_work_row = count_row("to_work_or_studies", to_work)
    share = share_row("share_to_work_or_studies", to_work_row, outflow_row)
    return Table("flow", [
        count_row("inflow", inflow),
        count_row("starts", starts),
        outflow_row,
        share,
        count_row("active_at_end", active),
    ], meta={"share": share, "share_of": (to_work_row, outflow_row)})


def share_row(key: str, part: Row, whole: Row) -> Row:
    """part / whole per column; `people` of the part, for hiding (suppression.py also
    hides a share whose part, or whole minus part, is hidden)."""
    return Row(key, [
        Cell(p.value / w.value if w.value else None, p.people)
        for p, w in zip(part.cells, whole.cells, strict=True)
    ], kind="share")


def outflow_by_outcome(placed: list[Placed], period: Period) -> Table:
    ended = lambda p: _within(p.end_date, period)  # noqa: E731
    grouped = grouped_in_python(placed, key=lambda p: (p.exit_outcome,), keep=ended)
    return _by_code_table("outflow_by_outcome", grouped, COUNTED_OUTCOMES, _counts(placed, ended))


def _by_code_table(key: str, grouped: dict, codes: Iterable, totals: dict) -> Table:
    rows = [count_row(str(code), grouped.get((str(code),), {})) for code in codes]
    return Table(key, rows + [count_row("total", totals, is_total=True)], additive=True)


def after_exit(user: User, period: Period, filters: Filters) -> Table:
    """Placements ended in P whose 3-month after-exit follow-up is recorded, by what the
    person is doing then (one statement: the rows, grouped here)."""
    recorded = sa.and_(FollowUp.placement_id == Placement.id,
                       FollowUp.kind == FollowUpKind.AFTER_EXIT,
                       FollowUp.activity_after_exit.is_not(None))
    facts = db.session.execute(placement_facts(
        user, filters, FollowUp.activity_after_exit.label("activity"),
        where=[within(Placement.end_date, period)],
    ).join(FollowUp, recorded)).all()
    grouped = grouped_in_python(facts, key=lambda fact: (fact.activity,))
    return _by_code_table("after_exit", grouped, COUNTED_OUTCOMES, grouped_in_python(facts).get((), {}))


def monthly_series(placed: list[Placed], period: Period) -> list[Table]:
    """Inflow and outflow per month (adding up to the period's), and active at each
    month's end (the period's last day for its last month)."""
    months = period.month_ends()
    received = lambda p: _within(p.received_on, period)  # noqa: E731
    ended = lambda p: _within(p.end_date, period)  # noqa: E731
    inflow = grouped_in_python(placed, key=lambda p: (_month(p.received_on),), keep=received)
    outflow = grouped_in_python(placed, key=lambda p: (_month(p.end_date),), keep=ended)

    def month_rows(grouped: dict, total: dict | None) -> list[Row]:
        rows = [count_row(day.isoformat(), grouped.get((_month(day),), {})) for day in months]
        return rows + ([count_row("total", total, is_total=True)] if total is not None else [])

    return [
        Table("series_inflow", month_rows(inflow, _counts(placed, received)), additive=True),
        Table("series_outflow", month_rows(outflow, _counts(placed, ended)), additive=True),
        Table("series_active", [
            count_row(day.isoformat(), _counts(placed, lambda p, day=day: p.active_on(day)))
            for day in months
        ]),
    ]


def _month(day: dt.date) -> int:
    """A month as one integer, year * 100 + month: 202611 for November 2026."""
    return day.year * 100 + day.month


def lead_time(placed: list[Placed], period: Period) -> Table:
    """Start − received, in days, for placements started in P."""
    return Table("lead_time", spread_of(
        (p, (p.start_date - p.received_on).days) for p in placed if _within(p.start_date, period)
    ))


def time_in_activity(placed: list[Placed], period: Period) -> Table:
    """End − start, in days, for placements ended in P."""
    return Table("time_in_activity", spread_of(
        (p, (p.end_date - p.start_date).days) for p in placed if _within(p.end_date, period)
    ))


def _placement_modules(period_last: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(Assignment.placement_id == Placement.id, Assignment.assigned_on <= period_last)


def modules_in_period(user: User, period: Period, filters: Filters) -> list:
    """One row per module assigned (by L) in a placement that ran during P (started by L,
    not ended before F): its step on L, its baseline and its area, and for a placement
    active on L its step three calendar months before L. The gain tables and "moved up"
    count these rows (one statement: the step on L is looked up once per module, where
    the two figures used to look it up in a statement each)."""
    ran = sa.and_(started_by(period.last),
                  sa.or_(Placement.end_date.is_(None), Placement.end_date >= period.first))
    # Ran during P and not ended before L: active on L (MOVE.md §5).
    active_on_last = sa.or_(Placement.end_date.is_(None), Placement.end_date >= period.last)
    statement = (
        placement_facts(
            user, filters,
            sa.case((active_on_last, 1), else_=0).label("active"),
            step_on_day(period.last).label("step"),
            baseline_step().label("baseline"),
            # Looked up only for the modules "moved up" counts.
            sa.case((active_on_last, step_on_day(period.three_months_before_last))).label("step_before"),
            ModuleArea.key.label("area"), where=[ran],
        )
        .join(Assignment, _placement_modules(period.last))
        .join(Module, Module.id == Assignment.module_id)
        .join(ModuleArea, ModuleArea.id == Module.area_id)
    )
    return db.session.execute(statement).all()


def moved_up(modules: list, period: Period) -> Table:
    """Participants active on L with at least one module; those with a module whose step
    on L is above its step three calendar months before (a module with no step then
    counts in no figure for that day, so it cannot show a move)."""
    active = [module for module in modules if module.active]
    with_modules = Row("with_modules", cells_of(
        grouped_in_python(active).get((), {}), lambda r: r.people), is_total=True)
    moved = grouped_in_python(active, keep=_moved).get((), {})
    moved_row = Row("moved_up", cells_of(moved, lambda r: r.people))
    stayed = Row("not_moved_up", [
        Cell(w.value - m.value, w.value - m.value)
        for w, m in zip(with_modules.cells, moved_row.cells, strict=True)
    ])
    share = share_row("share_moved_up", moved_row, with_modules)
    return Table("moved_up", [share, moved_row, stayed, with_modules], additive=True,
                 meta={"share": share, "share_of": (moved_row, with_modules),
                       "since": period.three_months_before_last})


def _moved(module) -> bool:
    return module.step is not None and module.step_before is not None and module.step > module.step_before


class Gain(NamedTuple):  # a tuple: tens of thousands are made per page
    participant_id: int
    gender: str
    band: str
    gain: int
    area: str


def gains_of(modules: list) -> list[Gain]:
    """gain = step on L − baseline, for the modules with both (MOVE.md §5)."""
    return [
        Gain(m.participant_id, m.gender, m.band, m.step - m.baseline, m.area)
        for m in modules if m.step is not None and m.baseline is not None
    ]


def gain_by_area(gains: list) -> Table:
    """The mean gain of the modules of each area."""
    grouped = grouped_in_python(gains, key=lambda gain: (gain.area,), summed=lambda gain: gain.gain)
    return Table("gain_by_area", [
        Row(area, cells_of(grouped.get((area,), {}), lambda r: r.total / r.n, empty=None),
            kind="mean")
        for area in AREA_KEYS
    ])


def gain_direction(gains: list) -> Table:
    """Modules that went up, stayed, or went down (step on L against the baseline)."""
    def direction(gain) -> tuple[str]:
        return ("increased" if gain.gain > 0 else "decreased" if gain.gain < 0 else "same",)

    grouped = grouped_in_python(gains, key=direction)
    return _by_code_table("gain_direction", grouped, ("increased", "same", "decreased"),
                          grouped_in_python(gains).get((), {}))


def attendance(user: User, period: Period, filters: Filters, today: dt.date) -> Table:
    """Days present (fully or partly) / days scheduled, within P (days after today are
    not scheduled yet: they have not come)."""
    counted_to = min(period.last, today)
    per_placement = days_per_placement(period.first, counted_to).subquery("per_placement")
    facts = placement_facts(user, filters, per_placement.c.scheduled, per_placement.c.present).join(
        per_placement, per_placement.c.placement_id == Placement.id)
    groups = grouped_three_ways(
        facts, scheduled=lambda f: _summed(f.c.scheduled), present_days=lambda f: _summed(f.c.present),
    ).get((), {})
    return Table("attendance", [
        Row("rate", cells_of(groups, lambda r: r.present_days / r.scheduled, empty=None),
            kind="rate"),
        Row("present_days", cells_of(groups, lambda r: r.present_days), kind="days"),
        Row("scheduled_days", cells_of(groups, lambda r: r.scheduled), kind="days"),
    ])


def _summed(column) -> sa.ColumnElement[int]:
    """A sum of counts as an integer (PostgreSQL sums bigints to numeric)."""
    return sa.cast(sa.func.sum(column), sa.BigInteger)


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


def _without_jit() -> None:
    """PostgreSQL compiles a statement it guesses expensive (the gains' correlated "step on
    a day" per module) with JIT: 1.2 s of compiling at the large scale for 0.6 s of work
    (issue 14). Off for the rest of this transaction only (SET LOCAL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))


def report(user: User, period: Period, filters: Filters, today: dt.date) -> Report:
    """Every figure of §5 for the period and filter, in a fixed number of statements."""
    _without_jit()
    placed = placements_touching(user, period, filters)
    modules = modules_in_period(user, period, filters)
    gains = gains_of(modules)
    return Report(
        period=period,
        flow=flow(user, period, filters, placed),
        outflow_by_outcome=outflow_by_outcome(placed, period),
        series=monthly_series(placed, period),
        lead_time=lead_time(placed, period),
        time_in_activity=time_in_activity(placed, period),
        moved_up=moved_up(modules, period),
        gain_by_area=gain_by_area(gains),
        gain_direction=gain_direction(gains),
        attendance=attendance(user, period, filters, today),
        after_exit=after_exit(user, period, filters),
    )
