"""The whole installation in one zip file, and back into an empty database.

The zip holds `manifest.json` (format, the database's Alembic revision, each table's
columns and row count) and one JSON-lines file per table, rows in primary-key order.
Tables come from the models' metadata (`db.metadata.sorted_tables`), so a table added
later is included without anyone remembering to; photos live in the `uploads` table.
Rows are streamed both ways, never all held in memory.

Import needs a database migrated to the same revision and empty but for the reference
rows the migrations write (module areas, target groups), which are replaced by the
file's. Rows keep their ids; PostgreSQL's sequences are then moved past them. Tables are
filled parents first; within a table a row pointing at a later row of the same table
(a module's parent, say) gets that link once the later row is in. Append-only tables
accept inserts, and their links only ever point back (a correction at the rating it
corrects), so their triggers never see an update.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import IO, Protocol

import sqlalchemy as sa

from movetrack.backup.codec import row_codec
from movetrack.clock import utcnow
from movetrack.extensions import db

FORMAT = "movetrack-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Filled by the migrations themselves, so present in every freshly migrated database.
REFERENCE_TABLES = frozenset({"module_areas", "target_groups"})
BATCH_ROWS = 500
BATCH_BYTES = 8 * 1024 * 1024  # photos are rows too: a batch stays small in memory


class Progress(Protocol):
    def update(self, rows: int) -> None: ...


ProgressFactory = Callable[[int, str], AbstractContextManager[Progress]]


class RestoreRefused(Exception):
    """The file cannot go into this database; nothing has been written."""


class _Silent:
    def update(self, rows: int) -> None:
        pass


def silent(length: int, label: str) -> AbstractContextManager[Progress]:
    return nullcontext(_Silent())


def tables() -> list[sa.Table]:
    return db.metadata.sorted_tables


def _member(table: sa.Table) -> str:
    return f"tables/{table.name}.jsonl"


def database_revision(connection: sa.Connection) -> str:
    versions = connection.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
    return ",".join(sorted(versions))


# Export


def export_all(target: str | IO[bytes], progress: ProgressFactory = silent) -> dict[str, int]:
    """Write every table to the zip `target`; answers the rows written per table."""
    connection = _snapshot_connection()
    counts = {table.name: _count(connection, table) for table in tables()}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "alembic_revision": database_revision(connection),
        "exported_at": utcnow().isoformat(),
        "dialect": connection.dialect.name,
        "tables": [
            {"name": table.name, "columns": [column.name for column in table.columns],
             "rows": counts[table.name]}
            for table in tables()
        ],
    }
    with (zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive,
          progress(sum(counts.values()), "Exporting") as bar):
        for table in tables():
            _export_table(connection, table, archive, bar)
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
    return counts


def _snapshot_connection() -> sa.Connection:
    """On PostgreSQL every table is read from one snapshot, so a backup taken while the app
    runs is consistent; SQLite reads whatever is committed as it goes."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    return db.session.connection()


def _count(connection: sa.Connection, table: sa.Table) -> int:
    return connection.scalar(sa.select(sa.func.count()).select_from(table))


def _export_table(connection: sa.Connection, table: sa.Table, archive: zipfile.ZipFile,
                  bar: Progress) -> None:
    encode, _ = row_codec(table)
    query = sa.select(table).order_by(*table.primary_key.columns)
    rows = connection.execution_options(yield_per=BATCH_ROWS).execute(query)
    with io.TextIOWrapper(archive.open(_member(table), "w", force_zip64=True), encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(encode(row), ensure_ascii=False))
            out.write("\n")
            bar.update(1)


# Import


