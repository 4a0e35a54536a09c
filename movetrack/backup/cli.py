"""`flask --app movetrack export-all FILE` and `… import-all FILE`: the whole installation
to one zip file and back into a new, empty database (SQLite or PostgreSQL, either way)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from movetrack.backup import archive
from movetrack.unit_of_work import unit_of_work


def _progress_bar(length: int, label: str):
    return click.progressbar(length=length, label=label, file=sys.stderr)


@click.command("export-all")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_all_command(file: str) -> None:
    """Write every table (photos and the audit log included) to the zip FILE."""
    counts = archive.export_all(file, _progress_bar)
    click.echo(f"Exported {sum(counts.values())} rows of {len(counts)} tables to {file}.")


@click.command("import-all")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_all_command(file: str) -> None:
    """Restore FILE, made by export-all, into this new, migrated and empty database."""
    try:
        with unit_of_work():
            counts = archive.import_all(file, _progress_bar)
    except archive.RestoreRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Imported {sum(counts.values())} rows of {len(counts)} tables from {file}.")
