"""English pages: the default exit interview asked in English (its answers keep the words
they were asked with), and dates written as English is in Sweden, day before month."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import session
from flask_babel import format_date, format_datetime

from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.placements.models import PlacementStatus
from tests import factories
from tests.helpers import csrf_token

MONDAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("lang", "full", "medium"),
    [
        ("en", "Monday 30 November 2026", "30 Nov 2026"),
        ("sv", "måndag 30 november 2026", "30 nov. 2026"),
    ],
)
def test_dates_put_the_day_before_the_month_in_both_languages(app, lang, full, medium):
    with app.test_request_context():
        session["lang"] = lang
        assert format_date(MONDAY, "full") == full
        assert format_date(MONDAY) == medium
        # 13:05 UTC is 14:05 in Stockholm, on the 24-hour clock in both languages.
        assert format_datetime(dt.datetime(2026, 11, 30, 13, 5), "short").endswith("14:05")


def _set_language(client, lang):
    with client.session_transaction() as data:
        data["lang"] = lang


def test_an_english_page_shows_english_dates(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=dt.date(2026, 3, 2), case_worker=world.orderer)
    auth.login("handledare")
    _set_language(client, "en")
    page = client.get(f"/placements/{placement.id}")
    assert page.status_code == 200
    assert '<html lang="en" dir="ltr">' in page.text
    assert "Start</dt><dd>2 Mar 2026</dd>" in page.text
    assert "Mar 2, 2026" not in page.text


def test_the_default_exit_interview_is_asked_in_the_readers_language(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE, case_worker=world.orderer)
    auth.login("handledare")
    _set_language(client, "en")
    page = client.get(f"/placements/{placement.id}/exit")
    assert page.status_code == 200
    assert "How long have you been a participant with us?" in page.text
    assert "Any other views?" in page.text and "Hur länge" not in page.text
    version = page.text.split('name="version" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/placements/{placement.id}/exit", data={
        "csrf_token": csrf_token(page.text), "version": version,
        "end_date": local_today().isoformat(), "exit_outcome": "work",
        "answer_0": "Half a year",
    })
    assert response.status_code == 302
    db.session.refresh(placement)
    assert placement.exit_interview == {"How long have you been a participant with us?": "Half a year"}
    _set_language(client, "sv")
    swedish = client.get(f"/placements/{placement.id}")
    # Kept as it was asked: the answer stays with the English question it answered.
    assert "How long have you been a participant with us?" in swedish.text
    assert "Half a year" in swedish.text


def test_a_swedish_exit_form_asks_ostervik_s_own_words(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE, case_worker=world.orderer)
    auth.login("handledare")
    _set_language(client, "sv")
    page = client.get(f"/placements/{placement.id}/exit")
    assert page.status_code == 200
    assert "Hur länge har du varit deltagare hos oss?" in page.text
    assert "Vilka arbetsuppgifter har du haft mest?" in page.text
