"""The case worker's view: their own orders with status and dates, and about each person
only what a consent in force shares with their ordering unit, at the moment they look."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date, format_percent

from movetrack.attendance.queries import attendance_summary
from movetrack.audit import AuditEvent
from movetrack.auth.models import Role
from movetrack.consent.visibility import NOTHING, what_orderer_may_see
from movetrack.extensions import db
from movetrack.i18n import FORMAT_LOCALES
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import (
    Attendance,
    AttendanceStatus,
    Consent,
    FollowUp,
    FollowUpKind,
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
    Purpose,
    ScheduleDay,
)
from tests import factories
from tests.helpers import count_queries, csrf_token
from tests.test_consent import sign_in

TODAY = dt.date.today()
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())
FOUR_WEEKS_AGO = MONDAY - dt.timedelta(weeks=4)


def _placement(participant, ordering_unit, case_worker, status=PlacementStatus.ORDERED,
               received_on=FOUR_WEEKS_AGO - dt.timedelta(days=10), start_date=None, **fields):
    placement = Placement(
        participant=participant, unit=participant.unit, ordering_unit=ordering_unit,
        case_worker=case_worker, status=status, purpose=Purpose.WORK_TRAINING,
        received_on=received_on, start_date=start_date, **fields,
    )
    db.session.add(placement)
    db.session.add(PlacementEvent(placement=placement, from_status=None,
                                  to_status=PlacementStatus.ORDERED, on_date=received_on))
    if start_date:
        db.session.add(PlacementEvent(placement=placement, from_status=PlacementStatus.ORDERED,
                                      to_status=PlacementStatus.ACTIVE, on_date=start_date))
    return placement


def _consent(participant, ordering_unit, by, **shares) -> Consent:
    consent = Consent(participant=participant, ordering_unit=ordering_unit,
                      given_on=FOUR_WEEKS_AGO, recorded_by_id=by.id, **shares)
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
    anna_order = _placement(world.anna, world.af, world.orderer, PlacementStatus.ACTIVE,
                            start_date=FOUR_WEEKS_AGO)
    anna_order.schedule = [ScheduleDay(weekday=0, hours=Decimal(4)),
                           ScheduleDay(weekday=2, hours=Decimal(4))]
    for week in range(4):
        day = FOUR_WEEKS_AGO + dt.timedelta(weeks=week)
        status = AttendanceStatus.SICK if week == 1 else AttendanceStatus.PRESENT
        db.session.add(Attendance(placement=anna_order, on_date=day, status=status))
    world.anna_module.assigned_on = FOUR_WEEKS_AGO
    factories.rate(world.anna_module, 4, world.supervisor, FOUR_WEEKS_AGO + dt.timedelta(days=7))
    held = FollowUp(placement=anna_order, kind=FollowUpKind.SCHEDULED, label="3 veckor",
                    due_on=FOUR_WEEKS_AGO + dt.timedelta(weeks=3),
                    held_on=FOUR_WEEKS_AGO + dt.timedelta(weeks=3, days=1),
                    notes="Trivs i snickeriet.", decisions="Fortsätter tre dagar i veckan.")
    due = FollowUp(placement=anna_order, kind=FollowUpKind.SCHEDULED, label="2 månader",
                   due_on=FOUR_WEEKS_AGO + dt.timedelta(weeks=8))
    db.session.add_all([held, due])
    bertil_order = _placement(world.bertil, social, soc_worker, PlacementStatus.ACTIVE,
                              start_date=FOUR_WEEKS_AGO)
    colleague_order = _placement(cecilia, world.af, colleague)
    db.session.commit()
    return SimpleNamespace(**locals())


def _order_page(client, placement):
    return client.get(f"/orders/{placement.id}")


def _disclosures():
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "consent.details_shown")).all()


# --- the list -------------------------------------------------------------------------------


def test_the_case_workers_start_page_is_their_orders(client, world, orders):
    sign_in(client, "handlaggare")
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
        app, client, world, orders):
    sign_in(client, "handlaggare")
    due_on = _english_date(app, orders.due.due_on)
    row = _row(client.get("/orders/").text, "Anna Andersson")
    assert due_on not in row and "Not shared" in row
    _consent(world.anna, world.af, world.admin, share_attendance=True)
    row = _row(client.get("/orders/").text, "Anna Andersson")
    assert "Attendance" in row and "No consent" not in row and "Progress summary" not in row
    assert due_on in row


def test_the_list_filters_open_and_closed_orders(client, world, orders):
    _placement(factories.make_participant(world.passagen, "Doris Dahl"), world.af,
                       world.orderer, PlacementStatus.ENDED, start_date=FOUR_WEEKS_AGO,
                       end_date=TODAY, exit_outcome=Outcome.WORK)
    db.session.commit()
    sign_in(client, "handlaggare")
    assert "Doris Dahl" not in client.get("/orders/").text
    closed = client.get("/orders/?state=closed").text
    assert "Doris Dahl" in closed and "Anna Andersson" not in closed
    everything = client.get("/orders/?state=all").text
    assert "Doris Dahl" in everything and "Anna Andersson" in everything
    bad = client.get("/orders/?state=nonsense")
    assert bad.status_code == 200 and "Choose one of the listed options." in bad.text
    assert "Anna Andersson" in bad.text


def test_the_list_costs_the_same_number_of_queries_for_2_or_20_orders(client, world, orders):
    sign_in(client, "handlaggare")
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    client.get("/orders/?state=all")
    with count_queries() as few:
        client.get("/orders/?state=all")
    for number in range(18):
        person = factories.make_participant(world.passagen, f"Person {number}")
        placement = _placement(person, world.af, world.orderer, PlacementStatus.DECLINED)
        if number % 2:
            _consent(person, world.af, world.admin, share_progress=True)
        db.session.add(FollowUp(placement=placement, kind=FollowUpKind.SCHEDULED, label="3 veckor",
                                due_on=TODAY))
    db.session.commit()
    with count_queries() as many:
        page = client.get("/orders/?state=all")
    assert page.text.count('href="/orders/') == 20
    assert many.count == few.count


# --- one order ------------------------------------------------------------------------------


def test_without_consent_the_order_shows_its_status_and_dates_only(client, world, orders):
    sign_in(client, "handlaggare")
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
        client, world, orders):
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in(client, "handlaggare")
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


def test_a_partial_consent_shows_only_its_parts(client, world, orders):
    _consent(world.anna, world.af, world.admin, share_attendance=True)
    sign_in(client, "handlaggare")
    text = _order_page(client, orders.anna_order).text
    assert "Here 3 of" in text and "2 månader" in text
    assert "Slipa en stol" not in text and "Trivs i snickeriet" not in text
    assert text.count("has not consented to share this with Arbetsförmedlingen") == 2


def test_a_consent_withdrawn_while_the_page_is_open_shows_nothing_more(app, client, world, orders):
    consent = _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in(client, "handlaggare")
    assert "Trivs i snickeriet." in _order_page(client, orders.anna_order).text

    coordinator = app.test_client()  # meanwhile, on the coordinator's computer
    sign_in(coordinator, "admin")
    url = f"/participants/{world.anna.id}/consent"
    response = coordinator.post(f"{url}/{consent.id}/withdraw", data={
        "csrf_token": csrf_token(coordinator.get(url).text),
        f"withdraw-{consent.id}-withdrawn_on": TODAY.isoformat(),
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


def test_a_consent_to_another_ordering_unit_opens_nothing(client, world, orders):
    _consent(world.anna, orders.social, world.admin, **EVERYTHING)
    sign_in(client, "handlaggare")
    assert "No consent to share details." in _order_page(client, orders.anna_order).text


def test_an_ended_placement_is_described_as_it_was_on_its_last_day(client, world, orders):
    placement = orders.anna_order
    placement.status = PlacementStatus.ENDED
    placement.end_date = FOUR_WEEKS_AGO + dt.timedelta(days=8)
    placement.exit_outcome = Outcome.STUDIES
    factories.rate(world.anna_module, 5, world.supervisor, TODAY)  # after the end: not theirs
    later = factories.assign(world.anna, factories.make_module("baka", "Baka bröd"), on=TODAY)
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in(client, "handlaggare")
    text = _order_page(client, placement).text
    progress = text.split('id="progress-heading"')[1].split("</section>")[0]
    cells = [cell.split("<")[0] for cell in progress.split('class="number-cell">')[1:]]
    assert cells == ["2", "4", "6"]
    assert "Outcome at exit: Studies." in progress
    assert later.module.title not in text
    assert "Here 1 of 3" in text  # Monday, Wednesday (sick week's Monday counts as scheduled)


def test_the_attendance_rate_shows_recorded_and_unrecorded_days_apart_as_staff_see_them(
        app, client, world, orders):
    """The rate is attendance_summary's (MOVE.md §5: days here / days scheduled), shown in the
    staff's words, with the days nobody recorded counted apart, not hidden in the rate."""
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in(client, "handlaggare")
    response = _order_page(client, orders.anna_order)
    assert response.status_code == 200
    attendance = response.text.split('id="attendance-heading"')[1].split("</section>")[0]
    with app.test_request_context():
        figures = attendance_summary([orders.anna_order.id], FOUR_WEEKS_AGO, TODAY)[
            orders.anna_order.id]
        with force_locale(FORMAT_LOCALES["en"]):
            rate = format_percent(figures.rate)
    assert figures.present_days == 3 and figures.unrecorded_days > 0
    assert (f"Here 3 of {figures.scheduled_days} scheduled days ({rate}). "
            f"{figures.unrecorded_days} not recorded.") in attendance
    assert "Absent, sick</dt><dd>1 day" in attendance
    assert f"Not recorded</dt><dd>{figures.unrecorded_days} days" in attendance


