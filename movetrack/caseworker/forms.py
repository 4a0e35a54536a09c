"""The orders list's filter, read from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from movetrack.caseworker.queries import CLOSED, EVERY_ORDER, OPEN


class OrderFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    state = SelectField(
        _l("Which orders"),
        choices=[
            SelectChoice(OPEN, _l("Open orders")),
            SelectChoice(CLOSED, _l("Ended, declined or withdrawn")),
            SelectChoice(EVERY_ORDER, _l("All orders")),
        ],
        default=OPEN,
        invalid_choice_message=_l("Choose one of the listed options."),
    )

    def chosen_state(self) -> str:
        """The state asked for; the default when it could not be read (shown as an error)."""
        return self.state.data if self.validate() else OPEN
