"""Placements from order to exit: the list, registering and editing an order, the
placement's own page (the hub: timeline, and links to intake, plan, follow-ups,
attendance and consent), what happens before the start, the exit, reopening, and the
need-category code list. Staff only, each within their units; the code list is the
coordinators'."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.auth.policy import Kind, allowed, units_in_scope
from movetrack.clock import local_today
from movetrack.conflicts import EditConflict
from movetrack.extensions import db
from movetrack.followups.queries import exit_questions_for, next_follow_up
from movetrack.input import query_int
from movetrack.org.queries import ordering_units_of
from movetrack.placements import need_category_services, queries, services, status_services
from movetrack.placements.forms import (
    EditNeedCategoryForm,
    NeedCategoryForm,
    NewOrderForm,
    OrderForm,
    PlacementFilterForm,
    ReopenForm,
    StatusForm,
    exit_form,
)
from movetrack.placements.models import (
    OUTCOME_LABELS,
    PLACEMENT_STATUS_LABELS,
    PURPOSE_LABELS,
    TARGET_GROUP_LABELS,
    NeedCategory,
    Placement,
)
from movetrack.rules import RuleViolation
from movetrack.web import catch_refusal, form_status

bp = Blueprint("placements", __name__, url_prefix="/placements")
staff_only = allowed("change", Kind.PLACEMENT)
admin_only = allowed("change", Kind.ORGANISATION)
LABELS = {
    "STATUS_LABELS": PLACEMENT_STATUS_LABELS,
    "PURPOSE_LABELS": PURPOSE_LABELS,
    "OUTCOME_LABELS": OUTCOME_LABELS,
    "TARGET_GROUP_LABELS": TARGET_GROUP_LABELS,
}

def _conflict_in(violation: RuleViolation) -> EditConflict | None:
    return violation if isinstance(violation, EditConflict) else None

# --- the list -------------------------------------------------------------------------------


@bp.get("/")
@staff_only
def index():
    form = PlacementFilterForm(formdata=request.args)
    form.offer(units_in_scope(current_user), ordering_units_of(current_user))
    page = query_int("page", default=1)
    pagination = queries.placement_list(current_user, page=page, **form.filters())
    audit.record_read(current_user, [placement.participant_id for placement in pagination.items])
    return render_template("placements/index.html", form=form, pagination=pagination, **LABELS)


# --- orders ---------------------------------------------------------------------------------


def _offer_order_choices(form: OrderForm, placement: Placement | None = None) -> None:
    """Once an ordering unit is chosen (typed, or the order's own), only its case workers
    are offered; before that, all of them grouped by ordering unit. The ordering unit's
    select asks for the narrowed list with htmx as soon as it changes (case_worker_field)."""
    form.offer(
        ordering_units_of(current_user),
        queries.case_workers(
            current_user, keep_id=placement and placement.case_worker_id,
            ordering_unit_id=form.ordering_unit_id.data,
        ),
        queries.need_categories(current_user, keep_id=placement and placement.need_category_id),
    )
    form.ordering_unit_id.render_kw = {
        "hx-get": url_for(".case_worker_field"), "hx-trigger": "change",
        "hx-target": "#case-worker-field", "hx-swap": "outerHTML",
    }


@bp.get("/case-workers")
@staff_only
def case_worker_field():
    """The case-worker field for the ordering unit chosen on the order form (htmx)."""
    form = OrderForm(formdata=request.args, meta={"csrf": False})
    _offer_order_choices(form)
    return render_template("placements/_case_worker_field.html", form=form)


def _render_order_form(
    form: OrderForm,
    placement: Placement | None = None,
    error: str | None = None,
    conflict: EditConflict | None = None,
):
    if placement is not None:
        audit.record_read(current_user, placement.participant_id)
    return render_template(
        "placements/form.html",
        form=form,
        placement=placement,
        error=error,
        conflict=conflict,
        **LABELS,
    ), form_status(form, error)


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    form = NewOrderForm()
    if not form.is_submitted():
        form.participant_id.data = query_int("participant_id")
    _offer_order_choices(form)
    form.offer_participants(
        queries.orderable_participants(current_user), len(units_in_scope(current_user)) > 1
    )
    if not form.validate_on_submit():
        return _render_order_form(form)
    with catch_refusal(form) as refused:
        placement = services.create_order(current_user, form.service_data())
    if refused:
        return _render_order_form(form, error=refused.error)
    flash(
        _("The order for %(name)s is registered.", name=placement.participant.display_name),
        "success",
    )
    return redirect(url_for(".show", placement_id=placement.id))


@bp.route("/<int:placement_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(placement_id: int):
    placement = queries.placement_or_404(current_user, placement_id)
    # A submitted form reads only what was posted: a missing version is a conflict, not a match.
    form = OrderForm(obj=placement) if request.method == "GET" else OrderForm()
    _offer_order_choices(form, placement)
    if not form.validate_on_submit():
        return _render_order_form(form, placement)
    with catch_refusal(form) as refused:
        services.update_order(current_user, placement, form.service_data(), form.version.data)
    if refused:
        return _render_order_form(
            form, placement, refused.error, _conflict_in(refused.violation)
        )
    flash(_("The order is saved."), "success")
    return redirect(url_for(".show", placement_id=placement.id))


# --- the placement's page -------------------------------------------------------------------


def _render_show(
    placement: Placement,
    status_form: StatusForm | None = None,
    reopen_form: ReopenForm | None = None,
    error: str | None = None,
    conflict: EditConflict | None = None,
):
    """The hub. A form that failed comes back with what was typed, status 422."""
    audit.record_read(current_user, placement.participant_id)
    failed = status_form or reopen_form
    if status_form is None:
        status_form = StatusForm(formdata=None, data={"version": placement.version})
    status_form.offer(placement)
    return render_template(
        "placements/show.html",
        placement=placement,
        page=queries.placement_page(placement),
        status_form=status_form,
        reopen_form=reopen_form or ReopenForm(formdata=None, data={"version": placement.version}),
        reopens=placement.status in services.REOPENS_TO,
        failed=failed,
        error=error,
        conflict=conflict,
        today=local_today(),
        next_follow_up=next_follow_up(placement),
        **LABELS,
    ), 422 if failed or error else 200


@bp.get("/<int:placement_id>")
@staff_only
def show(placement_id: int):
    return _render_show(queries.placement_or_404(current_user, placement_id))


@bp.post("/<int:placement_id>/status")
@staff_only
def status(placement_id: int):
    placement = queries.placement_or_404(current_user, placement_id)
    form = StatusForm()
    form.offer(placement)
    if not form.validate():
        return _render_show(placement, status_form=form)
    with catch_refusal(form) as refused:
        event = status_services.change_status(
            current_user,
            placement,
            form.to.data,
            form.on_date.data,
            form.note.data,
            form.version.data,
        )
    if refused:
        return _render_show(
            placement,
            status_form=form,
            error=refused.error,
            conflict=_conflict_in(refused.violation),
        )
    flash(_("Saved: %(status)s.", status=PLACEMENT_STATUS_LABELS[event.to_status]), "success")
    return redirect(url_for(".show", placement_id=placement.id))


@bp.post("/<int:placement_id>/reopen")
@staff_only
def reopen(placement_id: int):
    placement = queries.placement_or_404(current_user, placement_id)
    form = ReopenForm()
    if not form.validate():
        return _render_show(placement, reopen_form=form)
    with catch_refusal(form) as refused:
        event = status_services.reopen(current_user, placement, form.note.data, form.version.data)
    if refused:
        return _render_show(
            placement,
            reopen_form=form,
            error=refused.error,
            conflict=_conflict_in(refused.violation),
        )
    flash(
        _(
            "The placement is reopened: %(status)s.",
            status=PLACEMENT_STATUS_LABELS[event.to_status],
        ),
        "success",
    )
    return redirect(url_for(".show", placement_id=placement.id))


# --- exit -----------------------------------------------------------------------------------


@bp.route("/<int:placement_id>/exit", methods=["GET", "POST"], endpoint="exit")
@staff_only
def exit_placement(placement_id: int):
    placement = queries.placement_or_404(current_user, placement_id)
    audit.record_read(current_user, placement.participant_id)
    questions = exit_questions_for(placement.unit_id)
    if request.method == "GET":
        form = exit_form(questions, placement.exit_interview, placement.version)
    else:
        form = exit_form(questions)
    error = conflict = None
    if form.validate_on_submit():
        with catch_refusal(form) as refused:
            status_services.record_exit(
                current_user,
                placement,
                form.end_date.data,
                form.exit_outcome.data,
                form.interview(),
                form.note.data,
                form.version.data,
            )
        if refused:
            conflict = _conflict_in(refused.violation)
            error = refused.error
        else:
            flash(
                _(
                    "%(name)s's placement has ended. The follow-up three months after exit is scheduled.",
                    name=placement.participant.display_name,
                ),
                "success",
            )
            return redirect(url_for(".show", placement_id=placement.id))
    return render_template(
        "placements/exit.html",
        placement=placement,
        form=form,
        error=error,
        conflict=conflict,
        **LABELS,
    ), form_status(form, error)


# --- the need-category code list ------------------------------------------------------------


def _render_need_categories(form: NeedCategoryForm | None = None, error: str | None = None):
    page = render_template(
        "placements/need_categories.html",
        categories=queries.need_categories(current_user, active_only=False),
        form=form or NeedCategoryForm(formdata=None),
        error=error,
    )
    return page, 422 if form is not None else 200


@bp.route("/need-categories", methods=["GET", "POST"])
@admin_only
def need_categories():
    if request.method == "GET":
        return _render_need_categories()
    form = NeedCategoryForm()
    if not form.validate():
        return _render_need_categories(form)
    with catch_refusal(form) as refused:
        category = need_category_services.create_need_category(current_user, form.name.data)
    if refused:
        return _render_need_categories(form, refused.error)
    flash(_("The need category %(name)s is added.", name=category.name), "success")
    return redirect(url_for(".need_categories"))


def _need_category_or_404(category_id: int) -> NeedCategory:
    category = db.session.get(NeedCategory, category_id)
    if category is None or category.organisation_id != current_user.organisation_id:
        abort(404)
    return category


@bp.route("/need-categories/<int:category_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_need_category(category_id: int):
    category = _need_category_or_404(category_id)
    form = EditNeedCategoryForm(obj=category)
    error = None
    if form.validate_on_submit():
        with catch_refusal(form) as refused:
            need_category_services.update_need_category(current_user, category, form.name.data, form.active.data)
        if refused:
            error = refused.error
        else:
            flash(_("The need category is saved."), "success")
            return redirect(url_for(".need_categories"))
    return render_template(
        "placements/need_category_form.html", form=form, category=category, error=error
    ), form_status(form, error)
