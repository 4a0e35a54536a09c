"""A coordinator's privacy pages: a participant's personal data (export as JSON or PDF,
erasure on request with a reason, confirmed first) and who is due for erasure after the
retention period. Every export is in the audit log."""

from __future__ import annotations

import io
import json

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.auth.policy import Kind, allowed, participant_or_404
from movetrack.clock import local_today, utcnow
from movetrack.privacy import queries, services
from movetrack.privacy.export import personal_data
from movetrack.privacy.export_pdf import render_export
from movetrack.privacy.forms import EraseForm
from movetrack.web import catch_refusal

bp = Blueprint("privacy", __name__, url_prefix="/privacy")
admin_only = allowed("change", Kind.PERSONAL_DATA)


@bp.get("/participants/<int:participant_id>")
@admin_only
def personal_data_page(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    return _render(participant, EraseForm(formdata=None))


def _render(participant, form, error=None, status=200):
    audit.record_read(current_user, participant)
    return render_template(
        "privacy/participant.html", participant=participant, form=form, error=error,
        redaction=queries.redaction_of(participant),
    ), status


def _exported(participant, file_format: str) -> dict:
    """The data, with the export itself in the audit log (who, whom, which format, from where),
    beside the read every page about the person leaves (so the person sees it among the looks)."""
    audit.record_read(current_user, participant)
    audit.record(current_user, "participant.exported", participant, participant.id,
                 format=file_format, address=request.remote_addr)
    return personal_data(participant)


@bp.get("/participants/<int:participant_id>/export.json")
@admin_only
def export_json(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    body = json.dumps(_exported(participant, "json"), ensure_ascii=False, indent=2)
    return _download(body.encode(), "application/json", f"participant-{participant.id}.json")


@bp.get("/participants/<int:participant_id>/export.pdf")
@admin_only
def export_pdf(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    pdf = render_export(_exported(participant, "pdf"), participant.display_name, utcnow())
    return _download(pdf, "application/pdf", f"participant-{participant.id}.pdf")


def _download(data: bytes, mimetype: str, name: str):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # personal data stays out of caches
    return response


@bp.post("/participants/<int:participant_id>/erase")
@admin_only
def erase(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    form = EraseForm()
    if not form.validate():
        return _render(participant, form, status=422)
    with catch_refusal(form) as refused:
        services.erase_participant(current_user, participant, form.reason.data)
    if refused:
        return _render(participant, form, error=refused.error, status=422)
    flash(_("The participant is erased. Their figures still count in the statistics."), "success")
    return redirect(url_for(".personal_data_page", participant_id=participant_id))


@bp.get("/due")
@admin_only
def due():
    years = current_app.config["RETENTION_YEARS_AFTER_EXIT"]
    cutoff = queries.retention_cutoff(local_today(), years)
    people = queries.due_for_erasure(cutoff, current_user)
    audit.record_read(current_user, [person.participant for person in people])
    return render_template("privacy/due.html", due=people, years=years, cutoff=cutoff, active_page="due")
