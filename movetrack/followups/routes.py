"""Intake in the three-party meeting, the action plan, follow-ups and their meeting pack,
and a unit's placement settings. Staff only, each within their units; settings for
admins. Routes parse, authorise, call a service and render."""

from __future__ import annotations

import datetime as dt

from babel.dates import get_day_names
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.auth.policy import (
    Kind,
    allowed,
    unit_or_404,
    units_in_scope,
)
from movetrack.clock import local_today
from movetrack.conflicts import EditConflict
from movetrack.followups import intake_services, plan_services, queries, schedule, services
from movetrack.followups.forms import (
    AfterExitForm,
    EditGoalForm,
    FollowUpForm,
    GoalForm,
    GoalModuleForm,
    IntakeForm,
    ScheduleChangeForm,
    UnitSettingsForm,
)
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.input import query_int
from movetrack.participants.models import AssignmentStatus
from movetrack.participants.queries import (
    assignable_modules,
    assignments_of,
    workstations_of,
)
from movetrack.placements.models import (
    OUTCOME_LABELS,
    PLACEMENT_STATUS_LABELS,
    PURPOSE_LABELS,
    Placement,
    PlacementStatus,
)
from movetrack.placements.queries import placement_or_404
from movetrack.progress.charts import module_distances
from movetrack.progress.queries import baselines, steps_on
from movetrack.rules import RuleViolation
from movetrack.web import catch_refusal, form_status, show_violation

bp = Blueprint("followups", __name__)
staff_only = allowed("change", Kind.PLACEMENT)
admin_only = allowed("change", Kind.ORGANISATION)


@bp.context_processor
def summary_helpers() -> dict:
    """Frozen summaries keep dates as ISO strings; schedules name weekdays (Monday = 0)."""
    return {
        "format_percent": format_percent,
        "iso_date": dt.date.fromisoformat,
        "weekday_names": get_day_names("wide", locale=get_locale()),
    }


@bp.app_template_filter("follow_up_label")
def follow_up_label(label: str) -> str:
    """{{ follow_up.label|follow_up_label }}: "3 weeks" in the reader's language."""
    return schedule.label_text(label)


# The weekly schedule's rows carry only their own errors; a rule about it all goes on top.
WHOLE_SCHEDULE = ("schedule",)


def _stale(hidden_field) -> str | None:
    """A form without the version it was built from cannot be checked for conflicts."""
    return hidden_field.errors[0] if hidden_field.errors else None

# --- intake ---------------------------------------------------------------------------------


def _intake_defaults(placement: Placement) -> dict:
    """What the meeting most likely looks like: the people of the order, the requested
    start, the participant's workstation."""
    people = [placement.participant.name, current_user.name]
    if placement.case_worker:
        people.insert(1, f"{placement.case_worker.name} ({placement.ordering_unit.name})")
    hours = {day.weekday: day.hours for day in placement.schedule}
    return {
        "version": placement.version,
        "intake_attendees": ", ".join(people),
        "start_date": placement.requested_start,
        "workstation_id": placement.workstation_id or placement.participant.workstation_id,
        "schedule": [{"works": day in hours, "hours": hours.get(day)} for day in range(7)],
    }


def _render_intake(placement: Placement, form: IntakeForm | None, status: int = 200,
                   error: str | None = None, schedule_error: str | None = None,
                   conflict: EditConflict | None = None):
    audit.record_read(current_user, placement.participant_id)
    settings = queries.settings_for(placement.unit_id)
    has = {  # what the placement has, or will take in at intake
        assignment.module_id for assignment in assignments_of(placement.participant)
        if assignment.placement_id in (None, placement.id)
        and assignment.status == AssignmentStatus.ACTIVE
    }
    if form is not None:
        form.name_the_days()
        form.offer_workstations(
            workstations_of([placement.unit_id], keep_id=placement.workstation_id)
        )
    return render_template(
        "followups/intake.html",
        placement=placement,
        form=form,
        settings=settings,
        intro_to_assign=[m for m in settings.intro_modules if m.id not in has],
        intro_already=[m for m in settings.intro_modules if m.id in has],
        status_label=PLACEMENT_STATUS_LABELS[placement.status],
        error=error,
        schedule_error=schedule_error,
        conflict=conflict,
    ), status


