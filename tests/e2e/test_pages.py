"""Every main page: no horizontal scroll, big enough touch targets, no axe violations,
and nothing blocked by the content security policy."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import LAPTOP, TABLET

# A checkbox or radio button is tapped through its label, so the label is its target.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, .button, input:not([type=hidden]), select, textarea, summary, nav a')]
  .filter(el => el.offsetParent !== null)
  .map(el => ({el, target: (el.matches('[type=checkbox], [type=radio]') && el.closest('label')) || el}))
  .map(({el, target}) => ({el, box: target.getBoundingClientRect()}))
  .filter(({box}) => box.width < 44 || box.height < 44)
  .map(({el, box}) =>
    `${el.tagName} "${(el.innerText || el.value || el.name || '').trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`)"""  # noqa: E501 (one JavaScript template literal)


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
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append(f"{name}: scrolls sideways")
        small = page.evaluate(SMALL_TARGETS)
        if small:
            problems.append(f"{name}: small touch targets {small}")
        results = Axe().run(page)
        if results.violations_count:
            problems.append(f"{name}: axe {results.generate_report()}")
    assert not problems, "\n".join(problems)
    assert not csp_errors, csp_errors


def test_login_page_passes_axe(page, live_server):
    page.goto(f"{live_server}/login")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
