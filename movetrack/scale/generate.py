"""`flask --app movetrack generate`: a large municipality's years of synthetic history.

On top of the demo (its users, module library and participants, loaded first), it adds
units with supervisors, case workers at every ordering unit, and N participants, each with
one placement whose story is drawn from a seeded random.Random: ordered on a day in the
last Y years, maybe declined or withdrawn, else started weeks later and ended after a
plausible time (or still active), with consent, a weekly schedule (sometimes ramped up),
attendance on every scheduled day, follow-ups, ratings that mostly climb with setbacks,
some corrections, self-ratings, an outcome and the follow-up three months after the exit;
certificates for some of those who left.

Fast because the rows are built in Python with their ids chosen up front (one max(id)
per table) and written with executemany in chunks (SQLAlchemy's insertmanyvalues), never
one ORM object at a time; the sequences are moved past the ids afterwards on PostgreSQL.
Deterministic for a seed: the only clock read is the app's today (`local_today`), and
every instant is derived from a generated date. Ratings and certificates are only
inserted, so the append-only triggers never fire.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import click
import sqlalchemy as sa

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.attendance.scheduled import is_public_holiday
from movetrack.auth.models import Role, User, user_units
from movetrack.clock import local_today
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.followups import schedule as follow_up_schedule
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.modules.models import Module, ModuleKind, ModuleVersion
from movetrack.mypages.models import SelfRating
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from movetrack.participants.models import Assignment, AssignmentStatus, Gender, Participant
from movetrack.placements.models import (
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
    PlacementTargetGroup,
    Purpose,
    ScheduleDay,
    TargetGroup,
)
from movetrack.progress.models import Rating, RatingSource

# How many participants are in an active placement at once in one unit: the generator
# adds units until the expected number of people active today is about this many per unit
# (a large municipality: about 30 units for 1,500 people a year).
ACTIVE_PER_UNIT = 40
# The mean time in activity, in days (MOVE placements last a few months to a year and a half).
MEAN_DAYS_ACTIVE = 230
CHUNK = 250  # participants written per round trip of executemany batches
ZONE = ZoneInfo("Europe/Stockholm")

FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Fatima", "Amina", "Leila",
    "Oksana", "Hodan", "Nour", "Ida", "Elin", "Erik", "Lars", "Karl", "Johan", "Anders",
    "Mohammed", "Ali", "Ahmed", "Omar", "Hassan", "Yusuf", "Mikael", "Jonas", "Peter", "Sam",
    "Tesfay", "Reza", "Dawit", "Ivan", "Goran", "Aisha", "Samira", "Linnea", "Oskar", "Alex",
)
LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Lindqvist", "Berg", "Ek", "Holm", "Sjöberg",
    "Hassan", "Mohamed", "Ali", "Abdi", "Ahmadi", "Hosseini", "Kovalenko", "Yilmaz",
    "Gebremedhin", "Nguyen", "Petrović", "Al-Sayed", "Rahimi", "Öberg", "Lundgren",
)
WORKSTATION_NAMES = (
    "Snickeriet", "Köket", "Lokalvården", "Tvätteriet", "Second hand", "Trädgården",
    "Cykelverkstaden", "Lagret", "Caféet", "Vaktmästeriet", "Sömnaden", "Återbruket",
)
LANGUAGES = ("sv",) * 6 + ("ar", "so", "fa", "ti", "uk", "en")
NOTES = (
    "Gick bra i dag.", "Behövde lite stöd i början, sedan självständigt.",
    "Visade en ny deltagare hur man gör.", "Tog egna initiativ.", "Trött i dag.",
    None, None, None, None,
)
# (status, weight) of an attendance row; the demo's odds.
ATTENDANCE_ODDS = (
    (AttendanceStatus.PRESENT, 86), (AttendanceStatus.PARTLY, 4), (AttendanceStatus.SICK, 5),
    (AttendanceStatus.VALID_REASON, 3), (AttendanceStatus.UNANNOUNCED, 2),
)
OUTCOME_ODDS = (
    (Outcome.WORK, 14), (Outcome.SUBSIDISED_EMPLOYMENT, 12), (Outcome.STUDIES, 10),
    (Outcome.OTHER_PLACEMENT, 8), (Outcome.OCCUPATION, 6), (Outcome.OTHER_PROGRAMME, 8),
    (Outcome.LONG_TERM_SUPPORT, 8), (Outcome.OWN_CHOICE, 12), (Outcome.HEALTH, 10),
    (Outcome.MOVED, 5), (Outcome.UNKNOWN, 6), (Outcome.REGISTERED_BY_MISTAKE, 1),
)
SCHEDULES = (
    {0: 6, 1: 6, 2: 6, 3: 6, 4: 4}, {0: 4, 1: 4, 2: 4, 3: 4, 4: 4}, {0: 5, 2: 5, 4: 5},
    {0: 3, 1: 3, 3: 3, 4: 3}, {1: 3, 3: 3},
)
STEP_CHANGES = (0, 0, 1, 1, 1, 1, 2, -1)  # mostly a step up, sometimes a setback


def weighted(rng: random.Random, odds):
    """One of the values, as likely as its weight (random.choices without its per-call set-up,
    which the millions of attendance rows would feel)."""
    values, bounds = _cumulative(odds)
    return values[bisect.bisect_right(bounds, rng.random() * bounds[-1])]


@functools.cache
def _cumulative(odds) -> tuple[tuple, list[float]]:
    values, weights = zip(*odds, strict=True)
    return values, list(itertools.accumulate(weights))


@functools.cache
def instant(day: dt.date, hour: int) -> dt.datetime:
    """A generated moment: the day at the hour in the workshop's zone (never the clock)."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(dt.UTC)


