"""Sign-in throttling: guessing is slowed, but nobody can lock a user out, and an admin
can see and clear the limits. Behind trusted proxies the client's own address counts."""

from __future__ import annotations

import uuid

import pytest

from tests import factories
from tests.helpers import another_app, csrf_token, post_form

ATTACKER, USER, PROXY = "198.51.100.7", "192.0.2.20", "10.0.0.9"


def try_sign_in(client, password: str, address: str = USER, username: str = "handledare",
                **kwargs):
    environ = {"REMOTE_ADDR": address}
    token = csrf_token(client.get("/login", environ_base=environ).text)
    return client.post("/login", environ_base=environ, data={
        "csrf_token": token, "username": username, "password": password,
    }, **kwargs)


def fail(client, times: int, address: str = ATTACKER, username: str = "handledare"):
    statuses = {try_sign_in(client, "wrong guess", address, username).status_code
                for _ in range(times)}
    assert statuses == {200}  # each one answered "wrong username or password"


def assert_refused(response, address: str):
    assert response.status_code == 429
    assert f"för adressen {address}" in response.text  # says what to tell the coordinator


def test_an_attacker_cannot_lock_the_real_user_out(app, client, world):
    fail(client, 10)

    assert_refused(try_sign_in(client, factories.PASSWORD, ATTACKER), ATTACKER)

    real_user = app.test_client()  # her own tablet, another address, never signed in here
    response = try_sign_in(real_user, factories.PASSWORD, USER)
    assert response.status_code == 302
    assert real_user.get(f"/day/units/{world.passagen.id}").status_code == 200


def test_an_address_trying_many_usernames_is_refused(app, client, world):
    app.config["LOGIN_ADDRESS_LIMIT"] = "5 per minute"
    for username in ("anna", "bertil", "cecilia", "david", "erik"):
        fail(client, 1, username=username)
    assert_refused(try_sign_in(client, factories.PASSWORD, ATTACKER, "stallchef"), ATTACKER)
    assert try_sign_in(app.test_client(), factories.PASSWORD, USER, "stallchef").status_code == 302


def test_guessing_from_many_addresses_slows_the_username_on_new_devices_only(app, client, world):
    known_tablet = app.test_client()
    assert try_sign_in(known_tablet, factories.PASSWORD, USER).status_code == 302
    post_form(known_tablet, "/account/password", "/logout")
    app.config["LOGIN_USERNAME_LIMIT"] = "5 per hour"
    for botnet_address in range(5):
        fail(client, 1, address=f"203.0.113.{botnet_address}")

    new_device = app.test_client()
    first = try_sign_in(new_device, "another guess", "203.0.113.50")
    assert first.status_code == 200  # slowed, not refused: one try now and then
    slowed = try_sign_in(new_device, factories.PASSWORD, "203.0.113.50")
    assert slowed.status_code == 429 and "Vänta några sekunder" in slowed.text

    assert try_sign_in(known_tablet, factories.PASSWORD, USER).status_code == 302


@pytest.fixture
def english_admin(app, world):
    admin = app.test_client()
    post_form(admin, "/login", "/language", data={"lang": "en"})
    assert try_sign_in(admin, factories.PASSWORD, "192.0.2.99", "admin").status_code == 302
    return admin


def test_an_admin_sees_and_clears_a_throttle(client, world, english_admin):
    fail(client, 10)
    query = f"username=+Handledare&address={ATTACKER}"

    page = english_admin.get(f"/admin/sign-in-throttles?{query}")
    assert page.status_code == 200
    assert f"“handledare” from {ATTACKER}" in page.text
    assert "10 of 10 per 1 minute" in page.text and "Refused for a while" in page.text

    token = csrf_token(page.text)
    cleared = english_admin.post("/admin/sign-in-throttles/clear", data={
        "csrf_token": token, "username": "handledare", "address": ATTACKER,
    }, follow_redirects=True)
    assert cleared.status_code == 200 and "The sign-in limits are cleared." in cleared.text
    assert "0 of 10 per 1 minute" in cleared.text and "Refused for a while" not in cleared.text
    assert try_sign_in(client, factories.PASSWORD, ATTACKER).status_code == 302


def test_only_an_admin_sees_the_throttles(client, auth, world):
    auth.login("handledare")
    assert client.get("/admin/sign-in-throttles?username=handledare").status_code == 403


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(app, world):
    proxied = another_app(app, TRUSTED_PROXIES=1).test_client()
    forwarded = {"X-Forwarded-For": ATTACKER}
    for _ in range(10):
        try_sign_in(proxied, "wrong guess", PROXY, headers=forwarded)

    assert_refused(try_sign_in(proxied, "wrong guess", PROXY, headers=forwarded), ATTACKER)
    response = try_sign_in(proxied, factories.PASSWORD, PROXY, headers={"X-Forwarded-For": USER})
    assert response.status_code == 302  # another client behind the same proxy


def test_without_trusted_proxies_a_forwarded_address_is_ignored(client, world):
    forwarded = {"X-Forwarded-For": ATTACKER}
    for _ in range(10):
        try_sign_in(client, "wrong guess", PROXY, headers=forwarded)

    # Anyone can send the header: it must not choose the address that is counted.
    refused = try_sign_in(client, "wrong guess", PROXY, headers={"X-Forwarded-For": USER})
    assert_refused(refused, PROXY)


REDIS_URI = "redis://127.0.0.1:6379/0"


def test_with_redis_storage_the_counts_live_in_redis_for_every_worker(app, world):
    import redis  # a dependency through Flask-Limiter[redis]: the README's deployment needs it

    server = redis.Redis.from_url(REDIS_URI)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"movetrack-test-{uuid.uuid4().hex}"  # other test runs may share this Redis
    worker = another_app(app, RATELIMIT_STORAGE_URI=REDIS_URI,
                         RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix})
    try:
        fail(worker.test_client(), 10)
        assert_refused(try_sign_in(worker.test_client(), factories.PASSWORD, ATTACKER), ATTACKER)
        assert any(b"login-pair" in key for key in server.scan_iter(f"*{prefix}*"))
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
