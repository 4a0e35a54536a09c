"""Answering the month's questions, and a unit's own wording of them. Each function checks
the rules, writes, audits and flushes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.policy import Kind, Principal, may_change
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.org.models import Unit
from movetrack.participants.models import Participant
from movetrack.quality.models import FACES, QUESTION_COUNT, QualityAnswer, QualityQuestion
from movetrack.rules import RuleViolation, clean_text

MAX_QUESTION_LENGTH = 300


def this_month() -> dt.date:
    return local_today().replace(day=1)


def answer_month(who, participant: Participant, answers: Sequence[int]) -> QualityAnswer:
    """The participant's answers for this month; answering again adds a row, the latest counts."""
    principal = Principal.of(who)
    if not may_change(principal, Kind.OWN_PAGES) or principal.participant_id != participant.id:
        raise RuleViolation(_l("Only you can answer your own questions."))
    if len(answers) != QUESTION_COUNT or any(answer not in FACES for answer in answers):
        raise RuleViolation(_l("Tap one face for each question."))
    answer = QualityAnswer(participant_id=participant.id, unit_id=participant.unit_id, month=this_month(),
                           answer_1=answers[0], answer_2=answers[1], answer_3=answers[2], answer_4=answers[3])
    db.session.add(answer)
    audit.record(participant, "quality.answered", answer, participant.id, month=answer.month.isoformat())
    db.session.flush()
    return answer


def set_questions(admin, unit: Unit, wordings: Sequence[tuple[str, str]]) -> None:
    """The unit's own four questions, each (Swedish, English)."""
    if not may_change(admin, Kind.ORGANISATION):
        raise RuleViolation(_l("Only a coordinator changes the questions."))
    existing = {q.position: q for q in db.session.scalars(
        sa.select(QualityQuestion).where(QualityQuestion.unit_id == unit.id))}
    for position, (swedish, english) in enumerate(wordings, 1):
        field = f"question_{position}"
        text_sv = clean_text(swedish, field + "_sv", MAX_QUESTION_LENGTH)
        text_en = clean_text(english, field + "_en", MAX_QUESTION_LENGTH)
        if not text_sv or not text_en:
            raise RuleViolation(_l("Write each question in Swedish and in English."), field=field + "_sv")
        question = existing.get(position) or QualityQuestion(unit_id=unit.id, position=position)
        question.text_sv, question.text_en = text_sv, text_en
        db.session.add(question)
    audit.record(admin, "quality.questions_changed", unit)
    db.session.flush()
