"""Reading what a certificate needs: a fixed number of statements however many modules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.certificates.models import CODE_MIN_LENGTH, Certificate
from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleArea, ModuleVersion
from movetrack.participants.models import Assignment, Participant
from movetrack.progress.models import Rating
from movetrack.progress.queries import counting_ratings

# Longer than any code we issue: refuse without asking the database.
CODE_MAX_LENGTH = 64


@dataclass(frozen=True)
class ReachedStep:
    """The step on a day (MOVE.md §5: the latest counting rating on or before it) and the
    module version that rating was given under, whose wording the certificate prints."""

    step: int
    version_id: int
    assessed_on: dt.date


def reached_steps(assignment_ids: list[int], on_day: dt.date) -> dict[int, ReachedStep]:
    """{assignment id: step reached on the day}, one statement. Same order as
    progress.queries.steps_on, but it also tells which version the step was rated under.
    Assignments with no rating by then are left out: a certificate states assessed steps,
    never a baseline nobody rated."""
    if not assignment_ids:
        return {}
    ranked = (
        sa.select(
            Rating.assignment_id,
            Rating.step,
            Rating.module_version_id,
            Rating.rated_on,
            sa.func.row_number()
            .over(
                partition_by=Rating.assignment_id,
                order_by=(Rating.rated_on.desc(), Rating.recorded_at.desc(), Rating.id.desc()),
            )
            .label("position"),
        )
        .where(
            Rating.assignment_id.in_(assignment_ids),
            Rating.rated_on <= on_day,
            counting_ratings(),
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            ranked.c.assignment_id, ranked.c.step, ranked.c.module_version_id, ranked.c.rated_on
        ).where(ranked.c.position == 1)
    )
    return {
        assignment_id: ReachedStep(step, version_id, rated_on)
        for assignment_id, step, version_id, rated_on in rows
    }


def rated_assignments(participant: Participant) -> list[Assignment]:
    """The participant's modules (any status) with at least one counting rating, by area
    then current title: what the issue form offers. One statement."""
    has_rating = (
        sa.select(Rating.id)
        .where(Rating.assignment_id == Assignment.id, counting_ratings())
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .join(Assignment.module)
            .join(Module.area)
            .join(Module.current_version)
            .where(Assignment.participant_id == participant.id, has_rating)
            .options(
                orm.contains_eager(Assignment.module).contains_eager(Module.area),
                orm.contains_eager(Assignment.module).contains_eager(Module.current_version),
            )
            .order_by(ModuleArea.position, ModuleVersion.title)
        )
    )


def assignments_for_certificate(
    participant: Participant, assignment_ids: list[int]
) -> list[Assignment]:
    """The chosen assignments that are the participant's, with module and area loaded."""
    if not assignment_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.participant_id == participant.id, Assignment.id.in_(assignment_ids))
            .options(orm.joinedload(Assignment.module).joinedload(Module.area))
        )
    )


def certificates_of(participant: Participant) -> list[Certificate]:
    """Every certificate issued to the participant, newest first, with who issued,
    revoked and replaced it: one statement for the list, one for the replacements. An
    erased person's certificates are left out: nothing of them is left to show."""
    return [
        certificate for certificate in db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.participant_id == participant.id)
            .options(
                orm.joinedload(Certificate.issued_by),
                orm.joinedload(Certificate.revoked_by),
                orm.selectinload(Certificate.replaced_by),
            )
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
        if not certificate.redacted
    ]


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a verification code names, or None. A code of the wrong length
    cannot be one of ours, so it costs no query."""
    if not CODE_MIN_LENGTH <= len(code) <= CODE_MAX_LENGTH:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))
