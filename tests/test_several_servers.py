"""Two app servers behind one load balancer, on one PostgreSQL and one Redis: nothing ties a
user to a process. Each server is a real gunicorn started here with the README's settings;
the test is a client of both.

Runs when DATABASE_URL points at PostgreSQL (as in CI's PostgreSQL run) and Redis answers at
REDIS_URL (default redis://127.0.0.1:6379); it makes and drops a database of its own there.
"""

from __future__ import annotations

import os
import re
import secrets
import uuid

import httpx
import pytest
import sqlalchemy as sa

from tests.load.flow import CSRF
from tests.load.processes import AppServer, flask_command

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")),
    reason="needs PostgreSQL: run with DATABASE_URL=postgresql://…",
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
PASSWORD = "movetrack-demo"


def _admin_url(database: str) -> str:
    """DATABASE_URL's server, another database on it."""
    url = sa.make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg")
    return url.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def shared_database():
    name = f"movetrack_servers_{secrets.token_hex(4)}"
    server = sa.create_engine(_admin_url("postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = _admin_url(name)
    try:
        flask_command(url, "db", "upgrade")
        flask_command(url, "demo")
        yield url
    finally:
        sa.create_engine(url).dispose()
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture(scope="module")
def two_servers(shared_database, tmp_path_factory):
    """Two gunicorns with the same settings, as two machines behind a load balancer would run."""
    limits = f"{REDIS_URL}/{secrets.randbelow(8) + 8}"  # a Redis database of this test's own
    redis_flush(limits)
    settings = {"secret_key": secrets.token_hex(32), "ratelimit_storage": limits, "workers": 1, "threads": 2,
                "extra_env": {"LOGIN_RATE_LIMIT": "3 per minute"}}
    logs = tmp_path_factory.mktemp("servers")
    servers = [AppServer(shared_database, **settings) for _ in range(2)]
    try:
        for number, server in enumerate(servers):
            server.start(logs / f"server-{number}.log")
        yield servers
    finally:
        for server in servers:
            server.stop()
        redis_flush(limits)


def redis_flush(url: str) -> None:
    import redis  # Flask-Limiter[redis]'s client

    redis.Redis.from_url(url).flushdb()


def signed_in_client(server: AppServer, username: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=30)
    response = sign_in(client, username, PASSWORD)
    assert response.status_code == 302, response.text[:500]
    return client


def sign_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = CSRF.search(client.get("/login").text).group(1)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password})


def test_a_session_made_on_one_server_is_valid_on_the_other(two_servers):
    first, second = two_servers
    tablet = signed_in_client(first, "handledare")

    tablet.base_url = second.base_url  # the load balancer sends the next request elsewhere
    day = tablet.get("/day/", follow_redirects=True)

    assert day.status_code == 200
    assert 'action="/logout"' in day.text
    assert "Passagen" in day.text


def test_a_step_recorded_through_one_server_is_seen_through_the_other(two_servers, shared_database):
    first, second = two_servers
    tablet = signed_in_client(first, "handledare")
    assignment = _an_active_assignment(shared_database)
    note = f"recorded through server one {uuid.uuid4()}"
    panel = tablet.get(f"/day/assignments/{assignment}")
    today = re.search(r'<option selected value="([0-9-]+)"', panel.text).group(1)

    saved = tablet.post(f"/day/assignments/{assignment}/ratings", data={
        "csrf_token": CSRF.search(panel.text).group(1), "request_key": str(uuid.uuid4()),
        "step": 7, "rated_on": today, "agreed": "", "note": note})
    assert saved.status_code == 302

    elsewhere = signed_in_client(second, "handledare")
    history = elsewhere.get(f"/day/assignments/{assignment}/history")
    assert history.status_code == 200
    assert note in history.text


def test_the_sign_in_throttle_counts_across_both_servers(two_servers):
    first, second = two_servers
    guesser = [httpx.Client(base_url=server.base_url, timeout=30) for server in two_servers]

    answers = [sign_in(guesser[attempt % 2], "stallet", "wrong guess").status_code for attempt in range(3)]
    assert answers == [200, 200, 200]  # "wrong username or password", twice on one, once on the other

    # The fourth try is refused on either server: both count in the same Redis.
    assert sign_in(guesser[1], "stallet", PASSWORD).status_code == 429
    assert sign_in(guesser[0], "stallet", PASSWORD).status_code == 429
    assert signed_in_client(first, "handledare")  # another user is not affected
    assert second.healthy()


def _an_active_assignment(url: str) -> int:
    """One of Passagen's participants' active modules, as the demo made them."""
    with sa.create_engine(url).connect() as connection:
        return connection.scalar(sa.text(
            "SELECT a.id FROM assignments a JOIN participants p ON p.id = a.participant_id "
            "JOIN units u ON u.id = p.unit_id WHERE u.name = 'Passagen' AND a.status = 'active' "
            "ORDER BY a.id LIMIT 1"))
