from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp, ValidationError

from movetrack.forms import strip
from movetrack.mypages.services import SIGN_IN_PICTURES

PIN_MESSAGE = _l("Write four digits.")
PICTURE_MESSAGE = _l("Tap one picture in each row.")
STEP_ERROR = _l("Choose a step from 1 to 10.")
# The digit keypad on a tablet; nothing remembered by the browser.
PIN_INPUT = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}
ORDINALS = (_l("First picture"), _l("Second picture"), _l("Third picture"))


def _picture_field(label, required: bool) -> RadioField:
    validators = [InputRequired(PICTURE_MESSAGE)] if required else [Optional()]
    return RadioField(label, choices=[SelectChoice(key, key) for key in SIGN_IN_PICTURES], validators=validators,
                      validate_choice=True)


class PinForm(FlaskForm):
    pin = StringField(_l("Your PIN"), filters=[strip], render_kw=PIN_INPUT,
                      validators=[InputRequired(PIN_MESSAGE), Regexp(r"^[0-9]{4}$", message=PIN_MESSAGE)])


class PicturesForm(FlaskForm):
    first = _picture_field(ORDINALS[0], required=True)
    second = _picture_field(ORDINALS[1], required=True)
    third = _picture_field(ORDINALS[2], required=True)

    def sequence(self) -> list[str]:
        return [self.first.data, self.second.data, self.third.data]


class CardForm(FlaskForm):
    """Staff: a new card, with a PIN, three pictures, or both."""

    pin = StringField(_l("PIN (four digits)"), filters=[strip], render_kw=PIN_INPUT,
                      validators=[Optional(), Regexp(r"^[0-9]{4}$", message=PIN_MESSAGE)])
    first = _picture_field(ORDINALS[0], required=False)
    second = _picture_field(ORDINALS[1], required=False)
    third = _picture_field(ORDINALS[2], required=False)

    def sequence(self) -> list[str] | None:
        chosen = [self.first.data, self.second.data, self.third.data]
        return chosen if any(chosen) else None


class GiveBackForm(FlaskForm):
    password = PasswordField(_l("The supervisor's password"),
                             validators=[InputRequired(_l("Write the supervisor's password."))])


def _a_uuid(_form, field) -> None:
    try:
        field.data = uuid.UUID(field.data or "")
    except ValueError:
        raise ValidationError(_l("The form had expired. Tap the step again.")) from None


class SelfRatingForm(FlaskForm):
    """The step buttons submit `step`; `request_key` is new each time the form is shown,
    so a double tap or a resent post saves one rating."""

    step = IntegerField(_l("Step"), validators=[InputRequired(STEP_ERROR), NumberRange(1, 10, STEP_ERROR)])
    request_key = HiddenField(validators=[_a_uuid])

    @classmethod
    def fresh(cls) -> SelfRatingForm:
        return cls(formdata=None, request_key=str(uuid.uuid4()))
