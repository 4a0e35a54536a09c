"""`flask --app movetrack demo`: a believable workplace to try movetrack in.

Idempotent: everything is looked up by name before it is created, so running it again
keeps what is there (including anything a user changed) and only adds what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from movetrack.auth.models import Role, User
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleKind
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from movetrack.participants.models import Assignment, Gender, Participant
from movetrack.progress.models import Rating
from movetrack.security import hash_password

DEMO_PASSWORD = "movetrack-demo"
ORGANISATION = "Arbetsmarknadsenheten Demo"
LIBRARY_FILE = Path(__file__).resolve().parent / "modules" / "demo_library.json"
INTRODUCTION_MODULES = ("Introduktion", "Fysisk hälsa", "Psykisk hälsa", "Närvaro")

UNITS = {
    "Passagen": ("Snickeriet", "Stickeriet", "Köket", "Biltvätten", "Lokalvården"),
    "Östervik": ("Stallet", "Veden", "Lastbilen"),
}
ORDERING_UNITS = (
    "Ekonomihandläggare (försörjningsstöd)",
    "ANL (alkohol och narkotika)",
    "Arbetsförmedlingen",
    "Vuxengruppen",
)
# (username, name, role, units, ordering unit)
USERS = (
    ("samordnare", "Sara Lindqvist", Role.ADMIN, ("Passagen", "Östervik"), None),
    ("handledare", "Henrik Sjöberg", Role.SUPERVISOR, ("Passagen",), None),
    ("stallet", "Maria Eklund", Role.SUPERVISOR, ("Östervik",), None),
    ("handlaggare", "Karin Holm", Role.ORDERER, (), "Ekonomihandläggare (försörjningsstöd)"),
    ("af", "Johan Berglund", Role.ORDERER, (), "Arbetsförmedlingen"),
)
# (name, preferred name, birth year, gender, needs pictures, language, unit, workstation)
PARTICIPANTS = (
    ("Anna Karlsson", "Anna", 1994, Gender.WOMAN, False, "sv", "Passagen", "Snickeriet"),
    ("Ahmed Al-Sayed", None, 1987, Gender.MAN, True, "ar", "Passagen", "Snickeriet"),
    ("Fatuma Hassan Abdi", "Fatuma", 1979, Gender.WOMAN, True, "so", "Passagen", "Stickeriet"),
    ("Lena Persson", None, 1968, Gender.WOMAN, False, "sv", "Passagen", "Stickeriet"),
    ("Mikael Nilsson", "Micke", 2001, Gender.MAN, False, "sv", "Passagen", "Köket"),
    ("Oksana Kovalenko", None, 1990, Gender.WOMAN, False, "uk", "Passagen", "Köket"),
    ("Jonas Ek", None, 2003, Gender.MAN, True, "sv", "Passagen", "Biltvätten"),
    ("Sam Öberg", None, 1999, Gender.OTHER, False, "sv", "Passagen", "Lokalvården"),
    ("Tesfay Gebremedhin", "Tesfay", 1985, Gender.MAN, False, "ti", "Östervik", "Stallet"),
    ("Elin Johansson", None, 2004, Gender.WOMAN, True, "sv", "Östervik", "Stallet"),
    ("Peter Lundgren", None, 1972, Gender.MAN, False, "sv", "Östervik", "Veden"),
    ("Reza Mohammadi", None, 1996, Gender.MAN, False, "fa", "Östervik", "Veden"),
    ("Ulla Berg", None, 1965, Gender.NOT_STATED, False, "sv", "Östervik", "Lastbilen"),
    ("Hamza Yusuf", None, 2005, Gender.MAN, True, "so", "Östervik", "Lastbilen"),
)
NOTES = (
    "Gick bra i dag.",
    "Behövde lite stöd i början, sedan självständigt.",
    "Visade en ny deltagare hur man gör.",
    "Tog egna initiativ.",
    None,
    None,
)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo organisation, users, module library and participants (idempotent)."""
    org = _get_or_create(Organisation, name=ORGANISATION)
    units = {name: _get_or_create(Unit, organisation=org, name=name) for name in UNITS}
    workstations = {
        name: _get_or_create(Workstation, unit=units[unit], name=name)
        for unit, names in UNITS.items()
        for name in names
    }
    ordering_units = {
        name: _get_or_create(OrderingUnit, organisation=org, name=name) for name in ORDERING_UNITS
    }
    users = _ensure_users(org, units, ordering_units)
    db.session.commit()

    # Imported here, not at the top: the CLI is registered on every app start, and the
    # importer pulls in the whole library feature only when the demo actually runs.
    from movetrack.modules.services import import_library

    result = import_library(users["samordnare"], json.loads(LIBRARY_FILE.read_text("utf-8")))
    click.echo(
        f"Module library: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )
    added = _ensure_participants(units, workstations, users)
    db.session.commit()
    click.echo(f"Participants: {added} new, {len(PARTICIPANTS) - added} already there.")
    _print_logins()


def _get_or_create(model, **fields):
    lookup = {key: value for key, value in fields.items() if not isinstance(value, db.Model)}
    lookup.update({f"{key}_id": value.id for key, value in fields.items() if isinstance(value, db.Model)})
    instance = db.session.scalar(sa.select(model).filter_by(**lookup))
    if instance is None:
        instance = model(**fields)
        db.session.add(instance)
        db.session.flush()
    return instance


def _ensure_users(org, units, ordering_units) -> dict[str, User]:
    existing = {u.username: u for u in db.session.scalars(sa.select(User))}
    password_hash = hash_password(DEMO_PASSWORD)
    for username, name, role, unit_names, ordering_unit in USERS:
        if username not in existing:
            existing[username] = User(
                organisation=org,
                username=username,
                name=name,
                role=role,
                password_hash=password_hash,
                units=[units[unit] for unit in unit_names],
                ordering_unit=ordering_units.get(ordering_unit),
            )
            db.session.add(existing[username])
    db.session.flush()
    return existing


def _ensure_participants(units, workstations, users) -> int:
    existing = {(p.unit_id, p.name) for p in db.session.scalars(sa.select(Participant))}
    modules = list(
        db.session.scalars(
            sa.select(Module)
            .where(Module.archived_at.is_(None))
            .options(sa.orm.selectinload(Module.workstations), sa.orm.joinedload(Module.current_version))
        ).unique()
    )
    added = 0
    for index, row in enumerate(PARTICIPANTS):
        name, preferred, birth_year, gender, pictures, language, unit, workstation = row
        if (units[unit].id, name) in existing:
            continue
        participant = Participant(
            name=name, preferred_name=preferred, birth_year=birth_year, gender=gender,
            needs_pictures=pictures, language=language, unit=units[unit],
            workstation=workstations[workstation], created_by_id=users["samordnare"].id,
        )
        db.session.add(participant)
        supervisor = users["handledare" if unit == "Passagen" else "stallet"]
        _assign_and_rate(participant, _modules_for(workstation, modules), supervisor, seed=index)
        added += 1
    return added


def _modules_for(workstation: str, modules: list[Module]) -> list[Module]:
    """The four introduction modules, then up to two training modules of the workstation."""
    by_title = {module.title: module for module in modules}
    chosen = [by_title[title] for title in INTRODUCTION_MODULES if title in by_title]
    training = [
        module
        for module in modules
        if module.kind == ModuleKind.TRAINING and workstation in {w.name for w in module.workstations}
    ]
    return chosen + training[:2]


def _assign_and_rate(participant, modules, supervisor, seed: int) -> None:
    """A few months of plausible ratings: mostly small steps up, sometimes a step back."""
    rng = random.Random(seed)
    today = local_today()
    started = today - dt.timedelta(days=rng.randint(70, 150))
    for module in modules:
        baseline = rng.randint(1, 3)
        assignment = Assignment(
            participant=participant, module=module, baseline_step=baseline,
            goal_step=min(10, baseline + rng.randint(3, 6)), assigned_on=started,
            assigned_by_id=supervisor.id,
        )
        db.session.add(assignment)
        db.session.flush()
        version_id = module.current_version.id
        step, day = baseline, started
        while True:
            day += dt.timedelta(days=rng.randint(7, 21))
            if day > today:
                break
            step = max(1, min(10, step + rng.choice((0, 1, 1, 1, 2, -1))))
            db.session.add(
                Rating(
                    assignment_id=assignment.id, module_version_id=version_id,
                    step=step, rated_on=day, rated_by_id=supervisor.id,
                    note=rng.choice(NOTES), participant_agreed=rng.choice((True, True, None)),
                )
            )


def _print_logins() -> None:
    click.echo("\nDemo sign-ins (password for all: %s)" % DEMO_PASSWORD)
    for username, name, role, units, ordering_unit in USERS:
        where = ", ".join(units) or ordering_unit
        click.echo(f"  {username:<12} {role.value:<11} {name} ({where})")
