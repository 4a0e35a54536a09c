"""The statistics page in real Chromium, as a case worker (small numbers hidden) and as an
admin: no horizontal scroll, big enough touch targets, no axe violations, nothing blocked
by the content security policy."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.checks import SMALL_TARGETS
from tests.e2e.conftest import LAPTOP, TABLET


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
@pytest.mark.parametrize("username", ["handlaggare", "samordnare"])
def test_statistics_page_fits_touch_and_passes_axe(sign_in, live_server, viewport, username):
    page = sign_in(username)
    page.set_viewport_size(viewport)
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.get_by_role("link", name="Statistik").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Statistik", level=1).is_visible()
    assert page.locator("svg[role=img]").count() == 2
    hidden_note = page.locator("#small-numbers")
    assert hidden_note.count() == (1 if username == "handlaggare" else 0)
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert page.evaluate(SMALL_TARGETS) == []
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert not csp_errors, csp_errors
