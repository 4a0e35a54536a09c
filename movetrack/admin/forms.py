"""Forms check the shape of what was typed; the rules (unique names, which role needs
which unit) live in admin/services.py so they hold however a change arrives."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp

from movetrack.admin.queries import AuditFilters
from movetrack.auth.forms import MIN_PASSWORD_LENGTH
from movetrack.auth.models import ROLE_LABELS, User
from movetrack.auth.policy import MANAGED_ROLES
from movetrack.forms import NOT_A_CHOICE, DayField, MultiCheckboxField, strip
from movetrack.input import optional_int
from movetrack.participants.models import Participant

ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in MANAGED_ROLES]


def _optional_id(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Write a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(_l("Write the password again.")),
                    EqualTo("password", message=_l("The passwords differ."))],
    )
    return password, confirm


class UserForm(FlaskForm):
    """Choices of units and ordering units are the organisation's: see set_choices."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(_l("Write a name."))])
    username = StringField(
        _l("Username"), filters=[strip], validators=[DataRequired(_l("Write a username."))]
    )
    email = EmailField(
        _l("E-mail (optional)"),
        filters=[strip],
        validators=[
            Optional(),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                   message=_l("Write a whole e-mail address, like name@kommun.se.")),
        ],
    )
    role = RadioField(
        _l("Role"), choices=ROLE_CHOICES, validators=[InputRequired(_l("Choose a role."))]
    )
    units = MultiCheckboxField(_l("Units"), coerce=optional_int, choices=[])
    ordering_unit = SelectField(_l("Ordering unit"), coerce=_optional_id, choices=[])

    def set_choices(self, units, ordering_units) -> None:
        self.units.choices = [SelectChoice(unit.id, unit.name) for unit in units]
        self.ordering_unit.choices = [SelectChoice("", _l("None (only case workers have one)"))] + [
            SelectChoice(ordering_unit.id, ordering_unit.name) for ordering_unit in ordering_units
        ]


class NewUserForm(UserForm):
    password, confirm = _new_password_fields()


class PasswordResetForm(FlaskForm):
    password, confirm = _new_password_fields()


class NameForm(FlaskForm):
    """One name: a unit, a workstation or an ordering unit."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(_l("Write a name."))])


def name_form(label, **kwargs) -> NameForm:
    """A NameForm whose label says what is named, so several on one page stay distinct."""
    form = NameForm(**kwargs)
    form.name.label.text = label
    return form


class ThrottleLookupForm(FlaskForm):
    """Which sign-in counts to show: a GET form, so it needs no CSRF token."""

    class Meta:
        csrf = False

    username = StringField(_l("Username"), filters=[strip], validators=[Optional(), Length(max=80)])
    address = StringField(_l("Address (IP)"), filters=[strip], validators=[Optional(), Length(max=64)])


class AuditFilterForm(FlaskForm):
    """The audit log's filters, read from the query string (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    actor_id = SelectField(_l("Who"), coerce=optional_int, validate_choice=False, invalid_value_message=NOT_A_CHOICE)
    participant_id = SelectField(_l("About whom"), coerce=optional_int, validate_choice=False,
                                 invalid_value_message=NOT_A_CHOICE)
    action = SelectField(_l("What"), validate_choice=False)
    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("To"), validators=[Optional()])

    def offer(self, staff: list[User], people: list[Participant], actions: list[str]) -> None:
        self.actor_id.choices = [SelectChoice("", _l("Anyone"))] + [
            SelectChoice(user.id, f"{user.name} ({user.username})") for user in staff
        ]
        self.participant_id.choices = [SelectChoice("", _l("Anyone or nobody"))] + [
            SelectChoice(person.id, f"{person.display_name} ({person.id})") for person in people
        ]
        self.action.choices = [SelectChoice("", _l("Anything"))] + [SelectChoice(action, action) for action in actions]

    def filters(self) -> AuditFilters:
        """The valid filters; one that could not be read is left out (and shown as an error)."""
        self.validate()
        return AuditFilters(**{field.name: field.data or None for field in self if not field.errors})
