"""Builders for test data. They write straight to the database, bypassing services, so a
test of a service is not also a test of the fixture."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa

from movetrack.auth.models import Role, User
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.modules.models import (
    Module,
    ModuleArea,
    ModuleKind,
    ModuleStep,
    ModuleVersion,
    StepPicture,
)
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from movetrack.participants.models import Assignment, Participant
from movetrack.placements.models import (
    Outcome,
    Placement,
    PlacementStatus,
    Purpose,
    ScheduleDay,
)
from movetrack.progress.models import Rating
from movetrack.security import hash_password

PASSWORD = "correct horse battery"
# Every day of the week, so that today is a scheduled day whatever day the tests run on.
EVERY_DAY = dict.fromkeys(range(7), Decimal(6))
_PASSWORD_HASH = None


def password_hash() -> str:
    global _PASSWORD_HASH  # hashing with argon2 is deliberately slow: once per test run
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def make_user(org, username, role, units=(), ordering_unit=None, name=None) -> User:
    user = User(
        organisation=org,
        username=username,
        name=name or username.title(),
        password_hash=password_hash(),
        role=role,
        ordering_unit=ordering_unit,
        units=list(units),
    )
    db.session.add(user)
    return user


def area(key: str) -> ModuleArea:
    return db.session.scalar(sa.select(ModuleArea).where(ModuleArea.key == key))


def make_module(key, title, area_key="arbetsmoment", kind=ModuleKind.TRAINING, pictogram="hammer") -> Module:
    module = Module(key=key, area=area(key=area_key), kind=kind, current_version_number=1)
    version = ModuleVersion(module=module, number=1, title=title, description=f"Om {title}.")
    for number in range(1, 11):
        step = ModuleStep(
            version=version, number=number, title=f"{title} steg {number}",
            meaning=f"Betydelse {number}", todo=f"Gör {number}", how=f"Hur {number}",
        )
        if pictogram:
            step.pictures.append(StepPicture(pictogram_key=pictogram, position=0))
    db.session.add(module)
    return module


def make_participant(unit, name, **fields) -> Participant:
    participant = Participant(unit=unit, name=name, **fields)
    db.session.add(participant)
    return participant


def assign(participant, module, baseline=None, goal=None, on=None, placement=None) -> Assignment:
    assignment = Assignment(
        participant=participant, module=module, baseline_step=baseline, goal_step=goal,
        assigned_on=on or local_today(), placement_id=placement and placement.id,
    )
    db.session.add(assignment)
    return assignment


def rate(assignment, step, by, on, **fields) -> Rating:
    db.session.flush()
    rating = Rating(
        assignment_id=assignment.id, module_version_id=assignment.module.versions[-1].id,
        step=step, rated_on=on, rated_by_id=by.id, **fields,
    )
    db.session.add(rating)
    return rating


def make_placement(participant, ordering_unit, status=None, *, start_date=None, end_date=None,
                   schedule=None, **fields) -> Placement:
    """A placement in the participant's unit, for work training, written straight to the
    database (no service, no events) and committed.

    Without a status it is ordered, active from `start_date`, or ended on `end_date`. A started
    one (active or ended) began 40 days ago unless told, had its intake that day with the
    participant wanting to take part, and works `schedule` ({weekday: hours}, every day for
    six hours unless told). An ended one ended today unless told, with outcome work. It was
    received ten days before its start, or 60 days ago when it has none.
    """
    if status is None:
        status = (PlacementStatus.ENDED if end_date else
                  PlacementStatus.ACTIVE if start_date else PlacementStatus.ORDERED)
    if status in (PlacementStatus.ACTIVE, PlacementStatus.ENDED):
        start_date = start_date or local_today() - dt.timedelta(days=40)
        fields = {"intake_on": start_date, "wants_to_take_part": True, **fields}
        schedule = EVERY_DAY if schedule is None else schedule
    if status == PlacementStatus.ENDED:
        end_date = end_date or local_today()
        fields = {"exit_outcome": Outcome.WORK, **fields}
    if start_date:
        received_on = start_date - dt.timedelta(days=10)
    else:
        received_on = local_today() - dt.timedelta(days=60)
    days = [ScheduleDay(weekday=day, hours=hours) for day, hours in (schedule or {}).items()]
    placement = Placement(**{
        "participant": participant, "unit": participant.unit, "ordering_unit": ordering_unit,
        "purpose": Purpose.WORK_TRAINING, "status": status, "received_on": received_on,
        "start_date": start_date, "end_date": end_date, "schedule": days, **fields,
    })
    db.session.add(placement)
    if status == PlacementStatus.ACTIVE:  # modules begun before it are taken in, as at intake
        for assignment in participant.assignments:
            if assignment.placement_id is None:
                assignment.placement = placement
    db.session.commit()
    return placement


def build_world() -> SimpleNamespace:
    org = Organisation(name="Testkommunen")
    passagen = Unit(organisation=org, name="Passagen")
    ostervik = Unit(organisation=org, name="Östervik")
    snickeriet = Workstation(unit=passagen, name="Snickeriet")
    stallet = Workstation(unit=ostervik, name="Stallet")
    af = OrderingUnit(organisation=org, name="Arbetsförmedlingen")
    db.session.add_all([org, passagen, ostervik, snickeriet, stallet, af])
    admin = make_user(org, "admin", Role.ADMIN, name="Ada Admin")
    supervisor = make_user(org, "handledare", Role.SUPERVISOR, [passagen], name="Hanna Handledare")
    other_supervisor = make_user(org, "stallchef", Role.SUPERVISOR, [ostervik], name="Sten Stall")
    orderer = make_user(org, "handlaggare", Role.ORDERER, ordering_unit=af, name="Olle Ordrar")
    module = make_module("slipa-en-stol", "Slipa en stol")
    anna = make_participant(passagen, "Anna Andersson", preferred_name="Anna", workstation=snickeriet)
    bertil = make_participant(ostervik, "Bertil Berg", workstation=stallet)
    anna_module = assign(anna, module, baseline=2, goal=6)
    bertil_module = assign(bertil, module, baseline=1, goal=4)
    db.session.commit()
    return SimpleNamespace(**locals())
