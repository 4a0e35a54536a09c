import datetime as dt

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from movetrack.clock import local_today
from movetrack.idempotency import RequestKeyField
from movetrack.input import BoundedIntegerField

AGREED_CHOICES = [
    SelectChoice("", _l("Not asked")),
    SelectChoice("yes", _l("Agrees")),
    SelectChoice("no", _l("Does not agree")),
]
STEP_ERROR = _l("Choose a step from 1 to 10.")


def agreed_value(choice: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(choice or "")


def parse_day(value) -> dt.date | None:
    if isinstance(value, dt.date) or not value:
        return value or None
    return dt.date.fromisoformat(str(value).strip())


def day_choices() -> list[SelectChoice]:
    """Today first (preselected), then each day back that may be recorded (the setting
    RATING_PAST_DAYS): "Today", "Yesterday", "Fri 27 Nov"."""
    today, days_back = local_today(), current_app.config["RATING_PAST_DAYS"]
    names = {0: _l("Today"), 1: _l("Yesterday")}
    return [
        SelectChoice(
            (today - dt.timedelta(days=back)).isoformat(),
            names.get(back) or format_date(today - dt.timedelta(days=back), "EEE d MMM"),
        )
        for back in range(days_back + 1)
    ]


class RatingForm(FlaskForm):
    """Tapping a step button submits it as `step`; note and agreement are optional; the day
    is today unless the supervisor picks an earlier one (services check the range)."""

    step = IntegerField(
        _l("Step"),
        validators=[InputRequired(STEP_ERROR), NumberRange(1, 10, STEP_ERROR)],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])
    agreed = RadioField(
        _l("Does the participant agree?"), choices=AGREED_CHOICES, default="", validate_choice=True
    )
    # Not limited to the list: the service says in words why another day is refused.
    rated_on = SelectField(
        _l("Day"), choices=day_choices, coerce=parse_day, validate_choice=False,
        validators=[Optional()], default=lambda: local_today().isoformat(),
        invalid_value_message=_l("Choose the day from the list."),
    )
    request_key = RequestKeyField()
    # The participant's own rating this one agrees with ("approving" it), when staff say so.
    agrees_with = BoundedIntegerField(validators=[Optional(), NumberRange(min=1)])


class CorrectionForm(FlaskForm):
    request_key = RequestKeyField()
    step = IntegerField(
        _l("Correct step"), validators=[InputRequired(STEP_ERROR), NumberRange(1, 10, STEP_ERROR)]
    )
    reason = TextAreaField(
        _l("Why is it corrected?"),
        validators=[InputRequired(_l("Write why the step is corrected.")), Length(max=2000)],
    )
