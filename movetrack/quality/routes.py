"""The participant answers the month's four questions; the coordinator reads the results
per unit and month and words the unit's own questions."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from movetrack.auth.policy import Kind, Principal, allowed, participant_or_404, unit_or_404
from movetrack.quality import queries, services
from movetrack.quality.forms import AnswerForm, QuestionsForm
from movetrack.quality.models import FACES
from movetrack.web import catch_refusal, form_status

bp = Blueprint("quality", __name__)
own_pages = allowed("change", Kind.OWN_PAGES)
coordinators_only = allowed("change", Kind.ORGANISATION)


@bp.route("/me/questions", methods=["GET", "POST"])
@own_pages
def answer():
    participant = participant_or_404(current_user, Principal.of(current_user).participant_id)
    month = services.this_month()
    earlier = queries.answer_this_month(participant, month)
    form = AnswerForm(data={f"answer_{n}": a for n, a in enumerate(earlier.answers, 1)} if earlier else None)
    if form.validate_on_submit():
        services.answer_month(current_user, participant, form.answers())
        flash(_("Thank you! Your answers are saved. You can change them this month."), "success")
        return redirect(url_for(".answer"))
    questions = queries.questions_of(participant.unit_id)
    return render_template("quality/answer.html", form=form, questions=questions, faces=FACES,
                           month=month, earlier=earlier), form_status(form)


def _month_asked() -> dt.date:
    """?month=2026-11, else this month (anything unreadable is this month too)."""
    try:
        return dt.date.fromisoformat(request.args.get("month", "") + "-01")
    except ValueError:
        return services.this_month()


@bp.get("/units/<int:unit_id>/quality")
@coordinators_only
def results(unit_id: int):
    unit = unit_or_404(current_user, unit_id)
    month = _month_asked()
    return render_template("quality/results.html", unit=unit, month=month, faces=FACES,
                           results=queries.results(unit, month),
                           smallest=queries.SMALLEST_SHOWN)


@bp.route("/units/<int:unit_id>/quality/questions", methods=["GET", "POST"])
@coordinators_only
def questions(unit_id: int):
    unit = unit_or_404(current_user, unit_id)
    current = {f"question_{q.position}_{lang}": q.text(lang) for q in queries.questions_of(unit.id)
               for lang in ("sv", "en")}
    form = QuestionsForm(data=current)
    error = None
    if form.validate_on_submit():
        with catch_refusal(form) as refused:
            services.set_questions(current_user, unit, form.wordings())
        if not refused:
            flash(_("The questions are saved."), "success")
            return redirect(url_for(".results", unit_id=unit.id))
        error = refused.error
    return render_template("quality/questions.html", unit=unit, form=form, error=error), form_status(form, error)
