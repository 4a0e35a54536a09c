"""Reading steps: one statement for any number of assignments, never one per row.

MOVE.md §5: the step on a day d is the latest approved staff rating on or before d, else
the step given at assignment, else none; the baseline is the step given at assignment,
else the first approved staff rating. Corrected ratings no longer count: their correction
does. Both are SQL expressions (step_on_day, baseline_step) that other queries compose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import aliased

from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleStep, ModuleVersion, StepPicture
from movetrack.paging import PAGE_SIZE, Cursor, Key, Page, keyset_page
from movetrack.participants.models import Assignment, AssignmentStatus, Participant
from movetrack.progress.models import Rating, RatingSource


def counting_ratings() -> sa.ColumnElement[bool]:
    """Approved staff ratings that no other rating corrects."""
    correction = aliased(Rating)
    return sa.and_(
        Rating.approved.is_(True),
        Rating.source == RatingSource.SUPERVISOR,
        ~sa.exists().where(correction.corrects_id == Rating.id),
    )


def _newest_first() -> tuple:
    return (Rating.rated_on.desc(), Rating.recorded_at.desc(), Rating.id.desc())


def _oldest_first() -> tuple:
    return (Rating.rated_on, Rating.recorded_at, Rating.id)


def _counting_step(assignment, order_by: tuple, on_day=None) -> sa.ScalarSelect:
    """The step of the first counting rating of `assignment`'s row in `order_by`, as a
    correlated subquery (one index seek on ix_ratings_assignment_latest per row)."""
    statement = sa.select(Rating.step).where(
        Rating.assignment_id == assignment.id, counting_ratings()
    )
    if on_day is not None:
        statement = statement.where(Rating.rated_on <= on_day)
    return statement.order_by(*order_by).limit(1).correlate(assignment).scalar_subquery()


def step_on_day(on_day, assignment=Assignment) -> sa.ColumnElement:
    """MOVE.md §5, as one composable SQL expression over an assignment row (`Assignment` or
    an alias of it): the step on `on_day` (a date or a date-valued SQL expression; None:
    the latest) is the latest approved staff rating on or before that day, else the step
    given at assignment, else NULL. A rating made after the day never shows, so a summary
    "as it was on d" shows what was known on d. Select it beside assignment columns over
    any number of rows: one statement, on SQLite and PostgreSQL alike. Before the module
    was assigned it has no step (the step given at assignment is not yet given)."""
    given = assignment.baseline_step if on_day is None else sa.case(
        (assignment.assigned_on <= on_day, assignment.baseline_step)
    )
    return sa.func.coalesce(_counting_step(assignment, _newest_first(), on_day), given)


def baseline_step(assignment=Assignment) -> sa.ColumnElement:
    """MOVE.md §5: the step given when the module was assigned (in its placement), else the
    first approved staff rating of the assignment."""
    return sa.func.coalesce(assignment.baseline_step, _counting_step(assignment, _oldest_first()))


def _by_assignment(assignments: Iterable[Assignment], column: sa.ColumnElement) -> dict[int, int | None]:
    ids = [assignment.id for assignment in assignments]
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Assignment.id, column).where(Assignment.id.in_(ids)))
    return dict(rows.all())


def steps_on(assignments: Iterable[Assignment], on_day: dt.date | None = None) -> dict[int, int | None]:
    """{assignment id: step on the day (the latest when on_day is None)}: one statement."""
    return _by_assignment(assignments, step_on_day(on_day))


def baselines(assignments: Iterable[Assignment], on_day: dt.date | None = None) -> dict[int, int | None]:
    """{assignment id: baseline step}: one statement. As it was known on `on_day`, when
    given (one more): none while no step was known yet, so a summary of that day never
    shows a rating made after it (MOVE.md §5)."""
    assignments = list(assignments)
    found = _by_assignment(assignments, baseline_step())
    if on_day is None:
        return found
    known = steps_on(assignments, on_day)
    return {key: step if known[key] is not None else None for key, step in found.items()}


def counted_steps(assignment_ids: Iterable[int]) -> dict[int, list[tuple[dt.date, int]]]:
    """{assignment id: [(day, step), …] oldest first}: the ratings that count, for the
    step-progression charts. One query however many assignments and ratings."""
    ids = list(assignment_ids)
    points: dict[int, list[tuple[dt.date, int]]] = {assignment_id: [] for assignment_id in ids}
    if not ids:
        return points
    rows = db.session.execute(
        sa.select(Rating.assignment_id, Rating.rated_on, Rating.step)
        .where(Rating.assignment_id.in_(ids), counting_ratings())
        .order_by(Rating.rated_on, Rating.recorded_at, Rating.id)
    )
    for assignment_id, day, step in rows:
        points[assignment_id].append((day, step))
    return points


HISTORY_ORDER = (
    Key(Rating.rated_on, descending=True),
    Key(Rating.recorded_at, descending=True),
    Key(Rating.id, descending=True),
)


def history(assignment: Assignment, cursor: Cursor | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of the assignment's ratings, newest first (keyset, served by the index
    ix_ratings_assignment_latest), each as (rating, the title its step had in the module
    version it was rated under): two statements however long the history."""
    page = keyset_page(
        sa.select(Rating)
        .where(Rating.assignment_id == assignment.id)
        .options(orm.joinedload(Rating.rated_by), orm.joinedload(Rating.corrected_by)),
        HISTORY_ORDER,
        cursor,
        size,
    )
    ratings = [row.Rating for row in page.rows]
    titles = step_titles({(rating.module_version_id, rating.step) for rating in ratings})
    return replace(
        page,
        rows=[(rating, titles.get((rating.module_version_id, rating.step))) for rating in ratings],
    )


