"""What the papers say: the QR code and the name on page 1 however many modules follow,
every label in the certificate's language, an English paper that says its module texts
are Swedish, "with pictures" only with pictures, and a reissued certificate that says it
was replaced, by which and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from babel.dates import format_date
from flask import current_app

from movetrack.certificates import services
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.test_certificates import issue_directly, local_path, pdf_pages, pdf_text

LAYOUTS = ("formal", "easy-read")


def qr_texts_on(page) -> list[str]:
    image = page.render(scale=150 / 72).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.fixture
def eight_modules(world):
    """Anna with eight rated modules: enough to fill more than one page in both layouts."""
    rated_on = local_today() - dt.timedelta(days=7)
    assignments = []
    for number in range(8):
        module = factories.make_module(f"modul-{number}", f"Arbetsmoment nummer {number}")
        assignment = factories.assign(world.anna, module, on=rated_on)
        factories.rate(assignment, 1 + number, world.supervisor, rated_on)
        assignments.append(assignment)
    db.session.commit()
    return assignments


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_qr_code_and_the_name_are_on_page_one(
    client, auth, world, eight_modules, layout, language
):
    certificate = issue_directly(world, eight_modules, include_pictures=True)
    auth.login("handledare")
    response = client.get(f"/certificates/{certificate.id}/{layout}.pdf?lang={language}")
    assert response.status_code == 200
    pages = pdf_pages(response.data)
    assert len(pages) >= 2  # the modules run on: the QR code used to follow them
    first = pages[0]
    assert "Anna Andersson" in first.get_textpage().get_text_range()
    [url] = qr_texts_on(first)
    assert url.startswith("http://movetrack.test/verify/") and certificate.code in url
    assert all(qr_texts_on(page) == [] for page in pages[1:])  # one QR code, on page 1


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_swedish_paper_has_no_english_labels(client, auth, world, eight_modules, layout):
    certificate = issue_directly(world, eight_modules[:2], language="sv")
    auth.login("handledare")
    text = pdf_text(client.get(f"/certificates/{certificate.id}/{layout}.pdf").data)
    assert "Underskrift: Hanna Handledare" in text
    assert "Kontrollkod" in text and "Steg 2 av 10" in text
    for english in ("Signature", "Verification code", "Step ", "page 1 of", "Issued "):
        assert english not in text, english
    assert "Modulernas namn och steg är på svenska" not in text  # no note needed in Swedish


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_english_paper_says_the_module_texts_are_swedish(client, auth, world, eight_modules, layout):
    certificate = issue_directly(world, eight_modules[:2], language="en")
    auth.login("handledare")
    text = pdf_text(client.get(f"/certificates/{certificate.id}/{layout}.pdf?lang=en").data)
    assert "Signature: Hanna Handledare" in text
    assert "The module titles and steps are in Swedish, the language of the module library." in text
    assert "Arbetsmoment nummer 0 steg 1" in text  # the module's own (Swedish) words
    auth.logout()
    page = client.get(f"/verify/{certificate.code}?lang=en")
    assert page.status_code == 200
    assert "The module titles and steps are in Swedish" in page.text
    assert 'lang="sv" dir="ltr">Arbetsmoment nummer 0</h3>' in page.text


@pytest.fixture
def rated(world):
    """Anna reached step 4 on her one module today."""
    factories.rate(world.anna_module, 4, world.supervisor, local_today())
    db.session.commit()
    return world


def reissue(world, earlier):
    """Reissue Anna's certificate with today's steps, as "Reissue with current steps" does."""
    choices = services.default_choices(world.anna, [world.anna_module])
    with unit_of_work():
        return services.issue_certificate(
            world.supervisor, world.anna, replace(choices, participant_agreed=True), replaces=earlier
        )


def test_the_easy_read_link_says_with_pictures_only_with_pictures(client, auth, rated):
    without = issue_directly(rated)
    with_pictures = issue_directly(rated, include_pictures=True)
    auth.login("handledare")
    plain = client.get(f"/certificates/{without.id}")
    assert plain.status_code == 200
    assert "Lättläst (PDF)" in plain.text and "med bilder" not in plain.text
    pictured = client.get(f"/certificates/{with_pictures.id}")
    assert "Lättläst med bilder (PDF)" in pictured.text


def test_a_replaced_certificate_says_so_by_which_and_when(client, auth, rated):
    earlier = issue_directly(rated, language="sv")
    newer = reissue(rated, earlier)
    # The paper dates the replacement in the workshop's time zone (after 23:00 UTC in
    # winter that is already the next day), so the expected date is taken the same way.
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    replaced_on = format_date(newer.issued_at.astimezone(zone), "long", locale="sv")
    auth.login("handledare")
    staff_page = client.get(f"/certificates/{earlier.id}")
    assert staff_page.status_code == 200
    assert "Ersatt" in staff_page.text and "Giltigt" not in staff_page.text
    assert f'href="/certificates/{newer.id}"' in staff_page.text

    text = pdf_text(client.get(f"/certificates/{earlier.id}/formal.pdf").data)
    assert f"ERSATT den {replaced_on} av ett nyare intyg" in text
    # A long address wraps; PDFium marks a line broken at a hyphen with U+FFFE.
    unwrapped = text.replace("\ufffe\r\n", "-").replace("\ufffe", "-").replace("\r\n", "")
    assert f"/verify/{newer.code}" in unwrapped
    assert "ERSATT" not in pdf_text(client.get(f"/certificates/{newer.id}/formal.pdf").data)

    auth.logout()
    verified = client.get(f"/verify/{earlier.code}")
    assert verified.status_code == 200
    assert 'data-verdict="replaced"' in verified.text and 'data-verdict="genuine"' not in verified.text
    assert f"ersatt det med ett nyare den {replaced_on}" in verified.text
    link = f'href="/verify/{newer.code}"'
    assert link in verified.text
    current = client.get(local_path(f"http://movetrack.test/verify/{newer.code}"))
    assert 'data-verdict="genuine"' in current.text


def test_the_list_calls_a_replaced_certificate_replaced(client, auth, rated):
    earlier = issue_directly(rated)
    reissue(rated, earlier)
    auth.login("handledare")
    page = client.get(f"/participants/{rated.anna.id}/certificates")
    assert page.status_code == 200
    assert page.text.count("status-replaced") == 1 and page.text.count("status-valid") == 1
    assert ">Ersatt</span>" in page.text