def import_all(source: str | IO[bytes], progress: ProgressFactory = silent) -> dict[str, int]:
    """Fill this empty database from the zip `source`; answers the rows read per table.
    Raises RestoreRefused when the file or the database is not fit (before writing
    anything) or the file turns out damaged (the caller's unit of work then rolls back)."""
    connection = db.session.connection()
    with zipfile.ZipFile(source) as archive:
        manifest = _read_manifest(archive)
        _check_fit(connection, manifest)
        counts = {entry["name"]: entry["rows"] for entry in manifest["tables"]}
        with progress(sum(counts.values()), "Importing") as bar:
            for table in tables():
                if table.name in REFERENCE_TABLES:
                    connection.execute(table.delete())
                read = _import_table(connection, table, archive, bar)
                if read != counts[table.name]:
                    raise RestoreRefused(
                        f"The backup is damaged: {table.name} holds {read} rows, its manifest says "
                        f"{counts[table.name]}. Nothing has been restored."
                    )
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection)
    return counts


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (KeyError, ValueError) as error:
        raise RestoreRefused(f"This is not a movetrack backup: {MANIFEST} is missing or unreadable.") from error
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise RestoreRefused(
            f"This file is not a movetrack backup of format version {FORMAT_VERSION}."
        )
    return manifest


def _check_fit(connection: sa.Connection, manifest: dict) -> None:
    ours = database_revision(connection)
    theirs = manifest["alembic_revision"]
    if theirs != ours:
        raise RestoreRefused(
            f"The backup was taken at database revision {theirs}, this database is at {ours}. "
            f"Restore into a database migrated to {theirs} (flask db upgrade {theirs}), "
            "then upgrade it."
        )
    in_file = {entry["name"]: entry["columns"] for entry in manifest["tables"]}
    in_database = {table.name: [column.name for column in table.columns] for table in tables()}
    if in_file != in_database:
        names = sorted(name for name in in_file.keys() | in_database.keys()
                       if in_file.get(name) != in_database.get(name))
        raise RestoreRefused(
            f"The backup's tables do not match this database's (same revision {ours}): "
            f"{', '.join(names)}. Is the app's code the same version as the one that exported it?"
        )
    filled = [table.name for table in tables()
              if table.name not in REFERENCE_TABLES and _has_rows(connection, table)]
    if filled:
        raise RestoreRefused(
            f"This database is not empty (rows in {', '.join(filled)}). "
            "Restore only into a new, migrated database (flask db upgrade), never over data."
        )


def _has_rows(connection: sa.Connection, table: sa.Table) -> bool:
    return connection.scalar(sa.select(sa.literal(1)).select_from(table).limit(1)) is not None


def _import_table(connection: sa.Connection, table: sa.Table, archive: zipfile.ZipFile,
                  bar: Progress) -> int:
    """Insert the table's rows; answers how many there were."""
    _, decode = row_codec(table)
    later_links = _LaterLinks(table)
    read = 0
    for batch in _batches(archive, _member(table)):
        rows = [later_links.hold_back(decode(json.loads(line))) for line in batch]
        connection.execute(table.insert(), rows)
        bar.update(len(rows))
        read += len(rows)
    later_links.restore(connection)
    return read


def _batches(archive: zipfile.ZipFile, member: str) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    with io.TextIOWrapper(archive.open(member), encoding="utf-8") as lines:
        for line in lines:
            batch.append(line)
            size += len(line)
            if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


class _LaterLinks:
    """A row may point at a row of its own table that comes later in id order (a module's
    parent created after it). Such a link is inserted empty and set once the table is in;
    links back to earlier rows, the only kind append-only tables have, go in as they are."""

    def __init__(self, table: sa.Table):
        self.table = table
        primary = list(table.primary_key.columns)
        self.key = primary[0] if len(primary) == 1 else None
        self.columns = [
            key.parent.name for key in table.foreign_keys
            if key.column.table is table and self.key is not None and key.column is self.key
        ]
        self.held: list[tuple[object, str, object]] = []

    def hold_back(self, row: dict) -> dict:
        for column in self.columns:
            target = row[column]
            if target is not None and target > row[self.key.name]:
                self.held.append((row[self.key.name], column, target))
                row[column] = None
        return row

    def restore(self, connection: sa.Connection) -> None:
        for key, column, target in self.held:
            connection.execute(
                self.table.update().where(self.key == key).values({column: target})
            )


def _reset_sequences(connection: sa.Connection) -> None:
    """Rows came with their ids, so each id sequence moves past the largest one (or back
    to 1 for an empty table), and the next row the app adds gets a fresh id."""
    quote = connection.dialect.identifier_preparer.quote
    for table in tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            name = quote(column.name)
            connection.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f"COALESCE(MAX({name}), 0) + 1, false) FROM {quote(table.name)}"
                ),
                {"table": table.name, "column": column.name},
            )
