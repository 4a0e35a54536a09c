"""`flask --app movetrack modules export FILE` and `… modules import FILE [--as USERNAME]`."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from movetrack.auth.models import User
from movetrack.extensions import db
from movetrack.modules import exporting, importing, io
from movetrack.rules import RuleViolation
from movetrack.unit_of_work import unit_of_work

modules_cli = AppGroup("modules", help="Export and import the module library as JSON.")


@modules_cli.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8"))
def export_command(file) -> None:
    """Write the whole library to FILE (- for standard output)."""
    library = exporting.export_library()
    json.dump(library, file, ensure_ascii=False, indent=2)
    file.write("\n")
    click.echo(f"Exported {len(library['modules'])} modules.", err=True)


@modules_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--as", "username", help="Record the import as this admin (default: the system).")
def import_command(file, username: str | None) -> None:
    """Import FILE (- for standard input): all of it, or nothing if anything is wrong."""
    user = None
    if username:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise click.UsageError(f'There is no user "{username}".')
    # Messages in the installation's language: there is no request to choose another.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            with unit_of_work():
                result = importing.import_library(user, io.parse_library(file.read()))
        except RuleViolation as refused:  # ImportRejected lists every problem of the file
            click.echo(str(refused.message), err=True)
            for problem in getattr(refused, "problems", ()):
                click.echo(str(problem), err=True)
            raise SystemExit(1) from None
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        click.echo(str(result.summary))
