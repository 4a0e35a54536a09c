"""`flask --app movetrack demo`: a believable workplace to try movetrack in.

Idempotent: everything is looked up by name before it is created, so running it again
keeps what is there (including anything a user changed) and only adds what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.auth.models import Role, User
from movetrack.certificates.models import Certificate
from movetrack.clock import local_today, utcnow
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.followups import schedule as follow_up_schedule
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.followups.queries import summary_since_last
from movetrack.followups.services import cancel_follow_ups_at_exit
from movetrack.modules.models import Module, ModuleKind
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from movetrack.participants.models import Assignment, Gender, Participant
from movetrack.placements.models import (
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
    Purpose,
    ScheduleDay,
)
from movetrack.progress.models import Rating
from movetrack.security import hash_password
from movetrack.unit_of_work import unit_of_work

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
# Sign-in cards: (participant, card token, PIN, three pictures). Known tokens, like the demo
# password, so the README can say how to sign in as a participant.
DEMO_CARDS = (
    ("Anna Karlsson", "demo-card-anna-karlsson-0000000000000000000", "1234", None),
    ("Jonas Ek", "demo-card-jonas-ek-00000000000000000000000000", None, ("dog", "house", "apple")),
    # Arabic: his pages right to left, five of his six modules in Arabic (the sixth in Swedish).
    ("Ahmed Al-Sayed", "demo-card-ahmed-al-sayed-000000000000000000", "4321", None),
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
    with unit_of_work():  # saved before the sign-ins are printed: a closed pipe loses nothing
        _load_demo()
    _print_logins()


def _load_demo() -> None:
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
    db.session.flush()

    # Imported here, not at the top: the CLI is registered on every app start, and the
    # importer pulls in the whole library feature only when the demo actually runs.
    from movetrack.modules.importing import import_library

    result = import_library(users["samordnare"], json.loads(LIBRARY_FILE.read_text("utf-8")))
    click.echo(
        f"Module library: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )
    added = _ensure_participants(units, workstations, users)
    db.session.flush()
    click.echo(f"Participants: {added} new, {len(PARTICIPANTS) - added} already there.")
    placed = _ensure_placements(units, ordering_units, users)
    click.echo(f"Placements: {placed} new.")
    issued = _ensure_certificates(users)
    click.echo(f"Certificates: {issued} new.")
    cards = _ensure_cards(users)
    click.echo(f"Sign-in cards: {cards} new.")


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


# participant → (ordering unit, case worker's username or None, purpose, what happened)
PLACEMENT_STORIES = {
    "Anna Karlsson": (ORDERING_UNITS[0], "handlaggare", Purpose.WORK_TRAINING, "active"),
    "Ahmed Al-Sayed": (ORDERING_UNITS[2], "af", Purpose.WORK_CAPACITY_ASSESSMENT, "active"),
    "Fatuma Hassan Abdi": (ORDERING_UNITS[0], "handlaggare", Purpose.WORK_TRAINING, "active"),
    "Lena Persson": (ORDERING_UNITS[2], "af", Purpose.WORK_TRAINING, "ended"),
    "Mikael Nilsson": (ORDERING_UNITS[1], None, Purpose.WORK_TRAINING, "active"),
    "Oksana Kovalenko": (ORDERING_UNITS[2], "af", Purpose.WORK_TRAINING, "active"),
    "Jonas Ek": (ORDERING_UNITS[0], "handlaggare", Purpose.OCCUPATION, "active"),
    "Sam Öberg": (ORDERING_UNITS[3], None, Purpose.WORK_TRAINING, "active"),
    "Tesfay Gebremedhin": (ORDERING_UNITS[2], "af", Purpose.WORK_TRAINING, "active"),
    "Elin Johansson": (ORDERING_UNITS[0], "handlaggare", Purpose.OCCUPATION, "active"),
    "Peter Lundgren": (ORDERING_UNITS[1], None, Purpose.WORK_TRAINING, "ended"),
    "Reza Mohammadi": (ORDERING_UNITS[0], "handlaggare", Purpose.WORK_TRAINING, "active"),
    "Ulla Berg": (ORDERING_UNITS[3], None, Purpose.OCCUPATION, "active"),
    "Hamza Yusuf": (ORDERING_UNITS[2], "af", Purpose.WORK_CAPACITY_ASSESSMENT, "active"),
}
# New orders for people not yet started: (name, birth year, gender, unit, ordering unit,
# case worker, status)
NEW_ORDERS = (
    ("Nadia Rahimi", 1998, Gender.WOMAN, "Passagen", ORDERING_UNITS[2], "af", PlacementStatus.ORDERED),
    ("Kalle Svensson", 1983, Gender.MAN, "Östervik", ORDERING_UNITS[0], "handlaggare",
     PlacementStatus.STUDY_VISIT),
)
SCHEDULES = (
    {0: 6, 1: 6, 2: 6, 3: 6, 4: 4},  # full weeks
    {0: 4, 1: 4, 2: 4, 3: 4, 4: 4},  # mornings
    {0: 5, 2: 5, 4: 5},  # three days
    {0: 3, 1: 3, 3: 3, 4: 3},  # short days
)
ATTENDANCE_ODDS = (
    (AttendanceStatus.PRESENT, 86), (AttendanceStatus.PARTLY, 4), (AttendanceStatus.SICK, 5),
    (AttendanceStatus.VALID_REASON, 3), (AttendanceStatus.UNANNOUNCED, 2),
)
FOLLOW_UP_NOTES = (
    ("Trivs bra och vill fortsätta.", "Fortsätter enligt plan.", "Nästa uppföljning enligt schema."),
    ("Har tagit steg i flera moduler.", "Lägger till en ny träningsmodul.", "Prova fler arbetsuppgifter."),
    ("Tröttare den senaste tiden.", "Kortare dagar en period.", "Följa upp hälsan."),
)


def _ensure_placements(units, ordering_units, users) -> int:
    """One placement per demo participant who has none, with its whole story so far."""
    placed_ids = set(db.session.scalars(sa.select(Placement.participant_id)))
    people = {p.name: p for p in db.session.scalars(
        sa.select(Participant).options(sa.orm.selectinload(Participant.assignments))
    )}
    added = 0
    for index, (name, story) in enumerate(PLACEMENT_STORIES.items()):
        person = people.get(name)
        if person is None or person.id in placed_ids:
            continue
        ordering_unit, case_worker, purpose, outcome = story
        start = min((a.assigned_on for a in person.assignments), default=local_today())
        end = local_today() - dt.timedelta(days=3) if outcome == "ended" else None
        placement = _started_placement(
            person, ordering_units[ordering_unit], users.get(case_worker), purpose, start,
            SCHEDULES[index % len(SCHEDULES)], users["samordnare"], random.Random(100 + index),
            last_day=end or local_today() - dt.timedelta(days=1),
        )
        if end:
            _end(placement, users["samordnare"], person, end)
        added += 1
    for name, birth_year, gender, unit, ordering_unit, case_worker, status in NEW_ORDERS:
        if name in people:
            continue
        person = Participant(name=name, birth_year=birth_year, gender=gender, unit=units[unit],
                             created_by_id=users["samordnare"].id)
        db.session.add(person)
        _new_order(person, units[unit], ordering_units[ordering_unit], users.get(case_worker),
                   status, users["samordnare"])
        added += 1
    return added


def _event(placement, to, on_date, actor, from_status=None):
    db.session.add(PlacementEvent(placement=placement, from_status=from_status, to_status=to,
                                  on_date=on_date, actor_id=actor.id))


def _new_order(person, unit, ordering_unit, case_worker, status, actor) -> Placement:
    received = local_today() - dt.timedelta(days=12)
    placement = Placement(
        participant=person, unit=unit, ordering_unit=ordering_unit, case_worker=case_worker,
        purpose=Purpose.WORK_TRAINING, received_on=received, status=status,
        requested_start=local_today() + dt.timedelta(days=14), created_by_id=actor.id,
        study_visit_on=local_today() - dt.timedelta(days=2) if status == PlacementStatus.STUDY_VISIT else None,
    )
    db.session.add(placement)
    _event(placement, PlacementStatus.ORDERED, received, actor)
    if status == PlacementStatus.STUDY_VISIT:
        _event(placement, status, placement.study_visit_on, actor, PlacementStatus.ORDERED)
    return placement


def _started_placement(person, ordering_unit, case_worker, purpose, start, schedule, actor, rng,
                       last_day):
    """Ordered a few weeks before the start, intake on the first day, attendance on every
    scheduled day since, consent to the ordering unit, follow-ups held when due."""
    received = start - dt.timedelta(days=rng.randint(14, 45))
    placement = Placement(
        participant=person, unit_id=person.unit_id, ordering_unit=ordering_unit,
        case_worker=case_worker, purpose=purpose, received_on=received,
        requested_start=start, requested_end=start + dt.timedelta(days=365),
        study_visit_on=start - dt.timedelta(days=7), intake_on=start,
        intake_attendees="Deltagaren, handledaren, handläggaren och samordnaren",
        wants_to_take_part=True, start_date=start, workstation_id=person.workstation_id,
        status=PlacementStatus.ACTIVE, created_by_id=actor.id,
        schedule=[ScheduleDay(weekday=day, hours=hours) for day, hours in schedule.items()],
    )
    db.session.add(placement)
    steps = ((None, PlacementStatus.ORDERED, received),
             (PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT, placement.study_visit_on),
             (PlacementStatus.STUDY_VISIT, PlacementStatus.INTAKE, start),
             (PlacementStatus.INTAKE, PlacementStatus.ACTIVE, start))
    for before, after, on_date in steps:
        _event(placement, after, on_date, actor, before)
    shares_notes = rng.random() < 0.5
    db.session.add(Consent(
        participant=person, ordering_unit=ordering_unit, share_progress=True,
        share_attendance=True, share_follow_up_notes=shares_notes, given_on=start,
        recorded_by_id=actor.id,
    ))
    db.session.flush()
    for assignment in person.assignments:  # the modules begun at the start belong to it
        assignment.placement_id = placement.id
    _attend(placement, schedule, start, last_day, actor, rng)
    _hold_follow_ups(placement, actor, rng)
    return placement


def _attend(placement, schedule, first, last, actor, rng) -> None:
    statuses, weights = zip(*ATTENDANCE_ODDS, strict=True)
    day = first
    while day <= last:
        if day.weekday() in schedule:
            status = rng.choices(statuses, weights)[0]
            hours = Decimal(schedule[day.weekday()]) / 2 if status == AttendanceStatus.PARTLY else None
            db.session.add(Attendance(placement_id=placement.id, on_date=day, status=status,
                                      hours=hours, recorded_by_id=actor.id))
        day += dt.timedelta(days=1)


def _hold_follow_ups(placement, actor, rng) -> None:
    today = local_today()
    due_dates = follow_up_schedule.parse(follow_up_schedule.DEFAULT_SCHEDULE).dates(
        placement.start_date, placement.requested_end
    )
    for label, due_on in due_dates:
        follow_up = FollowUp(placement_id=placement.id, kind=FollowUpKind.SCHEDULED,
                             label=label, due_on=due_on)
        db.session.add(follow_up)
        if due_on < today:
            db.session.flush()
            notes, decisions, next_step = rng.choice(FOLLOW_UP_NOTES)
            follow_up.held_on = due_on
            follow_up.attendees = "Deltagaren, handledaren och handläggaren"
            follow_up.summary = summary_since_last(placement, due_on, follow_up.id)
            follow_up.notes, follow_up.decisions, follow_up.next_step = notes, decisions, next_step
            follow_up.recorded_by_id, follow_up.recorded_at = actor.id, utcnow()


def _end(placement, actor, person, end: dt.date) -> None:
    """Ended this week: Lena got a job, Peter chose to stop. The follow-up three months
    after the exit is waiting."""
    outcome = Outcome.WORK if person.name == "Lena Persson" else Outcome.OWN_CHOICE
    placement.status, placement.end_date, placement.exit_outcome = PlacementStatus.ENDED, end, outcome
    placement.exit_interview = {
        "Hur länge har du varit deltagare hos oss?": "Några månader.",
        "Vad har varit det bästa med oss?": "Arbetskamraterna och handledarna.",
        "Vad skulle du vilja ändra på?": "Fler fikaraster.",
    }
    _event(placement, PlacementStatus.ENDED, end, actor, PlacementStatus.ACTIVE)
    cancel_follow_ups_at_exit(actor, placement)  # as the exit does: the ones not held
    db.session.add(FollowUp(placement_id=placement.id, kind=FollowUpKind.AFTER_EXIT,
                            label=follow_up_schedule.AFTER_EXIT_LABEL,
                            due_on=follow_up_schedule.add_months(end, 3)))
    person.active = False


# participant → what became of their certificate: still valid, reissued with later
# steps (the first one then says it was replaced), or revoked by the coordinator.
CERTIFICATE_STORIES = {
    "Lena Persson": "valid",
    "Anna Karlsson": "replaced",
    "Peter Lundgren": "revoked",
}
REVOCATION_REASON = "Fel period: utfärdat innan den sista veckan var registrerad."


def _ensure_certificates(users) -> int:
    """Certificates for the people in CERTIFICATE_STORIES who have none yet, issued as
    staff would (default modules, so no health modules; the participant agreed)."""
    from movetrack.certificates import queries as certificate_queries
    from movetrack.certificates.services import (
        default_choices,
        issue_certificate,
        revoke_certificate,
    )

    have = set(db.session.scalars(sa.select(Certificate.participant_id)))
    people = db.session.scalars(
        sa.select(Participant).where(Participant.name.in_(CERTIFICATE_STORIES))
    )
    added = 0
    for person in people:
        if person.id in have:
            continue
        issuer = users["handledare" if person.unit.name == "Passagen" else "stallet"]
        assignments = certificate_queries.rated_assignments(person)
        choices = replace(default_choices(person, assignments), participant_agreed=True)
        story = CERTIFICATE_STORIES[person.name]
        earlier = None
        if story == "replaced":
            earlier = issue_certificate(issuer, person, _a_month_earlier(choices))
            added += 1
        certificate = issue_certificate(issuer, person, choices, replaces=earlier)
        added += 1
        if story == "revoked":
            revoke_certificate(users["samordnare"], certificate, REVOCATION_REASON)
    return added


def _a_month_earlier(choices):
    """The same choices for a period that ended four weeks ago, with the modules that had
    a step by then (all of them when none had: the demo still shows a replacement)."""
    from movetrack.certificates.queries import reached_steps

    end = max(choices.period_start, local_today() - dt.timedelta(days=28))
    rated_by_then = tuple(reached_steps(list(choices.assignment_ids), end))
    if not rated_by_then:
        return choices
    return replace(choices, period_end=end, assignment_ids=rated_by_then)


def _ensure_cards(users) -> int:
    """A card for each person in DEMO_CARDS who has none yet, issued by their supervisor."""
    from movetrack.mypages.models import ParticipantCredential
    from movetrack.mypages.services import issue_card

    have = set(db.session.scalars(sa.select(ParticipantCredential.participant_id)))
    people = {p.name: p for p in db.session.scalars(
        sa.select(Participant).where(Participant.name.in_([card[0] for card in DEMO_CARDS]))
    )}
    added = 0
    for name, token, pin, pictures in DEMO_CARDS:
        person = people.get(name)
        if person is not None and person.id not in have:
            issue_card(users["handledare"], person, pin, pictures, token=token)
            added += 1
    return added


def _print_logins() -> None:
    click.echo(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
    for username, name, role, units, ordering_unit in USERS:
        where = ", ".join(units) or ordering_unit
        click.echo(f"  {username:<12} {role.value:<11} {name} ({where})")
    click.echo("Participants' cards (open the address, then the PIN or the pictures in order):")
    for name, token, pin, pictures in DEMO_CARDS:
        secret = f"PIN {pin}" if pin else "pictures " + ", ".join(pictures)
        click.echo(f"  /card/{token}  {name}: {secret}")