def step_titles(version_steps: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    if not version_steps:
        return {}
    rows = db.session.execute(
        sa.select(ModuleStep.version_id, ModuleStep.number, ModuleStep.title).where(
            sa.tuple_(ModuleStep.version_id, ModuleStep.number).in_(list(version_steps))
        )
    )
    return {(version_id, number): title for version_id, number, title in rows}


def steps_with_pictures(version_steps: set[tuple[int, int]]) -> dict[tuple[int, int], ModuleStep]:
    """{(version id, step number): the step with its version and its pictures (a photo's
    upload too)}: three statements at most, however many steps."""
    if not version_steps:
        return {}
    steps = db.session.scalars(
        sa.select(ModuleStep)
        .where(sa.tuple_(ModuleStep.version_id, ModuleStep.number).in_(list(version_steps)))
        .options(
            orm.joinedload(ModuleStep.version),
            orm.selectinload(ModuleStep.pictures).selectinload(StepPicture.upload),
        )
    )
    return {(step.version_id, step.number): step for step in steps}


def active_assignments(participant: Participant, *options) -> list[Assignment]:
    """The person's active modules with their current version and area, in the library's
    order (area, then title): one statement, and those `options` load beside it."""
    assignments = db.session.scalars(
        sa.select(Assignment)
        .where(
            Assignment.participant_id == participant.id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .options(
            orm.joinedload(Assignment.module).joinedload(Module.current_version),
            orm.joinedload(Assignment.module).joinedload(Module.area),
            *options,
        )
    ).unique().all()
    return sorted(assignments, key=lambda a: (a.module.area.position, a.module.title))


def active_assignment_ids(participant_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each person's active assignments by id (for the pages the tablet keeps offline)."""
    rows = db.session.execute(
        sa.select(Assignment.participant_id, Assignment.id)
        .where(Assignment.participant_id.in_(list(participant_ids)),
               Assignment.status == AssignmentStatus.ACTIVE)
        .order_by(Assignment.id)
    )
    found: dict[int, list[int]] = {}
    for participant_id, assignment_id in rows:
        found.setdefault(participant_id, []).append(assignment_id)
    return found


def with_steps_and_pictures() -> tuple:
    """Loader options for an assignment shown as the step picker: its participant and its
    module's current version joined in the same statement, then the ten steps and their
    pictures in one round trip each (no lazy load per step, whatever the page touches)."""
    return (
        orm.joinedload(Assignment.participant),
        orm.joinedload(Assignment.module).joinedload(Module.current_version)
        .selectinload(ModuleVersion.steps).selectinload(ModuleStep.pictures)
        .selectinload(StepPicture.upload),
    )


def rating_of(assignment: Assignment, rating_id: int) -> Rating | None:
    rating = db.session.get(Rating, rating_id)
    return rating if rating is not None and rating.assignment_id == assignment.id else None