@bp.route("/placements/<int:placement_id>/intake", methods=["GET", "POST"])
@staff_only
def intake(placement_id: int):
    placement = placement_or_404(current_user, placement_id)
    if placement.status not in services.INTAKE_FROM and request.method == "GET":
        return _render_intake(placement, None)  # the intake as it was, or why there is none
    form = IntakeForm(data=_intake_defaults(placement)) if request.method == "GET" else IntakeForm()
    if not form.validate_on_submit():
        return _render_intake(placement, form, form_status(form), _stale(form.version))
    try:
        intake_services.record_intake(current_user, placement, form.service_data())
    except EditConflict as conflict:
        form.version.data = conflict.version
        return _render_intake(placement, form, 422, conflict=conflict)
    except RuleViolation as violation:
        schedule_error = violation.message if violation.field == "schedule" else None
        return _render_intake(placement, form, 422, show_violation(form, violation, at_top=WHOLE_SCHEDULE),
                              schedule_error)
    flash(
        _("The intake is saved: %(name)s starts on %(date)s. Next, write the action plan.",
          name=placement.participant.display_name, date=format_date(placement.start_date)),
        "success",
    )
    return redirect(url_for(".plan", placement_id=placement.id))


# --- changing the schedule -------------------------------------------------------------------


@bp.route("/placements/<int:placement_id>/schedule", methods=["GET", "POST"])
@staff_only
def schedule_change(placement_id: int):
    """The placement's weekly schedules, and a new one from a day on while it is active."""
    placement = placement_or_404(current_user, placement_id)
    audit.record_read(current_user, placement.participant_id)
    today = local_today()
    current = placement.schedule_on(today)
    hours = current.hours if current else {}
    form = ScheduleChangeForm(data={
        "valid_from": today,
        "schedule": [{"works": day in hours, "hours": hours.get(day)} for day in range(7)],
    }) if request.method == "GET" else ScheduleChangeForm()
    form.name_the_days()
    error = schedule_error = None
    if form.validate_on_submit():
        try:
            intake_services.change_schedule(
                current_user, placement, form.valid_from.data, form.service_data()["schedule"]
            )
        except RuleViolation as violation:
            schedule_error = violation.message if violation.field == "schedule" else None
            error = None if schedule_error else show_violation(form, violation)
        else:
            flash(_("The new schedule applies from %(date)s. The earlier schedule is kept for "
                    "the days before.", date=format_date(form.valid_from.data)), "success")
            return redirect(url_for("placements.show", placement_id=placement.id))
    return render_template(
        "followups/schedule.html", placement=placement, form=form, today=today, error=error,
        schedule_error=schedule_error, PLACEMENT_STATUS_LABELS=PLACEMENT_STATUS_LABELS,
    ), 422 if form.is_submitted() else 200


# --- a unit's settings ----------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/placement-settings", methods=["GET", "POST"])
@admin_only
def settings(unit_id: int):
    unit = unit_or_404(current_user, unit_id)
    current = queries.settings_for(unit.id)
    form = UnitSettingsForm(data={
        "intro_module_keys": [module.key for module in current.intro_modules],
        "follow_up_schedule": schedule.text_of(current.follow_up_schedule.codes),
        "exit_questions": "\n".join(current.exit_questions),
    })
    form.offer_modules(assignable_modules())
    error = None
    if form.validate_on_submit():
        with catch_refusal(form, at_top=WHOLE_SCHEDULE) as refused:
            services.save_unit_settings(
                current_user, unit, form.intro_module_keys.data or [],
                form.follow_up_schedule.data, form.exit_questions.data,
            )
        if refused:
            error = refused.error
        else:
            flash(_("The settings of %(unit)s are saved.", unit=unit.name), "success")
            return redirect(url_for(".settings", unit_id=unit.id))
    return render_template(
        "followups/settings.html", unit=unit, form=form, saved=current.saved, error=error,
        default_schedule=schedule.text_of(schedule.DEFAULT_SCHEDULE),
    ), form_status(form)


# --- the action plan ------------------------------------------------------------------------


def _link_form(goal_id: int, assignments, formdata=None) -> GoalModuleForm:
    form = GoalModuleForm(formdata=formdata, prefix=f"goal-{goal_id}")
    form.offer_assignments(assignments)
    return form


def _render_plan(placement: Placement, status: int = 200, failed_goal_id: int | None = None,
                 failed_form: GoalModuleForm | None = None, error: str | None = None):
    audit.record_read(current_user, placement.participant_id)
    goals = queries.plan_of(placement)
    assignments = assignments_of(placement.participant, placement.id)
    link_forms = {
        node.goal.id: _link_form(node.goal.id, assignments)
        for top in goals for node in (top, *top.sub_goals)
    }
    if failed_form is not None:
        link_forms[failed_goal_id] = failed_form
    return render_template(
        "followups/plan.html",
        placement=placement,
        goals=goals,
        assignments=assignments,
        steps=steps_on(assignments),
        link_forms=link_forms,
        editable=placement.status in services.PLAN_OPEN,
        failed_goal_id=failed_goal_id,
        error=error,
    ), status


