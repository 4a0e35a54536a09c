"""The participant's own side in a real browser, touch on a tablet: signing in with the
card's address and a PIN or three pictures, their modules in pictures, their own rating,
the supervisor seeing the gap, and nothing of anyone else reachable by changing the URL."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from movetrack.demo import DEMO_CARDS
from movetrack.extensions import db
from movetrack.participants.models import Assignment, Participant
from tests.e2e.conftest import forget_who_signed_in

(ANNA, ANNA_TOKEN, ANNA_PIN, _), (JONAS, JONAS_TOKEN, _, JONAS_PICTURES) = DEMO_CARDS[:2]


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def _sign_in_with_pin(page, live_server):
    forget_who_signed_in(page)
    page.goto(f"{live_server}/card/{ANNA_TOKEN}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hej Anna!")
    page.get_by_role("textbox", name="Din PIN-kod").fill(ANNA_PIN)
    page.get_by_role("button", name="Logga in", exact=True).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina steg")
    return page


def _ids(live_app, name):
    with live_app.app_context():
        person = db.session.scalar(sa.select(Participant).where(Participant.name == name))
        assignment = db.session.scalar(sa.select(Assignment.id).where(Assignment.participant_id == person.id))
        return person.id, assignment


def test_a_participant_signs_in_with_card_and_pin_and_sees_their_modules_in_pictures(page, live_server):
    _sign_in_with_pin(page, live_server)
    modules = page.locator(".own-module")
    expect(modules.first).to_be_visible()
    expect(modules.first.locator(".own-where")).to_have_text(re.compile(r"Steg \d+ av 10"))
    picture = modules.first.locator(".own-step .step-pictures img").first
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    assert box["width"] >= 100 and box["height"] >= 100  # large pictures first
    expect(modules.first.locator(".button-speak").first).to_be_visible()  # read aloud
    expect(page.get_by_role("link", name="Modulbibliotek")).to_have_count(0)
    _no_horizontal_scroll(page)


def test_a_participant_signs_in_with_three_pictures_in_order(page, live_server):
    forget_who_signed_in(page)
    page.goto(f"{live_server}/card/{JONAS_TOKEN}")
    expect(page.get_by_role("textbox", name="Din PIN-kod")).to_have_count(0)  # Jonas uses pictures only
    for row, picture in zip(("first", "second", "third"), JONAS_PICTURES, strict=True):
        option = page.locator(f"label.picture-option:has(input[name='{row}'][value='{picture}'])")
        box = option.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        option.tap()
    _no_horizontal_scroll(page)
    page.get_by_role("button", name="Logga in med bilder").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina steg")


def test_a_participant_rates_a_step_and_the_supervisor_sees_the_gap(page, live_server, sign_in):
    _sign_in_with_pin(page, live_server)
    page.get_by_role("link", name="Vilket steg är jag på?").first.tap()
    expect(page.locator(".step-button")).to_have_count(10)
    staff_step = int(page.locator(".step-row.is-current .step-number").text_content())
    own = staff_step + 3 if staff_step <= 5 else staff_step - 3
    page.locator(".step-button").nth(own - 1).tap()
    expect(page.get_by_text(f"Sparat. Du tycker att du är på steg {own}.")).to_be_visible()
    module = page.get_by_role("heading", level=1).text_content()

    forget_who_signed_in(page)
    sign_in("handledare")
    tile = page.locator(".person-tile", has_text="Anna")
    expect(tile.locator(".gap-flag")).to_have_text("Egen bedömning skiljer sig: prata om det")
    tile.tap()
    row = page.locator(".module-list li", has_text=module)
    expect(row.locator(".gap-flag")).to_be_visible()
    expect(row.locator(".figure", has_text="Egen bedömning").locator(".figure-number")).to_have_text(str(own))


def test_a_participant_cannot_reach_anyone_elses_page_by_changing_the_url(page, live_server, live_app):
    jonas_id, jonas_module = _ids(live_app, JONAS)
    _sign_in_with_pin(page, live_server)
    for path, status, heading in (
        (f"/me/modules/{jonas_module}", 404, "Hittades inte"),
        (f"/day/participants/{jonas_id}", 403, "Inte tillåtet"),
        (f"/participants/{jonas_id}", 403, "Inte tillåtet"),
        ("/day/", 403, "Inte tillåtet"),
        ("/library/", 403, "Inte tillåtet"),
    ):
        response = page.goto(f"{live_server}{path}")
        assert response.status == status, path
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator("main")).not_to_contain_text("Jonas")


def test_participant_mode_cannot_be_left_without_the_supervisors_password(page, live_server, sign_in):
    from movetrack.demo import DEMO_PASSWORD

    sign_in("handledare")
    page.locator(".person-tile", has_text="Anna").tap()
    page.get_by_role("button", name="Lämna över surfplattan till Anna").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina steg")
    assert page.goto(f"{live_server}/day/").status == 403
    page.goto(f"{live_server}/me/")
    page.locator(".account-menu summary").tap()
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)
    page.get_by_role("link", name="Lämna tillbaka surfplattan").tap()

    page.get_by_label("Handledarens lösenord").fill("fel lösenord")
    page.get_by_role("button", name="Ta tillbaka surfplattan").tap()
    expect(page.get_by_text("Det är inte handledarens lösenord.")).to_be_visible()
    assert page.goto(f"{live_server}/day/").status == 403

    page.goto(f"{live_server}/me/give-back")
    page.get_by_label("Handledarens lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ta tillbaka surfplattan").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anna")
    assert page.goto(f"{live_server}/day/").status == 200
