from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from movetrack.forms import TOO_LONG, strip
from movetrack.quality.models import FACES, QUESTION_COUNT
from movetrack.quality.services import MAX_QUESTION_LENGTH

FACE_MESSAGE = _l("Tap one face.")


def _face_field() -> RadioField:
    return RadioField(choices=[SelectChoice(face, label) for face, label in FACES.items()], coerce=int,
                      validators=[InputRequired(FACE_MESSAGE)], validate_choice=True)


class AnswerForm(FlaskForm):
    answer_1 = _face_field()
    answer_2 = _face_field()
    answer_3 = _face_field()
    answer_4 = _face_field()

    def answers(self) -> list[int]:
        return [self[f"answer_{position}"].data for position in range(1, QUESTION_COUNT + 1)]


def _question_field(label) -> StringField:
    return StringField(label, filters=[strip], validators=[
        InputRequired(_l("Write the question.")), Length(max=MAX_QUESTION_LENGTH, message=TOO_LONG)])


class QuestionsForm(FlaskForm):
    question_1_sv = _question_field(_l("Question 1 in Swedish"))
    question_1_en = _question_field(_l("Question 1 in English"))
    question_2_sv = _question_field(_l("Question 2 in Swedish"))
    question_2_en = _question_field(_l("Question 2 in English"))
    question_3_sv = _question_field(_l("Question 3 in Swedish"))
    question_3_en = _question_field(_l("Question 3 in English"))
    question_4_sv = _question_field(_l("Question 4 in Swedish"))
    question_4_en = _question_field(_l("Question 4 in English"))

    def wordings(self) -> list[tuple[str, str]]:
        return [(self[f"question_{n}_sv"].data, self[f"question_{n}_en"].data)
                for n in range(1, QUESTION_COUNT + 1)]
