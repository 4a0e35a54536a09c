"""Forms parse and check the shape of input; the rules live in services.py."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.dates import get_day_names
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from movetrack.clock import local_today
from movetrack.followups.services import ACTIVITIES_AFTER_EXIT, MAX_SHORT_TEXT, MAX_TEXT
from movetrack.forms import (
    NOT_A_CHOICE,
    TOO_LONG,
    ServiceForm,
    strip,
)
from movetrack.input import optional_int
from movetrack.modules.models import Module
from movetrack.org.models import Workstation
from movetrack.participants.models import Assignment
from movetrack.placements.models import OUTCOME_LABELS

NOT_A_DATE = _l("Write a date as YYYY-MM-DD, or choose one.")
STALE_FORM = _l("The form is incomplete. Reload the page and try again.")
WEEKDAYS = range(7)  # Monday = 0, as ScheduleDay.weekday
NOT_A_NUMBER_OF_HOURS = _l("Write the hours as a number, such as 4 or 4,5.")
HOURS_RANGE = _l("Write the hours: more than 0, at most 12.")


def _text(label, max_length: int = MAX_TEXT, **kwargs) -> TextAreaField:
    return TextAreaField(
        label, validators=[Optional(), Length(max=max_length, message=TOO_LONG)],
        filters=[strip], **kwargs,
    )


def _date(label, **kwargs) -> DateField:
    return DateField(label, validators=[Optional()], invalid_value_message=NOT_A_DATE, **kwargs)


class CommaDecimalField(DecimalField):
    """Hours as people write them here: 4,5 as well as 4.5 (a text input: a number input
    would refuse the comma, or show nothing for "4,5")."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(",", "."))
            except InvalidOperation:
                self.data = None
            if self.data is None or not self.data.is_finite():  # "NaN" and "inf" parse too
                self.data = None
                raise ValueError(str(NOT_A_NUMBER_OF_HOURS))
        else:
            self.data = None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format_decimal(self.data)


class ScheduleDayForm(Form):
    """One weekday of the intake schedule: ticked, and how many hours."""

    works = BooleanField()
    hours = CommaDecimalField(_l("Hours"), render_kw={"inputmode": "decimal", "size": 5})

    def validate_hours(self, field):
        """Hours are needed on a ticked day only (so no Optional(), which would stop here)."""
        if self.works.data and (field.data is None or not 0 < field.data <= 12):
            raise ValidationError(str(HOURS_RANGE))


class WeeklyScheduleForm(ServiceForm):
    """A form with the seven weekday rows of a weekly schedule."""

    # Row n is weekday n: a browser sends every row's hours field, ticked or not.
    schedule = FieldList(FormField(ScheduleDayForm), min_entries=7, max_entries=7)

    def name_the_days(self) -> None:
        """Each row labelled with its weekday, in the reader's language."""
        names = get_day_names("wide", locale=get_locale())
        for weekday, entry in zip(WEEKDAYS, self.schedule.entries, strict=True):
            entry.form.works.label.text = names[weekday].capitalize()
            entry.form.hours.label.text = _l("Hours on %(day)s", day=names[weekday])

    def service_data(self) -> dict:
        data = super().service_data()
        data["schedule"] = [
            (weekday, entry["hours"])
            for weekday, entry in zip(WEEKDAYS, data["schedule"], strict=True)
            if entry["works"]
        ]
        return data


class IntakeForm(WeeklyScheduleForm):
    version = HiddenField(validators=[InputRequired(STALE_FORM)])
    intake_on = _date(_l("Date of the intake meeting"), default=local_today)
    intake_attendees = _text(_l("Who took part"))
    wants_to_take_part = BooleanField(_l("The participant says: “I want to take part”"))
    start_date = _date(_l("Start date"))
    workstation_id = SelectField(
        _l("Workstation"), coerce=optional_int, validate_choice=False,
        invalid_value_message=NOT_A_CHOICE,
    )

    def offer_workstations(self, workstations: list[Workstation]) -> None:
        self.workstation_id.choices = [SelectChoice("", _l("No workstation"))] + [
            SelectChoice(workstation.id, workstation.name) for workstation in workstations
        ]


class ScheduleChangeForm(WeeklyScheduleForm):
    """A new weekly schedule from a day on (upptrappning: the hours grow during a placement)."""

    valid_from = _date(_l("The new schedule applies from"))


class UnitSettingsForm(ServiceForm):
    intro_module_keys = SelectMultipleField(
        _l("Introduction modules"), validate_choice=False, invalid_value_message=NOT_A_CHOICE,
    )
    follow_up_schedule = StringField(
        _l("Follow-up schedule"), filters=[strip],
        validators=[Length(max=300, message=TOO_LONG)], render_kw={"autocomplete": "off"},
    )
    exit_questions = TextAreaField(
        _l("Exit interview questions, one per line"),
        validators=[Length(max=6000, message=TOO_LONG)], render_kw={"rows": 9},
    )

    def offer_modules(self, modules: list[Module]) -> None:
        self.intro_module_keys.choices = [
            SelectChoice(module.key, module.title, optgroup=str(module.area.label))
            for module in modules
        ]


class GoalForm(ServiceForm):
    text = _text(_l("What is the goal?"), render_kw={"rows": 3})
    participant_words = _text(_l("In the participant's own words (optional)"),
                              render_kw={"rows": 3})
    who = StringField(
        _l("Who does what"), filters=[strip],
        validators=[Optional(), Length(max=MAX_SHORT_TEXT, message=TOO_LONG)],
    )
    when = StringField(
        _l("When"), filters=[strip],
        validators=[Optional(), Length(max=MAX_SHORT_TEXT, message=TOO_LONG)],
    )
    follow_up_how = _text(_l("How it is followed up"), render_kw={"rows": 2})


class EditGoalForm(GoalForm):
    fingerprint = HiddenField(validators=[InputRequired(STALE_FORM)])
    words_confirmed = BooleanField(_l("The participant asked for their words to be changed"))


class GoalModuleForm(ServiceForm):
    """One per goal on the plan page, told apart by a prefix. CSRFProtect checks the
    page's token on every POST; a prefixed token field of its own would not match it."""

    class Meta:
        csrf = False

    assignment_id = SelectField(
        _l("Module"), coerce=optional_int, validate_choice=False,
        invalid_value_message=NOT_A_CHOICE,
    )
    def offer_assignments(self, assignments: list[Assignment]) -> None:
        self.assignment_id.choices = [SelectChoice("", _l("Choose a module"))] + [
            SelectChoice(assignment.id, assignment.module.title) for assignment in assignments
        ]


class FollowUpForm(ServiceForm):
    version = HiddenField(validators=[InputRequired(STALE_FORM)])
    held_on = _date(_l("Held on"), default=local_today)
    attendees = _text(_l("Who took part"), render_kw={"rows": 2})
    notes = _text(_l("Notes"))
    decisions = _text(_l("Decisions"))
    next_step = _text(_l("Next step"), render_kw={"rows": 3})


class AfterExitForm(ServiceForm):
    """Three months after exit: what is the person doing now?"""

    version = HiddenField(validators=[InputRequired(STALE_FORM)])
    held_on = _date(_l("Date of the contact"), default=local_today)
    activity_after_exit = SelectField(
        _l("What is the person doing now?"),
        choices=[SelectChoice("", _l("Choose"))] + [
            SelectChoice(outcome.value, OUTCOME_LABELS[outcome])
            for outcome in ACTIVITIES_AFTER_EXIT
        ],
        validate_choice=False,
    )
    notes = _text(_l("Notes"))
