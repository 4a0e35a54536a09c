"""Questions per unit (defaults in code) and answers, one set per participant and month.

An answer is never changed: answering again within the month adds a row and the latest
counts (the migration's triggers refuse UPDATE and DELETE, as for ratings).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from movetrack.clock import utcnow
from movetrack.extensions import db

QUESTION_COUNT = 4


# The answers, as faces with their words (never the face alone): stored as 1, 2, 3.
FACES = {1: _l("No"), 2: _l("Sometimes"), 3: _l("Yes")}
_ANSWER_RANGE = f"BETWEEN 1 AND {len(FACES)}"


class QualityQuestion(db.Model):
    """A unit's own wording of one of the four questions (else the default is asked)."""

    __tablename__ = "quality_questions"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "position"),
        sa.CheckConstraint(f"position BETWEEN 1 AND {QUESTION_COUNT}", name="position_1_to_4"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    position: Mapped[int]
    text_sv: Mapped[str] = mapped_column(sa.String(300))
    text_en: Mapped[str] = mapped_column(sa.String(300))


class QualityAnswer(db.Model):
    __tablename__ = "quality_answers"
    __table_args__ = (
        sa.CheckConstraint("answer_1 " + _ANSWER_RANGE, name="answer_1_face"),
        sa.CheckConstraint("answer_2 " + _ANSWER_RANGE, name="answer_2_face"),
        sa.CheckConstraint("answer_3 " + _ANSWER_RANGE, name="answer_3_face"),
        sa.CheckConstraint("answer_4 " + _ANSWER_RANGE, name="answer_4_face"),
        sa.Index("ix_quality_answers_unit_month", "unit_id", "month"),
        sa.Index("ix_quality_answers_participant_month", "participant_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participants.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))  # where they were when answering
    month: Mapped[dt.date]  # its first day
    answer_1: Mapped[int]
    answer_2: Mapped[int]
    answer_3: Mapped[int]
    answer_4: Mapped[int]
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    @property
    def answers(self) -> list[int]:
        return [self.answer_1, self.answer_2, self.answer_3, self.answer_4]
