"""Certificates: staff issue, list, download and revoke them per participant; anyone with
the code verifies one at /verify/<code>, without signing in and rate-limited.

The public pages show only the frozen content (what the paper shows), never the
participant's id, the revocation reason or anything else from the database.
"""

from __future__ import annotations

import datetime as dt
import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.auth.policy import Kind, allowed, certificate_or_404, participant_or_404
from movetrack.certificates import openbadges, queries, services
from movetrack.certificates.forms import IssueForm, RevokeForm, VerifyForm
from movetrack.certificates.models import Certificate
from movetrack.certificates.pdf import Layout, Printable, render_certificate
from movetrack.extensions import db, limiter
from movetrack.input import query_int
from movetrack.media.pictograms import current_locale
from movetrack.modules.translated import frozen_text
from movetrack.participants.models import Participant
from movetrack.progress.queries import steps_on
from movetrack.web import catch_refusal

bp = Blueprint("certificates", __name__)
staff_only = allowed("change", Kind.CERTIFICATE)
admin_only = allowed("change", Kind.REVOCATION)

DEFAULT_VERIFY_LIMIT = "30 per minute"
FILE_STEMS = {"sv": "intyg", "en": "certificate"}


bp.add_app_template_global(services.module_language_note, "module_language_note")
bp.add_app_template_global(frozen_text, "frozen_text")


@bp.app_template_filter("certificate_date")
def certificate_date(iso_day: str) -> str:
    """A date frozen in a certificate's content (ISO text), written out in the page's language."""
    return format_date(dt.date.fromisoformat(iso_day), "long")


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", DEFAULT_VERIFY_LIMIT)


def _language(default: str) -> str:
    """?lang=sv|en when given and known, else the default."""
    requested = request.args.get("lang", "")
    return requested if requested in services.LANGUAGES else default


def _page_language() -> str:
    """The visitor's own choice (the language button) first, then the paper's ?lang."""
    chosen = session.get("lang")
    return chosen if chosen in services.LANGUAGES else _language(current_locale())


def _certificate_or_404(certificate_id: int) -> Certificate:
    """A certificate of a participant in the user's scope (policy decides), else 404; an
    erased person's certificates have nothing left to show."""
    certificate = certificate_or_404(current_user, certificate_id)
    if certificate.redacted:
        abort(404)
    return certificate

# Staff: a participant's certificates ---------------------------------------------------