@bp.get("/placements/<int:placement_id>/plan")
@staff_only
def plan(placement_id: int):
    return _render_plan(placement_or_404(current_user, placement_id))


def _goal_or_404(placement: Placement, goal_id: int):
    return queries.goal_of(placement, goal_id) or abort(404)


def _closed_plan(placement: Placement):
    """A closed placement's plan is kept as it was: its goal forms are not offered (a form
    that could only be refused after typing), the plan page says why. A form sent anyway
    (the placement closed while it was typed) is refused by the service and keeps what
    was typed."""
    if placement.status in services.PLAN_OPEN or request.method != "GET":
        return None
    flash(_("The placement is “%(status)s”: its plan is kept as it was. Reopen it to change "
            "the plan.", status=PLACEMENT_STATUS_LABELS[placement.status]), "info")
    return redirect(url_for(".plan", placement_id=placement.id))


@bp.route("/placements/<int:placement_id>/plan/goals/new", methods=["GET", "POST"])
@staff_only
def new_goal(placement_id: int):
    placement = placement_or_404(current_user, placement_id)
    parent_id = query_int("parent_id")
    parent = _goal_or_404(placement, parent_id) if parent_id else None
    if closed := _closed_plan(placement):
        return closed
    audit.record_read(current_user, placement.participant_id)
    form = GoalForm()
    error = None
    if form.validate_on_submit():
        with catch_refusal(form, at_top=WHOLE_SCHEDULE) as refused:
            goal = plan_services.add_goal(current_user, placement, form.service_data(), parent)
        if refused:
            error = refused.error
        else:
            flash(_("The goal is saved."), "success")
            return redirect(url_for(".plan", placement_id=placement.id, _anchor=f"goal-{goal.id}"))
    return render_template(
        "followups/goal_form.html", placement=placement, form=form, parent=parent, goal=None,
        error=error, conflict=None,
    ), form_status(form)


