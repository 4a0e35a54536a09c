"""Fixtures in the style of Flask's tutorial.

The schema is always built by the migrations (so the tests see the same constraints and
triggers as production), once per session; each test then starts from that empty schema:
a fresh copy of the SQLite file, or truncated tables on PostgreSQL when DATABASE_URL
points there.

MOVETRACK_TEST_NOW=2026-11-29T23:30:00+00:00 runs the whole session from that instant, the
clock ticking on from there (CI runs the suite once in the late evening, when the
workshop's date is already tomorrow in UTC).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import has_app_context
from flask.testing import FlaskClient
from flask_babel import force_locale

from movetrack import create_app
from movetrack.backup.archive import REFERENCE_TABLES as MIGRATION_FILLED
from movetrack.config import database_url
from movetrack.extensions import db
from movetrack.i18n import compile_catalogs
from tests import factories
from tests.helpers import post_form, session_instant, working_day_instant

ROOT = Path(__file__).resolve().parents[1]
# Tables filled by the migrations themselves: reference data every test keeps.
REFERENCE_TABLES = {"alembic_version", *MIGRATION_FILLED}


def pytest_configure(config):
    """Travel to MOVETRACK_TEST_NOW, if set, before any test module is imported; without it,
    to the next working day when the workshop's today is a weekend or a public holiday."""
    instant = os.environ.get("MOVETRACK_TEST_NOW")
    if instant:
        try:
            destination = session_instant(instant)
        except ValueError as error:
            raise pytest.UsageError(str(error)) from error
    else:
        zone = os.environ.get("TIMEZONE", "Europe/Stockholm")
        destination = working_day_instant(dt.datetime.now(dt.UTC), zone)
    if destination is not None:
        traveller = time_machine.travel(destination, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def _using_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))


def _migrate(uri: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        if _using_postgres():
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """A migrated, empty database: a SQLite file to copy, or the PostgreSQL URL itself."""
    compile_catalogs()  # the .mo files are build products, not committed
    if _using_postgres():
        uri = database_url("")
        _migrate(uri)
        return uri
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return str(path)


def _empty_postgres() -> None:
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    db.session.commit()


@contextlib.contextmanager
def app_on_empty_database(database_template: str, directory: Path, **config):
    """An app on a database as the migrations left it, inside its app context: a copy of
    the template in `directory` (SQLite), or the PostgreSQL database emptied."""
    if _using_postgres():
        uri = database_template
    else:
        copy = directory / "test.db"
        shutil.copyfile(database_template, copy)
        uri = f"sqlite:///{copy}"
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": uri,
        "SERVER_NAME": "movetrack.test",
        **config,
    })
    with app.app_context():
        if _using_postgres():
            _empty_postgres()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_template, tmp_path):
    with app_on_empty_database(database_template, tmp_path) as app:
        yield app


class IsolatedClient(FlaskClient):
    """Runs each request outside the test's app context, as in production: its own `g`,
    its own database session. Afterwards the test's session forgets what it had loaded,
    so assertions read what the request actually committed."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside the request's own redirects
            db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def world(app):
    """A small organisation: two units, every role, a module and an assigned participant."""
    return factories.build_world()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = factories.PASSWORD):
        return post_form(self._client, "/login", data={"username": username, "password": password})

    def logout(self):
        return post_form(self._client, "/account/password", "/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def english(client):
    """Messages are asserted on their English wording (the msgids), whatever the Swedish
    catalogue comes to say: in the pages the client gets and in what the test itself calls
    outside a request (a service's refusal, say)."""
    with client.session_transaction() as session:
        session["lang"] = "en"
    with force_locale("en"):
        yield


@pytest.fixture
def sign_in(auth, english):
    """`sign_in(username)` signs the client in as that user, in English, signing out whoever
    was signed in before. (tests/e2e has its own, for the browser.)"""
    signed_in = []

    def sign_in_as(username: str) -> None:
        if signed_in:
            auth.logout()
        response = auth.login(username)
        assert response.status_code == 302, f"{username} could not sign in"
        signed_in.append(username)

    return sign_in_as


@pytest.fixture
def wipe_database(app, database_template):
    """Call it to empty the test's database again, as a fresh installation would be
    (a library exported from this one can then be imported into "another")."""

    def wipe() -> None:
        db.session.remove()
        if _using_postgres():
            _empty_postgres()
        else:
            db.engine.dispose()
            shutil.copyfile(database_template, db.engine.url.database)

    return wipe