def test_an_order_not_yet_started_has_no_attendance_to_show(client, world, orders):
    _consent(orders.cecilia, world.af, world.admin, **EVERYTHING)
    orders.colleague_order.case_worker = world.orderer
    db.session.commit()
    sign_in(client, "handlaggare")
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


def test_orders_of_other_ordering_units_and_of_colleagues_are_404(client, world, orders):
    _consent(world.bertil, orders.social, world.admin, **EVERYTHING)
    sign_in(client, "handlaggare")
    assert _order_page(client, orders.bertil_order).status_code == 404
    assert _order_page(client, orders.colleague_order).status_code == 404
    assert client.get("/orders/999999").status_code == 404


def test_a_case_worker_of_another_unit_sees_nothing_of_ours(client, world, orders):
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in(client, "soc")
    page = client.get("/orders/").text
    assert "Bertil Berg" in page and "Anna" not in page
    assert _order_page(client, orders.anna_order).status_code == 404


def test_staff_may_not_use_the_case_workers_view(client, world, orders):
    sign_in(client, "admin")
    assert client.get("/orders/").status_code == 403
    assert _order_page(client, orders.anna_order).status_code == 403


def test_case_workers_may_not_open_staff_pages(client, world, orders):
    sign_in(client, "handlaggare")
    assert client.get("/day/").status_code == 403
    assert client.get(f"/participants/{world.anna.id}").status_code == 403
    assert client.get(f"/participants/{world.anna.id}/consent").status_code == 403


def test_the_order_page_costs_a_fixed_number_of_queries(client, world, orders):
    _consent(world.anna, world.af, world.admin, **EVERYTHING)
    sign_in(client, "handlaggare")
    _order_page(client, orders.anna_order)
    with count_queries() as few:
        _order_page(client, orders.anna_order)
    for number in range(10):
        module = factories.make_module(f"modul-{number}", f"Modul {number}")
        assignment = factories.assign(world.anna, module, baseline=1, goal=5,
                                      on=FOUR_WEEKS_AGO)
        factories.rate(assignment, 3, world.supervisor, FOUR_WEEKS_AGO + dt.timedelta(days=2))
        db.session.add(FollowUp(placement=orders.anna_order, kind=FollowUpKind.SCHEDULED,
                                label=f"Extra {number}", due_on=FOUR_WEEKS_AGO,
                                held_on=FOUR_WEEKS_AGO, notes=f"Anteckning {number}"))
    db.session.commit()
    with count_queries() as many:
        page = _order_page(client, orders.anna_order)
    assert "Modul 9" in page.text and "Anteckning 9" in page.text
    assert many.count == few.count
