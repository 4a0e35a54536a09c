"""Hostile numbers and bytes: an answer of 404 or 422, or text saved without the NUL, never a 500."""

from __future__ import annotations

import io
import json
import re

import pytest
import sqlalchemy as sa

from movetrack.extensions import db
from movetrack.followups.models import FollowUp
from movetrack.org.models import Unit
from movetrack.participants.models import Participant
from movetrack.placements.models import NeedCategory, PlacementStatus
from movetrack.progress.models import Rating
from tests import factories
from tests.helpers import csrf_token, days_ago, post_form
from tests.test_followups import add_follow_up

HUGE = (2**63, 2**31)  # beyond SQLite's integer, beyond PostgreSQL's
NUL = "Anna\x00 Nul"
CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _url_with(rule: str, number: int) -> str:
    """The rule's URL with every <int:…> set to `number` (and an any(…) to its first choice)."""

    def value(match):
        converter, arguments = match[1], match[2]
        if converter == "int":
            return str(number)
        return arguments.split(",")[0].strip(" '\"")

    return CONVERTER.sub(value, rule)


def test_every_int_in_a_path_beyond_the_database_is_a_404(app, client, auth, world):
    auth.login("admin")
    rules = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(rules) > 40
    for rule in rules:
        method = "GET" if "GET" in rule.methods else "POST"
        for number in HUGE:
            url = _url_with(rule.rule, number)
            assert client.open(url, method=method).status_code == 404, url


@pytest.mark.parametrize("number", HUGE)
def test_an_int_in_a_query_string_beyond_the_database_is_a_404(client, auth, world, number):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("admin")
    for url in (
        f"/library/{world.module.id}/sheet?version={number}",
        f"/participants/{world.anna.id}/certificates/new?replaces={number}",
        f"/placements/?page={number}",
        f"/placements/new?participant_id={number}",
        f"/placements/{placement.id}/plan/goals/new?parent_id={number}",
        f"/follow-ups/?unit_id={number}",
        f"/media/pictograms?module_id={number}&step={number}",
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("number", HUGE)
def test_an_int_in_a_form_beyond_the_database_is_refused_not_sent(client, auth, world, number):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE, start_date=days_ago(10))
    rated = factories.rate(world.anna_module, 3, world.admin, days_ago(2))
    db.session.commit()
    auth.login("admin")
    day = f"/day/units/{world.passagen.id}"
    posts = [  # (page with the form, where it posts, the fields)
        (day, "/attendance/check-in", {"placement_id": number, "on_date": days_ago(0), "status": "present"}),
        (day, "/attendance/check-in", {"placement_id": placement.id, "on_date": days_ago(0),
                                       "status": "present", "version": number}),
        (f"/participants/{world.anna.id}/edit", None, {"name": "Anna", "unit_id": world.passagen.id,
                                                        "birth_year": number}),
        (f"/participants/{world.anna.id}/assignments/{world.anna_module.id}/edit", None,
         {"baseline_step": number, "goal_step": 5}),
        (f"/participants/{world.anna.id}/certificates/new", None,
         {"period_start": days_ago(30), "period_end": days_ago(0), "modules": world.anna_module.id,
          "language": "sv", "preview": "1", "replaces": number}),
        (f"/day/assignments/{world.anna_module.id}", f"/day/assignments/{world.anna_module.id}/ratings",
         {"step": number}),
        (f"/day/assignments/{world.anna_module.id}/ratings/{rated.id}/correct", None,
         {"step": number, "reason": "Fel"}),
    ]
    for page, action, data in posts:
        response = post_form(client, page, action, data=data)
        assert response.status_code in (404, 422), (action or page, response.status_code)
    assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == 1
    assert db.session.get(Participant, world.anna.id).birth_year is None


def test_nul_bytes_are_removed_from_every_form_and_query_value(app):
    with app.test_request_context("/?q=a%00b", method="POST", data={"name": "x\x00y", "n": ["1\x00", "2"]}):
        from flask import request

        assert request.args["q"] == "ab"
        assert request.form["name"] == "xy" and request.form.getlist("n") == ["1", "2"]


def test_text_with_nul_bytes_is_saved_without_them(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    follow_up = add_follow_up(placement, days_ago(1))
    rated = factories.rate(world.anna_module, 3, world.admin, days_ago(2))
    db.session.commit()
    anna, module = world.anna, world.anna_module
    auth.login("admin")
    posts = [  # (page with the form, where it posts, the fields, the status of a good answer)
        ("/participants/new", None, {"name": NUL, "preferred_name": NUL, "unit_id": world.passagen.id}),
        (f"/day/assignments/{module.id}", f"/day/assignments/{module.id}/ratings", {"step": 4, "note": NUL}),
        (f"/day/assignments/{module.id}/ratings/{rated.id}/correct", None, {"step": 2, "reason": NUL}),
        (f"/participants/{anna.id}/consent", None, {"party": "other", "other_party": NUL,
                                                    "shares": "progress", "given_on": days_ago(1)}),
        (f"/follow-ups/{follow_up.id}", None, {"version": follow_up.version, "held_on": days_ago(1),
                                                "attendees": NUL, "notes": NUL, "decisions": NUL,
                                                "next_step": NUL}),
        (f"/placements/{placement.id}/plan/goals/new", None, {"text": NUL, "participant_words": NUL,
                                                              "who": NUL, "when": NUL, "follow_up_how": NUL}),
        ("/admin/units", None, {"name": NUL}),
        ("/placements/need-categories", None, {"name": NUL}),
    ]
    for page, action, data in posts:
        response = post_form(client, page, action, data=data)
        assert response.status_code in (302, 200), (action or page, response.status_code)

    assert db.session.scalars(sa.select(Participant.name).where(Participant.preferred_name == "Anna Nul")).one() \
        == "Anna Nul"
    assert db.session.scalar(sa.select(Rating.note).where(Rating.note.is_not(None)).limit(1)) == "Anna Nul"
    corrected = sa.select(Rating.correction_reason).where(Rating.correction_reason.is_not(None))
    assert db.session.scalar(corrected) == "Anna Nul"
    assert db.session.get(FollowUp, follow_up.id).notes == "Anna Nul"
    assert db.session.scalar(sa.select(Unit.id).where(Unit.name == "Anna Nul")) is not None
    assert db.session.scalar(sa.select(NeedCategory.id).where(NeedCategory.name == "Anna Nul")) is not None


def test_searches_and_sign_in_with_nul_bytes_answer_normally(client, auth, world):
    refused = post_form(client, "/login", data={"username": "admin\x00", "password": "wrong"})
    assert refused.status_code in (200, 401, 422) and "<form" in refused.text
    assert auth.login("adm\x00in").status_code == 302  # the NUL is gone: the real name
    for url in ("/library/?q=stol%00", "/participants/?search=Anna%00", "/placements/?search=a%00",
                "/media/pictograms?q=hammer%00", "/verify/abc%00def"):
        response = client.get(url)
        assert response.status_code in (200, 404), url
    assert "Slipa en stol" in client.get("/library/?q=stol%00").text


def test_a_module_file_with_a_nul_is_refused_clearly(client, auth, world):
    auth.login("admin")
    library = {"format": "movetrack-modules", "version": 1, "modules": [{"key": "a", "title": "A\u0000"}]}
    token = csrf_token(client.get("/library/import").text)
    response = client.post("/library/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(json.dumps(library).encode()), "library.json")})
    assert response.status_code == 422
    assert "Filen innehåller ett NUL-tecken" in response.text
