"""Signing in and out, changing password, and the login rate limit."""

from __future__ import annotations

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


def test_open_redirect_after_login_is_refused(client, world):
    page = client.get("/login")
    response = client.post(
        "/login?next=//evil.example/steal",
        data={"csrf_token": csrf_token(page.text), "username": "handledare",
              "password": "correct horse battery"},
    )
    assert response.status_code == 302 and "evil.example" not in response.location
