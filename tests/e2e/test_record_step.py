"""The path that matters most, in a real browser with touch on a tablet-sized screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_supervisor_records_a_step_in_three_taps(sign_in, live_server):
    page = sign_in("handledare")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Passagen")
    page.evaluate("window.__sameDocument = true")  # survives only if nothing reloads the page

    page.locator(".person-tile", has_text="Anna").tap()  # tap 1: the person
    page.get_by_role("link", name=re.compile("Introduktion")).tap()  # tap 2: the module
    page.wait_for_load_state()  # htmx binds the step buttons when the page has loaded
    expect(page.locator(".step-button")).to_have_count(10)
    page.evaluate("window.__sameDocument = true")
    page.locator(".step-button").nth(5).tap()  # tap 3: step 6

    confirmation = page.get_by_role("status").filter(has_text="steg 6")
    expect(confirmation).to_be_visible()
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of htmx"
    expect(page.locator(".step-row.is-current .step-number")).to_have_text("6")

    page.get_by_role("link", name="Historik").tap()
    first_row = page.locator(".history-table tbody tr").first
    expect(first_row.locator(".step-cell")).to_have_text("6")
    expect(first_row).to_contain_text("Henrik Sjöberg")


def test_a_note_is_saved_with_the_step(sign_in):
    page = sign_in("handledare")
    page.locator(".person-tile", has_text="Ahmed").tap()
    page.get_by_role("link", name=re.compile("Närvaro")).tap()
    page.wait_for_load_state()
    page.get_by_text("Lägg till en anteckning").tap()
    page.get_by_label("Anteckning (valfritt)").fill("Kom i tid hela veckan")
    page.get_by_label("Håller med").check()
    page.locator(".step-button").nth(3).tap()
    expect(page.get_by_role("status").filter(has_text="steg 4")).to_be_visible()
    page.get_by_role("link", name="Historik").tap()
    expect(page.locator(".history-table tbody tr").first).to_contain_text("Kom i tid hela veckan")
