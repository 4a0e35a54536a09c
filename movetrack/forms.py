"""Form pieces every room shares: field types, input filters and our own wording for
input that cannot be read (so the catalogues translate it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

NOT_A_NUMBER = _l("Write a whole number, with digits only.")
NOT_A_CHOICE = _l("Choose one of the listed options.")
TOO_LONG = _l("Use at most %(max)d characters.")
DATE_MESSAGE = _l("Write a date such as 2025-03-31.")
def strip(value):
    return value.strip() if isinstance(value, str) else value


class ServiceForm(FlaskForm):
    def service_data(self) -> dict:
        """The fields' values, as the services take them."""
        return {name: value for name, value in self.data.items() if name != "csrf_token"}


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice as a list of checkboxes (easier to tap than a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DayField(DateField):
    """A date whose parse error says what to write (WTForms' own says only "not valid")."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(DATE_MESSAGE)) from None
