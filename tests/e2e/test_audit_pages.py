"""Reads in the audit log, in a real browser: the participant sees, on a tablet, who has
looked at their data; the coordinator's audit log fits a tablet and a laptop."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, TABLET, forget_who_signed_in
from tests.e2e.test_participant_side import ANNA, _ids, _no_horizontal_scroll, _sign_in_with_pin


def _accessible(page) -> None:
    results = Axe().run(page)
    assert not results.violations_count, results.generate_report()


def test_the_participant_sees_on_a_tablet_that_their_supervisor_looked(page, live_server, live_app, sign_in):
    anna_id, _ = _ids(live_app, ANNA)
    sign_in("handledare")
    page.goto(f"{live_server}/participants/{anna_id}")
    forget_who_signed_in(page)
    _sign_in_with_pin(page, live_server)
    page.get_by_role("link", name="Se vem som har tittat").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vem har tittat på mina uppgifter")
    # The page he opened (the tablet may also have kept today's module pages, later reads).
    look = page.locator(".timeline li", has_text="Din sida").first
    expect(look).to_contain_text("Henrik Sjöberg (Handledare)")
    _no_horizontal_scroll(page)
    _accessible(page)


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
def test_the_coordinators_audit_log_fits_and_filters(sign_in, live_server, viewport):
    page = sign_in("samordnare")
    page.set_viewport_size(viewport)
    page.goto(f"{live_server}/admin/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Granskningslogg")
    page.get_by_label("Vad").select_option("participant.read")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_load_state()
    assert "action=participant.read" in page.url
    _no_horizontal_scroll(page)
    _accessible(page)
