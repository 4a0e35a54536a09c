"""The case worker's view: their own orders with status and dates, and about each person
only what a consent in force shares with their ordering unit, at the moment they look."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date, format_percent

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.attendance.queries import attendance_summary
from movetrack.audit import AuditEvent
from movetrack.auth.models import Role
from movetrack.auth.policy import NOTHING, what_orderer_may_see
from movetrack.clock import local_today
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.i18n import FORMAT_LOCALES
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import (
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from tests import factories
from tests.helpers import count_queries, csrf_token, post_form


def four_weeks_ago() -> dt.date:
    """The Monday four weeks before this week's."""
    today = local_today()
    return today - dt.timedelta(days=today.weekday(), weeks=4)



def _with_history(placement) -> Placement:
    """The placement with the status events its story is told from: ordered, then active."""
    db.session.add(PlacementEvent(placement=placement, from_status=None,
                                  to_status=PlacementStatus.ORDERED, on_date=placement.received_on))
    if placement.start_date:
        db.session.add(PlacementEvent(
            placement=placement, from_status=PlacementStatus.ORDERED,
            to_status=PlacementStatus.ACTIVE, on_date=placement.start_date))
    return placement


def _consent(participant, ordering_unit, by, **shares) -> Consent:
    consent = Consent(participant=participant, ordering_unit=ordering_unit,
                      given_on=four_weeks_ago(), recorded_by_id=by.id, **shares)
    db.session.add(consent)
    db.session.commit()
    return consent


EVERYTHING = {"share_progress": True, "share_attendance": True, "share_follow_up_notes": True}


@pytest.fixture
def orders(world):
    """Anna's active placement ordered by Olle at Arbetsförmedlingen, with a Monday and
    Wednesday schedule, four weeks of Mondays recorded, a step up, one follow-up held and one
    due; Bertil's placement ordered by a case worker at social services; and an order of
    Olle's colleague for a third person."""
    social = OrderingUnit(organisation=world.org, name="Socialtjänsten")
    soc_worker = factories.make_user(world.org, "soc", Role.ORDERER, ordering_unit=social,
                                     name="Siv Social")
    colleague = factories.make_user(world.org, "kollega", Role.ORDERER, ordering_unit=world.af,
                                    name="Kalle Kollega")
    cecilia = factories.make_participant(world.passagen, "Cecilia Ceder")
    anna_order = _with_history(factories.make_placement(
        world.anna, world.af, case_worker=world.orderer, start_date=four_weeks_ago(),
        schedule={0: Decimal(4), 2: Decimal(4)}))
    for week in range(4):
        day = four_weeks_ago() + dt.timedelta(weeks=week)
        status = AttendanceStatus.SICK if week == 1 else AttendanceStatus.PRESENT
        db.session.add(Attendance(placement=anna_order, on_date=day, status=status))
    world.anna_module.assigned_on = four_weeks_ago()
    world.anna_module.placement = anna_order  # taken in at intake
    factories.rate(world.anna_module, 4, world.supervisor, four_weeks_ago() + dt.timedelta(days=7))
    held = FollowUp(placement=anna_order, kind=FollowUpKind.SCHEDULED, label="3 veckor",
                    due_on=four_weeks_ago() + dt.timedelta(weeks=3),
                    held_on=four_weeks_ago() + dt.timedelta(weeks=3, days=1),
                    notes="Trivs i snickeriet.", decisions="Fortsätter tre dagar i veckan.")
    due = FollowUp(placement=anna_order, kind=FollowUpKind.SCHEDULED, label="2 månader",
                   due_on=four_weeks_ago() + dt.timedelta(weeks=8))
    db.session.add_all([held, due])
    bertil_order = _with_history(factories.make_placement(
        world.bertil, social, case_worker=soc_worker, start_date=four_weeks_ago()))
    colleague_order = _with_history(
        factories.make_placement(cecilia, world.af, case_worker=colleague))
    db.session.commit()
    return SimpleNamespace(**locals())


def _order_page(client, placement):
    return client.get(f"/orders/{placement.id}")


def _disclosures():
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "consent.details_shown")).all()


# --- the list -------------------------------------------------------------------------------


