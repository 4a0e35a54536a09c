"""Reading a participant's own side and their self-ratings: one statement per kind of
thing, whatever the number of modules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.audit import READ_ACTION, AuditEvent, newest_first
from movetrack.auth.models import User
from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleStep, ModuleVersion, StepPicture
from movetrack.mypages.models import SelfRating
from movetrack.participants.models import Assignment, AssignmentStatus
from movetrack.progress.models import Rating
from movetrack.progress.queries import counting_ratings, step_on_day

GAP_TO_TALK_ABOUT = 2  # self and staff this many steps apart: flagged for the next conversation


def latest_self_rating(assignment: Assignment) -> SelfRating | None:
    return db.session.scalar(
        sa.select(SelfRating).where(SelfRating.assignment_id == assignment.id)
        .order_by(SelfRating.rated_on.desc(), SelfRating.recorded_at.desc(), SelfRating.id.desc()).limit(1)
    )


def self_rating_of(assignment: Assignment, self_rating_id: int) -> SelfRating | None:
    rating = db.session.get(SelfRating, self_rating_id)
    return rating if rating is not None and rating.assignment_id == assignment.id else None


def latest_self_steps(assignment_ids: Iterable[int]) -> dict[int, int]:
    """{assignment id: the step of its newest self-rating}."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    ranked = (
        sa.select(
            SelfRating.assignment_id,
            SelfRating.step,
            sa.func.row_number().over(
                partition_by=SelfRating.assignment_id,
                order_by=(SelfRating.rated_on.desc(), SelfRating.recorded_at.desc(), SelfRating.id.desc()),
            ).label("position"),
        )
        .where(SelfRating.assignment_id.in_(ids))
        .subquery()
    )
    rows = db.session.execute(sa.select(ranked.c.assignment_id, ranked.c.step).where(ranked.c.position == 1))
    return {assignment_id: step for assignment_id, step in rows}


def gap_to_talk_about(staff_step: int | None, self_step: int | None) -> bool:
    return staff_step is not None and self_step is not None and abs(staff_step - self_step) >= GAP_TO_TALK_ABOUT


def participants_with_a_gap(participant_ids: Iterable[int]) -> set[int]:
    """Of these people, those whose own rating of an active module is GAP_TO_TALK_ABOUT or
    more steps from staff's: one statement, run whether or not anyone has rated themselves,
    so the day view costs the same number of statements whatever the data (issue 14)."""
    own_step = (
        sa.select(SelfRating.step).where(SelfRating.assignment_id == Assignment.id)
        .order_by(SelfRating.rated_on.desc(), SelfRating.recorded_at.desc(), SelfRating.id.desc())
        .limit(1).correlate(Assignment).scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Assignment.participant_id, step_on_day(None), own_step).where(
            Assignment.participant_id.in_(list(participant_ids)),
            Assignment.status == AssignmentStatus.ACTIVE,
            sa.exists().where(SelfRating.assignment_id == Assignment.id),
        )
    )
    return {participant_id for participant_id, staff_step, self_step in rows
            if gap_to_talk_about(staff_step, self_step)}


def steps_reached(assignments: Iterable[Assignment]) -> dict[int, list[tuple[dt.date, int]]]:
    """{assignment id: [(day, step)] each time the staff-rated step went up}, oldest first."""
    ids = [assignment.id for assignment in assignments]
    timeline: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    if not ids:
        return timeline
    rows = db.session.execute(
        sa.select(Rating.assignment_id, Rating.rated_on, Rating.step)
        .where(Rating.assignment_id.in_(ids), counting_ratings())
        .order_by(Rating.rated_on, Rating.recorded_at, Rating.id)
    )
    for assignment_id, day, step in rows:
        reached = timeline[assignment_id]
        if not reached or step > reached[-1][1]:
            reached.append((day, step))
    return timeline


def with_texts_and_pictures() -> tuple:
    """Loader options for the participant's modules: each current version (joined in the
    assignments' own statement) with its translations, its steps, their pictures and the
    steps' translations, one round trip each, however many modules there are."""
    version = orm.joinedload(Assignment.module).joinedload(Module.current_version)
    steps = version.selectinload(ModuleVersion.steps)
    return (
        version.selectinload(ModuleVersion.translations),
        steps.selectinload(ModuleStep.pictures).selectinload(StepPicture.upload),
        steps.selectinload(ModuleStep.translations),
    )


LOOKS_PAGE_SIZE = 20


def looks_at(participant_id: int, before: int | None) -> tuple[list[tuple[AuditEvent, User | None]], int | None]:
    """Who has looked at the participant's data (their own looks are not recorded), newest
    first, a page at a time; and the id to continue before (None: no more)."""
    statement = (
        sa.select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.participant_id == participant_id, AuditEvent.action == READ_ACTION)
    )
    found = [tuple(row) for row in db.session.execute(newest_first(statement, before, LOOKS_PAGE_SIZE))]
    shown = found[:LOOKS_PAGE_SIZE]
    return shown, (shown[-1][0].id if len(found) > LOOKS_PAGE_SIZE else None)
