"""Browser tests: a real headless Chromium (Debian's package) against a live server
loaded with the demo data. Skipped, with the install command, where Chromium is missing."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from movetrack import create_app
from movetrack.demo import DEMO_PASSWORD, demo_command
from movetrack.extensions import db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(
                    reason="no Chromium: install Debian's package with `apt-get install chromium`"
                ))


def forget_who_signed_in(page) -> None:
    """Someone else at the same browser: clears the cookies once the page has stopped
    loading, because an answer still on its way (the favicon's, say) would set the last
    person's session cookie again and the next sign-in page would redirect to their page."""
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": TABLET, "has_touch": True, "locale": "sv-SE"}


@pytest.fixture(scope="session")
def live_app(database_template, tmp_path_factory):
    """The app the live server runs, on its own SQLite copy with the demo data loaded.
    Tests may open its app context to arrange data the demo does not have."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("browser tests run in the SQLite pass")
    path = tmp_path_factory.mktemp("live") / "live.db"
    shutil.copyfile(database_template, path)
    # Every browser test signs in from 127.0.0.1 within a minute or two: more sign-ins than
    # the production limit allows one address (tests/test_auth.py tests that limit).
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "e2e",
                      "LOGIN_RATE_LIMIT": "1000 per minute"})
    result = app.test_cli_runner().invoke(demo_command)
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """The live app on a free local port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def sign_in(page, live_server):
    def sign_in_as(username: str):
        page.goto(f"{live_server}/login")
        page.get_by_label("Användarnamn").fill(username)
        page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Logga in").tap()
        # Landed: a navigation before the sign-in's redirects end would cancel it.
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    return sign_in_as