def test_the_case_workers_start_page_is_their_orders(client, world, orders, sign_in):
    sign_in("handlaggare")
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/orders/")
    page = client.get("/orders/")
    assert page.status_code == 200
    assert "My orders" in page.text and "Anna Andersson" in page.text
    assert "Active" in page.text and "Passagen" in page.text
    assert "No consent to share details" in page.text
    # Nothing of other ordering units, nor of a colleague's orders.
    assert "Bertil" not in page.text and "Cecilia" not in page.text


def _row(page_html: str, name: str) -> str:
    """The table row of the order for the named person."""
    return page_html.split(name)[1].split("</tr>")[0]


def _english_date(app, day: dt.date) -> str:
    with app.test_request_context(), force_locale(FORMAT_LOCALES["en"]):
        return format_date(day)


def test_the_list_shows_what_is_shared_and_the_next_follow_up_only_with_consent(
        app, client, world, orders, sign_in):
    sign_in("handlaggare")
    due_on = _english_date(app, orders.due.due_on)
    row = _row(client.get("/orders/").text, "Anna Andersson")
    assert due_on not in row and "Not shared" in row
    _consent(world.anna, world.af, world.admin, share_attendance=True)
    row = _row(client.get("/orders/").text, "Anna Andersson")
    assert "Attendance" in row and "No consent" not in row and "Progress summary" not in row
    assert due_on in row


def test_the_list_filters_open_and_closed_orders(client, world, orders, sign_in):
    doris = factories.make_participant(world.passagen, "Doris Dahl")
    _with_history(factories.make_placement(doris, world.af, case_worker=world.orderer,
                                           start_date=four_weeks_ago(), end_date=local_today()))
    db.session.commit()
    sign_in("handlaggare")
    assert "Doris Dahl" not in client.get("/orders/").text
    closed = client.get("/orders/?state=closed").text
    assert "Doris Dahl" in closed and "Anna Andersson" not in closed
    everything = client.get("/orders/?state=all").text
    assert "Doris Dahl" in everything and "Anna Andersson" in everything
    bad = client.get("/orders/?state=nonsense")
    assert bad.status_code == 200 and "Choose one of the listed options." in bad.text
    assert "Anna Andersson" in bad.text


def test_the_list_costs_the_same_number_of_queries_for_2_or_20_orders(client, world, orders, sign_in):
    sign_in("handlaggare")
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    client.get("/orders/?state=all")
    with count_queries() as few:
        short = client.get("/orders/?state=all")
    assert short.status_code == 200 and short.text.count('href="/orders/') == 2
    for number in range(18):
        person = factories.make_participant(world.passagen, f"Person {number}")
        placement = _with_history(factories.make_placement(
            person, world.af, PlacementStatus.DECLINED, case_worker=world.orderer))
        if number % 2:
            _consent(person, world.af, world.admin, share_progress=True)
        db.session.add(FollowUp(placement=placement, kind=FollowUpKind.SCHEDULED, label="3 veckor",
                                due_on=local_today()))
    db.session.commit()
    with count_queries() as many:
        page = client.get("/orders/?state=all")
    assert page.status_code == 200 and page.text.count('href="/orders/') == 20
    assert many.count == few.count


# --- one order ------------------------------------------------------------------------------


def test_without_consent_the_order_shows_its_status_and_dates_only(client, world, orders, sign_in):
    sign_in("handlaggare")
    page = _order_page(client, orders.anna_order)
    assert page.status_code == 200
    text = page.text
    assert "Anna Andersson" in text and "Active" in text and "Work training" in text
    assert "No consent to share details." in text
    for detail in ("Slipa en stol", "Trivs i snickeriet", "Fortsätter", "2 månader", "Attendance",
                   "Progress summary", "Follow-up notes"):
        assert detail not in text
    assert _disclosures() == []  # nothing was shown, nothing to log


