"""The supervisor's tablet in a real Chromium with touch (issue 8, items 1–5, 7 and 8):
positions, sizes and focus are measured, not assumed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from movetrack.extensions import db, limiter
from movetrack.progress.models import Rating
from tests.e2e.conftest import LAPTOP, TABLET
from tests.e2e.test_check_in import live_db, scheduled_every_day, todays_record  # noqa: F401

MAX_HEADER_HEIGHT = 80

# Every word of the element's visible text that the browser laid out on more than one
# line, i.e. broke inside the word (a break at a hyphen is a break between words).
BROKEN_WORDS = """(root) => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const words = /[^\\s\\-–]+/g;
    let match;
    while ((match = words.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0)
        .map((r) => Math.round(r.bottom)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""

BOX = (
    "(el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom,"
    " left: r.left, right: r.right, width: r.width, height: r.height}; }"
)


@pytest.fixture(autouse=True)
def fresh_sign_in_limits(live_app):
    """These tests sign in more than the sign-in limit allows in a minute from one address."""
    with live_app.app_context():
        limiter.reset()


def open_steps(sign_in, module: str = "Introduktion"):
    """Day view → Anna → the module: the supervisor's first two taps."""
    page = sign_in("handledare")
    page.wait_for_url(re.compile(r"/day/units/\d+$"))
    page.locator(".person-tile", has_text="Anna").tap()
    page.get_by_role("link", name=re.compile(module)).tap()
    expect(page.locator(".step-button")).to_have_count(10)
    return page


def box(locator) -> dict:
    return locator.evaluate(BOX)


def rating_count(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Rating.id)))


@pytest.mark.parametrize("step", [6, 8])
def test_the_confirmation_is_where_the_supervisor_looks_and_has_focus(sign_in, step):
    """Item 1: after tapping step 6 or 8 the confirmation is on screen and focused."""
    page = open_steps(sign_in)
    page.locator(".step-button").nth(step - 1).tap()
    confirmation = page.get_by_role("status").filter(has_text=f"steg {step}")
    expect(confirmation).to_be_visible()
    expect(confirmation).to_be_focused()
    where = box(confirmation)
    height = page.evaluate("innerHeight")
    assert 0 <= where["top"] and where["bottom"] <= height, (where, height)


def test_all_ten_steps_fit_a_tablet_in_portrait_each_a_card_with_its_own_text(sign_in):
    """Item 4: at 768×1024 every step can be tapped without scrolling; each step is a card
    that holds its pictures, its button (≥ 44 px) and its "Vad du gör och hur"."""
    page = open_steps(sign_in)
    assert page.viewport_size == TABLET
    assert page.evaluate("scrollY") == 0
    height = page.evaluate("innerHeight")
    rows = page.locator(".step-row")
    for index in range(10):
        row = rows.nth(index)
        button, details = row.locator(".step-button"), row.locator(".step-details > summary")
        card, target, text = box(row), box(button), box(details)
        assert target["bottom"] <= height, f"step {index + 1} ends at {target['bottom']}"
        assert target["height"] >= 44 and target["width"] >= 44
        assert text["height"] >= 44 and text["width"] >= 44
        assert row.locator(".step-pictures img").count() >= 1
        for part in (target, text):  # inside its own card, not between two
            assert card["top"] <= part["top"] and part["bottom"] <= card["bottom"]
        assert float(row.evaluate("el => parseFloat(getComputedStyle(el).borderTopWidth)")) > 0


def test_a_double_tap_on_a_step_saves_one_rating(sign_in, live_app):
    """Item 2 in the browser: two taps 60 ms apart store one rating."""
    page = open_steps(sign_in, "Närvaro")
    before = rating_count(live_app)
    page.locator(".step-button").nth(2).evaluate(
        "button => { button.click(); setTimeout(() => button.click(), 60); }"
    )
    expect(page.get_by_role("status").filter(has_text="steg 3")).to_be_visible()
    page.wait_for_timeout(1000)  # time for a second request to land, if one were sent
    assert rating_count(live_app) == before + 1


