"""Builders for test data. They write straight to the database, bypassing services, so a
test of a service is not also a test of the fixture."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import sqlalchemy as sa

from movetrack.auth.models import Role, User
from movetrack.extensions import db
from movetrack.modules.models import Module, ModuleArea, ModuleKind, ModuleStep, ModuleVersion, StepPicture
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from movetrack.participants.models import Assignment, Participant
from movetrack.progress.models import Rating
from movetrack.security import hash_password

PASSWORD = "correct horse battery"
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
        assigned_on=on or dt.date.today(), placement_id=placement and placement.id,
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
