"""Reading the library: each function is a fixed number of statements, whatever its size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy import orm

from movetrack.auth.models import User
from movetrack.extensions import db
from movetrack.modules.models import (
    Module,
    ModuleArea,
    ModuleKind,
    ModuleStep,
    ModuleVersion,
    StepPicture,
    module_workstations,
)
from movetrack.org.models import Unit, Workstation
from movetrack.progress.models import Rating


@dataclass(frozen=True)
class LibraryFilter:
    text: str = ""
    area_key: str | None = None
    kind: ModuleKind | None = None
    workstation_id: int | None = None
    include_archived: bool = False


def areas() -> list[ModuleArea]:
    return list(db.session.scalars(sa.select(ModuleArea).order_by(ModuleArea.position)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def library_modules(wanted: LibraryFilter) -> list[Module]:
    """Modules in area order, then by title, each with its area, current words and parent."""
    statement = (
        sa.select(Module)
        .join(Module.area)
        .join(Module.current_version)
        .options(
            orm.contains_eager(Module.area),
            orm.contains_eager(Module.current_version),
            orm.joinedload(Module.parent).joinedload(Module.current_version),
        )
        .order_by(ModuleArea.position, ModuleVersion.title, Module.id)
    )
    if wanted.text.strip():
        pattern = f"%{_escape_like(wanted.text.strip())}%"
        statement = statement.where(ModuleVersion.title.ilike(pattern, escape="\\"))
    if wanted.area_key:
        statement = statement.where(ModuleArea.key == wanted.area_key)
    if wanted.kind:
        statement = statement.where(Module.kind == wanted.kind)
    if wanted.workstation_id:
        statement = statement.where(
            Module.id.in_(
                sa.select(module_workstations.c.module_id).where(
                    module_workstations.c.workstation_id == wanted.workstation_id
                )
            )
        )
    if not wanted.include_archived:
        statement = statement.where(Module.archived_at.is_(None))
    return list(db.session.scalars(statement).unique())


def cover_pictures(version_ids: Iterable[int]) -> dict[int, StepPicture]:
    """{version id: the first picture of its lowest step that has one}, in one statement."""
    ids = list(version_ids)
    if not ids:
        return {}
    ranked = (
        sa.select(
            StepPicture.id,
            ModuleStep.version_id,
            sa.func.row_number()
            .over(
                partition_by=ModuleStep.version_id,
                order_by=(ModuleStep.number, StepPicture.position, StepPicture.id),
            )
            .label("rank"),
        )
        .join(StepPicture.step)
        .where(ModuleStep.version_id.in_(ids))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(StepPicture, ranked.c.version_id)
        .join(ranked, ranked.c.id == StepPicture.id)
        .where(ranked.c.rank == 1)
    )
    return {version_id: picture for picture, version_id in rows}


def module_or_404(module_id: int) -> Module:
    """A module with everything its page shows: area, parent, children, workstations, versions."""
    module = db.session.scalar(
        sa.select(Module)
        .where(Module.id == module_id)
        .options(
            orm.joinedload(Module.area),
            orm.joinedload(Module.current_version),
            orm.joinedload(Module.parent).joinedload(Module.current_version),
            orm.selectinload(Module.children).joinedload(Module.current_version),
            orm.selectinload(Module.workstations).joinedload(Workstation.unit),
            orm.selectinload(Module.versions),
        )
    )
    return module or abort(404)


def version_with_steps(module: Module, number: int | None = None) -> ModuleVersion:
    """The module's version `number` (default: current) with its ten steps, their pictures and
    every translation."""
    version = db.session.scalar(
        sa.select(ModuleVersion)
        .where(
            ModuleVersion.module_id == module.id,
            ModuleVersion.number == (number or module.current_version_number),
        )
        .options(
            orm.selectinload(ModuleVersion.translations),
            orm.selectinload(ModuleVersion.steps).selectinload(ModuleStep.pictures),
            orm.selectinload(ModuleVersion.steps).selectinload(ModuleStep.translations),
        )
    )
    return version or abort(404)


def users_by_id(user_ids: Iterable[int | None]) -> dict[int, User]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def parent_ids() -> dict[int, int | None]:
    """{module id: its parent's id} for the whole library: two integers a row."""
    return dict(db.session.execute(sa.select(Module.id, Module.parent_id)).all())


def descendant_ids(module_id: int, parents: dict[int, int | None]) -> set[int]:
    """The module's children, their children and so on."""
    children: dict[int, list[int]] = {}
    for child_id, parent_id in parents.items():
        children.setdefault(parent_id, []).append(child_id)
    found, waiting = set(), list(children.get(module_id, []))
    while waiting:
        current = waiting.pop()
        if current not in found:
            found.add(current)
            waiting.extend(children.get(current, []))
    return found


def parent_candidates(module: Module | None) -> list[Module]:
    """Modules that may be the parent of `module`: not archived (unless it is the present
    parent), and neither the module itself nor below it, so the tree never loops."""
    excluded: set[int] = set()
    if module is not None and module.id is not None:
        excluded = {module.id} | descendant_ids(module.id, parent_ids())
    present_parent = module.parent_id if module is not None else None
    statement = (
        sa.select(Module)
        .join(Module.area)
        .join(Module.current_version)
        .options(orm.contains_eager(Module.area), orm.contains_eager(Module.current_version))
        .where(sa.or_(Module.archived_at.is_(None), Module.id == present_parent))
        .order_by(ModuleArea.position, ModuleVersion.title, Module.id)
    )
    if excluded:
        statement = statement.where(Module.id.not_in(excluded))
    return list(db.session.scalars(statement).unique())


def workstations(organisation_id: int, also: Iterable[int] = ()) -> list[Workstation]:
    """The organisation's workstations by unit, without archived ones unless listed in `also`."""
    return list(
        db.session.scalars(
            sa.select(Workstation)
            .join(Workstation.unit)
            .options(orm.contains_eager(Workstation.unit))
            .where(
                Unit.organisation_id == organisation_id,
                sa.or_(Workstation.archived.is_(False), Workstation.id.in_(list(also))),
            )
            .order_by(Unit.name, Workstation.name)
        )
    )


def rated_version_ids(version_ids: Iterable[int]) -> set[int]:
    """Which of these versions some rating was given under (their words must not change)."""
    ids = list(version_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Rating.module_version_id).where(Rating.module_version_id.in_(ids)).distinct()
        )
    )
