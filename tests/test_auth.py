"""Signing in and out, changing password, and the login rate limit."""

from __future__ import annotations

import pytest

from movetrack.extensions import db
from movetrack.security import verify_password
from tests.helpers import csrf_token, post_form


def test_sign_in_lands_on_the_day_view(client, auth, world):
    response = auth.login("handledare")
    assert response.status_code == 302
    assert client.get("/", follow_redirects=True).request.path == f"/day/units/{world.passagen.id}"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, auth, world):
    response = auth.login("handledare", "not the password")
    assert response.status_code == 200
    unknown_user = auth.login("nobody", "not the password")
    assert response.text.count("flash-error") == unknown_user.text.count("flash-error") == 1
    assert client.get("/day/").status_code == 302  # still signed out


def test_pages_need_sign_in(client, world):
    response = client.get(f"/day/participants/{world.anna.id}")
    assert response.status_code == 302 and "/login" in response.location


def test_deactivated_user_cannot_sign_in(client, auth, world):
    world.supervisor.active = False
    db.session.commit()
    auth.login("handledare")
    assert client.get("/day/").status_code == 302


def test_sign_out(client, auth, world):
    auth.login("handledare")
    auth.logout()
    assert client.get("/day/").status_code == 302


def test_change_password(client, auth, world):
    auth.login("handledare")
    response = post_form(client, "/account/password", data={
        "current_password": "correct horse battery",
        "new_password": "a much longer secret", "confirm": "a much longer secret",
    })
    assert response.status_code == 302
    db.session.refresh(world.supervisor)
    assert verify_password(world.supervisor.password_hash, "a much longer secret")


def test_change_password_with_wrong_current_password_changes_nothing(client, auth, world):
    auth.login("handledare")
    before = world.supervisor.password_hash
    response = post_form(client, "/account/password", data={
        "current_password": "wrong", "new_password": "a much longer secret",
        "confirm": "a much longer secret",
    })
    assert response.status_code == 200 and "errors" in response.text
    db.session.refresh(world.supervisor)
    assert world.supervisor.password_hash == before


def test_passwords_are_hashed_with_argon2(world):
    assert world.supervisor.password_hash.startswith("$argon2id$")


def test_login_is_rate_limited(client, world):
    page = client.get("/login")
    token = csrf_token(page.text)
    statuses = [
        client.post("/login", data={"csrf_token": token, "username": "handledare", "password": "x"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def _sign_in_with_next(client, raw_query: str):
    page = client.get("/login")
    return client.post(
        f"/login?{raw_query}",
        data={"csrf_token": csrf_token(page.text), "username": "handledare",
              "password": "correct horse battery"},
    )


HOSTILE_NEXT = [
    "next=//evil.example/steal",
    "next=%2F%2Fevil.example",
    "next=/%09/evil.example",  # the tab passes a naive check and the browser drops it
    "next=/%0A/evil.example",  # a newline cannot go into a Location header
    "next=/%0D/evil.example",
    "next=%09//evil.example",
    "next=/%5Cevil.example",  # "/\\evil": browsers read the backslash as a slash
    "next=%5C%5Cevil.example",
    "next=/%5C/evil.example",
    "next=https://evil.example/",
    "next=https%3A%2F%2Fevil.example%2F",
    "next=javascript:alert(1)",
    "next=JavaScript%3Aalert(1)",
    "next=evil.example",
    "next=/%00/evil.example",
    "next=///evil.example",
]


@pytest.mark.parametrize("query", HOSTILE_NEXT)
def test_sign_in_never_redirects_to_another_site(client, world, query):
    response = _sign_in_with_next(client, query)
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/", follow_redirects=True).request.path == f"/day/units/{world.passagen.id}"


@pytest.mark.parametrize(("query", "target"), [
    ("next=/participants/", "/participants/"),
    ("next=%2Fday%2F%3Funit%3D1", "/day/?unit=1"),
    ("next=/modules/%3Fq%3Dslipa%2520stol", "/modules/?q=slipa%20stol"),
])
def test_sign_in_follows_a_path_of_this_site(client, world, query, target):
    response = _sign_in_with_next(client, query)
    assert response.status_code == 302 and response.location == target