@bp.route("/placements/<int:placement_id>/plan/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_goal(placement_id: int, goal_id: int):
    placement = placement_or_404(current_user, placement_id)
    goal = _goal_or_404(placement, goal_id)
    if closed := _closed_plan(placement):
        return closed
    audit.record_read(current_user, placement.participant_id)
    form = EditGoalForm(obj=goal, fingerprint=plan_services.goal_fingerprint(goal))
    error = conflict = None
    if form.validate_on_submit():
        try:
            plan_services.update_goal(current_user, goal, form.service_data())
        except EditConflict as changed:
            conflict = changed
            form.fingerprint.data = changed.version
        except RuleViolation as violation:
            error = show_violation(form, violation, at_top=WHOLE_SCHEDULE)
        else:
            flash(_("The goal is saved."), "success")
            return redirect(url_for(".plan", placement_id=placement.id, _anchor=f"goal-{goal.id}"))
    else:
        error = _stale(form.fingerprint)
    return render_template(
        "followups/goal_form.html", placement=placement, form=form, parent=goal.parent, goal=goal,
        error=error, conflict=conflict,
    ), form_status(form)


@bp.post("/placements/<int:placement_id>/plan/goals/<int:goal_id>/modules")
@staff_only
def link_module(placement_id: int, goal_id: int):
    placement = placement_or_404(current_user, placement_id)
    goal = _goal_or_404(placement, goal_id)
    form = _link_form(goal.id, assignments_of(placement.participant, placement.id), request.form)
    if not form.validate():
        return _render_plan(placement, 422, goal.id, form)
    with catch_refusal(form, at_top=WHOLE_SCHEDULE) as refused:
        plan_services.link_module(current_user, goal, form.assignment_id.data)
    if refused:
        return _render_plan(placement, 422, goal.id, form, refused.error)
    flash(_("The module is part of the goal."), "success")
    return redirect(url_for(".plan", placement_id=placement.id, _anchor=f"goal-{goal.id}"))


@bp.post("/placements/<int:placement_id>/plan/goals/<int:goal_id>/modules/<int:assignment_id>/remove")
@staff_only
def unlink_module(placement_id: int, goal_id: int, assignment_id: int):
    placement = placement_or_404(current_user, placement_id)
    goal = _goal_or_404(placement, goal_id)
    with catch_refusal() as refused:  # CSRFProtect has checked the token
        plan_services.unlink_module(current_user, goal, assignment_id)
    if refused:
        return _render_plan(placement, 422, error=refused.error)
    flash(_("The module is no longer part of the goal. Its steps are kept."), "success")
    return redirect(url_for(".plan", placement_id=placement.id, _anchor=f"goal-{goal.id}"))


# --- follow-ups -----------------------------------------------------------------------------


@bp.get("/follow-ups/")
@staff_only
def due():
    units = units_in_scope(current_user)
    unit_id = query_int("unit_id")
    unit = unit_or_404(current_user, unit_id) if unit_id else None
    rows = queries.due_in_scope(current_user, local_today(), unit.id if unit else None)
    audit.record_read(current_user, [row.participant.id for row in rows])
    return render_template(
        "followups/due.html",
        units=units,
        unit=unit,
        rows=rows,
        today=local_today(),
        soon_days=queries.DUE_SOON_DAYS,
    )


@bp.get("/placements/<int:placement_id>/follow-ups")
@staff_only
def for_placement(placement_id: int):
    placement = placement_or_404(current_user, placement_id)
    audit.record_read(current_user, placement.participant_id)
    return render_template(
        "followups/placement.html", placement=placement,
        follow_ups=queries.follow_ups_of(placement), today=local_today(),
    )


def _follow_up_form(follow_up: FollowUp):
    """The form for its kind: empty but for the intake's people when not held yet, else
    what was recorded; posted data when there is some."""
    form_class = AfterExitForm if follow_up.kind == FollowUpKind.AFTER_EXIT else FollowUpForm
    if request.method == "POST":
        return form_class()
    if follow_up.held_on is None:
        defaults = {"attendees": follow_up.placement.intake_attendees}
    else:
        defaults = {name: getattr(follow_up, name) for name in services.FOLLOW_UP_LABELS}
        defaults["activity_after_exit"] = (
            follow_up.activity_after_exit.value if follow_up.activity_after_exit else ""
        )
    return form_class(data={**defaults, "version": follow_up.version})


def _summary(follow_up: FollowUp, until) -> dict | None:
    """What the follow-up froze; before it is held, the figures so far (none before the
    start, and none after exit: the person has left)."""
    placement = follow_up.placement
    if follow_up.summary is not None or follow_up.kind != FollowUpKind.SCHEDULED:
        return follow_up.summary
    if placement.start_date is None or placement.start_date > until:
        return None
    return queries.summary_since_last(placement, until, follow_up.id)


def _render_record(follow_up: FollowUp, form, status: int = 200, error: str | None = None,
                   conflict: EditConflict | None = None):
    audit.record_read(current_user, follow_up.placement.participant_id)
    placement = follow_up.placement
    return render_template(
        "followups/record.html",
        follow_up=follow_up,
        placement=placement,
        form=form,
        summary=_summary(follow_up, local_today()),
        summary_is_frozen=follow_up.summary is not None,
        today=local_today(),
        error=error,
        conflict=conflict,
        OUTCOME_LABELS=OUTCOME_LABELS,
    ), status


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
@staff_only
def record(follow_up_id: int):
    follow_up = queries.follow_up_or_404(current_user, follow_up_id)
    form = _follow_up_form(follow_up)
    if not form.validate_on_submit():
        return _render_record(follow_up, form, form_status(form), _stale(form.version))
    try:
        services.record_follow_up(current_user, follow_up, form.service_data())
    except EditConflict as conflict:
        form.version.data = conflict.version
        return _render_record(follow_up, form, 422, conflict=conflict)
    except RuleViolation as violation:
        return _render_record(follow_up, form, 422, show_violation(form, violation, at_top=WHOLE_SCHEDULE))
    flash(_("The follow-up is saved."), "success")
    return redirect(url_for(".record", follow_up_id=follow_up.id))


@bp.get("/follow-ups/<int:follow_up_id>/pack")
@staff_only
def pack(follow_up_id: int):
    """Everything the three-party meeting needs on paper."""
    follow_up = queries.follow_up_or_404(current_user, follow_up_id)
    audit.record_read(current_user, follow_up.placement.participant_id)
    placement = follow_up.placement
    assignments = assignments_of(placement.participant, placement.id)
    until = follow_up.held_on or local_today()
    steps = steps_on(assignments, until)
    return render_template(
        "followups/pack.html",
        follow_up=follow_up,
        placement=placement,
        goals=queries.plan_of(placement),
        assignments=assignments,
        steps=steps,
        distances=module_distances(assignments, baselines(assignments, until), steps),
        summary=_summary(follow_up, until),
        previous=queries.last_held(placement, before=until, other_than=follow_up.id),
        today=local_today(),
        PURPOSE_LABELS=PURPOSE_LABELS,
        PLACEMENT_STATUS_LABELS=PLACEMENT_STATUS_LABELS,
        PlacementStatus=PlacementStatus,
    )
