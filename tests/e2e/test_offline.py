"""The tablet when the workshop Wi-Fi drops, in a real Chromium: taps made offline are kept
on the tablet, marked "not saved yet", and stored exactly once when the connection returns,
also when the first try reached the server and only its answer was lost."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from movetrack.attendance.models import Attendance
from movetrack.clock import local_today
from movetrack.demo import DEMO_PASSWORD
from movetrack.extensions import db
from movetrack.modules.models import Module
from movetrack.participants.models import Assignment, AssignmentStatus
from movetrack.placements.models import Placement
from movetrack.progress.models import Rating
from tests.e2e.conftest import TABLET
from tests.e2e.test_check_in import scheduled_every_day

NOT_SAVED_YET = "Inte sparat än"


@pytest.fixture(scope="module")
def live_db(live_app, live_server):
    with live_app.app_context():
        yield


def scheduled_today_with_modules(name: str, modules: int) -> tuple[int, list[int]]:
    """A person in Passagen expected every day (so today, whatever day the test runs) with
    `modules` active modules of the demo library: (placement id, assignment ids)."""
    placement = db.session.get(Placement, scheduled_every_day(name))
    library = db.session.scalars(
        sa.select(Module).where(Module.archived_at.is_(None)).order_by(Module.id).limit(modules)
    ).all()
    assignments = [Assignment(participant=placement.participant, module=module, assigned_on=local_today())
                   for module in library]
    db.session.add_all(assignments)
    db.session.commit()
    return placement.id, [assignment.id for assignment in assignments]


@pytest.fixture(scope="module")
def otto(live_db):
    return scheduled_today_with_modules("Otto Offline", 2)


@pytest.fixture(scope="module")
def olga(live_db):
    return scheduled_today_with_modules("Olga Offline", 1)


def ratings_of(assignment_id: int) -> list[tuple[int, object]]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(Rating.step, Rating.request_key).where(Rating.assignment_id == assignment_id)
    ).all()


def attendance_today(placement_id: int) -> list[Attendance]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Attendance).where(
            Attendance.placement_id == placement_id, Attendance.on_date == local_today()
        )
    ).all()


def on_the_day_view_with_the_day_kept(sign_in, live_server):
    page = sign_in("handledare")
    page.wait_for_url(re.compile(r"/day/units/\d+$"))
    # The service worker has fetched today's pages (it says so to the page).
    expect(page.locator("body[data-offline-day-kept]")).to_be_attached(timeout=60000)
    return page


def no_accessibility_problems(page):
    results = Axe().run(page)
    assert not results.violations_count, results.generate_report()


def step_button(page, step: int):
    return page.locator(".step-button").nth(step - 1)


def test_two_steps_and_a_check_in_made_offline_are_saved_once_when_back_online(
    sign_in, live_server, otto, context
):
    placement_id, (first, second) = otto
    page = on_the_day_view_with_the_day_kept(sign_in, live_server)
    day_url = page.url

    context.set_offline(True)
    page.locator('.person-tile[data-participant]', has_text="Otto").tap()  # from the kept pages
    page.locator(f'.module-tile[data-assignment="{first}"]').tap()
    page.wait_for_load_state()
    step_button(page, 3).tap()
    expect(page.locator("#rating-panel .offline-pending")).to_contain_text(f"{NOT_SAVED_YET}: steg 3")

    page.goto(f"{live_server}/day/assignments/{second}")
    step_button(page, 5).tap()
    expect(page.locator("#rating-panel .offline-pending")).to_contain_text(f"{NOT_SAVED_YET}: steg 5")

    page.goto(day_url)
    expect(page.locator("[data-offline-banner]")).to_contain_text("Ingen anslutning")
    tile = page.locator(f"#attendance-{placement_id}")
    expect(tile.locator(".person-tile .offline-pending")).to_have_count(2)  # the two steps
    tile.locator(".checkin-here").tap()
    expect(tile.locator(":scope > .offline-pending")).to_contain_text(f"{NOT_SAVED_YET}: närvaro för Otto Offline")
    assert ratings_of(first) == [] and ratings_of(second) == []
    assert attendance_today(placement_id) == []

    no_accessibility_problems(page)

    context.set_offline(False)
    report = page.locator("[data-offline-results]")
    expect(report.locator(".offline-sent")).to_have_count(3)
    expect(page.locator("[data-offline-banner]")).to_be_hidden()
    no_accessibility_problems(page)
    expect(report).to_contain_text("Skickat och sparat: steg 3 för Otto Offline")
    expect(page.locator(".offline-pending")).to_have_count(0)
    expect(tile.locator(".checkin-status")).to_contain_text("Närvarande")  # the saved tile swapped in
    assert [step for step, _key in ratings_of(first)] == [3]
    assert [step for step, _key in ratings_of(second)] == [5]
    assert [record.status.value for record in attendance_today(placement_id)] == ["present"]


def losing_the_first_answer(page, address: str) -> list[int]:
    """The first request to `address` reaches the server, which saves it; its answer never
    reaches the tablet. Later ones go through. Returns the statuses the server gave."""
    arrived = []

    def deliver_then_lose_the_answer(route):
        if not arrived:
            arrived.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(re.escape(address) + "$"), deliver_then_lose_the_answer)
    return arrived


def test_a_step_and_a_check_in_whose_answers_were_lost_are_saved_once(sign_in, live_server, olga, page):
    placement_id, (assignment_id,) = olga
    on_the_day_view_with_the_day_kept(sign_in, live_server)
    arrived = losing_the_first_answer(page, "/attendance/check-in")
    page.locator(f"#attendance-{placement_id} .checkin-here").tap()
    expect(page.locator("[data-offline-results] .offline-sent")).to_contain_text("närvaro för Olga Offline")
    assert arrived == [200]
    assert len(attendance_today(placement_id)) == 1
    expect(page.locator(f"#attendance-{placement_id}")).to_contain_text("Redan sparat")

    page.goto(f"{live_server}/day/assignments/{assignment_id}")
    page.wait_for_load_state()
    arrived = losing_the_first_answer(page, f"/day/assignments/{assignment_id}/ratings")
    step_button(page, 7).tap()
    expect(page.locator("[data-offline-results] .offline-sent")).to_contain_text("steg 7")
    assert arrived == [200]
    assert [step for step, _key in ratings_of(assignment_id)] == [7]
    expect(page.get_by_role("status").filter(has_text="Redan sparat")).to_be_visible()


def test_an_offline_step_the_server_refuses_is_shown_with_its_reason(sign_in, live_server, olga, context):
    _placement_id, (assignment_id,) = olga
    page = on_the_day_view_with_the_day_kept(sign_in, live_server)
    context.set_offline(True)
    page.goto(f"{live_server}/day/assignments/{assignment_id}")
    step_button(page, 4).tap()
    expect(page.locator(".offline-pending")).to_contain_text(NOT_SAVED_YET)

    # Meanwhile, on another device, the module is finished.
    db.session.get(Assignment, assignment_id).status = AssignmentStatus.DONE
    db.session.commit()

    context.set_offline(False)
    refused = page.locator("[data-offline-results] .offline-refused")
    expect(refused).to_contain_text("Inte sparat: steg 4 för Olga Offline.")
    expect(refused).to_contain_text("Modulen är inte aktiv.")
    assert 4 not in [step for step, _key in ratings_of(assignment_id)]


@pytest.mark.parametrize("page_script_clears", [True, False], ids=["script-and-header", "header-alone"])
def test_signing_out_forgets_what_the_tablet_kept(sign_in, live_server, otto, page, page_script_clears):
    """The page's script clears before signing out; the sign-out response's Clear-Site-Data
    header does it too, for when the script did not run (checked alone here)."""
    _placement_id, (first, _second) = otto
    on_the_day_view_with_the_day_kept(sign_in, live_server)
    page.goto(f"{live_server}/day/assignments/{first}")
    page.wait_for_load_state()
    # The connection is down for this address only: the tap stays in the queue on the tablet.
    page.route(re.compile(rf"/day/assignments/{first}/ratings$"), lambda route: route.abort())
    step_button(page, 2).tap()
    expect(page.locator(".offline-pending")).to_be_visible()
    assert page.evaluate("caches.keys()")
    assert page.evaluate(QUEUED) == 1

    if not page_script_clears:
        page.evaluate("document.querySelector('[data-offline-sign-out]').dataset.cleared = 'true'")
    page.locator(".account-menu summary").tap()
    page.get_by_role("button", name="Logga ut").tap()
    page.wait_for_url(re.compile(r"/login"))
    expect(page.get_by_text("Du är utloggad")).to_be_visible()
    assert page.evaluate("caches.keys()") == []
    assert page.evaluate(QUEUED) == 0
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then((all) => all.length)") == 0


# How many taps the tablet's queue holds (0 when the database is gone).
QUEUED = """() => new Promise((resolve) => {
  indexedDB.databases().then((all) => {
    if (!all.some((found) => found.name === "movetrack-offline")) return resolve(0);
    const request = indexedDB.open("movetrack-offline");
    request.onsuccess = () => {
      const database = request.result;
      if (!database.objectStoreNames.contains("queue")) { database.close(); return resolve(0); }
      const count = database.transaction("queue").objectStore("queue").count();
      count.onsuccess = () => { database.close(); resolve(count.result); };
    };
  });
})"""


def test_chromium_sees_the_app_as_installable(browser_type, browser_type_launch_args, live_server,
                                              tmp_path):
    """In a browser profile of its own: Chromium never offers to install from incognito,
    which every other test's context is."""
    context = browser_type.launch_persistent_context(tmp_path, **browser_type_launch_args,
                                                     viewport=TABLET, locale="sv-SE")
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Användarnamn").fill("handledare")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/day/units/\d+$"))
    expect(page.locator("body[data-offline-day-kept]")).to_be_attached(timeout=60000)
    session = context.new_cdp_session(page)
    manifest = session.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert session.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    context.close()
