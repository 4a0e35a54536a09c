"""Forms parse and check the shape of input; the rules live in services.py."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    RadioField,
    SelectField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import HiddenInput, TextInput

from movetrack.attendance.models import ATTENDANCE_LABELS
from movetrack.attendance.queries import Month
from movetrack.attendance.services import CLEAR
from movetrack.clock import local_today
from movetrack.idempotency import RequestKeyField
from movetrack.input import BoundedIntegerField, optional_int
from movetrack.org.models import OrderingUnit

NOT_A_CHOICE = _l("Choose one of the listed options.")
NOT_HOURS = _l("Write the hours as a number, e.g. 2,5.")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None, default: Month) -> Month:
    """ "2025-03" → that month; nothing → the default; anything else → ValueError."""
    if not text:
        return default
    match = MONTH_PATTERN.match(text.strip())
    if not match:
        raise ValueError(text)
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(text)
    return Month(year, month)


class HoursField(DecimalField):
    """Hours as a Swedish person writes them: "2,5" is two and a half, like "2.5". A text
    box with a decimal keypad, not type="number": browsers refuse the comma there."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        super().process_formdata([value.strip().replace(",", ".") for value in valuelist])
        if self.data is not None and not self.data.is_finite():  # "NaN", "Infinity"
            self.data = None
            raise ValueError(NOT_HOURS)


class AttendanceForm(FlaskForm):
    """One day of one placement. `version` is the version of the record the user saw
    (empty when they saw none), so a change made meanwhile by someone else is caught."""

    status = RadioField(
        _l("Attendance"),
        choices=[SelectChoice(status.value, label) for status, label in ATTENDANCE_LABELS.items()]
        + [SelectChoice(CLEAR, _l("Not recorded"))],
        validators=[InputRequired(_l("Choose whether the person was here."))],
        invalid_choice_message=NOT_A_CHOICE,
    )
    hours = HoursField(
        _l("Hours present (when partly present)"),
        validators=[Optional()],
        places=None,
        invalid_value_message=NOT_HOURS,
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    version = BoundedIntegerField(widget=HiddenInput(), validators=[Optional()])
    request_key = RequestKeyField()


class CheckInForm(AttendanceForm):
    """A tap on the day view. The day must be today's: a tablet page left open overnight
    would otherwise record yesterday for someone who arrived this morning."""

    placement_id = BoundedIntegerField(widget=HiddenInput(), validators=[InputRequired()])
    on_date = DateField(widget=HiddenInput(), validators=[InputRequired()])

    def validate_on_date(self, field):
        if field.data != local_today():
            raise ValidationError(_l("This page shows another day. Reload it to record today."))


class DayForm(AttendanceForm):
    """Recording or correcting a past day from the placement's attendance page."""

    on_date = DateField(
        _l("Day"),
        validators=[InputRequired(_l("Choose a day."))],
        default=local_today,
        invalid_value_message=_l("Choose a day."),
    )


class ReportForm(FlaskForm):
    """The monthly report's choices, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    month = HiddenField()  # the template renders it as <input type="month">
    ordering_unit = SelectField(
        _l("Ordering unit"),
        coerce=optional_int,
        invalid_value_message=NOT_A_CHOICE,
        invalid_choice_message=NOT_A_CHOICE,
    )

    def offer(self, ordering_units: list[OrderingUnit]) -> None:
        self.ordering_unit.choices = [SelectChoice("", _l("All ordering units"))] + [
            SelectChoice(unit.id, unit.name) for unit in ordering_units
        ]

    def chosen(self) -> tuple[Month, int | None] | None:
        """(month, ordering unit id or None for all), or None with the errors set."""
        self.validate()
        try:
            month = parse_month(self.month.data, Month.of(local_today()))
        except ValueError:
            self.month.errors = [_l("Write the month as year and month, e.g. 2025-03.")]
            return None
        if self.ordering_unit.errors:
            return None
        return month, self.ordering_unit.data
