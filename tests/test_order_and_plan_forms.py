"""What the coordinator's forms offer: the case workers of the chosen ordering unit only,
no goal form on a closed placement, and a requested period without a dangling dash."""

from __future__ import annotations

import datetime as dt

import pytest

from movetrack.auth.models import Role
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import Outcome, PlacementStatus
from tests import factories
from tests.helpers import csrf_token

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def social(world):
    """A second ordering unit with its own case worker, Siv."""
    unit = OrderingUnit(organisation=world.org, name="Socialtjänsten")
    factories.make_user(world.org, "soc", Role.ORDERER, ordering_unit=unit, name="Siv Social")
    db.session.commit()
    return unit


def _case_worker_select(html: str) -> str:
    return html.split('name="case_worker_id"')[1].split("</select>")[0]


def test_the_order_form_groups_case_workers_until_a_unit_is_chosen(client, auth, world, social):
    auth.login("admin")
    page = client.get("/placements/new")
    assert page.status_code == 200
    select = _case_worker_select(page.text)
    assert '<optgroup label="Arbetsförmedlingen">' in select and "Olle Ordrar" in select
    assert '<optgroup label="Socialtjänsten">' in select and "Siv Social" in select
    assert 'hx-get="/placements/case-workers"' in page.text  # the unit's select narrows it


def test_once_a_unit_is_chosen_only_its_case_workers_are_offered(client, auth, world, social):
    auth.login("admin")
    page = client.get("/placements/new")
    response = client.post("/placements/new", data={
        "csrf_token": csrf_token(page.text), "participant_id": str(world.anna.id),
        "ordering_unit_id": str(social.id), "received_on": local_today().isoformat(),
    })
    assert response.status_code == 422  # no purpose chosen: the form comes back
    select = _case_worker_select(response.text)
    assert "Siv Social" in select and "Olle Ordrar" not in select
    fragment = client.get("/placements/case-workers", query_string={"ordering_unit_id": world.af.id})
    assert fragment.status_code == 200
    select = _case_worker_select(fragment.text)
    assert "Olle Ordrar" in select and "Siv Social" not in select
    assert 'id="case-worker-field"' in fragment.text


def test_an_orders_edit_form_offers_its_own_units_case_workers(client, auth, world, social):
    placement = factories.make_placement(world.anna, world.af, case_worker=world.orderer)
    auth.login("admin")
    page = client.get(f"/placements/{placement.id}/edit")
    assert page.status_code == 200
    select = _case_worker_select(page.text)
    assert "Olle Ordrar" in select and "Siv Social" not in select


def test_a_closed_placement_offers_no_goal_form(client, auth, world):
    today = local_today()
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=today - dt.timedelta(days=50), case_worker=world.orderer)
    placement.status = PlacementStatus.ENDED
    placement.end_date = today - dt.timedelta(days=1)
    placement.exit_outcome = Outcome.WORK
    db.session.commit()
    auth.login("handledare")
    response = client.get(f"/placements/{placement.id}/plan/goals/new")
    assert response.status_code == 302
    assert response.location.endswith(f"/placements/{placement.id}/plan")
    plan = client.get(response.location)
    assert plan.status_code == 200
    assert "its plan is kept as it was. Reopen it to change the plan." in plan.text
    assert 'class="goal-form"' not in plan.text and "Add a goal" not in plan.text


def test_a_requested_period_without_an_end_has_no_dangling_dash(client, auth, world):
    start = local_today() + dt.timedelta(days=13)
    placement = factories.make_placement(world.anna, world.af, case_worker=world.orderer,
                                         requested_start=start)
    auth.login("handlaggare")
    page = client.get(f"/orders/{placement.id}")
    assert page.status_code == 200
    period = page.text.split("Requested period</dt><dd>")[1].split("</dd>")[0]
    assert period.startswith("From ") and "–" not in period
    with client.session_transaction() as session:
        session["lang"] = "sv"
    swedish = client.get(f"/orders/{placement.id}").text
    assert "<dd>Från " in swedish and "– –" not in swedish
    staff_page = client.get(f"/placements/{placement.id}")
    assert staff_page.status_code == 403  # the case worker's own page only
