"""Forms parse and check the shape of input; the rules live in services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SearchField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from movetrack.clock import local_today
from movetrack.forms import (
    NOT_A_CHOICE,
    NOT_A_NUMBER,
    TOO_LONG,
    ServiceForm,
    strip,
)
from movetrack.i18n import lazy_text
from movetrack.input import BoundedIntegerField, optional_int
from movetrack.modules.models import Module
from movetrack.org.models import Unit, Workstation
from movetrack.participants.models import GENDER_LABELS, AssignmentStatus, Gender
from movetrack.participants.queries import ACTIVE, EVERYONE, INACTIVE
from movetrack.participants.services import (
    LANGUAGES,
    NAME_MAX_LENGTH,
    PREFERRED_NAME_MAX_LENGTH,
)

# What each status button says: the action that leads to the status.
STATUS_ACTIONS = {
    AssignmentStatus.PAUSED: _l("Pause"),
    AssignmentStatus.DONE: _l("Mark done"),
    AssignmentStatus.SWITCHED: _l("Switch to something else"),
    AssignmentStatus.ACTIVE: _l("Make active again"),
}
STEP_INPUT = {"min": 1, "max": 10, "inputmode": "numeric"}


def _id_select(label, **kwargs) -> SelectField:
    return SelectField(
        label,
        coerce=optional_int,
        validate_choice=False,  # services check what may be chosen
        invalid_value_message=NOT_A_CHOICE,
        **kwargs,
    )


class ParticipantForm(ServiceForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Write the participant's name.")),
            Length(max=NAME_MAX_LENGTH, message=TOO_LONG),
        ],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    preferred_name = StringField(
        _l("Preferred name (optional)"),
        validators=[Optional(), Length(max=PREFERRED_NAME_MAX_LENGTH, message=TOO_LONG)],
        filters=[strip],
        render_kw={"autocomplete": "off"},
    )
    birth_year = BoundedIntegerField(
        _l("Birth year (optional)"),
        validators=[Optional()],
        invalid_value_message=NOT_A_NUMBER,
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    gender = SelectField(
        _l("Gender"),
        choices=[SelectChoice(gender.value, label) for gender, label in GENDER_LABELS.items()],
        default=Gender.NOT_STATED.value,
        validate_choice=False,
    )
    needs_pictures = BooleanField(_l("Needs pictures"))
    language = SelectField(
        _l("Preferred language"),
        choices=[
            SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGES.items()
        ],
        default="sv",
        validate_choice=False,
    )
    unit_id = _id_select(_l("Unit"))
    workstation_id = _id_select(_l("Workstation (optional)"))
    photo_file = FileField(
        _l("Photo (optional)"), render_kw={"accept": "image/*", "capture": "user"}
    )

    def offer_places(self, units: list[Unit], workstations: list[Workstation]) -> None:
        """Units in the user's scope, and the workstations of the chosen unit."""
        self.unit_id.choices = [SelectChoice(unit.id, unit.name) for unit in units]
        self.workstation_id.choices = [SelectChoice("", _l("No workstation"))] + [
            SelectChoice(workstation.id, workstation.name) for workstation in workstations
        ]


class EditParticipantForm(ParticipantForm):
    active = BooleanField(_l("Active"))


class ParticipantFilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    search = SearchField(
        _l("Search by name"), filters=[strip],
        validators=[Optional(), Length(max=NAME_MAX_LENGTH, message=TOO_LONG)],
    )
    unit_id = _id_select(_l("Unit"))
    workstation_id = _id_select(_l("Workstation"))
    state = SelectField(
        _l("Which participants"),
        choices=[
            SelectChoice(ACTIVE, _l("Active participants")),
            SelectChoice(INACTIVE, _l("Inactive participants")),
            SelectChoice(EVERYONE, _l("Everyone")),
        ],
        default=ACTIVE,
        invalid_choice_message=NOT_A_CHOICE,
    )

    def offer_places(self, units: list[Unit], workstations: list[Workstation]) -> None:
        """Every unit in scope, and their workstations grouped by unit."""
        self.unit_id.choices = [SelectChoice("", _l("All units"))] + [
            SelectChoice(unit.id, unit.name) for unit in units
        ]
        self.workstation_id.choices = [SelectChoice("", _l("All workstations"))] + [
            SelectChoice(workstation.id, workstation.name, optgroup=workstation.unit.name)
            for workstation in workstations
        ]

    def filters(self) -> dict:
        """The valid filters; one that could not be read is left out (and shown as an error)."""
        self.validate()
        return {field.name: field.data for field in self if not field.errors and field.data}


class StepsForm(ServiceForm):
    baseline_step = BoundedIntegerField(
        _l("Starting step (optional)"),
        validators=[Optional()],
        invalid_value_message=NOT_A_NUMBER,
        render_kw=STEP_INPUT,
    )
    goal_step = BoundedIntegerField(
        _l("Goal step (optional)"),
        validators=[Optional()],
        invalid_value_message=NOT_A_NUMBER,
        render_kw=STEP_INPUT,
    )


class AssignModuleForm(StepsForm):
    module_id = _id_select(_l("Module"))
    assigned_on = DateField(
        _l("Assigned on"),
        validators=[Optional()],
        default=local_today,
        invalid_value_message=_l("Choose a date."),
    )

    def offer_modules(self, modules: list[Module], assigned_ids: set[int]) -> None:
        """Modules grouped by area; those the participant already has are shown but disabled."""
        self.module_id.choices = [SelectChoice("", _l("Choose a module"))] + [
            SelectChoice(
                module.id,
                lazy_text("%(title)s (already assigned)", title=module.title)
                if module.id in assigned_ids
                else module.title,
                render_kw={"disabled": True} if module.id in assigned_ids else {},
                optgroup=str(module.area.label),
            )
            for module in modules
        ]
