"""The coordinator's administration: users, units with their workstations, ordering units.

Admins only, and only their own organisation: an id from another one answers 404.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import asdict

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from movetrack import audit
from movetrack.admin import queries, services
from movetrack.admin.forms import (
    ROLE_CHOICES,
    ROLE_LABELS,
    AuditFilterForm,
    NameForm,
    NewUserForm,
    PasswordResetForm,
    ThrottleLookupForm,
    UserForm,
    name_form,
)
from movetrack.admin.queries import AuditFilters
from movetrack.attendance.export import safe_text, spreadsheet_csv
from movetrack.auth import throttle
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, allowed, unit_or_404, units_in_scope
from movetrack.auth.services import normalised_username
from movetrack.input import query_int
from movetrack.org.models import Unit
from movetrack.org.queries import ordering_units_of
from movetrack.web import catch_refusal, form_status, mark_fields

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = allowed("change", Kind.ORGANISATION)


@bp.get("/")
@admin_only
def index():
    return render_template("admin/index.html")


# --- users ---------------------------------------------------------------------------

@bp.get("/users")
@admin_only
def users():
    role = request.args.get("role", "")
    if not queries.is_managed_role(role):
        role = ""  # an unknown filter shows everyone rather than an empty list
    return render_template(
        "admin/users.html",
        users=queries.users(current_user, role),
        role=role,
        role_choices=ROLE_CHOICES,
        role_labels=ROLE_LABELS,
    )


def _with_choices(form: UserForm) -> UserForm:
    form.set_choices(units_in_scope(current_user), ordering_units_of(current_user))
    return form


def _profile_from(form: UserForm) -> dict:
    return {
        "name": form.name.data,
        "username": form.username.data,
        "email": form.email.data,
        "role": form.role.data,
        "unit_ids": form.units.data or [],
        "ordering_unit_id": form.ordering_unit.data,
    }


def _render_user_form(form: UserForm, user: User | None = None, status: int = 200,
                      error: str | None = None):
    return render_template("admin/user_form.html", form=form, user=user, error=error), status


def _accepted_profile(form: UserForm, user: User | None) -> dict | None:
    """The submitted details if the form accepts them; otherwise None, with the form's
    own errors and every broken rule marked, so one round shows all there is to fix."""
    if form.validate():
        return _profile_from(form)
    mark_fields(form, services.user_problems(current_user, user, **_profile_from(form)))
    return None


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user():
    form = _with_choices(NewUserForm())
    if not form.is_submitted():
        return _render_user_form(form)
    profile = _accepted_profile(form, None)
    if profile is None:
        return _render_user_form(form, status=422)
    with catch_refusal(form) as refused:
        user = services.create_user(current_user, **profile, password=form.password.data)
    if refused:
        return _render_user_form(form, status=422, error=refused.error)
    flash(
        _("%(name)s can sign in as “%(username)s” with the password you chose. Hand it over in person.",
          name=user.name, username=user.username),
        "success",
    )
    return redirect(url_for(".users"))


def _edit_form(user: User) -> UserForm:
    saved = {
        "name": user.name,
        "username": user.username,
        "email": user.email,
        "role": user.role.value,
        "units": [unit.id for unit in user.units],
        "ordering_unit": user.ordering_unit_id,
    }
    return _with_choices(UserForm(data=saved))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int):
    user = queries.user_or_404(current_user, user_id)
    form = _edit_form(user)
    if not form.is_submitted():
        return _render_user_form(form, user)
    profile = _accepted_profile(form, user)
    if profile is None:
        return _render_user_form(form, user, status=422)
    with catch_refusal(form) as refused:
        services.update_user(current_user, user, **profile)
    if refused:
        return _render_user_form(form, user, status=422, error=refused.error)
    flash(_("The changes to %(name)s are saved.", name=user.name), "success")
    return redirect(url_for(".users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_only
def reset_password(user_id: int):
    user = queries.user_or_404(current_user, user_id)
    form = PasswordResetForm()
    error = None
    if form.validate_on_submit():
        with catch_refusal(form) as refused:
            services.reset_password(current_user, user, form.password.data)
        if refused:
            error = refused.error
        else:
            flash(_("The password of %(name)s is changed. Hand the new one over in person.",
                    name=user.name), "success")
            return redirect(url_for(".edit_user", user_id=user.id))
    status = 422 if form.errors or error else 200
    return render_template("admin/password.html", form=form, user=user, error=error), status


@bp.post("/users/<int:user_id>/deactivate")
@admin_only
def deactivate_user(user_id: int):
    user = queries.user_or_404(current_user, user_id)
    with catch_refusal() as refused:
        services.deactivate_user(current_user, user)
    if refused:
        return _render_user_form(_edit_form(user), user, status=422, error=refused.error)
    flash(_("%(name)s is deactivated and can no longer sign in.", name=user.name), "success")
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/reactivate")
@admin_only
def reactivate_user(user_id: int):
    user = queries.user_or_404(current_user, user_id)
    services.reactivate_user(current_user, user)
    flash(_("%(name)s is active again and can sign in.", name=user.name), "success")
    return redirect(url_for(".users"))


# --- sign-in throttles ------------------------------------------------------------------

def _throttle_lookup() -> tuple[str | None, str | None]:
    """The username and address asked about (a username as sign-in normalises it)."""
    form = ThrottleLookupForm(request.values)
    if not form.validate():
        return None, None
    username = normalised_username(form.username.data) if form.username.data else None
    return username, form.address.data or None


def _window(limit) -> str:
    """"1 minute", "1 hour"… in the reader's language."""
    return format_timedelta(dt.timedelta(seconds=limit.get_expiry()), threshold=1)


