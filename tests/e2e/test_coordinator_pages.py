"""The coordinator's placement pages in real Chromium: read-only facts do not look like
inputs, the placement's sub-navigation looks like navigation, the order form narrows the
case workers to the chosen ordering unit, and the pages fit, pass axe and break no CSP."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import LAPTOP, TABLET

BOX = """el => { const s = getComputedStyle(el);
  return {border: parseFloat(s.borderTopWidth), background: s.backgroundColor}; }"""


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
def test_placement_and_participant_pages_fit_and_look_like_what_they_are(
        sign_in, live_server, viewport):
    page = sign_in("samordnare")
    page.set_viewport_size(viewport)
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server}/placements/")
    page.locator("table a[href^='/placements/']").first.click()
    page.wait_for_load_state()
    placement_url = page.url
    nav = page.locator("nav.subnav")
    assert nav.get_attribute("aria-label") == "Den här placeringen"
    current = nav.locator("a[aria-current='page']")
    assert current.count() == 1
    style = current.evaluate("""el => { const s = getComputedStyle(el);
      return {line: s.textDecorationLine, background: s.backgroundColor,
              radius: s.borderTopLeftRadius, height: el.getBoundingClientRect().height}; }""")
    assert style["line"] == "underline" and style["radius"] == "0px"
    assert style["background"] in ("rgba(0, 0, 0, 0)", "transparent")  # not a button
    assert style["height"] >= 44
    for url in (placement_url, page.locator("nav.subnav a", has_text="Moduler").get_attribute("href")):
        page.goto(url if url.startswith("http") else f"{live_server}{url}")
        assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        results = Axe().run(page)
        assert not results.violations_count, results.generate_report()
    fact = page.locator(".details-list div").first.evaluate(BOX)
    assert fact["border"] == 0 and fact["background"] in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.get_by_role("link", name="Handlingsplan").count() >= 1
    assert not csp_errors, csp_errors


def test_the_order_form_narrows_case_workers_to_the_chosen_unit(sign_in, live_server):
    page = sign_in("samordnare")
    page.goto(f"{live_server}/placements/new")
    case_workers = page.locator("#case_worker_id option:not([value=''])")
    assert case_workers.count() >= 2
    page.select_option("#ordering_unit_id", label="Arbetsförmedlingen")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#case_worker_id option')].length === 2"
    )
    assert case_workers.all_inner_texts() == ["Johan Berglund"]
