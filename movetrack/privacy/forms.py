from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from movetrack.privacy.services import MAX_REASON_LENGTH


class EraseForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the participant erased? (for example: the person asked on 3 March)"),
        validators=[InputRequired(_l("Write why the participant is erased.")),
                    Length(max=MAX_REASON_LENGTH)],
    )
    confirm = BooleanField(
        _l("I understand that the name, photo and everything written about the person is removed for good"),
        validators=[DataRequired(_l("Tick the box to confirm the erasure."))],
    )
