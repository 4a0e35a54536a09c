"""The tablet check-in, in a real browser with touch: one tap per person on the day view,
saved without reloading the page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from movetrack.attendance.models import Attendance
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Unit
from movetrack.participants.models import Participant
from movetrack.placements.models import Placement, PlacementStatus, Purpose, ScheduleDay
from tests.e2e.checks import what_is_wrong
from tests.e2e.conftest import LAPTOP, TABLET

PERSON = "Vera Viklund"  # not in the demo data: her day is this test's alone


@pytest.fixture(scope="module")
def live_db(live_app, live_server):
    """The live server's database, for arranging this test's own person."""
    with live_app.app_context():
        yield


def scheduled_every_day(name: str) -> int:
    """A person in Passagen with a running placement scheduled every day of the week, so
    they are expected today whatever day the test runs. Each test file names its own: a
    day's record one file changes must not be another file's starting point."""
    existing = db.session.scalar(
        sa.select(Placement).join(Placement.participant).where(Participant.name == name)
    )
    if existing:
        return existing.id
    today = local_today()
    passagen = db.session.scalar(sa.select(Unit).where(Unit.name == "Passagen"))
    person = Participant(name=name, unit=passagen)
    placement = Placement(
        participant=person, unit=passagen, purpose=Purpose.WORK_TRAINING,
        ordering_unit=db.session.scalar(
            sa.select(OrderingUnit).where(OrderingUnit.name == "Arbetsförmedlingen")
        ),
        received_on=today - dt.timedelta(days=40), start_date=today - dt.timedelta(days=14),
        status=PlacementStatus.ACTIVE,
        schedule=[ScheduleDay(weekday=day, hours=Decimal(6)) for day in range(7)],
    )
    db.session.add(placement)
    db.session.commit()
    return placement.id


@pytest.fixture(scope="module")
def placement_id(live_db) -> int:
    return scheduled_every_day(PERSON)


def todays_record(placement_id: int) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.placement_id == placement_id, Attendance.on_date == local_today()
        )
    )


def signed_in_on_the_day_view(sign_in):
    page = sign_in("handledare")
    page.wait_for_url(re.compile(r"/day/units/\d+$"))  # the sign-in's redirects have landed
    return page


def test_supervisor_checks_in_with_one_tap_without_a_reload(sign_in, placement_id):
    page = signed_in_on_the_day_view(sign_in)
    tile = page.locator(f"#attendance-{placement_id}")
    expect(tile).to_contain_text("Vera")
    here = tile.locator(".checkin-here")
    expect(here).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.__sameDocument = true")  # survives only if nothing reloads the page

    here.tap()

    expect(tile.locator(".checkin-here")).to_have_attribute("aria-pressed", "true")
    expect(tile).to_have_class(re.compile("checkin-present"))
    expect(page.locator("#checkin-count")).to_contain_text(re.compile(r"[1-9]"))
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of htmx"
    record = todays_record(placement_id)
    assert record is not None and record.status == "present"

    # Anything but a whole day: the menu, the hours as a Swedish person writes them.
    # The page's one copy of the menu opens in the tile, named for the person and labelled.
    tile.locator(".checkin-other").tap()
    expect(tile.locator(".checkin-more > summary")).to_be_focused()
    expect(tile.get_by_role("button", name=re.compile("Ta bort registreringen – Vera"))).to_be_visible()
    tile.get_by_label(re.compile(r"Timmar här \(av 6")).fill("2,5")
    tile.locator("button[value=partly]").tap()
    expect(tile).to_have_class(re.compile("checkin-partly"))
    expect(tile.locator(".checkin-status")).to_contain_text("2,5")
    assert page.evaluate("window.__sameDocument === true")
    record = todays_record(placement_id)
    assert (record.status, record.hours, record.version) == ("partly", Decimal("2.5"), 2)


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
def test_attendance_pages_fit_touch_and_pass_axe(sign_in, live_server, placement_id, viewport):
    page = signed_in_on_the_day_view(sign_in)
    page.set_viewport_size(viewport)
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    problems = []
    for name, url in [
        ("day view", page.url),
        ("placement's attendance", f"{live_server}/placements/{placement_id}/attendance"),
        ("monthly report", f"{live_server}/attendance/report"),
    ]:
        page.goto(url)
        if name == "day view":  # the menu open, as a supervisor uses it
            page.locator(f"#attendance-{placement_id} .checkin-other").tap()
        problems += [f"{name}: {wrong}" for wrong in what_is_wrong(page)]
    assert not problems, "\n".join(problems)
    assert not csp_errors, csp_errors
