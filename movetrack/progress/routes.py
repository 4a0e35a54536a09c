"""The supervisor's path: day view (the day room) → participant → module → tap the step.
Three taps."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.auth.policy import (
    Kind,
    allowed,
    assignment_or_404,
    participant_or_404,
)
from movetrack.clock import local_today
from movetrack.idempotency import Saved
from movetrack.mypages.queries import gap_to_talk_about, latest_self_rating, latest_self_steps, self_rating_of
from movetrack.paging import cursor_from_request
from movetrack.participants.models import Assignment
from movetrack.progress import charts, queries, services
from movetrack.progress.forms import CorrectionForm, RatingForm, agreed_value
from movetrack.progress.models import Rating
from movetrack.templating import is_htmx
from movetrack.web import catch_refusal, fragment_or_page

bp = Blueprint("progress", __name__, url_prefix="/day")
staff_only = allowed("change", Kind.PARTICIPANT)


@bp.get("/participants/<int:participant_id>")
@staff_only
def participant_modules(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    audit.record_read(current_user, participant)
    assignments = queries.active_assignments(participant)
    return render_template(
        "progress/participant.html",
        participant=participant,
        assignments=assignments,
        steps=queries.steps_on(assignments),
        self_steps=latest_self_steps(assignment.id for assignment in assignments),
        gap_to_talk_about=gap_to_talk_about,
    )


def _assignment_with_steps(assignment_id: int) -> Assignment:
    return assignment_or_404(current_user, assignment_id, *queries.with_steps_and_pictures())


def _render_rating_panel(assignment: Assignment, form: RatingForm | CorrectionForm,
                         saved: Saved[Rating] | None = None, status: int = 200,
                         error: str | None = None, correcting: Rating | None = None):
    """The step picker: for a new rating, or (`correcting`) for the right step instead of
    a mis-tap. `saved` is what the last tap saved, confirmed at the top of the panel."""
    audit.record_read(current_user, assignment.participant_id)
    context = {
        "assignment": assignment,
        "participant": assignment.participant,
        "version": assignment.module.current_version,
        "current_step": queries.steps_on([assignment])[assignment.id],
        "self_rating": latest_self_rating(assignment),
        "gap_to_talk_about": gap_to_talk_about,
        "form": form,
        "saved": saved,
        "error": error,
        "correcting": correcting,
        "today": local_today(),
    }
    return fragment_or_page("progress/_rating_panel.html", "progress/assignment.html", status,
                            **context)


@bp.get("/assignments/<int:assignment_id>")
@staff_only
def assignment(assignment_id: int):
    assignment = _assignment_with_steps(assignment_id)
    return _render_rating_panel(assignment, RatingForm())


@bp.post("/assignments/<int:assignment_id>/ratings")
@staff_only
def rate(assignment_id: int):
    assignment = _assignment_with_steps(assignment_id)
    form = RatingForm()
    if not form.validate():
        return _render_rating_panel(assignment, form, status=422)
    agrees_with = self_rating_of(assignment, form.agrees_with.data) if form.agrees_with.data else None
    if form.agrees_with.data and agrees_with is None:
        abort(404)  # not this module's own rating
    with catch_refusal() as refused:
        saved = services.record_rating(
            current_user, assignment, form.step.data, form.note.data,
            agreed_value(form.agreed.data), form.rated_on.data, form.request_key.key,
            agrees_with=agrees_with,
        )
    if refused:
        return _render_rating_panel(assignment, form, status=422, error=refused.error)
    return _answer_saved(assignment, saved)


def _answer_saved(assignment: Assignment, saved: Saved[Rating]):
    """The panel again with the confirmation on top and a fresh form (the note and the
    request key belonged to what was just saved); without htmx, the page with a message."""
    if not is_htmx():
        flash(_saved_message(saved), "success")
        return redirect(url_for(".assignment", assignment_id=assignment.id))
    return _render_rating_panel(assignment, RatingForm(formdata=None), saved=saved)


def _saved_message(saved: Saved[Rating]) -> str:
    if saved.already:
        return _("Already saved: step %(step)d. Nothing new was saved.", step=saved.row.step)
    return _("Saved: step %(step)d.", step=saved.row.step)


@bp.route("/assignments/<int:assignment_id>/ratings/<int:rating_id>/fix", methods=["GET", "POST"])
@staff_only
def fix(assignment_id: int, rating_id: int):
    """"Wrong step?" right after a save: tap the right step in the same picker, with the
    reason preset ("wrong tap") and changeable. The typed correction stays in the history."""
    assignment = _assignment_with_steps(assignment_id)
    original = _rating_or_404(assignment, rating_id)
    form = CorrectionForm(reason=_("wrong tap"))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _render_rating_panel(assignment, form, status=status, correcting=original)
    with catch_refusal() as refused:
        saved = services.correct_rating(
            current_user, original, form.step.data, form.reason.data, form.request_key.key
        )
    if refused:
        return _render_rating_panel(assignment, form, status=422, error=refused.error,
                                    correcting=original)
    return _answer_saved(assignment, saved)


# The history's chart draws the latest ratings that count, not all: each is a marker and a
# row of the chart's table, and a tablet page stays under 60 KB (issue 14). Every rating
# is in the paged list below the chart.
CHART_POINTS = 50
HISTORY_PAGE = 30  # ratings a page: a row is about 600 bytes, with its labels for the cards


def _step_chart(assignment: Assignment) -> tuple[charts.StepChart, int]:
    """The module's step over time (the latest CHART_POINTS ratings that count), baseline
    and goal; and how many ratings count in all."""
    counted = queries.counted_steps([assignment.id])[assignment.id]
    chart = charts.step_chart(
        counted[-CHART_POINTS:],
        baseline=queries.baselines([assignment])[assignment.id],
        goal=assignment.goal_step,
    )
    return chart, len(counted)


def _render_history(assignment: Assignment, correcting: Rating | None = None,
                    form: CorrectionForm | None = None, status: int = 200, error=None):
    audit.record_read(current_user, assignment.participant_id)
    chart, counted = _step_chart(assignment)
    return render_template(
        "progress/history.html",
        assignment=assignment,
        participant=assignment.participant,
        ratings=queries.history(
            assignment, cursor_from_request(queries.HISTORY_ORDER), size=HISTORY_PAGE
        ),
        chart=chart,
        counted=counted,
        CHART_POINTS=CHART_POINTS,
        current_step=queries.steps_on([assignment])[assignment.id],
        correcting=correcting,
        form=form,
        error=error,
    ), status


@bp.get("/assignments/<int:assignment_id>/history")
@staff_only
def history(assignment_id: int):
    assignment = assignment_or_404(current_user, assignment_id)
    return _render_history(assignment)


def _rating_or_404(assignment: Assignment, rating_id: int) -> Rating:
    return queries.rating_of(assignment, rating_id) or abort(404)


@bp.route("/assignments/<int:assignment_id>/ratings/<int:rating_id>/correct", methods=["GET", "POST"])
@staff_only
def correct(assignment_id: int, rating_id: int):
    assignment = assignment_or_404(current_user, assignment_id)
    original = _rating_or_404(assignment, rating_id)
    form = CorrectionForm(step=original.step)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return _render_history(assignment, original, form, status)
    with catch_refusal() as refused:
        services.correct_rating(
            current_user, original, form.step.data, form.reason.data, form.request_key.key
        )
    if refused:
        return _render_history(assignment, original, form, 422, refused.error)
    flash(_("The correction is saved. The earlier rating stays in the history."), "success")
    return redirect(url_for(".history", assignment_id=assignment.id))