def test_wrong_step_is_corrected_with_a_tap_in_the_same_picker(sign_in, live_app):
    """Item 5: "Fel steg?" is a ≥ 44 px target; it opens the same picker with the reason
    "fel tryck" preset; one tap on the right step saves the correction."""
    page = open_steps(sign_in)
    page.evaluate("window.__sameDocument = true")
    page.locator(".step-button").nth(6).tap()  # meant 6, tapped 7
    fix = page.get_by_role("link", name="Fel steg? Rätta det")
    where = box(fix)
    assert where["height"] >= 44 and where["width"] >= 44, where
    fix.tap()
    expect(page.get_by_label("Varför rättas det?")).to_have_value("fel tryck")
    expect(page.locator(".step-button")).to_have_count(10)
    page.locator(".step-button").nth(5).tap()
    confirmation = page.get_by_role("status").filter(has_text="Rättat: steg 6")
    expect(confirmation).to_be_visible()
    expect(confirmation).to_be_focused()
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of htmx"
    expect(page.locator(".step-row.is-current .step-number")).to_have_text("6")
    with live_app.app_context():
        correction = db.session.scalars(
            sa.select(Rating).where(Rating.corrects_id.is_not(None)).order_by(Rating.id.desc())
        ).first()
        assert (correction.step, correction.correction_reason, correction.corrects.step) == (
            6, "fel tryck", 7,
        )


@pytest.fixture(scope="module")
def placement_id(live_db) -> int:  # noqa: F811  (the fixture imported above)
    """Tove's day is this file's own (test_check_in.py counts the versions of Vera's)."""
    return scheduled_every_day("Tove Tablett")


def test_here_sets_present_a_double_tap_keeps_it_and_removing_is_separate(sign_in, placement_id):
    """Item 3: "Här" never toggles; taking a check-in away is its own button."""
    page = sign_in("handledare")
    page.wait_for_url(re.compile(r"/day/units/\d+$"))
    tile = page.locator(f"#attendance-{placement_id}")
    here = tile.locator(".checkin-here")
    here.tap()
    expect(tile.locator(".checkin-here")).to_have_attribute("aria-pressed", "true")
    tile.locator(".checkin-here").evaluate(
        "button => { button.click(); setTimeout(() => button.click(), 60); }"
    )
    # Both taps answered (htmx marks an element while its request is out): a late answer
    # would otherwise swap the tile under the next tap, on a slow machine.
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    expect(tile.locator(".checkin-here")).to_have_attribute("aria-pressed", "true")
    assert todays_record(placement_id).status == "present"

    tile.locator(".checkin-other").tap()
    tile.get_by_role("button", name=re.compile("Ta bort registreringen")).tap()
    expect(tile.locator(".checkin-status")).to_contain_text("Inte registrerad")
    assert todays_record(placement_id).status is None


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
@pytest.mark.parametrize("username", ["handledare", "samordnare"])
def test_the_check_in_comes_first_under_a_compact_header(sign_in, viewport, username):
    """Item 7: the first "Här" is on the first screen, follow-ups due come after the
    check-in, and the header stays small for a supervisor and for a coordinator."""
    page = sign_in(username)
    page.set_viewport_size(viewport)
    if username == "samordnare":  # two units: the coordinator chooses Passagen
        page.get_by_role("link", name="Passagen").first.tap()
    page.wait_for_url(re.compile(r"/day/units/\d+$"))
    header = box(page.locator(".site-header"))
    assert header["height"] <= MAX_HEADER_HEIGHT, header
    assert not page.evaluate("document.documentElement.scrollWidth > innerWidth")
    first_here = box(page.locator(".checkin-here").first)
    assert first_here["bottom"] <= page.evaluate("innerHeight"), first_here
    due = page.locator(".due-panel")
    if due.count():
        assert box(due)["top"] > first_here["bottom"]


@pytest.mark.parametrize("viewport", [TABLET, LAPTOP], ids=["768x1024", "1280x800"])
def test_the_rating_history_never_breaks_a_word(sign_in, viewport):
    """Item 8: at 768 and 1280 no word in the history is split across lines."""
    page = open_steps(sign_in)
    page.set_viewport_size(viewport)
    page.get_by_role("link", name="Historik").tap()
    history = page.locator(".history-table")
    expect(history).to_be_visible()
    assert history.evaluate(BROKEN_WORDS) == []
    assert not page.evaluate("document.documentElement.scrollWidth > innerWidth")