class Ids:
    """The next free id of each table, read once, so rows can point at each other before
    they are written."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, model) -> int:
        table = model.__table__
        if table.name not in self._next:
            self._next[table.name] = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        self._next[table.name] += 1
        return self._next[table.name] - 1

    @staticmethod
    def analyse() -> None:
        """Fresh planner statistics: the bulk load made every table many times larger, and a
        plan chosen for a near-empty table (before autovacuum gets to it) can take minutes."""
        db.session.execute(sa.text("ANALYZE"))

    def move_sequences(self) -> None:
        """PostgreSQL hands out ids from a sequence, which explicit ids do not advance."""
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for name in self._next:
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
            ))


@dataclass
class Rows:
    """The rows of one chunk, per table, in the order the foreign keys need."""

    tables: dict = field(default_factory=lambda: {model: [] for model in (
        Participant, Placement, PlacementTargetGroup, PlacementEvent, ScheduleDay, Consent,
        Assignment, Rating, SelfRating, Attendance, FollowUp,
    )})

    def add(self, model, **row) -> None:
        self.tables[model].append(row)

    def write(self) -> int:
        written = 0
        for model, rows in self.tables.items():
            if rows:
                # Core, not the ORM's bulk insert: that one leaves out None values, so rows
                # with NULLs in different columns would go one small batch after another.
                db.session.execute(model.__table__.insert(), rows)
                written += len(rows)
        return written


@dataclass
class World:
    """What the synthetic participants are placed in: units with their workstations and
    supervisors, ordering units with their case workers, and the module library."""

    units: list[tuple[int, list[int], list[int]]]  # (unit id, workstation ids, supervisor ids)
    ordering_units: list[tuple[int, list[int]]]  # (ordering unit id, case worker ids)
    intro: list[tuple[int, int]]  # (module id, current version id)
    training: list[tuple[int, int]]
    admin_id: int


def generate(participants: int, years: int, seed: int, progress: Callable[[int], None]) -> dict:
    """Adds the synthetic data (inside the caller's unit of work); returns rows per table."""
    rng = random.Random(seed)
    today = local_today()
    ids = Ids()
    world = _world(rng, participants, years, ids)
    counts: dict[str, int] = {}
    story = Story(rng, today, years, world, ids)
    for first in range(0, participants, CHUNK):
        rows = Rows()
        for _ in range(min(CHUNK, participants - first)):
            story.person(rows)
        rows.write()
        for model, table_rows in rows.tables.items():
            counts[model.__tablename__] = counts.get(model.__tablename__, 0) + len(table_rows)
        progress(min(CHUNK, participants - first))
    ids.move_sequences()
    counts["certificates"] = issue_certificates(rng, story.left)
    ids.analyse()
    return counts


def issue_certificates(rng: random.Random, left: list[tuple[int, int, dt.date]]) -> int:
    """A certificate for one in twenty-five of those who left, frozen as the issue form
    would (its content built by the certificate service), with a code from the seed."""
    from movetrack.certificates import queries as certificate_queries
    from movetrack.certificates.models import CODE_BYTES, Certificate
    from movetrack.certificates.services import build_content, content_sha256, default_choices

    chosen = rng.sample(left, max(1, len(left) // 25)) if left else []
    for participant_id, supervisor_id, end in chosen:
        participant, issuer = db.session.get(Participant, participant_id), db.session.get(User, supervisor_id)
        choices = replace(default_choices(participant, certificate_queries.rated_assignments(participant)),
                          period_end=end)
        content = build_content(issuer, participant, choices)
        issued_at = instant(end, 15)
        db.session.add(Certificate(
            code=rng.randbytes(CODE_BYTES).hex(), participant_id=participant_id, unit_id=participant.unit_id,
            issued_at=issued_at, issued_by_id=supervisor_id, content=content,
            content_sha256=content_sha256(content), agreement_recorded_at=issued_at,
            agreement_recorded_by_id=supervisor_id,
        ))
    db.session.flush()
    return len(chosen)


def _world(rng: random.Random, participants: int, years: int, ids: Ids) -> World:
    from movetrack.demo import DEMO_PASSWORD, INTRODUCTION_MODULES, ORGANISATION
    from movetrack.security import hash_password

    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == ORGANISATION))
    active_today = participants * MEAN_DAYS_ACTIVE / (365 * max(1, years))
    wanted_units = max(2, round(active_today / ACTIVE_PER_UNIT))
    units = list(db.session.scalars(sa.select(Unit).where(Unit.organisation_id == org.id).order_by(Unit.id)))
    password = hash_password(DEMO_PASSWORD)  # hashed once for every user added
    for number in range(len(units) + 1, wanted_units + 1):
        unit = Unit(organisation=org, name=f"Enhet {number:02d}")
        db.session.add(unit)
        for name in rng.sample(WORKSTATION_NAMES, rng.randint(3, 6)):
            db.session.add(Workstation(unit=unit, name=name))
        units.append(unit)
    db.session.flush()
    admin = db.session.scalar(sa.select(User).where(User.organisation_id == org.id, User.role == Role.ADMIN))
    existing = set(db.session.scalars(sa.select(User.username)))
    placed_units = []
    for unit in units:
        username = f"handledare-{unit.id}"
        if username not in existing:
            db.session.add(User(organisation=org, username=username, name=f"Handledare {unit.name}",
                                role=Role.SUPERVISOR, password_hash=password, units=[unit]))
    for number, ordering_unit in enumerate(db.session.scalars(
        sa.select(OrderingUnit).where(OrderingUnit.organisation_id == org.id)
    )):
        for n in range(1, 4):
            username = f"handlaggare-{ordering_unit.id}-{n}"
            if username not in existing:
                db.session.add(User(organisation=org, username=username, name=f"Handläggare {number}.{n}",
                                    role=Role.ORDERER, password_hash=password, ordering_unit=ordering_unit))
    db.session.flush()
    supervisors: dict[int, list[int]] = {}
    for user_id, unit_id in db.session.execute(
        sa.select(user_units.c.user_id, user_units.c.unit_id).join(User, User.id == user_units.c.user_id)
        .where(User.role == Role.SUPERVISOR)
    ):
        supervisors.setdefault(unit_id, []).append(user_id)
    for unit in units:
        stations = [w.id for w in db.session.scalars(sa.select(Workstation).where(Workstation.unit_id == unit.id))]
        placed_units.append((unit.id, stations, sorted(supervisors.get(unit.id, [admin.id]))))
    case_workers: dict[int, list[int]] = {}
    for user_id, ou_id in db.session.execute(
        sa.select(User.id, User.ordering_unit_id).where(User.role == Role.ORDERER).order_by(User.id)
    ):
        case_workers.setdefault(ou_id, []).append(user_id)
    modules = db.session.execute(
        sa.select(Module.id, Module.kind, ModuleVersion.id.label("version_id"), ModuleVersion.title)
        .join(ModuleVersion, (ModuleVersion.module_id == Module.id)
              & (ModuleVersion.number == Module.current_version_number))
        .where(Module.archived_at.is_(None)).order_by(Module.id)
    ).all()
    return World(
        units=placed_units,
        ordering_units=sorted(case_workers.items()),
        intro=[(m.id, m.version_id) for m in modules if m.title in INTRODUCTION_MODULES],
        training=[(m.id, m.version_id) for m in modules
                  if m.kind == ModuleKind.TRAINING and m.title not in INTRODUCTION_MODULES],
        admin_id=admin.id,
    )


class Story:
    """One participant's way through a unit, drawn from the random generator."""

    def __init__(self, rng: random.Random, today: dt.date, years: int, world: World, ids: Ids):
        self.rng, self.today, self.world, self.ids = rng, today, world, ids
        self.first_day = today - dt.timedelta(days=365 * max(1, years))
        self.follow_ups = follow_up_schedule.parse(follow_up_schedule.DEFAULT_SCHEDULE)
        self.left: list[tuple[int, int, dt.date]] = []  # (participant, supervisor, end) of those who left

    def person(self, rows: Rows) -> None:
        rng = self.rng
        unit_id, stations, supervisors = rng.choice(self.world.units)
        ordering_unit_id, case_workers = rng.choice(self.world.ordering_units)
        received = self.first_day + dt.timedelta(days=rng.randint(0, (self.today - self.first_day).days - 1))
        start, end, status = self._course(received)
        participant_id = self.ids.take(Participant)
        workstation = rng.choice(stations) if stations else None
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        rows.add(Participant, id=participant_id, unit_id=unit_id, workstation_id=workstation, name=name,
                 preferred_name=None, birth_year=rng.randint(1960, 2006),
                 gender=weighted(rng, ((Gender.WOMAN, 45), (Gender.MAN, 50), (Gender.OTHER, 2),
                                       (Gender.NOT_STATED, 3))),
                 needs_pictures=rng.random() < 0.2, language=rng.choice(LANGUAGES), photo_id=None,
                 active=status in (PlacementStatus.ACTIVE, PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT),
                 created_at=instant(received, 9), created_by_id=self.world.admin_id)
        placement_id = self.ids.take(Placement)
        schedule = rng.choice(SCHEDULES)
        rows.add(Placement, **self._placement(
            placement_id, participant_id, unit_id, ordering_unit_id,
            rng.choice(case_workers) if rng.random() < 0.8 else None, received, start, end, status, workstation,
        ))
        for code in rng.sample([group.value for group in TargetGroup], rng.randint(1, 2)):
            rows.add(PlacementTargetGroup, placement_id=placement_id, code=code)
        self._events(rows, placement_id, received, start, end, status)
        if start is None:
            return
        supervisor = rng.choice(supervisors)
        if end:
            self.left.append((participant_id, supervisor, end))
        last_day = min(end or self.today, self.today - dt.timedelta(days=1))
        periods = self._schedule(rows, placement_id, start, schedule, last_day)
        rows.add(Consent, id=self.ids.take(Consent), participant_id=participant_id,
                 ordering_unit_id=ordering_unit_id, other_party=None, share_progress=rng.random() < 0.9,
                 share_attendance=True, share_follow_up_notes=rng.random() < 0.5, given_on=start,
                 recorded_by_id=supervisor, recorded_at=instant(start, 10), withdrawn_on=None,
                 withdrawn_by_id=None, withdrawn_at=None, withdrawal_reason=None)
        self._attendance(rows, placement_id, periods, start, last_day, supervisor)
        self._follow_ups(rows, placement_id, start, end, supervisor)
        self._modules(rows, participant_id, placement_id, start, last_day, supervisor,
                      open_placement=end is None)

    def _course(self, received: dt.date):
        """(start, end, status): declined or withdrawn before the start, not started yet,
        active, or ended."""
        rng = self.rng
        if rng.random() < 0.08:
            return None, None, rng.choice((PlacementStatus.DECLINED, PlacementStatus.WITHDRAWN))
        start = received + dt.timedelta(days=rng.randint(10, 60))
        if start > self.today:
            return None, None, rng.choice((PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT))
        days = int(min(720, max(30, rng.lognormvariate(5.3, 0.55))))  # median ≈ 200 days
        end = start + dt.timedelta(days=days)
        if end >= self.today:
            return start, None, PlacementStatus.ACTIVE
        return start, end, PlacementStatus.ENDED

    def _placement(self, placement_id, participant_id, unit_id, ordering_unit_id, case_worker, received,
                   start, end, status, workstation) -> dict:
        rng = self.rng
        requested_start = received + dt.timedelta(days=rng.randint(7, 30))
        return dict(
            id=placement_id, participant_id=participant_id, unit_id=unit_id,
            ordering_unit_id=ordering_unit_id, case_worker_id=case_worker, status=status,
            purpose=weighted(rng, ((Purpose.WORK_TRAINING, 70), (Purpose.WORK_CAPACITY_ASSESSMENT, 15),
                                   (Purpose.OCCUPATION, 12), (Purpose.OTHER, 3))),
            received_on=received, requested_start=requested_start,
            requested_end=requested_start + dt.timedelta(days=365), need_category_id=None, order_note=None,
            study_visit_on=start - dt.timedelta(days=7) if start else None,
            intake_on=start, intake_attendees="Deltagaren, handledaren och handläggaren" if start else None,
            wants_to_take_part=True if start else None, start_date=start,
            workstation_id=workstation if start else None, end_date=end,
            exit_outcome=weighted(rng, OUTCOME_ODDS) if end else None,
            exit_interview=None, created_at=instant(received, 9), created_by_id=self.world.admin_id,
            version=1,
        )

    def _events(self, rows, placement_id, received, start, end, status) -> None:
        steps = [(None, PlacementStatus.ORDERED, received)]
        if start:
            steps += [(PlacementStatus.ORDERED, PlacementStatus.STUDY_VISIT, start - dt.timedelta(days=7)),
                      (PlacementStatus.STUDY_VISIT, PlacementStatus.INTAKE, start),
                      (PlacementStatus.INTAKE, PlacementStatus.ACTIVE, start)]
        elif status != PlacementStatus.ORDERED:
            steps.append((PlacementStatus.ORDERED, status, received + dt.timedelta(days=5)))
        if end:
            steps.append((PlacementStatus.ACTIVE, PlacementStatus.ENDED, end))
        for before, after, on_date in steps:
            rows.add(PlacementEvent, id=self.ids.take(PlacementEvent), placement_id=placement_id,
                     from_status=before, to_status=after, on_date=on_date, at=instant(on_date, 11),
                     actor_id=self.world.admin_id, note=None)

    def _schedule(self, rows, placement_id, start, schedule, last_day) -> list[tuple[dt.date, dict]]:
        """The first weekly schedule; a fifth of the people ramp up to full days after two months."""
        periods = [(start, schedule)]
        ramp = start + dt.timedelta(days=61)
        if self.rng.random() < 0.2 and ramp <= last_day:
            periods.append((ramp, {day: min(8, hours + 2) for day, hours in schedule.items()}))
        for valid_from, days in periods:
            for weekday, hours in days.items():
                rows.add(ScheduleDay, placement_id=placement_id, valid_from=valid_from, weekday=weekday,
                         hours=Decimal(hours))
        return periods

    def _attendance(self, rows, placement_id, periods, first, last, supervisor) -> None:
        rng = self.rng
        day = first
        while day <= last:
            schedule = next(days for valid_from, days in reversed(periods) if valid_from <= day)
            if day.weekday() in schedule and not is_public_holiday(day):
                status = weighted(rng, ATTENDANCE_ODDS)
                hours = Decimal(schedule[day.weekday()]) / 2 if status == AttendanceStatus.PARTLY else None
                rows.add(Attendance, id=self.ids.take(Attendance), placement_id=placement_id, on_date=day,
                         status=status, hours=hours, recorded_by_id=supervisor, recorded_at=instant(day, 9),
                         version=1, request_key=None)
            day += dt.timedelta(days=1)

    def _follow_ups(self, rows, placement_id, start, end, supervisor) -> None:
        rng = self.rng
        held_until = min(end or self.today, self.today)
        for label, due_on in self.follow_ups.dates(start, end or start + dt.timedelta(days=365)):
            held = due_on < held_until
            self._follow_up(rows, placement_id, FollowUpKind.SCHEDULED, label, due_on, supervisor,
                            held_on=due_on if held else None,
                            cancelled_on=end if end and not held else None, activity=None)
        if end:
            due_on = follow_up_schedule.add_months(end, follow_up_schedule.AFTER_EXIT_MONTHS)
            held = due_on < self.today and rng.random() < 0.7
            self._follow_up(rows, placement_id, FollowUpKind.AFTER_EXIT, follow_up_schedule.AFTER_EXIT_LABEL,
                            due_on, supervisor, held_on=due_on if held else None, cancelled_on=None,
                            activity=weighted(rng, OUTCOME_ODDS[:-1]) if held else None)

    def _follow_up(self, rows, placement_id, kind, label, due_on, supervisor, held_on, cancelled_on,
                   activity) -> None:
        rows.add(FollowUp, id=self.ids.take(FollowUp), placement_id=placement_id, kind=kind, label=label,
                 due_on=due_on, held_on=held_on, cancelled_on=cancelled_on,
                 attendees="Deltagaren, handledaren och handläggaren" if held_on else None, summary=None,
                 notes="Fortsätter enligt plan." if held_on else None, decisions=None, next_step=None,
                 activity_after_exit=activity, recorded_by_id=supervisor if held_on else None,
                 recorded_at=instant(held_on, 14) if held_on else None, version=1)

    def _modules(self, rows, participant_id, placement_id, start, last_day, supervisor, open_placement) -> None:
        rng = self.rng
        modules = self.world.intro + rng.sample(self.world.training, min(len(self.world.training),
                                                                         rng.randint(1, 3)))
        self_rater = rng.random() < 0.3
        for module_id, version_id in modules:
            assignment_id = self.ids.take(Assignment)
            baseline = rng.randint(1, 3)
            switched = rng.random() < 0.05
            rows.add(Assignment, id=assignment_id, participant_id=participant_id, module_id=module_id,
                     placement_id=placement_id, baseline_step=baseline,
                     goal_step=min(10, baseline + rng.randint(3, 6)),
                     status=AssignmentStatus.SWITCHED if switched else AssignmentStatus.ACTIVE,
                     assigned_on=start, assigned_by_id=supervisor,
                     status_changed_at=instant(last_day, 15) if switched else None)
            for day, step in self._steps(start, last_day, baseline):
                self._rate(rows, assignment_id, version_id, step, day, supervisor)
                if self_rater and rng.random() < 0.3:
                    rows.add(SelfRating, id=self.ids.take(SelfRating), assignment_id=assignment_id,
                             module_version_id=version_id, step=max(1, min(10, step + rng.choice((-1, 0, 1)))),
                             rated_on=day, recorded_at=instant(day, 12), rated_by_id=participant_id,
                             request_key=uuid.UUID(int=rng.getrandbits(128), version=4))

    def _steps(self, start: dt.date, last_day: dt.date, baseline: int) -> Iterator[tuple[dt.date, int]]:
        """About every eight days a rating: mostly a step up, sometimes the same, now and then back."""
        rng = self.rng
        step, day = baseline, start
        while (day := day + dt.timedelta(days=rng.randint(3, 14))) <= last_day:
            step = max(1, min(10, step + rng.choice(STEP_CHANGES)))
            yield day, step

    def _rate(self, rows, assignment_id, version_id, step, day, supervisor) -> None:
        rng = self.rng
        rating_id = self.ids.take(Rating)
        common = dict(assignment_id=assignment_id, module_version_id=version_id, rated_on=day,
                      rated_by_id=supervisor, source=RatingSource.SUPERVISOR, approved=True,
                      request_key=None, agrees_with_id=None)
        rows.add(Rating, id=rating_id, step=step, recorded_at=instant(day, 13), note=rng.choice(NOTES),
                 participant_agreed=rng.choice((True, True, None)), corrects_id=None, correction_reason=None,
                 **common)
        if rng.random() < 0.01:  # a mis-tap, corrected a minute later
            rows.add(Rating, id=self.ids.take(Rating), step=max(1, step - 1),
                     recorded_at=instant(day, 13) + dt.timedelta(minutes=1), note=None, participant_agreed=None,
                     corrects_id=rating_id, correction_reason="wrong tap", **common)


def progress_bar(total: int, label: str):
    """A progress bar on the terminal (stderr, so what is printed on stdout stays clean)."""
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
