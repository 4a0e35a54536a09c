"""Consent: what each party may see about a participant, given and withdrawn. Staff only,
each within their units; the page shows what is shared now and the whole history."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.auth.policy import SHARE_LABELS, Kind, allowed, participant_or_404
from movetrack.consent import queries, services
from movetrack.consent.forms import ConsentForm, WithdrawForm
from movetrack.consent.models import Consent
from movetrack.org.queries import ordering_units_of
from movetrack.participants.models import Participant
from movetrack.placements.models import Placement
from movetrack.web import catch_refusal

bp = Blueprint("consent", __name__)
staff_only = allowed("change", Kind.PARTICIPANT)

def _withdraw_forms(consents: list[Consent], submitted: WithdrawForm | None, submitted_id: int | None):
    """A withdrawal form for each consent in force; the one just submitted keeps its input."""
    return {
        consent.id: submitted if consent.id == submitted_id else WithdrawForm(
            formdata=None, prefix=WithdrawForm.prefix_for(consent.id)
        )
        for consent in consents
        if consent.withdrawn_on is None
    }


def _consent_form(**kwargs) -> ConsentForm:
    form = ConsentForm(**kwargs)
    form.offer_parties(ordering_units_of(current_user))
    return form


def _render_index(participant: Participant, form: ConsentForm, status: int = 200, error=None,
                  withdraw_form: WithdrawForm | None = None, withdraw_id: int | None = None,
                  withdraw_error=None, placement: Placement | None = None):
    audit.record_read(current_user, participant)
    consents = queries.consents_of(participant)
    return render_template(
        "consent/index.html",
        participant=participant,
        placement=placement or queries.open_placement_of(participant),
        consents=consents,
        form=form,
        error=error,
        withdraw_forms=_withdraw_forms(consents, withdraw_form, withdraw_id),
        withdraw_id=withdraw_id,
        withdraw_error=withdraw_error,
        SHARE_LABELS=SHARE_LABELS,
    ), status


@bp.route("/participants/<int:participant_id>/consent", methods=["GET", "POST"])
@staff_only
def index(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    form = _consent_form()
    if not form.is_submitted():
        placement = queries.open_placement_of(participant)
        if placement:  # consent is mostly recorded at intake, for the unit that ordered
            form.party.data = str(placement.ordering_unit_id)
        return _render_index(participant, form, placement=placement)
    if not form.validate():
        return _render_index(participant, form, 422)
    with catch_refusal(form) as refused:
        consent = services.give_consent(current_user, participant, **form.service_data())
    if refused:
        return _render_index(participant, form, 422, refused.error)
    party = consent.ordering_unit.name if consent.ordering_unit else consent.other_party
    flash(_("The consent to %(party)s is recorded.", party=party), "success")
    return redirect(url_for(".index", participant_id=participant.id))


@bp.post("/participants/<int:participant_id>/consent/<int:consent_id>/withdraw")
@staff_only
def withdraw(participant_id: int, consent_id: int):
    participant = participant_or_404(current_user, participant_id)
    consent = queries.consent_of(participant, consent_id) or abort(404)
    form = WithdrawForm(prefix=WithdrawForm.prefix_for(consent.id))

    def sent_back(error=None):
        return _render_index(participant, _consent_form(formdata=None), 422, withdraw_form=form,
                             withdraw_id=consent.id, withdraw_error=error)

    # A consent withdrawn meanwhile has no form on the page: the service says so instead.
    if consent.withdrawn_on is None and not form.validate():
        return sent_back()
    with catch_refusal(form) as refused:
        services.withdraw_consent(current_user, consent, form.withdrawn_on.data, form.reason.data)
    if refused:
        return sent_back(refused.error)
    flash(_("The consent is withdrawn. From now on nothing more is shown under it."), "success")
    return redirect(url_for(".index", participant_id=participant.id))