@bp.get("/sign-in-throttles")
@admin_only
def sign_in_throttles():
    username, address = _throttle_lookup()
    return render_template(
        "admin/throttles.html",
        form=ThrottleLookupForm(request.args),
        counts=throttle.status(username, address),
        window=_window,
        username=username,
        address=address,
    )


@bp.post("/sign-in-throttles/clear")
@admin_only
def clear_sign_in_throttle():
    username, address = _throttle_lookup()
    throttle.clear(username, address)
    current_app.logger.info("%s cleared sign-in throttles: %r %r", current_user.username, username, address)
    flash(_("The sign-in limits are cleared."), "success")
    return redirect(url_for(".sign_in_throttles", username=username or "", address=address or ""))


# --- units and workstations ------------------------------------------------------------

def _workstation_form(unit: Unit, **kwargs) -> NameForm:
    """One "add a workstation" form per unit on the same page: the prefix keeps ids apart."""
    label = _("New workstation at %(unit)s", unit=unit.name)
    return name_form(label, prefix=f"unit-{unit.id}", **kwargs)


def _unit_form(**kwargs) -> NameForm:
    return name_form(_("Name of the new unit"), **kwargs)


def _render_units(unit_form: NameForm | None = None, failed: NameForm | None = None,
                  failed_unit_id: int | None = None, error: str | None = None):
    """The units page; a form that failed is shown again with what was typed, status 422."""
    units = queries.units_with_workstations(current_user)
    workstation_forms = {
        unit.id: failed if unit.id == failed_unit_id else _workstation_form(unit, formdata=None)
        for unit in units
    }
    page = render_template(
        "admin/units.html",
        units=units,
        unit_form=unit_form or _unit_form(formdata=None),
        workstation_forms=workstation_forms,
        failed_unit_id=failed_unit_id,
        error=error,
    )
    return page, 422 if failed is not None or unit_form is not None else 200


@bp.get("/units")
@admin_only
def units():
    return _render_units()


@bp.post("/units")
@admin_only
def create_unit():
    form = _unit_form()
    if not form.validate():
        return _render_units(unit_form=form)
    with catch_refusal(form) as refused:
        unit = services.create_unit(current_user, form.name.data)
    if refused:
        return _render_units(unit_form=form, error=refused.error)
    flash(_("The unit %(name)s is added.", name=unit.name), "success")
    return redirect(url_for(".units", _anchor=f"unit-{unit.id}"))


def _rename_page(thing, rename, heading: str, back_url: str, renamed, active_page: str = "units"):
    """The rename page every named thing of the organisation shares: `rename` is its
    service, `renamed()` the message once the thing has its new name."""
    form = name_form(_("New name"), data={"name": thing.name})
    error = None
    if form.validate_on_submit():
        with catch_refusal(form) as refused:
            rename(current_user, thing, form.name.data)
        if not refused:
            flash(renamed(), "success")
            return redirect(back_url)
        error = refused.error
    page = render_template(
        "admin/rename.html", form=form, heading=heading, back_url=back_url, error=error,
        active_page=active_page,
    )
    return page, form_status(form, error)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_unit(unit_id: int):
    unit = unit_or_404(current_user, unit_id)
    return _rename_page(unit, services.rename_unit, _("Rename the unit %(name)s", name=unit.name),
                   url_for(".units", _anchor=f"unit-{unit.id}"),
                   lambda: _("The unit is now called %(name)s.", name=unit.name))


@bp.post("/units/<int:unit_id>/workstations")
@admin_only
def create_workstation(unit_id: int):
    unit = unit_or_404(current_user, unit_id)
    form = _workstation_form(unit)
    if not form.validate():
        return _render_units(failed=form, failed_unit_id=unit.id)
    with catch_refusal(form) as refused:
        workstation = services.create_workstation(current_user, unit, form.name.data)
    if refused:
        return _render_units(failed=form, failed_unit_id=unit.id, error=refused.error)
    flash(_("%(workstation)s is added to %(unit)s.", workstation=workstation.name, unit=unit.name),
          "success")
    return redirect(url_for(".units", _anchor=f"unit-{unit.id}"))


