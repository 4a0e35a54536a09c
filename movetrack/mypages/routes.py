"""The participant's side: signing in with the card, their steps in pictures, their own
rating; and the staff pages that issue a card and open a locked one."""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from movetrack import audit
from movetrack.auth.policy import Kind, Principal, allowed, assignment_or_404, participant_or_404
from movetrack.certificates.queries import certificates_of
from movetrack.extensions import limiter
from movetrack.i18n import in_participant_language
from movetrack.input import query_int
from movetrack.modules import translated
from movetrack.mypages import queries, services
from movetrack.mypages.card import render_card
from movetrack.mypages.forms import CardForm, GiveBackForm, PicturesForm, PinForm, SelfRatingForm
from movetrack.mypages.models import ParticipantCredential
from movetrack.mypages.session import SignedInParticipant, end_idle_participant_mode, hand_over, take_back
from movetrack.participants.models import Assignment, Participant
from movetrack.progress import queries as progress_queries
from movetrack.rules import RuleViolation
from movetrack.web import catch_refusal, form_status

bp = Blueprint("mypages", __name__)
own_pages = allowed("see", Kind.OWN_PAGES)
staff_only = allowed("change", Kind.PARTICIPANT)
bp.before_app_request(end_idle_participant_mode)


# Signing in with the card ----------------------------------------------------------------


def _sign_in_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _card_tried() -> str:
    # A second limit per card slows guessing a PIN from many addresses.
    return "card:" + services.token_hash(request.view_args.get("token", ""))


def _render_sign_in(credential: ParticipantCredential, pin_form: PinForm, pictures_form: PicturesForm,
                    error=None, status: int = 200):
    error = error or (services.LOCKED if credential.locked else None)
    return render_template("mypages/sign_in.html", participant=credential.participant, credential=credential,
                           pin_form=pin_form, pictures_form=pictures_form, error=error), status


