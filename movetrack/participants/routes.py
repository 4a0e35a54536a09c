"""People and their modules: the list, adding and editing a person, and one person's page
with the modules assigned to them. Staff only, each within their units."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.auth.policy import (
    Kind,
    allowed,
    participant_or_404,
    units_in_scope,
)
from movetrack.clock import local_today
from movetrack.paging import cursor_from_request
from movetrack.participants import queries, services
from movetrack.participants.forms import (
    STATUS_ACTIONS,
    AssignModuleForm,
    EditParticipantForm,
    ParticipantFilterForm,
    ParticipantForm,
    StepsForm,
)
from movetrack.participants.models import (
    GENDER_LABELS,
    STATUS_LABELS,
    Assignment,
    Participant,
)
from movetrack.placements.models import PLACEMENT_STATUS_LABELS
from movetrack.placements.queries import latest_placement_of
from movetrack.progress.charts import module_distances
from movetrack.progress.queries import baselines, steps_on, steps_with_pictures
from movetrack.web import catch_refusal

bp = Blueprint("participants", __name__, url_prefix="/participants")
staff_only = allowed("change", Kind.PARTICIPANT)

@bp.get("/")
@staff_only
def index():
    units = units_in_scope(current_user)
    form = ParticipantFilterForm(formdata=request.args)
    form.offer_places(units, queries.workstations_of(unit.id for unit in units))
    cursor = cursor_from_request(queries.PARTICIPANT_ORDER)
    listed = queries.participant_rows(current_user, cursor, **form.filters())
    audit.record_read(current_user, [row.participant for row in listed.page.rows])
    return render_template("participants/index.html", form=form, listed=listed)


def _offer_places(form: ParticipantForm, participant: Participant | None = None) -> None:
    """Units in scope; workstations of the chosen unit (the first unit until one is chosen)."""
    units = units_in_scope(current_user)
    unit_ids = [unit.id for unit in units]
    chosen = form.unit_id.data if form.unit_id.data in unit_ids else next(iter(unit_ids), None)
    keep = participant.workstation_id if participant else None
    form.offer_places(units, queries.workstations_of([chosen] if chosen else [], keep))


def _participant_form(
    form: ParticipantForm, participant: Participant | None, save: Callable[[dict], Participant]
):
    """New and edit alike: show the form, or save it and go to the person's page."""
    _offer_places(form, participant)
    error = None
    if form.validate_on_submit():
        with catch_refusal(form) as refused:
            saved = save(form.service_data())
        if refused:
            error = refused.error
        else:
            flash(_("%(name)s is saved.", name=saved.display_name), "success")
            return redirect(url_for(".show", participant_id=saved.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "participants/form.html", form=form, participant=participant, error=error
    ), status


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    save = partial(services.create_participant, current_user)
    return _participant_form(ParticipantForm(), None, save)


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    audit.record_read(current_user, participant)
    save = partial(services.update_participant, current_user, participant)
    return _participant_form(EditParticipantForm(obj=participant), participant, save)


@bp.get("/workstation-field")
@staff_only
def workstation_field():
    """The workstation select for the unit just chosen in the form (swapped in by htmx)."""
    form = ParticipantForm(formdata=request.args)
    _offer_places(form)
    return render_template("participants/_workstation_field.html", form=form)


def _render_show(
    participant: Participant,
    assign_form: AssignModuleForm,
    status: int = 200,
    error: str | None = None,
):
    assignments = queries.assignments_of(participant)
    assign_form.offer_modules(queries.assignable_modules(), {a.module_id for a in assignments})
    return render_template(
        "participants/show.html",
        participant=participant,
        assignments=assignments,
        steps=steps_on(assignments),
        placement=latest_placement_of(current_user, participant),
        assign_form=assign_form,
        error=error,
        GENDER_LABELS=GENDER_LABELS,
        LANGUAGES=services.LANGUAGES,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_ACTIONS=STATUS_ACTIONS,
        PLACEMENT_STATUS_LABELS=PLACEMENT_STATUS_LABELS,
    ), status


@bp.get("/<int:participant_id>")
@staff_only
def show(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    audit.record_read(current_user, participant)
    return _render_show(participant, AssignModuleForm(formdata=None))


@bp.get("/<int:participant_id>/modules")
@staff_only
def overview(participant_id: int):
    """The module overview (modulöversikt): every module with its step now and its goal,
    pictures beside them, and how far each has come; made to be printed."""
    participant = participant_or_404(current_user, participant_id)
    audit.record_read(current_user, participant)
    assignments = queries.assignments_of(participant)
    latest = steps_on(assignments)
    wanted = {
        (a.module.current_version.id, number)
        for a in assignments
        for number in (latest[a.id], a.goal_step)
        if number
    }
    return render_template(
        "participants/overview.html",
        participant=participant,
        assignments=assignments,
        latest=latest,
        steps=steps_with_pictures(wanted),
        chart=module_distances(assignments, baselines(assignments), latest),
        today=local_today(),
        STATUS_LABELS=STATUS_LABELS,
    )


def _assignment_or_404(participant: Participant, assignment_id: int) -> Assignment:
    return queries.assignment_of(participant, assignment_id) or abort(404)


def _back_to_row(assignment: Assignment):
    """The person's page, scrolled to the module just changed."""
    return redirect(
        url_for(
            ".show", participant_id=assignment.participant_id, _anchor=f"assignment-{assignment.id}"
        )
    )


@bp.post("/<int:participant_id>/assignments")
@staff_only
def assign(participant_id: int):
    participant = participant_or_404(current_user, participant_id)
    form = AssignModuleForm()
    if not form.validate():
        return _render_show(participant, form, 422)
    with catch_refusal(form) as refused:
        assignment = services.assign_module(
            current_user,
            participant,
            form.module_id.data,
            form.baseline_step.data,
            form.goal_step.data,
            form.assigned_on.data,
        )
    if refused:
        return _render_show(participant, form, 422, refused.error)
    flash(
        _(
            "%(module)s is assigned to %(name)s.",
            module=assignment.module.title,
            name=participant.display_name,
        ),
        "success",
    )
    return _back_to_row(assignment)


@bp.post("/<int:participant_id>/assignments/<int:assignment_id>/status")
@staff_only
def assignment_status(participant_id: int, assignment_id: int):
    participant = participant_or_404(current_user, participant_id)
    assignment = _assignment_or_404(participant, assignment_id)
    with catch_refusal() as refused:  # CSRFProtect has checked the token; the pressed button sends the status
        services.change_assignment_status(current_user, assignment, request.form.get("status"))
    if refused:
        return _render_show(participant, AssignModuleForm(formdata=None), 422, refused.error)
    flash(
        _(
            "%(module)s: %(status)s.",
            module=assignment.module.title,
            status=STATUS_LABELS[assignment.status],
        ),
        "success",
    )
    return _back_to_row(assignment)


@bp.route("/<int:participant_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_assignment(participant_id: int, assignment_id: int):
    participant = participant_or_404(current_user, participant_id)
    assignment = _assignment_or_404(participant, assignment_id)
    audit.record_read(current_user, participant)
    form = StepsForm(obj=assignment)
    error = None
    if form.validate_on_submit():
        with catch_refusal(form) as refused:
            services.update_assignment_steps(
                current_user, assignment, form.baseline_step.data, form.goal_step.data
            )
        if refused:
            error = refused.error
        else:
            flash(
                _("The steps of %(module)s are saved.", module=assignment.module.title), "success"
            )
            return _back_to_row(assignment)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "participants/assignment_form.html",
        participant=participant,
        assignment=assignment,
        form=form,
        error=error,
    ), status
