"""`flask erase-expired`: who is due for erasure after the retention period, and erasing them."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from movetrack.clock import local_today
from movetrack.privacy import queries, services
from movetrack.unit_of_work import unit_of_work


@click.command("erase-expired")
@click.option("--erase", is_flag=True, help="Erase them; without it, only list who is due.")
@with_appcontext
def erase_expired_command(erase: bool) -> None:
    """List (or with --erase, erase) everyone whose last exit is more than
    RETENTION_YEARS_AFTER_EXIT years ago."""
    years = current_app.config["RETENTION_YEARS_AFTER_EXIT"]
    due = queries.due_for_erasure(queries.retention_cutoff(local_today(), years))
    for person in due:
        click.echo(f"{person.participant.id}\t{person.last_exit.isoformat()}\t{person.participant.name}")
    if not erase:
        click.echo(f"{len(due)} due for erasure ({years} years after exit). Run with --erase to erase them.")
        return
    with unit_of_work():
        erased = services.erase_expired([person.participant for person in due])
    click.echo(f"{len(erased)} erased.")
