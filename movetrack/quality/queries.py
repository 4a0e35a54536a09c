"""The questions a unit asks, a participant's answer this month, and the results per unit
and month with small counts hidden (nobody's answer can be told from the table)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from movetrack.extensions import db
from movetrack.modules.translated import Text
from movetrack.org.models import Unit
from movetrack.participants.models import Participant
from movetrack.quality.models import FACES, QUESTION_COUNT, QualityAnswer, QualityQuestion

# Sensible defaults until a unit words its own (the seeds name the practice, not the questions).
DEFAULT_QUESTIONS = (
    ("Trivs du här?", "Do you like it here?"),
    ("Får du den hjälp du behöver?", "Do you get the help you need?"),
    ("Lär du dig nya saker?", "Are you learning new things?"),
    ("Lyssnar vi på dig?", "Do we listen to you?"),
)
# The defaults in the other languages the participant's pages speak (written by a machine,
# not yet checked by a person). A unit's own questions have Swedish and English only: on an
# Arabic or Persian page they are read in Swedish, marked as such.
DEFAULT_QUESTIONS_TRANSLATED = {
    "ar": (
        "هل تحب المكان هنا؟",
        "هل تحصل على المساعدة التي تحتاجها؟",
        "هل تتعلم أشياء جديدة؟",
        "هل نستمع إليك؟",
    ),
    "fa": (
        "اینجا را دوست دارید؟",
        "کمکی را که نیاز دارید می‌گیرید؟",
        "چیزهای تازه یاد می‌گیرید؟",
        "ما به حرف شما گوش می‌دهیم؟",
    ),
}
SMALLEST_SHOWN = 5  # counts below this are hidden


@dataclass(frozen=True)
class Question:
    position: int
    text_sv: str
    text_en: str
    translated: dict[str, str] = field(default_factory=dict)  # {language: text}, the defaults'

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_sv

    def reading(self, language: str) -> Text:
        """The question for a reader of `language`, in the language it is written in."""
        if language in self.translated:
            return Text(self.translated[language], language)
        return Text(self.text_en, "en") if language == "en" else Text(self.text_sv, "sv")


def questions_of(unit_id: int) -> list[Question]:
    own = {q.position: q for q in db.session.scalars(
        sa.select(QualityQuestion).where(QualityQuestion.unit_id == unit_id))}
    return [
        Question(position, own[position].text_sv, own[position].text_en) if position in own
        else Question(position, *DEFAULT_QUESTIONS[position - 1],
                      {language: texts[position - 1] for language, texts in DEFAULT_QUESTIONS_TRANSLATED.items()})
        for position in range(1, QUESTION_COUNT + 1)
    ]


def answer_this_month(participant: Participant, month: dt.date) -> QualityAnswer | None:
    """The answer that counts: the latest of the month."""
    return db.session.scalar(
        sa.select(QualityAnswer)
        .where(QualityAnswer.participant_id == participant.id, QualityAnswer.month == month)
        .order_by(QualityAnswer.recorded_at.desc(), QualityAnswer.id.desc()).limit(1)
    )


@dataclass(frozen=True)
class Results:
    respondents: int
    # Per question: its count for each face (None where hidden), in FACES order.
    counts: list[tuple[Question, list[int | None]]]

    @property
    def shown(self) -> bool:
        return self.respondents >= SMALLEST_SHOWN


def hide_small(counts: list[int]) -> list[int | None]:
    """Counts of 1 to 4 hidden; when only one is, the next smallest too, so that it cannot
    be worked out from the total."""
    shown: list[int | None] = [None if 0 < count < SMALLEST_SHOWN else count for count in counts]
    if shown.count(None) == 1:
        others = [i for i, count in enumerate(shown) if count]
        if others:
            shown[min(others, key=lambda i: counts[i])] = None
    return shown


def results(unit: Unit, month: dt.date) -> Results:
    """Each participant's latest answer of the month in the unit, counted per question and
    face: one statement."""
    latest = (
        sa.select(
            QualityAnswer,
            sa.func.row_number().over(
                partition_by=QualityAnswer.participant_id,
                order_by=(QualityAnswer.recorded_at.desc(), QualityAnswer.id.desc()),
            ).label("position"),
        )
        .where(QualityAnswer.unit_id == unit.id, QualityAnswer.month == month)
        .subquery()
    )
    answers = db.session.execute(
        sa.select(latest.c.answer_1, latest.c.answer_2, latest.c.answer_3, latest.c.answer_4)
        .where(latest.c.position == 1)
    ).all()
    questions = questions_of(unit.id)
    counts = [
        (question, hide_small([sum(1 for row in answers if row[question.position - 1] == face) for face in FACES]))
        for question in questions
    ]
    return Results(respondents=len(answers), counts=counts)
