"""Step-progression charts, drawn on the server as SVG (no JavaScript): this module computes
each chart's geometry; the macros in templates/_macros/chart.html turn it into markup with a
table of the same numbers beside it.

The drawing is always the same size (a fixed viewBox, scaled to the width of the page), so
200 ratings cost no more room than 1: every rating is still one marker, and only the date
labels are thinned to a few evenly spaced days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FIRST_STEP, LAST_STEP = 1, 10
STEPS = range(FIRST_STEP, LAST_STEP + 1)
STAFF, SELF = "staff", "self"

# The step-over-time chart: a fixed drawing area, in viewBox units.
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 596, 16, 252  # room for the step and date labels
MAX_DATE_LABELS = 6
CROWDED = 40  # more markers than this are drawn smaller so they stay apart

# The distance-travelled chart: one row per module.
ROW_HEIGHT = 40
DISTANCE_TOP = 32  # room for the step labels above the rows
LABEL_WIDTH = 230
TITLE_LENGTH = 28


def _round(value: float) -> float:
    return round(value, 1)


@dataclass(frozen=True)
class Point:
    day: dt.date
    step: int
    x: float
    y: float


@dataclass(frozen=True)
class Series:
    """One kind of rating: staff ratings (circles, solid line) or self-ratings (diamonds,
    dashed line), told apart by shape and line as well as colour."""

    kind: str
    points: tuple[Point, ...]

    @property
    def line(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class Tick:
    value: int | dt.date
    position: float


@dataclass(frozen=True)
class StepChart:
    series: tuple[Series, ...]
    step_ticks: tuple[Tick, ...]
    date_ticks: tuple[Tick, ...]
    baseline: Tick | None
    goal: Tick | None
    marker_size: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def empty(self) -> bool:
        return not any(series.points for series in self.series)

    @property
    def rows(self) -> list[tuple[str, Point]]:
        """(kind, point) for the table, by day, staff before self on the same day."""
        rows = [(series.kind, point) for series in self.series for point in series.points]
        return sorted(rows, key=lambda row: (row[1].day, row[0] != STAFF))

    def latest(self, kind: str = STAFF) -> Point | None:
        points = next((series.points for series in self.series if series.kind == kind), ())
        return points[-1] if points else None


def step_y(step: int) -> float:
    """Step 10 at the top, step 1 at the bottom."""
    return _round(BOTTOM - (step - FIRST_STEP) * (BOTTOM - TOP) / (LAST_STEP - FIRST_STEP))


def _day_x(first: dt.date, span_days: int):
    def x(day: dt.date) -> float:
        if span_days == 0:  # one day only: in the middle
            return _round((LEFT + RIGHT) / 2)
        return _round(LEFT + (day - first).days * (RIGHT - LEFT) / span_days)

    return x


def _date_ticks(first: dt.date, span_days: int, x) -> tuple[Tick, ...]:
    """At most MAX_DATE_LABELS days, evenly spread from the first to the last."""
    count = min(MAX_DATE_LABELS, span_days + 1)
    if count == 1:
        return (Tick(first, x(first)),)
    days = sorted({first + dt.timedelta(days=round(i * span_days / (count - 1))) for i in range(count)})
    return tuple(Tick(day, x(day)) for day in days)


def _level(step: int | None) -> Tick | None:
    return Tick(step, step_y(step)) if step in STEPS else None


def step_chart(
    staff: Iterable[tuple[dt.date, int]],
    self_ratings: Iterable[tuple[dt.date, int]] = (),
    baseline: int | None = None,
    goal: int | None = None,
) -> StepChart:
    """One module's step over time. `staff` are the ratings that count (MOVE.md §5);
    `self_ratings` the participant's own, drawn apart and never merged with them.
    Each is (day, step); points on the same day keep their order."""
    by_kind = {STAFF: sorted(staff, key=lambda p: p[0]), SELF: sorted(self_ratings, key=lambda p: p[0])}
    days = [day for points in by_kind.values() for day, _ in points]
    first = min(days, default=None)
    span_days = (max(days) - first).days if days else 0
    x = _day_x(first, span_days)
    series = tuple(
        Series(kind, tuple(Point(day, step, x(day), step_y(step)) for day, step in points))
        for kind, points in by_kind.items()
        if points or kind == STAFF
    )
    return StepChart(
        series=series,
        step_ticks=tuple(Tick(step, step_y(step)) for step in STEPS),
        date_ticks=_date_ticks(first, span_days, x) if days else (),
        baseline=_level(baseline),
        goal=_level(goal),
        marker_size=4 if len(days) > CROWDED else 7,
    )


@dataclass(frozen=True)
class DistanceRow:
    """One module: where it started (the baseline), where it is now, and the goal."""

    title: str
    first: int | None
    latest: int | None
    goal: int | None
    y: float

    @property
    def short_title(self) -> str:
        return self.title if len(self.title) <= TITLE_LENGTH else self.title[: TITLE_LENGTH - 1] + "…"

    @property
    def change(self) -> int | None:
        return None if self.first is None or self.latest is None else self.latest - self.first

    @property
    def x_first(self) -> float | None:
        return distance_x(self.first) if self.first else None

    @property
    def x_latest(self) -> float | None:
        return distance_x(self.latest) if self.latest else None

    @property
    def x_goal(self) -> float | None:
        return distance_x(self.goal) if self.goal else None


@dataclass(frozen=True)
class DistanceChart:
    rows: tuple[DistanceRow, ...]
    step_ticks: tuple[Tick, ...]
    width: int = WIDTH
    left: int = LABEL_WIDTH
    right: int = RIGHT
    top: int = DISTANCE_TOP

    @property
    def height(self) -> int:
        return self.top + ROW_HEIGHT * len(self.rows) + 8

    @property
    def bottom(self) -> int:
        return self.top + ROW_HEIGHT * len(self.rows)

    @property
    def empty(self) -> bool:
        return not self.rows


def distance_x(step: int) -> float:
    return _round(LABEL_WIDTH + (step - FIRST_STEP) * (RIGHT - LABEL_WIDTH) / (LAST_STEP - FIRST_STEP))


def distance_chart(modules: Sequence[tuple[str, int | None, int | None, int | None]]) -> DistanceChart:
    """All of a participant's modules, first step against latest (distance travelled).
    Each module is (title, first step, latest step, goal step)."""
    rows = tuple(
        DistanceRow(title, first, latest, goal, DISTANCE_TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2)
        for index, (title, first, latest, goal) in enumerate(modules)
    )
    return DistanceChart(rows=rows, step_ticks=tuple(Tick(step, distance_x(step)) for step in STEPS))


def module_distances(assignments, first: dict[int, int | None], latest: dict[int, int | None]) -> DistanceChart:
    """The distance chart of these assignments, given their first and latest steps by id."""
    return distance_chart(
        [(a.module.title, first[a.id], latest[a.id], a.goal_step) for a in assignments]
    )