@bp.get("/participants/<int:participant_id>/certificates")
@staff_only
def index(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    audit.record_read(current_user, participant)
    return render_template(
        "certificates/index.html",
        participant=participant,
        certificates=queries.certificates_of(participant),
    )


def _replaced_or_404(participant: Participant, certificate_id: int | None) -> Certificate | None:
    if certificate_id is None:
        return None
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.participant_id != participant.id:
        abort(404)
    return certificate


def _render_issue_form(participant, form, replaces, preview=None, error=None, status=200):
    audit.record_read(current_user, participant)
    return render_template(
        "certificates/new.html",
        participant=participant,
        form=form,
        replaces=replaces,
        preview=preview,
        error=error,
    ), status


@bp.route("/participants/<int:participant_id>/certificates/new", methods=["GET", "POST"])
@staff_only
def new(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    assignments = queries.rated_assignments(participant)
    form = IssueForm()
    form.offer(assignments, steps_on(assignments))
    if not form.is_submitted():
        replaces = _replaced_or_404(participant, query_int("replaces"))
        form.fill(services.default_choices(participant, assignments), replaces and replaces.id)
        return _render_issue_form(participant, form, replaces)
    replaces = _replaced_or_404(participant, form.replaces.data)
    if not form.validate():
        return _render_issue_form(participant, form, replaces, status=422)
    with catch_refusal(form) as refused:
        if form.issue.data:
            certificate = services.issue_certificate(
                current_user, participant, form.choices(), replaces
            )
        else:
            content = services.build_content(current_user, participant, form.choices())
            return _render_issue_form(participant, form, replaces, preview=content)
    if refused:
        return _render_issue_form(participant, form, replaces, error=refused.error, status=422)
    flash(_("The certificate is issued."), "success")
    return redirect(url_for(".show", certificate_id=certificate.id))


def _render_certificate_page(certificate, revoke_form=None, error=None, status=200):
    audit.record_read(current_user, certificate.participant_id)
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        participant=certificate.participant,
        content=certificate.content,
        verify_url=url_for(".verify", code=certificate.code, _external=True),
        revoke_form=revoke_form or RevokeForm(formdata=None),
        layouts=list(Layout),
        error=error,
    ), status


@bp.get("/certificates/<int:certificate_id>")
@staff_only
def show(certificate_id: int):
    return _render_certificate_page(_certificate_or_404(certificate_id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@admin_only
def revoke(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = RevokeForm()
    if not form.validate():
        return _render_certificate_page(certificate, form, status=422)
    with catch_refusal(form) as refused:
        services.revoke_certificate(current_user, certificate, form.reason.data)
    if refused:
        return _render_certificate_page(certificate, form, error=refused.error, status=422)
    flash(_("The certificate is revoked. Its verification page now says so."), "success")
    return redirect(url_for(".show", certificate_id=certificate.id))


def _verification_url(certificate: Certificate, language: str) -> str:
    """The address the QR code holds; the English paper opens the page in English."""
    extra = {"lang": language} if language != "sv" else {}
    return url_for(".verify", code=certificate.code, _external=True, **extra)


@bp.get("/certificates/<int:certificate_id>/<any(formal, 'easy-read'):layout>.pdf")
@allowed("see", Kind.CERTIFICATE)  # staff, and a participant their own (scope decides)
def download(certificate_id: int, layout: str):
    certificate = _certificate_or_404(certificate_id)
    audit.record_read(current_user, certificate.participant_id)
    language = _language(certificate.content.get("language", "sv"))
    replacement = certificate.replaced_by
    printable = Printable(
        content=certificate.content,
        code=certificate.code,
        content_sha256=certificate.content_sha256,
        verify_url=_verification_url(certificate, language),
        revoked_at=certificate.revoked_at,
        replaced_at=replacement.issued_at if replacement else None,
        replacement_url=_verification_url(replacement, language) if replacement else None,
    )
    pdf = render_certificate(printable, Layout(layout), language)
    response = send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"{FILE_STEMS[language]}-{certificate.id}-{layout}.pdf",
    )
    return response


# Public verification -----------------------------------------------------------------


def _public(body, status: int = 200):
    """No indexing by search engines, and always fresh: a revocation shows at once."""
    response = current_app.make_response((body, status))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_not_found(code: str):
    form = VerifyForm(formdata=None, code=code)
    return _public(render_template("certificates/verify_form.html", form=form, not_found=True), 404)


@bp.get("/verify")
@limiter.limit(_verify_limit)
def verify_form():
    form = VerifyForm(request.args)
    code = (form.code.data or "").strip()
    if code and form.validate():
        return redirect(url_for(".verify", code=code))
    return _public(render_template("certificates/verify_form.html", form=form, not_found=False))


@bp.get("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    with force_locale(_page_language()):
        certificate = queries.certificate_by_code(code)
        if certificate is None:
            return _render_not_found(code)
        audit.record_read(current_user, certificate.participant_id)  # someone holding the code: an employer
        intact = certificate.redacted or services.content_intact(certificate)
        if not intact:
            current_app.logger.error(
                "certificate %s: content does not match its hash", certificate.id
            )
        page = render_template(
            "certificates/verify.html",
            certificate=certificate,
            content=certificate.content,
            intact=intact,
            replacement=certificate.replaced_by,
        )
    return _public(page)


@bp.get("/verify/<code>/badge.json")
@limiter.limit(_verify_limit)
def badge(code: str):
    certificate = queries.certificate_by_code(code)
    if certificate is None:
        return _public(jsonify(error="not found"), 404)
    audit.record_read(current_user, certificate.participant_id)
    revoked = certificate.revoked or certificate.redacted
    if revoked or not services.content_intact(certificate):
        return _public(jsonify(error="revoked" if revoked else "not verifiable"), 410)
    credential = openbadges.open_badge_credential(
        certificate,
        badge_url=url_for(".badge", code=code, _external=True),
        verify_url=url_for(".verify", code=code, _external=True),
        issuer_url=url_for(".verify_form", _external=True),
    )
    response = _public(jsonify(credential))
    response.mimetype = "application/ld+json"
    return response
