"""The participant list a page at a time in real Chromium on a tablet: Next and Previous
are links in a labelled navigation, big enough to tap, nothing scrolls sideways and axe
finds nothing."""

from __future__ import annotations

import re

import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from movetrack.extensions import db
from movetrack.org.models import Unit
from movetrack.participants.models import Participant
from tests.e2e.conftest import TABLET

PEOPLE = 60  # more than a page (50)


def _add_people(live_app) -> None:
    with live_app.app_context():
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == "Passagen"))
        db.session.execute(sa.insert(Participant), [
            {"unit_id": unit.id, "name": f"Zz Sidvisning {number:02d}"} for number in range(PEOPLE)
        ])
        db.session.commit()


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_participant_list_pages_forward_and_back_on_a_tablet(live_app, sign_in, live_server):
    _add_people(live_app)
    page = sign_in("samordnare")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server}/participants/?search=SIDVISNING")
    rows = page.locator("table tbody tr")
    assert rows.count() == 50
    assert _no_sideways_scroll(page)
    pages = page.get_by_role("navigation", name="Sidor")
    following = pages.get_by_role("link", name=re.compile("Nästa"))
    box = following.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44

    following.tap()
    page.wait_for_url(re.compile("after="))
    assert rows.count() == PEOPLE - 50
    assert page.get_by_role("link", name="Zz Sidvisning 59").is_visible()
    assert page.get_by_label("Sök på namn").input_value() == "SIDVISNING"  # the search is kept
    assert _no_sideways_scroll(page)
    results = Axe().run(page)
    assert not results.violations_count, results.generate_report()

    pages.get_by_role("link", name=re.compile("Föregående")).tap()
    page.wait_for_url(re.compile("before="))
    assert rows.count() == 50
    assert page.get_by_role("link", name="Zz Sidvisning 00").is_visible()
    assert pages.get_by_role("link", name=re.compile("Föregående")).count() == 0
