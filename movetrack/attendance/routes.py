"""Attendance: the one-tap check-in on the day view, a placement's attendance month with
corrections, and the monthly report per ordering unit (screen, print, CSV). Staff only,
each within their units."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.attendance import queries, services
from movetrack.attendance.export import missing_code, report_csv, status_code
from movetrack.attendance.forms import CheckInForm, DayForm, ReportForm, parse_month
from movetrack.attendance.models import ATTENDANCE_LABELS
from movetrack.attendance.queries import Month
from movetrack.attendance.report import month_report
from movetrack.attendance.roster import day_roster
from movetrack.attendance.services import ChangedMeanwhile
from movetrack.auth.policy import Kind, allowed
from movetrack.clock import local_today
from movetrack.day.view import render_unit_day
from movetrack.org.queries import ordering_units_of
from movetrack.placements.models import Placement
from movetrack.placements.queries import placement_or_404
from movetrack.rules import RuleViolation
from movetrack.templating import is_htmx, weekday_name
from movetrack.web import show_violation

# No prefix: the check-in and the report live under /attendance, a placement's attendance
# under the placement (/placements/<id>/attendance).
bp = Blueprint("attendance", __name__)
staff_only = allowed("change", Kind.PARTICIPANT)

# What every attendance template may use to show a status in words and in short.
LABELS = {
    "ATTENDANCE_LABELS": ATTENDANCE_LABELS,
    "status_code": status_code,
    "missing_code": missing_code,
    "format_percent": format_percent,
    "weekday_name": weekday_name,
}


@bp.post("/attendance/check-in")
@staff_only
def check_in():
    """A tap on a person's tile: "Here", or another status from the tile's menu."""
    form = CheckInForm()
    placement = placement_or_404(current_user, form.placement_id.data) if form.placement_id.data else abort(404)
    problem = _first_error(form) if not form.validate() else None
    saved = None
    if problem is None:
        try:
            saved = services.record_attendance(
                current_user, placement, form.on_date.data, form.status.data,
                form.hours.data, form.version.data, form.request_key.key,
            )
        except RuleViolation as violation:
            problem = violation
    status = 200 if problem is None else 422
    if is_htmx():
        roster = day_roster(current_user, placement.unit, local_today())
        return render_template(
            "attendance/_tile_response.html", roster=roster, entry=roster.entry(placement.id),
            problem=problem, form=form, already_saved=saved and saved.already, **LABELS,
        ), status
    if problem is None:
        flash(_("Already saved: attendance for %(name)s. Nothing new was saved.",
                name=placement.participant.display_name) if saved.already else
              _("Saved: attendance for %(name)s.", name=placement.participant.display_name),
              "success")
        return redirect(url_for("day.unit_day", unit_id=placement.unit_id), 303)
    return render_unit_day(placement.unit, feedback={placement.id: (problem, form)}, status=status)


def _first_error(form) -> RuleViolation:
    """A form's first error as a RuleViolation, so one template shows both alike."""
    name, messages = next(iter(form.errors.items()))
    return RuleViolation(messages[0], field=name)


@bp.route("/placements/<int:placement_id>/attendance", methods=["GET", "POST"])
@staff_only
def placement(placement_id: int):
    """A placement's attendance, a month at a time, with every change attributed; the form
    records a missed day or corrects one."""
    placement = placement_or_404(current_user, placement_id)
    audit.record_read(current_user, placement.participant_id)
    today = local_today()
    try:
        month = parse_month(request.args.get("month"), Month.of(today))
    except ValueError:
        abort(404)
    form = DayForm()
    if request.method == "GET":
        _prefill(form, placement, request.args.get("day"))
    problem = None
    if form.validate_on_submit():
        try:
            services.record_attendance(
                current_user, placement, form.on_date.data, form.status.data,
                form.hours.data, form.version.data, form.request_key.key,
            )
        except RuleViolation as violation:
            problem = _place(form, violation)
        else:
            flash(_("Saved: %(date)s.", date=format_date(form.on_date.data, "long")), "success")
            return redirect(url_for(".placement", placement_id=placement.id,
                                    month=str(Month.of(form.on_date.data))), 303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "attendance/placement.html",
        placement=placement,
        month=month,
        today=today,
        days=queries.placement_month(placement, month, today),
        month_figures=queries.placement_figures(placement, month.first, month.last, today),
        all_figures=queries.placement_figures(placement, placement.start_date, today, today),
        form=form,
        problem=problem,
        **LABELS,
    ), status


def _prefill(form: DayForm, placement: Placement, day_text: str | None) -> None:
    """"Change" on a day's row opens the form on that day, with what it says now."""
    try:
        day = dt.date.fromisoformat(day_text) if day_text else None
    except ValueError:
        day = None
    if day is None:
        return
    form.on_date.data = day
    record = queries.day_record(placement, day)
    if record:  # a record taken away has no status, but its version counts
        form.status.data, form.hours.data, form.version.data = (
            record.status and record.status.value, record.hours, record.version,
        )


def _place(form, violation: RuleViolation) -> RuleViolation | None:
    """Put a message beside its field; return the violation when it belongs to the page
    (no field, or a change made meanwhile, which shows both versions)."""
    if isinstance(violation, ChangedMeanwhile) or show_violation(form, violation) is not None:
        return violation
    return None


@bp.get("/attendance/report")
@staff_only
def report():
    """The monthly attendance report per ordering unit and participant, as the employment
    service and social services ask for it; printed from the browser (print CSS)."""
    form, chosen = _report_form()
    return _render_report(form, chosen)


@bp.get("/attendance/report.csv", endpoint="report_csv")
@staff_only
def report_as_csv():
    form, chosen = _report_form()
    if not chosen:
        return _render_report(form, chosen)
    month, ordering_unit_id = chosen
    filename = f"attendance-{month}" + (f"-{ordering_unit_id}" if ordering_unit_id else "")
    return Response(
        report_csv(_sections(month, ordering_unit_id), month),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def _report_form() -> tuple[ReportForm, tuple[Month, int | None] | None]:
    form = ReportForm(formdata=request.args)
    form.offer(ordering_units_of(current_user))
    return form, form.chosen()


def _render_report(form: ReportForm, chosen: tuple[Month, int | None] | None):
    return render_template(
        "attendance/report.html",
        form=form,
        month=chosen[0] if chosen else None,
        sections=_sections(*chosen) if chosen else [],
        today=local_today(),
        codes=[(status_code(status), label) for status, label in ATTENDANCE_LABELS.items()],
        **LABELS,
    ), (200 if chosen else 422)


def _sections(month: Month, ordering_unit_id: int | None):
    """The report's rows, page and CSV alike: a read of everyone in it."""
    sections = month_report(current_user, month, ordering_unit_id, local_today())
    audit.record_read(current_user, [row.placement.participant_id for section in sections for row in section.rows])
    return sections
