"""A module with Arabic texts on an Arabic-reading participant's own pages, in a real
browser: the page is laid out right to left, each Arabic text is marked as such, the
Swedish ones left to right, it fits a tablet and a laptop, and axe finds nothing serious."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from movetrack.demo import DEMO_CARDS
from tests.e2e.conftest import forget_who_signed_in

AHMED, AHMED_TOKEN, AHMED_PIN, _ = next(card for card in DEMO_CARDS if card[0] == "Ahmed Al-Sayed")
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1280, "height": 800}


def _serious(results) -> list[str]:
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
def test_arabic_module_texts_show_right_to_left_on_the_participants_pages(page, live_server, viewport):
    page.set_viewport_size(viewport)
    forget_who_signed_in(page)
    page.goto(f"{live_server}/card/{AHMED_TOKEN}")
    expect(page.locator("html")).to_have_attribute("lang", "ar")  # the card's words in his language
    page.locator("input[name=pin]").fill(AHMED_PIN)
    page.locator("form:has(input[name=pin]) button[type=submit]").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("خطواتي")

    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    module = page.locator(".own-module", has=page.locator("h2", has_text="صنفرة كرسي"))
    sanding = module.locator("h2")
    expect(sanding).to_have_attribute("lang", "ar")
    assert sanding.evaluate("element => getComputedStyle(element).direction") == "rtl"
    # His sixth module has no Arabic: its title is Swedish, whole, and left to right.
    swedish = page.locator(".own-module h2[lang=sv]")
    expect(swedish).to_have_count(1)
    assert swedish.evaluate("element => getComputedStyle(element).direction") == "ltr"
    # Mirrored: the heading starts at the right edge of its panel.
    panel = module.bounding_box()
    heading = sanding.bounding_box()
    assert panel["x"] + panel["width"] - (heading["x"] + heading["width"]) < 40

    problems = []
    for name in ("home", "module"):
        if name == "module":
            module.get_by_role("link").last.tap()
            expect(page.get_by_role("heading", level=1)).to_have_text("صنفرة كرسي")
            expect(page.locator(".step-title[lang=ar]")).to_have_count(10)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append(f"{name}: scrolls sideways")
        problems += [f"{name}: {problem}" for problem in _serious(Axe().run(page))]
    assert not problems, "\n".join(problems)


def test_the_participants_page_in_persian_fits_a_tablet_right_to_left(page, live_server):
    """Ahmed picks Persian on the switch: the page's own words are Persian (as a Dari reader's
    are), his module texts stay Arabic, each marked so."""
    page.set_viewport_size(TABLET)
    forget_who_signed_in(page)
    page.goto(f"{live_server}/card/{AHMED_TOKEN}")
    page.locator("input[name=pin]").fill(AHMED_PIN)
    page.locator("form:has(input[name=pin]) button[type=submit]").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("خطواتي")
    page.locator(".lang-switch button[value=fa]").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("مراحل من")

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fa")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator(".own-module h2[lang=ar]", has_text="صنفرة كرسي")).to_have_count(1)
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "scrolls sideways"
    assert _serious(Axe().run(page)) == []