@bp.route("/card/<token>", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
@limiter.limit(_sign_in_limit, methods=["POST"], key_func=_card_tried)
def card_sign_in(token: str):
    credential = services.card_holder(token)
    if credential is None:  # replaced, revoked, guessed or mistyped: all look the same
        return render_template("mypages/card_unknown.html"), 404
    with in_participant_language(credential.participant.language):  # the card is theirs
        return _sign_in_on_card(credential)


def _sign_in_on_card(credential: ParticipantCredential):
    pin_form, pictures_form = PinForm(), PicturesForm()
    if request.method == "GET":
        return _render_sign_in(credential, pin_form, pictures_form)
    with_pin = "pin" in request.form
    form = pin_form if with_pin else pictures_form
    if not form.validate():
        return _render_sign_in(credential, pin_form, pictures_form, status=422)
    try:
        signed_in = (services.sign_in(credential, pin=pin_form.pin.data) if with_pin
                     else services.sign_in(credential, pictures=pictures_form.sequence()))
    except RuleViolation as violation:  # locked
        return _render_sign_in(credential, pin_form, pictures_form, violation.message, 403)
    if not signed_in:
        # 200, not 4xx: the failed attempt is counted (and may lock the card), so it must be kept.
        wrong = _("Wrong PIN. Try again.") if with_pin else _("Wrong pictures. Try again.")
        return _render_sign_in(credential, pin_form, pictures_form, None if credential.locked else wrong)
    take_back()  # whoever used this browser before
    logout_user()
    login_user(SignedInParticipant.on_card(credential))
    return redirect(url_for(".home"))


# The participant's own pages -------------------------------------------------------------


def _me() -> Participant:
    return participant_or_404(current_user, Principal.of(current_user).participant_id)


@bp.get("/me/")
@own_pages
def home():
    participant = _me()
    assignments = progress_queries.active_assignments(participant, *queries.with_texts_and_pictures())
    return render_template(
        "mypages/home.html",
        participant=participant,
        assignments=assignments,
        texts={a.id: translated.in_language(a.module.current_version, participant.language) for a in assignments},
        steps=progress_queries.steps_on(assignments),
        self_steps=queries.latest_self_steps(a.id for a in assignments),
        reached=queries.steps_reached(assignments),
        certificates=[c for c in certificates_of(participant) if not c.revoked and c.replaced_by is None],
    )


@bp.get("/me/looks")
@own_pages
def looks():
    """Who has looked at my information (GDPR: the right of access): when, who, which page."""
    participant = _me()
    rows, next_before = queries.looks_at(participant.id, query_int("before"))
    return render_template("mypages/looks.html", participant=participant, rows=rows, next_before=next_before,
                           actor_label=audit.actor_label, page_label=audit.page_label)


def _own_assignment(assignment_id: int) -> Assignment:
    """One of the participant's own modules; any other id is a 404 (scope answers)."""
    return assignment_or_404(current_user, assignment_id, *queries.with_texts_and_pictures())


def _render_module(assignment: Assignment, form: SelfRatingForm, error=None, status: int = 200):
    return render_template(
        "mypages/module.html",
        assignment=assignment,
        participant=assignment.participant,
        version=translated.in_language(assignment.module.current_version, assignment.participant.language),
        current_step=progress_queries.steps_on([assignment])[assignment.id],
        self_step=queries.latest_self_steps([assignment.id]).get(assignment.id),
        form=form,
        error=error,
    ), status


@bp.get("/me/modules/<int:assignment_id>")
@own_pages
def module(assignment_id: int):
    return _render_module(_own_assignment(assignment_id), SelfRatingForm.fresh())


@bp.post("/me/modules/<int:assignment_id>/ratings")
@own_pages
def rate(assignment_id: int):
    assignment = _own_assignment(assignment_id)
    form = SelfRatingForm()
    if not form.validate():
        error = (form.step.errors or form.request_key.errors)[0]
        return _render_module(assignment, SelfRatingForm.fresh(), error, 422)
    with catch_refusal() as refused:
        rating, new = services.record_self_rating(current_user, assignment, form.step.data, form.request_key.data)
    if refused:
        return _render_module(assignment, SelfRatingForm.fresh(), refused.error, 422)
    if new:
        flash(_("Saved. You think you are at step %(step)d.", step=rating.step), "success")
    else:
        flash(services.ALREADY_SAVED, "success")
    return redirect(url_for(".module", assignment_id=assignment.id))


# Participant mode: a supervisor's tablet handed to one participant ----------------------


@bp.post("/participants/<int:participant_id>/hand-over")
@staff_only
def hand_over_tablet(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    services.start_participant_mode(current_user, participant)
    hand_over(participant)
    return redirect(url_for(".home"))


@bp.route("/me/give-back", methods=["GET", "POST"])
@own_pages
@limiter.limit(_sign_in_limit, methods=["POST"])
def give_back():
    supervisor = Principal.of(current_user).user
    if supervisor is None:  # signed in on their own card: there is no tablet to give back
        abort(404)
    participant = _me()
    form = GiveBackForm()
    if form.validate_on_submit():
        if services.end_participant_mode(supervisor, form.password.data, participant):
            take_back()
            return redirect(url_for("progress.participant_modules", participant_id=participant.id))
        form.password.errors.append(_("That is not the supervisor's password."))
    return render_template("mypages/give_back.html", form=form, participant=participant), form_status(form)


# Staff: the card -------------------------------------------------------------------------


def _render_card_page(participant: Participant, form: CardForm, error=None, status: int = 200):
    audit.record_read(current_user, participant)
    return render_template("mypages/card.html", participant=participant, form=form, error=error,
                           credential=services.credential_of(participant)), status


@bp.route("/participants/<int:participant_id>/card", methods=["GET", "POST"])
@staff_only
def card(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    form = CardForm()
    if not form.validate_on_submit():
        return _render_card_page(participant, form, status=form_status(form))
    with catch_refusal(form) as refused:
        token = services.issue_card(current_user, participant, form.pin.data or None, form.sequence())
    if refused:
        return _render_card_page(participant, form, refused.error, 422)
    pdf = render_card(participant, url_for(".card_sign_in", token=token, _external=True))
    # Signed in, so security.py sends it `private, no-store`: the card opens a person's pages.
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"card-{participant.id}.pdf")


@bp.post("/participants/<int:participant_id>/card/unlock")
@staff_only
def unlock(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    with catch_refusal() as refused:
        services.unlock_card(current_user, participant)
    if refused:
        return _render_card_page(participant, CardForm(formdata=None), refused.error, 422)
    flash(_("The card is open again."), "success")
    return redirect(url_for(".card", participant_id=participant.id))


@bp.post("/participants/<int:participant_id>/card/stop")
@staff_only
def stop(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    with catch_refusal() as refused:
        services.stop_card(current_user, participant)
    if refused:
        return _render_card_page(participant, CardForm(formdata=None), refused.error, 422)
    flash(_("The card is stopped. It no longer opens anything."), "success")
    return redirect(url_for(".card", participant_id=participant.id))
