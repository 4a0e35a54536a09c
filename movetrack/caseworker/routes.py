"""The case worker's view: their own orders, and about each person only what consent
shares at the moment they look (auth/policy/consent.py). Case workers only.

Case workers do not submit orders here: the referral reaches the coordinator by the
ordering unit's usual channel and the coordinator registers it (placements.new). A case
worker may not search the participant register, so an order typed in here could not be
matched to a person already known, and would create duplicate people with no way to
merge them. The list page says how to order instead.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import format_percent
from flask_login import current_user

from movetrack import audit
from movetrack.attendance.models import ATTENDANCE_LABELS
from movetrack.auth.policy import SHARE_LABELS, Kind, allowed, what_orderer_may_see
from movetrack.caseworker import queries
from movetrack.caseworker.forms import OrderFilterForm
from movetrack.consent import services as consent_services
from movetrack.paging import cursor_from_request
from movetrack.placements.models import OUTCOME_LABELS, PLACEMENT_STATUS_LABELS, PURPOSE_LABELS

bp = Blueprint("caseworker", __name__, url_prefix="/orders")
orderers_only = allowed("see", Kind.ORDER)

LABELS = {
    "SHARE_LABELS": SHARE_LABELS,
    "STATUS_LABELS": PLACEMENT_STATUS_LABELS,
    "PURPOSE_LABELS": PURPOSE_LABELS,
    "OUTCOME_LABELS": OUTCOME_LABELS,
    "ATTENDANCE_LABELS": ATTENDANCE_LABELS,
    "format_percent": format_percent,
}


@bp.get("/")
@orderers_only
def orders():
    form = OrderFilterForm(formdata=request.args)
    cursor = cursor_from_request(queries.ORDER_ORDER)
    page = queries.order_rows(current_user, form.chosen_state(), cursor)
    audit.record_read(current_user, [row.placement.participant_id for row in page.rows])
    return render_template("caseworker/orders.html", form=form, page=page, **LABELS)


@bp.get("/<int:placement_id>")
@orderers_only
def order(placement_id: int):
    placement = queries.order_for_page(current_user, placement_id) or abort(404)
    shared = what_orderer_may_see(current_user, placement)
    details = queries.order_details(placement, shared)
    page = render_template("caseworker/order.html", placement=placement, details=details, **LABELS)
    # Logged before sending: if the log cannot be written (or committed with the
    # request), the details are not shown either.
    consent_services.record_disclosure(current_user, placement, shared)
    audit.record_read(current_user, placement.participant_id)
    return page