@bp.route("/workstations/<int:workstation_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_workstation(workstation_id: int):
    workstation = queries.workstation_or_404(current_user, workstation_id)
    return _rename_page(workstation, services.rename_workstation,
                   _("Rename the workstation %(name)s", name=workstation.name),
                   url_for(".units", _anchor=f"unit-{workstation.unit_id}"),
                   lambda: _("The workstation is now called %(name)s.", name=workstation.name))


@bp.post("/workstations/<int:workstation_id>/archive")
@admin_only
def archive_workstation(workstation_id: int):
    workstation = queries.workstation_or_404(current_user, workstation_id)
    services.set_workstation_archived(current_user, workstation, archived=True)
    flash(_("%(name)s is archived: it stays on old records but is no longer offered.",
            name=workstation.name), "success")
    return redirect(url_for(".units", _anchor=f"unit-{workstation.unit_id}"))


@bp.post("/workstations/<int:workstation_id>/unarchive")
@admin_only
def unarchive_workstation(workstation_id: int):
    workstation = queries.workstation_or_404(current_user, workstation_id)
    services.set_workstation_archived(current_user, workstation, archived=False)
    flash(_("%(name)s is offered again.", name=workstation.name), "success")
    return redirect(url_for(".units", _anchor=f"unit-{workstation.unit_id}"))


# --- ordering units --------------------------------------------------------------------

def _ordering_unit_form(**kwargs) -> NameForm:
    return name_form(_("Name of the new ordering unit"), **kwargs)


def _render_ordering_units(form: NameForm | None = None, error: str | None = None):
    page = render_template(
        "admin/ordering_units.html",
        ordering_units=ordering_units_of(current_user),
        form=form or _ordering_unit_form(formdata=None),
        error=error,
    )
    return page, 422 if form is not None else 200


@bp.get("/ordering-units")
@admin_only
def ordering_units():
    return _render_ordering_units()


@bp.post("/ordering-units")
@admin_only
def create_ordering_unit():
    form = _ordering_unit_form()
    if not form.validate():
        return _render_ordering_units(form)
    with catch_refusal(form) as refused:
        ordering_unit = services.create_ordering_unit(current_user, form.name.data)
    if refused:
        return _render_ordering_units(form, refused.error)
    flash(_("The ordering unit %(name)s is added.", name=ordering_unit.name), "success")
    return redirect(url_for(".ordering_units"))


@bp.route("/ordering-units/<int:ordering_unit_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_ordering_unit(ordering_unit_id: int):
    ordering_unit = queries.ordering_unit_or_404(current_user, ordering_unit_id)
    return _rename_page(ordering_unit, services.rename_ordering_unit,
                   _("Rename the ordering unit %(name)s", name=ordering_unit.name), url_for(".ordering_units"),
                   lambda: _("The ordering unit is now called %(name)s.", name=ordering_unit.name),
                   active_page="ordering_units")


# --- the audit log ---------------------------------------------------------------------------


def _audit_filters(offer: bool = True) -> tuple[AuditFilterForm, AuditFilters]:
    form = AuditFilterForm(formdata=request.args)
    if offer:
        form.offer(*queries.audit_people(current_user), queries.audit_actions())
    return form, form.filters()


@bp.get("/audit")
@admin_only
def audit_log():
    """Who did what to whom, newest first, 50 at a time. Looking here is not itself a read
    of each person shown (it would double the log with every look); an export is recorded."""
    form, filters = _audit_filters()
    rows, next_before = queries.audit_page(current_user, filters, query_int("before"))
    chosen = {name: value for name, value in request.args.items() if name != "before" and value}
    return render_template("admin/audit.html", form=form, rows=rows, next_before=next_before, chosen=chosen,
                           actor_label=audit.actor_label)


@bp.get("/audit.csv")
@admin_only
def audit_csv():
    _form, filters = _audit_filters(offer=False)
    rows = queries.audit_rows(current_user, filters)
    services.record_audit_export(current_user, asdict(filters), len(rows))
    return Response(
        spreadsheet_csv(_audit_csv_rows(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def _audit_csv_rows(rows: list[queries.AuditRow]) -> Iterator[list]:
    yield [_("Number"), _("When"), _("Who"), _("What"), _("About whom"), _("Participant number"),
           _("Page"), _("Address"), _("Details")]
    for row in rows:
        event = row.event
        details = {key: value for key, value in event.details.items() if key not in ("page", "address")}
        yield [
            event.id,
            format_datetime(event.at, "yyyy-MM-dd HH:mm:ss"),
            safe_text(audit.actor_label(event, row.actor)),
            event.action,
            safe_text(row.participant.display_name) if row.participant else "",
            event.participant_id or "",
            event.details.get("page", ""),
            event.details.get("address", ""),
            safe_text(json.dumps(details, ensure_ascii=False, sort_keys=True)) if details else "",
        ]
