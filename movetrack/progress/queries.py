"""Reading steps: one statement for any number of assignments, never one per row.

MOVE.md §5: the step on a day d is the latest approved rating on or before d, else the
baseline (the step given at assignment, else the first approved rating). Corrected
ratings no longer count: their correction does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import aliased

from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleStep, ModuleVersion, StepPicture
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


def _ranked(assignment_ids: list[int], newest_first: bool, on_day: dt.date | None):
    order = (Rating.rated_on, Rating.recorded_at, Rating.id)
    order_by = [column.desc() for column in order] if newest_first else list(order)
    ranked = (
        sa.select(
            Rating.assignment_id,
            Rating.step,
            sa.func.row_number()
            .over(partition_by=Rating.assignment_id, order_by=order_by)
            .label("position"),
        )
        .where(Rating.assignment_id.in_(assignment_ids), counting_ratings())
        .where(Rating.rated_on <= on_day if on_day else sa.true())
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.assignment_id, ranked.c.step).where(ranked.c.position == 1)
    )
    return {assignment_id: step for assignment_id, step in rows}


def steps_on(assignments: Iterable[Assignment], on_day: dt.date | None = None) -> dict[int, int | None]:
    """{assignment id: step on the day (today's latest when on_day is None)}; two queries in all."""
    assignments = list(assignments)
    ids = [assignment.id for assignment in assignments]
    if not ids:
        return {}
    latest = _ranked(ids, newest_first=True, on_day=on_day)
    baselines = first_steps((a for a in assignments if a.id not in latest), on_day)
    return {a.id: latest.get(a.id) or baselines.get(a.id) for a in assignments}


def first_steps(assignments: Iterable[Assignment], on_day: dt.date | None = None) -> dict[int, int | None]:
    """{assignment id: baseline} (MOVE.md §5): the step given at assignment, else the first
    rating that counts (on or before the day, when one is given). At most one query."""
    assignments = list(assignments)
    missing = [a.id for a in assignments if a.baseline_step is None]
    first = _ranked(missing, newest_first=False, on_day=on_day) if missing else {}
    return {a.id: a.baseline_step or first.get(a.id) for a in assignments}


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


def history(assignment: Assignment) -> list[tuple[Rating, str | None]]:
    """Every rating of the assignment, newest first, each with the title its step had in
    the module version it was rated under (two queries however long the history)."""
    ratings = list(
        db.session.scalars(
            sa.select(Rating)
            .where(Rating.assignment_id == assignment.id)
            .options(orm.joinedload(Rating.rated_by), orm.joinedload(Rating.corrected_by))
            .order_by(Rating.rated_on.desc(), Rating.recorded_at.desc(), Rating.id.desc())
        )
    )
    titles = step_titles({(rating.module_version_id, rating.step) for rating in ratings})
    return [(rating, titles.get((rating.module_version_id, rating.step))) for rating in ratings]


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


def active_assignments(participant: Participant) -> list[Assignment]:
    """The person's active modules with their current version and area, in the library's
    order (area, then title): one statement."""
    assignments = db.session.scalars(
        sa.select(Assignment)
        .where(
            Assignment.participant_id == participant.id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .options(
            orm.joinedload(Assignment.module).joinedload(Module.current_version),
            orm.joinedload(Assignment.module).joinedload(Module.area),
        )
    ).all()
    return sorted(assignments, key=lambda a: (a.module.area.position, a.module.title))


def load_steps_with_pictures(version: ModuleVersion) -> None:
    """The version's ten steps and their pictures, loaded in one round trip."""
    db.session.scalars(
        sa.select(ModuleVersion)
        .where(ModuleVersion.id == version.id)
        .options(
            orm.selectinload(ModuleVersion.steps)
            .selectinload(ModuleStep.pictures)
            .selectinload(StepPicture.upload)
        )
    ).one()


def rating_of(assignment: Assignment, rating_id: int) -> Rating | None:
    rating = db.session.get(Rating, rating_id)
    return rating if rating is not None and rating.assignment_id == assignment.id else None
