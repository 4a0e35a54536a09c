from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from movetrack.forms import LARGEST_ID

AGREED_CHOICES = [
    SelectChoice("", _l("Not asked")),
    SelectChoice("yes", _l("Agrees")),
    SelectChoice("no", _l("Does not agree")),
]
STEP_ERROR = _l("Choose a step from 1 to 10.")


def agreed_value(choice: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(choice or "")


class RatingForm(FlaskForm):
    """Tapping a step button submits it as `step`; note and agreement are optional."""

    step = IntegerField(
        _l("Step"),
        validators=[InputRequired(STEP_ERROR), NumberRange(1, 10, STEP_ERROR)],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])
    agreed = RadioField(
        _l("Does the participant agree?"), choices=AGREED_CHOICES, default="", validate_choice=True
    )
    # The participant's own rating this one agrees with ("approving" it), when staff say so.
    agrees_with = IntegerField(validators=[Optional(), NumberRange(1, LARGEST_ID)])


class CorrectionForm(FlaskForm):
    step = IntegerField(
        _l("Correct step"), validators=[InputRequired(STEP_ERROR), NumberRange(1, 10, STEP_ERROR)]
    )
    reason = TextAreaField(
        _l("Why is it corrected?"),
        validators=[InputRequired(_l("Write why the step is corrected.")), Length(max=2000)],
    )
