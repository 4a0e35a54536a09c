"""Every main page: no horizontal scroll, big enough touch targets, no axe violations,
and nothing blocked by the content security policy."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.checks import what_is_wrong
from tests.e2e.conftest import LAPTOP, TABLET


def supervisor_pages(page, live_server):
    """Walk the supervisor's path and yield (name, url) of each page on it."""
    yield "day view", page.url
    page.locator(".person-tile", has_text="Anna").click()
    yield "participant's modules", page.url
    page.get_by_role("link", name=re.compile("Introduktion")).first.click()
    steps_url = page.url
    yield "steps", steps_url
    yield "history", steps_url + "/history"
    yield "library", f"{live_server}/library/"
    yield "participants", f"{live_server}/participants/"
    yield "password", f"{live_server}/account/password"


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
def test_supervisor_pages_fit_touch_and_pass_axe(sign_in, live_server, viewport):
    page = sign_in("handledare")
    page.set_viewport_size(viewport)
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    problems = []
    for name, url in list(supervisor_pages(page, live_server)):
        page.goto(url)
        problems += [f"{name}: {wrong}" for wrong in what_is_wrong(page)]
    assert not problems, "\n".join(problems)
    assert not csp_errors, csp_errors


def test_login_page_passes_axe(page, live_server):
    page.goto(f"{live_server}/login")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
