"""Forms parse and check the shape of input; the rules live in services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from movetrack.certificates.services import MAX_REASON_LENGTH, IssueChoices, is_health_module
from movetrack.forms import DATE_MESSAGE, DayField, MultiCheckboxField
from movetrack.i18n import lazy_text
from movetrack.input import BoundedIntegerField
from movetrack.participants.models import Assignment

LANGUAGE_CHOICES = [SelectChoice("sv", _l("Swedish")), SelectChoice("en", _l("English"))]


class IssueForm(FlaskForm):
    """Two buttons: Preview shows what will be frozen; Issue freezes it."""

    period_start = DayField(_l("First day of the period"), validators=[InputRequired(DATE_MESSAGE)])
    period_end = DayField(_l("Last day of the period"), validators=[InputRequired(DATE_MESSAGE)])
    modules = MultiCheckboxField(
        _l("Modules"),
        coerce=int,
        invalid_choice_message=_l("Choose among the listed modules."),
    )
    include_pictures = BooleanField(_l("Pictures in the easy-read version"))
    participant_agreed = BooleanField(
        _l("The participant has agreed to what the certificate shows")
    )
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="sv")
    replaces = BoundedIntegerField(widget=HiddenInput(), validators=[Optional()])
    preview = SubmitField(_l("Preview"))
    issue = SubmitField(_l("Issue the certificate"))

    def offer(self, assignments: list[Assignment], steps_now: dict[int, int | None]) -> None:
        """The modules to choose from; health ones are listed apart, under a warning."""
        self.health_module_ids = {a.id for a in assignments if is_health_module(a)}
        self.modules.choices = [
            SelectChoice(
                a.id,
                lazy_text(
                    "%(module)s (step %(step)s now)",
                    module=a.module.title,
                    step=steps_now.get(a.id) or "–",
                ),
            )
            for a in assignments
        ]

    def fill(self, choices: IssueChoices, replaces_id: int | None) -> None:
        """Defaults for a first visit (nothing submitted yet)."""
        self.period_start.data = choices.period_start
        self.period_end.data = choices.period_end
        self.modules.data = list(choices.assignment_ids)
        self.include_pictures.data = choices.include_pictures
        self.language.data = choices.language
        self.replaces.data = replaces_id

    def choices(self) -> IssueChoices:
        return IssueChoices(
            period_start=self.period_start.data,
            period_end=self.period_end.data,
            assignment_ids=tuple(self.modules.data or ()),
            include_pictures=bool(self.include_pictures.data),
            language=self.language.data,
            participant_agreed=bool(self.participant_agreed.data),
        )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is it revoked? (only staff see this)"),
        validators=[
            InputRequired(_l("Write why the certificate is revoked.")),
            Length(max=MAX_REASON_LENGTH),
        ],
    )


class VerifyForm(FlaskForm):
    """Typing a code from the paper; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[Optional(), Length(max=200)])
