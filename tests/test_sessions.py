"""Sessions end when they should: sign-out and a new password end every session and
remember-me cookie of that user, and a tablet left idle signs itself out."""

from __future__ import annotations

import datetime as dt

import pytest

from movetrack import clock
from tests import factories
from tests.helpers import another_app, csrf_token, post_form

NEW_PASSWORD = "a much longer secret"
DOMAIN = "movetrack.test"  # the SERVER_NAME of the test app


def sign_in(client, username: str = "handledare", remember: bool = False):
    data = {"username": username, "password": factories.PASSWORD}
    if remember:
        data["remember"] = "y"
    response = post_form(client, "/login", data=data)
    assert response.status_code == 302
    return response


def device_with_cookie(app, name: str, value: str):
    """Another browser that holds only a copied cookie, as a thief would."""
    device = app.test_client()
    device.set_cookie(name, value, domain=DOMAIN)
    return device


def day_view(world) -> str:
    return f"/day/units/{world.passagen.id}"


def assert_signed_in(client, world):
    page = client.get(day_view(world))
    assert page.status_code == 200 and "Anna" in page.text


def assert_signed_out(client, world):
    response = client.get(day_view(world))
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_session_cookie_captured_before_sign_out_fails_after_it(app, client, world):
    sign_in(client)
    captured = client.get_cookie("session", domain=DOMAIN).value
    other_tablet = app.test_client()
    sign_in(other_tablet)
    assert_signed_in(device_with_cookie(app, "session", captured), world)

    post_form(client, "/account/password", "/logout")

    assert_signed_out(device_with_cookie(app, "session", captured), world)
    assert_signed_out(other_tablet, world)  # signing out ends every session of the user
    sign_in(client)
    assert_signed_in(client, world)


def change_password(client):
    return post_form(client, "/account/password", data={
        "current_password": factories.PASSWORD, "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    })


def test_the_remember_cookie_fails_after_a_password_change(app, client, world):
    sign_in(client, remember=True)
    remembered = client.get_cookie("remember_token", domain=DOMAIN).value
    assert_signed_in(device_with_cookie(app, "remember_token", remembered), world)

    assert change_password(client).status_code == 302

    assert_signed_out(device_with_cookie(app, "remember_token", remembered), world)
    assert_signed_in(client, world)  # the one who changed it stays signed in
    renewed = client.get_cookie("remember_token", domain=DOMAIN).value
    assert renewed != remembered
    assert_signed_in(device_with_cookie(app, "remember_token", renewed), world)


def test_the_remember_cookie_fails_after_an_admins_reset(app, client, world):
    tablet = app.test_client()
    sign_in(tablet, remember=True)
    remembered = tablet.get_cookie("remember_token", domain=DOMAIN).value

    sign_in(client, "admin")
    reset = post_form(client, f"/admin/users/{world.supervisor.id}/password",
                      data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert reset.status_code == 302

    assert_signed_out(tablet, world)
    assert_signed_out(device_with_cookie(app, "remember_token", remembered), world)


def test_remember_me_is_off_by_default(client):
    page = client.get("/login").text
    checkbox = page[page.index('name="remember"') - 200: page.index('name="remember"') + 100]
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox


def remember_cookie_set_by(response) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    return header


def remember_cookie_header(client) -> str:
    return remember_cookie_set_by(sign_in(client, remember=True))


def test_the_remember_cookie_is_same_site_and_http_only(client, world):
    header = remember_cookie_header(client)
    assert "SameSite=Lax" in header and "HttpOnly" in header and "Secure" not in header


def test_with_force_https_the_remember_cookie_is_secure(app, monkeypatch, world):
    monkeypatch.setenv("FORCE_HTTPS", "1")
    client = another_app(app).test_client()
    https = f"https://{DOMAIN}"
    token = csrf_token(client.get("/login", base_url=https).text)
    # Over HTTPS, Flask-WTF also wants a same-site Referer, as a browser sends.
    response = client.post("/login", base_url=https, headers={"Referer": f"{https}/login"}, data={
        "csrf_token": token, "username": "handledare", "password": factories.PASSWORD,
        "remember": "y",
    })
    header = remember_cookie_set_by(response)
    assert "Secure" in header and "SameSite=Lax" in header


class FrozenClock:
    def __init__(self, monkeypatch):
        self.now = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(clock, "utcnow", lambda: self.now)

    def advance(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)


@pytest.fixture
def frozen_clock(monkeypatch):
    return FrozenClock(monkeypatch)


def test_an_idle_session_ends_after_thirty_minutes(client, world, frozen_clock):
    sign_in(client)
    frozen_clock.advance(29)
    assert_signed_in(client, world)  # activity restarts the idle time
    frozen_clock.advance(29)
    assert_signed_in(client, world)
    frozen_clock.advance(31)
    assert_signed_out(client, world)
    page = client.get("/login")
    assert "Du loggades ut eftersom sidan inte användes på en stund." in page.text


def test_the_idle_time_is_configurable(app, client, world, frozen_clock):
    app.config["SESSION_IDLE_MINUTES"] = 5
    sign_in(client)
    frozen_clock.advance(6)
    assert_signed_out(client, world)


def test_keep_me_signed_in_is_not_ended_by_idle_time(app, client, world, frozen_clock):
    sign_in(client, remember=True)
    frozen_clock.advance(120)
    assert_signed_in(client, world)
    remembered = client.get_cookie("remember_token", domain=DOMAIN).value
    frozen_clock.advance(120)
    assert_signed_in(device_with_cookie(app, "remember_token", remembered), world)
