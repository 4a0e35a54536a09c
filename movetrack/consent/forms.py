"""Forms parse and check the shape of input; the rules live in services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from movetrack.auth.policy import SHARE_LABELS, Share
from movetrack.clock import local_today
from movetrack.consent.services import OTHER_PARTY_MAX_LENGTH
from movetrack.forms import DayField, MultiCheckboxField
from movetrack.org.models import OrderingUnit

OTHER_PARTY = "other"


class ConsentForm(FlaskForm):
    party = SelectField(
        _l("Who may see it"),
        invalid_choice_message=_l("Choose one of the listed parties."),
    )
    other_party = StringField(
        _l("Name of the other party"),
        validators=[Optional(), Length(max=OTHER_PARTY_MAX_LENGTH)],
        render_kw={"autocomplete": "off"},
    )
    shares = MultiCheckboxField(
        _l("What it may see"),
        choices=[SelectChoice(share.value, label) for share, label in SHARE_LABELS.items()],
        invalid_choice_message=_l("Choose among the listed parts."),
    )
    given_on = DayField(_l("Given on"), validators=[Optional()], default=local_today)

    def offer_parties(self, ordering_units: list[OrderingUnit]) -> None:
        self.party.choices = (
            [SelectChoice("", _l("Choose who may see it"))]
            + [SelectChoice(str(unit.id), unit.name, optgroup=_l("Ordering units"))
               for unit in ordering_units]
            + [SelectChoice(OTHER_PARTY, _l("Another party (write its name below)"))]
        )

    def service_data(self) -> dict:
        """The values as consent.services.give_consent takes them."""
        party = self.party.data or ""
        return {
            "ordering_unit_id": int(party) if party.isdigit() else None,
            "other_party": self.other_party.data,
            "shares": [Share(value) for value in self.shares.data or []],
            "given_on": self.given_on.data,
        }


class WithdrawForm(FlaskForm):
    """One per consent in force on the page, each with its own prefix (unique ids)."""

    class Meta:
        csrf = False  # CSRFProtect checks the page's plain csrf_token on every POST

    withdrawn_on = DayField(_l("Withdrawn on"), validators=[Optional()], default=local_today)
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional()])
    # A withdrawal cannot be undone (a new consent is a new row): it is confirmed first.
    confirmed = BooleanField(
        _l("Yes: the person has withdrawn this consent"),
        validators=[DataRequired(_l("Tick that the person has withdrawn this consent. "
                                    "Nothing is withdrawn until you do."))],
    )

    @staticmethod
    def prefix_for(consent_id: int) -> str:
        return f"withdraw-{consent_id}"