def test_with_full_consent_the_case_worker_sees_progress_attendance_and_notes(
        client, world, orders, sign_in):
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in("handlaggare")
    text = _order_page(client, orders.anna_order).text
    assert "No consent to share details" not in text
    # Progress: the module with baseline 2, step now 4, goal 6, and the last follow-up.
    progress = text.split('id="progress-heading"')[1].split("</section>")[0]
    assert "Slipa en stol" in progress
    cells = [cell.split("<")[0] for cell in progress.split('class="number-cell">')[1:]]
    assert cells == ["2", "4", "6"]
    assert orders.held.held_on.strftime("%Y") in progress and "Last follow-up held" in progress
    # Attendance: Mondays and Wednesdays for four weeks (and this week so far), three present.
    attendance = text.split('id="attendance-heading"')[1].split("</section>")[0]
    assert "Here 3 of" in attendance and "Absent, sick" in attendance
    # The next follow-up and the notes.
    assert "2 månader" in text
    assert "Trivs i snickeriet." in text and "Fortsätter tre dagar i veckan." in text
    disclosure = _disclosures()[0]
    assert disclosure.actor_id == world.orderer.id and disclosure.participant_id == world.anna.id
    assert disclosure.details["shares"] == ["progress", "attendance", "follow_up_notes"]


def test_a_partial_consent_shows_only_its_parts(client, world, orders, sign_in):
    _consent(world.anna, world.af, world.admin, share_attendance=True)
    sign_in("handlaggare")
    text = _order_page(client, orders.anna_order).text
    assert "Here 3 of" in text and "2 månader" in text
    assert "Slipa en stol" not in text and "Trivs i snickeriet" not in text
    assert text.count("has not consented to share this with Arbetsförmedlingen") == 2


def test_a_consent_withdrawn_while_the_page_is_open_shows_nothing_more(app, client, world, orders, sign_in):
    consent = _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in("handlaggare")
    assert "Trivs i snickeriet." in _order_page(client, orders.anna_order).text

    coordinator = app.test_client()  # meanwhile, on the coordinator's computer
    post_form(coordinator, "/login", data={"username": "admin", "password": factories.PASSWORD})
    url = f"/participants/{world.anna.id}/consent"
    response = coordinator.post(f"{url}/{consent.id}/withdraw", data={
        "csrf_token": csrf_token(coordinator.get(url).text),
        f"withdraw-{consent.id}-withdrawn_on": local_today().isoformat(),
        f"withdraw-{consent.id}-confirmed": "y",
    })
    assert response.status_code == 302

    reloaded = _order_page(client, orders.anna_order)
    assert reloaded.status_code == 200
    assert "No consent to share details." in reloaded.text
    for detail in ("Trivs i snickeriet", "Slipa en stol", "2 månader"):
        assert detail not in reloaded.text
    row = _row(client.get("/orders/").text, "Anna Andersson")
    assert "No consent to share details" in row and "Not shared" in row
    assert reloaded.headers["Cache-Control"] == "private, no-store"


def test_a_consent_to_another_ordering_unit_opens_nothing(client, world, orders, sign_in):
    _consent(world.anna, orders.social, world.admin, **EVERYTHING)
    sign_in("handlaggare")
    assert "No consent to share details." in _order_page(client, orders.anna_order).text


def test_an_ended_placement_is_described_as_it_was_on_its_last_day(client, world, orders, sign_in):
    placement = orders.anna_order
    placement.status = PlacementStatus.ENDED
    placement.end_date = four_weeks_ago() + dt.timedelta(days=8)
    placement.exit_outcome = Outcome.STUDIES
    # After the end: not theirs.
    factories.rate(world.anna_module, 5, world.supervisor, local_today())
    baka = factories.make_module("baka", "Baka bröd")
    later = factories.assign(world.anna, baka, on=local_today(), placement=placement)
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in("handlaggare")
    text = _order_page(client, placement).text
    progress = text.split('id="progress-heading"')[1].split("</section>")[0]
    cells = [cell.split("<")[0] for cell in progress.split('class="number-cell">')[1:]]
    assert cells == ["2", "4", "6"]
    assert "Outcome at exit: Studies." in progress
    assert later.module.title not in text
    assert "Here 1 of 3" in text  # Monday, Wednesday (sick week's Monday counts as scheduled)


