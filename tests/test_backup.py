"""Backup and restore: a whole installation goes out to one file and back into empty
databases, SQLite → PostgreSQL → SQLite, and every row of every table comes back."""

from __future__ import annotations

import json
import os
import zipfile

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from movetrack import create_app
from movetrack.audit import record
from movetrack.auth.models import User
from movetrack.backup.archive import tables
from movetrack.backup.codec import row_codec
from movetrack.demo import demo_command
from movetrack.extensions import db
from movetrack.media.services import save_upload_bytes
from movetrack.modules.models import Module, ModuleKind
from movetrack.org.models import Organisation
from movetrack.progress.models import Rating
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.test_media import image_bytes


def _rich_installation() -> None:
    """The demo workplace, plus what it lacks: photos (bytes), a correction pointing at the
    rating it corrects, a module whose parent was created after it, audit rows."""
    with unit_of_work():
        admin = db.session.scalar(sa.select(User).where(User.username == "samordnare"))
        for color in ((200, 30, 30), (10, 120, 250)):
            save_upload_bytes(image_bytes("PNG", color=color), admin, description="Hyveln, närbild ✓")
        child = factories.make_module("backup-child", "Slipa")
        db.session.flush()
        child.parent = factories.make_module("backup-parent", "Snickeri", kind=ModuleKind.OVERVIEW)
        rated = db.session.scalars(sa.select(Rating).order_by(Rating.id)).first()
        db.session.add(Rating(
            assignment_id=rated.assignment_id, module_version_id=rated.module_version_id, step=3,
            rated_on=rated.rated_on, rated_by_id=admin.id, corrects_id=rated.id,
            correction_reason="fel tryck",
        ))
        record(admin, "backup.tested", child, None, note="النص العربي", nested={"a": [1, None]})


def _raw_rows() -> dict[str, list[tuple]]:
    """Every row of every table as the database driver gives it, in key order."""
    connection = db.session.connection()
    return {
        table.name: [tuple(row) for row in connection.execute(
            sa.select(table).order_by(*table.primary_key.columns))]
        for table in tables()
    }


def _portable_rows() -> dict[str, list[dict]]:
    """The same rows compared across databases: instants in UTC (SQLite keeps no zone)."""
    connection = db.session.connection()
    rows = {}
    for table in tables():
        encode, _ = row_codec(table)
        query = sa.select(table).order_by(*table.primary_key.columns)
        rows[table.name] = [encode(row) for row in connection.execute(query)]
    return rows


def _in(app: Flask, read):
    with app.app_context():
        try:
            return read()
        finally:
            db.session.remove()


def _migrated_sqlite(tmp_path, name: str) -> Flask:
    return _migrated(f"sqlite:///{tmp_path / name}")


def _migrated(uri: str) -> Flask:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        upgrade()
    return app


def _run(app: Flask, *args: str):
    """The command against `app`'s database (the CLI would reuse the test's app context)."""
    with app.app_context():
        try:
            return app.test_cli_runner().invoke(args=list(args))
        finally:
            db.session.remove()


@pytest.fixture
def second_postgres():
    """An empty PostgreSQL database of its own beside the test's (created and dropped here),
    on the server of DATABASE_URL or the local one; skipped only when none answers."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgresql://postgres@127.0.0.1:5432/movetrack"
    base = sa.make_url(url).set(drivername="postgresql+psycopg")
    name = f"{base.database}_restore"
    server = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        server.dispose()
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    app = _migrated(base.set(database=name).render_as_string(hide_password=False))
    yield app
    with app.app_context():
        db.engine.dispose()
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    server.dispose()


def test_a_whole_installation_goes_to_sqlite_to_postgresql_and_back_with_every_row(
        app, tmp_path, second_postgres):
    assert app.test_cli_runner().invoke(demo_command).exit_code == 0
    _rich_installation()
    before_raw, before = _raw_rows(), _portable_rows()
    assert all(before[name] for name in ("uploads", "audit_events", "ratings", "certificates", "consents"))

    first = _run(app, "export-all", str(tmp_path / "first.zip"))
    assert first.exit_code == 0, first.output
    assert f"Exported {sum(map(len, before.values()))} rows of {len(before)} tables" in first.output
    assert "Exporting" in first.output  # the progress bar

    sqlite = _migrated_sqlite(tmp_path, "restored.db")
    restored = _run(sqlite, "import-all", str(tmp_path / "first.zip"))
    assert restored.exit_code == 0, restored.output
    assert "Importing" in restored.output
    assert _in(sqlite, _portable_rows) == before

    postgres = second_postgres
    assert _run(postgres, "import-all", str(tmp_path / "first.zip")).exit_code == 0
    assert _in(postgres, _portable_rows) == before
    assert _run(postgres, "export-all", str(tmp_path / "second.zip")).exit_code == 0
    assert _in(postgres, _next_id_is_fresh)

    back = _migrated_sqlite(tmp_path, "back.db")
    assert _run(back, "import-all", str(tmp_path / "second.zip")).exit_code == 0
    assert _in(back, _portable_rows) == before
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert _in(back, _raw_rows) == before_raw  # the very values, types and all


def _next_id_is_fresh() -> bool:
    """After a restore the sequences are past the restored ids: a new row gets a new one."""
    largest = db.session.scalar(sa.select(sa.func.max(Organisation.id)))
    with unit_of_work():
        added = Organisation(name="Efter återställningen")
        db.session.add(added)
    return added.id == largest + 1


def test_a_restore_refuses_a_database_that_is_not_empty(app, tmp_path, world):
    assert _run(app, "export-all", str(tmp_path / "backup.zip")).exit_code == 0
    modules = db.session.scalar(sa.select(sa.func.count(Module.id)))

    refused = _run(app, "import-all", str(tmp_path / "backup.zip"))

    assert refused.exit_code == 1
    assert "This database is not empty (rows in organisations" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(Module.id))) == modules


def test_a_restore_refuses_a_backup_of_another_revision(app, tmp_path, wipe_database):
    assert _run(app, "export-all", str(tmp_path / "backup.zip")).exit_code == 0
    older = tmp_path / "older.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(older, "w") as target:
        for member in source.namelist():
            content = source.read(member)
            if member == "manifest.json":
                manifest = json.loads(content)
                manifest["alembic_revision"] = "0007"
                content = json.dumps(manifest)
            target.writestr(member, content)

    refused = _run(app, "import-all", str(older))

    assert refused.exit_code == 1
    assert "The backup was taken at database revision 0007, this database is at" in refused.output


def test_a_file_that_is_not_a_backup_is_refused(app, tmp_path):
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(junk, "w") as archive:
        archive.writestr("hello.txt", "hi")

    refused = _run(app, "import-all", str(junk))

    assert refused.exit_code == 1
    assert "This is not a movetrack backup" in refused.output


def test_a_damaged_backup_restores_nothing(app, tmp_path, world, wipe_database):
    assert _run(app, "export-all", str(tmp_path / "backup.zip")).exit_code == 0
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(tmp_path / "backup.zip") as source, zipfile.ZipFile(damaged, "w") as target:
        for member in source.namelist():
            content = source.read(member)
            if member == "tables/participants.jsonl":
                content = content.split(b"\n", 1)[1]  # the first person lost
            target.writestr(member, content)
    wipe_database()

    refused = _run(app, "import-all", str(damaged))

    assert refused.exit_code == 1
    assert "The backup is damaged: participants holds 1 rows, its manifest says 2" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0