def test_the_attendance_rate_shows_recorded_and_unrecorded_days_apart_as_staff_see_them(
        app, client, world, orders, sign_in):
    """The rate is attendance_summary's (MOVE.md §5: days here / days scheduled), shown in the
    staff's words, with the days nobody recorded counted apart, not hidden in the rate."""
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in("handlaggare")
    response = _order_page(client, orders.anna_order)
    assert response.status_code == 200
    attendance = response.text.split('id="attendance-heading"')[1].split("</section>")[0]
    with app.test_request_context():
        figures = attendance_summary([orders.anna_order.id], four_weeks_ago(), local_today())[
            orders.anna_order.id]
        with force_locale(FORMAT_LOCALES["en"]):
            rate = format_percent(figures.rate)
    assert figures.present_days == 3 and figures.unrecorded_days > 0
    assert (f"Here 3 of {figures.scheduled_days} scheduled days ({rate}). "
            f"{figures.unrecorded_days} not recorded.") in attendance
    assert "Absent, sick</dt><dd>1 day" in attendance
    assert f"Not recorded</dt><dd>{figures.unrecorded_days} days" in attendance


def test_an_order_not_yet_started_has_no_attendance_to_show(client, world, orders, sign_in):
    _consent(orders.cecilia, world.af, world.admin, **EVERYTHING)
    orders.colleague_order.case_worker = world.orderer
    db.session.commit()
    sign_in("handlaggare")
    text = _order_page(client, orders.colleague_order).text
    assert "Ordered" in text and "Not yet" in text
    assert "No scheduled days yet." in text and "None planned." in text
    assert "No follow-up held yet." in text


def test_visibility_answers_nothing_for_someone_elses_order(world, orders):
    _consent(world.bertil, orders.social, world.admin, **EVERYTHING)
    assert what_orderer_may_see(orders.soc_worker, orders.bertil_order).anything
    assert what_orderer_may_see(world.orderer, orders.bertil_order) == NOTHING
    assert what_orderer_may_see(world.admin, orders.bertil_order) == NOTHING
    orders.bertil_order.case_worker_id = orders.colleague.id  # handed over: the old one sees nothing
    assert what_orderer_may_see(orders.soc_worker, orders.bertil_order) == NOTHING


# --- who may -------------------------------------------------------------------------------


def test_orders_of_other_ordering_units_and_of_colleagues_are_404(client, world, orders, sign_in):
    _consent(world.bertil, orders.social, world.admin, **EVERYTHING)
    sign_in("handlaggare")
    assert _order_page(client, orders.bertil_order).status_code == 404
    assert _order_page(client, orders.colleague_order).status_code == 404
    assert client.get("/orders/999999").status_code == 404


def test_a_case_worker_of_another_unit_sees_nothing_of_ours(client, world, orders, sign_in):
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in("soc")
    page = client.get("/orders/").text
    assert "Bertil Berg" in page and "Anna" not in page
    assert _order_page(client, orders.anna_order).status_code == 404


def test_staff_may_not_use_the_case_workers_view(client, world, orders, sign_in):
    sign_in("admin")
    assert client.get("/orders/").status_code == 403
    assert _order_page(client, orders.anna_order).status_code == 403


def test_case_workers_may_not_open_staff_pages(client, world, orders, sign_in):
    sign_in("handlaggare")
    assert client.get("/day/").status_code == 403
    assert client.get(f"/participants/{world.anna.id}").status_code == 403
    assert client.get(f"/participants/{world.anna.id}/consent").status_code == 403


def test_the_order_page_costs_a_fixed_number_of_queries(client, world, orders, sign_in):
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in("handlaggare")
    _order_page(client, orders.anna_order)
    with count_queries() as few:
        short = _order_page(client, orders.anna_order)
    assert short.status_code == 200 and "Trivs i snickeriet." in short.text
    for number in range(10):
        module = factories.make_module(f"modul-{number}", f"Modul {number}")
        assignment = factories.assign(world.anna, module, baseline=1, goal=5,
                                      on=four_weeks_ago(), placement=orders.anna_order)
        factories.rate(assignment, 3, world.supervisor, four_weeks_ago() + dt.timedelta(days=2))
        db.session.add(FollowUp(placement=orders.anna_order, kind=FollowUpKind.SCHEDULED,
                                label=f"Extra {number}", due_on=four_weeks_ago(),
                                held_on=four_weeks_ago(), notes=f"Anteckning {number}"))
    db.session.commit()
    with count_queries() as many:
        page = _order_page(client, orders.anna_order)
    assert page.status_code == 200 and "Modul 9" in page.text and "Anteckning 9" in page.text
    assert many.count == few.count
