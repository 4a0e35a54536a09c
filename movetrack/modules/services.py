"""Changing the library. Each public function checks the rules, writes, audits and flushes.

The versioning rule lives here: ratings point at the version they were given under, so
new words for a module whose current version has ratings go into a new version (with the
step pictures copied); without ratings the current version is edited in place. Identity
(area, kind, parent, workstations) always changes in place.

`user` may be None everywhere: the system itself (the demo, the command line).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.media.models import Upload
from movetrack.media.services import save_upload_bytes
from movetrack.modules import io, queries
from movetrack.modules.io import ImportProblem, ImportRejected
from movetrack.modules.models import (
    STEP_COUNT,
    Module,
    ModuleArea,
    ModuleKind,
    ModuleStep,
    ModuleVersion,
    StepPicture,
)
from movetrack.modules.wording import (
    DESCRIPTION_MAX_LENGTH,
    KEY_MAX_LENGTH,
    STEP_TEXTS,
    TITLE_MAX_LENGTH,
    ModuleWords,
    PictureRef,
    StepWords,
    text_problem,
)
from movetrack.org.models import Workstation
from movetrack.rules import RuleViolation


@dataclass(frozen=True)
class ModuleData:
    """Everything an admin sets on a module: its identity and its words."""

    area_key: str
    kind: ModuleKind
    parent_id: int | None
    workstation_ids: tuple[int, ...]
    words: ModuleWords


class Change(enum.Enum):
    """What saving a module did to its words."""

    NONE = "none"
    IN_PLACE = "in_place"
    NEW_VERSION = "new_version"


def _user_id(user: User | None) -> int | None:
    return user.id if user is not None else None


# --- keys ----------------------------------------------------------------------------

_SWEDISH_LETTERS = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def slugify(title: str) -> str:
    """'Städa köket – grovt' → 'stada-koket-grovt'."""
    folded = unicodedata.normalize("NFKD", title.lower().translate(_SWEDISH_LETTERS))
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
    return slug[: KEY_MAX_LENGTH - 4].strip("-") or "modul"  # room for a "-999" suffix


def unique_key(title: str) -> str:
    """The title's slug, with -2, -3… added when another module already has it."""
    base = slugify(title)
    taken = set(
        db.session.scalars(
            sa.select(Module.key).where(sa.or_(Module.key == base, Module.key.like(f"{base}-%")))
        )
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


# --- checks (all of them run before anything is written) ------------------------------


def _require_librarian(user: User | None) -> None:
    if user is not None and not may_change(user, Kind.LIBRARY):
        raise RuleViolation(_l("Only administrators change the module library."))


def _check_words(words: ModuleWords) -> None:
    """The form checks the same; this guards every other way in."""
    if problem := text_problem(words.title, TITLE_MAX_LENGTH):
        raise RuleViolation(_l("Title: %(problem)s", problem=problem), field="title")
    if problem := text_problem(words.description, DESCRIPTION_MAX_LENGTH, required=False):
        raise RuleViolation(_l("Description: %(problem)s", problem=problem), field="description")
    if sorted(step.number for step in words.steps) != list(range(1, STEP_COUNT + 1)):
        raise RuleViolation(
            _l("A module has exactly %(count)d steps, numbered 1 to %(count)d.", count=STEP_COUNT),
            field="steps",
        )
    for step in words.steps:
        for name, max_length, label in STEP_TEXTS:
            if problem := text_problem(getattr(step, name), max_length):
                raise RuleViolation(
                    _l("Step %(number)d, %(what)s: %(problem)s",
                       number=step.number, what=label, problem=problem),
                    field="steps",
                )


def _area(key: str) -> ModuleArea:
    area = db.session.scalar(sa.select(ModuleArea).where(ModuleArea.key == key))
    if area is None:
        raise RuleViolation(_l("Choose one of the eight module areas."), field="area")
    return area


def _check_parent(module: Module | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parents = queries.parent_ids()
    if parent_id not in parents:
        raise RuleViolation(_l("The chosen parent module does not exist."), field="parent")
    if module is not None and parent_id in {module.id} | queries.descendant_ids(module.id, parents):
        raise RuleViolation(
            _l("A module cannot be part of itself or of one of its own parts."), field="parent"
        )


def _workstations(ids: tuple[int, ...]) -> list[Workstation]:
    if not ids:
        return []
    found = list(db.session.scalars(sa.select(Workstation).where(Workstation.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise RuleViolation(_l("A chosen workstation does not exist."), field="workstations")
    return found


def _checked(module: Module | None, data: ModuleData) -> tuple[ModuleArea, list[Workstation]]:
    """Check every rule for `data`; returns the area and workstations it names."""
    _check_words(data.words)
    area = _area(data.area_key)
    _check_parent(module, data.parent_id)
    return area, _workstations(data.workstation_ids)


# --- writing -------------------------------------------------------------------------


def _pictures_of(step: ModuleStep) -> tuple[PictureRef, ...]:
    return tuple(PictureRef(p.pictogram_key, p.upload_id) for p in step.pictures)


def words_of(version: ModuleVersion) -> ModuleWords:
    return ModuleWords(
        title=version.title,
        description=version.description or "",
        steps=tuple(
            StepWords(s.number, s.title, s.meaning, s.todo, s.how, _pictures_of(s))
            for s in version.steps
        ),
    )


def _same_words(version: ModuleVersion, words: ModuleWords) -> bool:
    """True when saving `words` would change nothing (pictures count only when given)."""
    current = words_of(version)
    old_steps = {step.number: step for step in current.steps}

    def same_step(step: StepWords) -> bool:
        old = old_steps.get(step.number)
        pictures = old.pictures if old and step.pictures is None else step.pictures
        return old is not None and replace(step, pictures=pictures) == old

    return (current.title, current.description) == (words.title, words.description) and all(
        same_step(step) for step in words.steps
    )


def _new_pictures(pictures: tuple[PictureRef, ...]) -> list[StepPicture]:
    return [
        StepPicture(pictogram_key=p.pictogram_key, upload_id=p.upload_id, position=position)
        for position, p in enumerate(pictures)
    ]


def _add_version(module: Module, number: int, words: ModuleWords, user: User | None,
                 pictures_from: ModuleVersion | None = None) -> ModuleVersion:
    """A new version holding `words`; a step that brings no pictures of its own takes those
    of the same step in `pictures_from`."""
    old_steps = {step.number: step for step in pictures_from.steps} if pictures_from else {}
    version = ModuleVersion(number=number, title=words.title, description=words.description,
                            created_by_id=_user_id(user))
    module.versions.append(version)  # appending (not version.module = …) cascades into the session
    for step in sorted(words.steps, key=lambda s: s.number):
        pictures = step.pictures
        if pictures is None:
            pictures = _pictures_of(old_steps[step.number]) if step.number in old_steps else ()
        version.steps.append(
            ModuleStep(number=step.number, title=step.title, meaning=step.meaning, todo=step.todo,
                       how=step.how, pictures=_new_pictures(pictures))
        )
    return version


def _edit_in_place(version: ModuleVersion, words: ModuleWords) -> None:
    version.title, version.description = words.title, words.description
    steps = {step.number: step for step in version.steps}
    for new in words.steps:
        step = steps[new.number]
        step.title, step.meaning, step.todo, step.how = new.title, new.meaning, new.todo, new.how
        if new.pictures is not None and new.pictures != _pictures_of(step):
            step.pictures = _new_pictures(new.pictures)


def _write_words(module: Module, words: ModuleWords, user: User | None, rated: set[int]) -> Change:
    """The versioning rule; `rated` holds the ids of versions that have ratings."""
    current = module.current_version
    if _same_words(current, words):
        return Change.NONE
    if current.id not in rated:
        _edit_in_place(current, words)
        return Change.IN_PLACE
    _add_version(module, current.number + 1, words, user, pictures_from=current)
    module.current_version_number = current.number + 1
    db.session.expire(module, ["current_version"])  # the viewonly relationship follows the number
    return Change.NEW_VERSION


def _set_identity(module: Module, area: ModuleArea, kind: ModuleKind, parent_id: int | None,
                  workstations: list[Workstation]) -> bool:
    """Area, kind, parent and workstations, changed in place; True if anything changed."""
    before = (module.area_id, module.kind, module.parent_id, {w.id for w in module.workstations})
    module.area, module.kind, module.parent_id = area, kind, parent_id
    module.workstations = sorted(workstations, key=lambda w: w.name)
    return before != (area.id, kind, parent_id, {w.id for w in workstations})


# --- the admin's actions -------------------------------------------------------------


def create_module(user: User | None, data: ModuleData) -> Module:
    _require_librarian(user)
    area, workstations = _checked(None, data)
    module = Module(key=unique_key(data.words.title), created_by_id=_user_id(user),
                    current_version_number=1)
    _set_identity(module, area, data.kind, data.parent_id, workstations)
    _add_version(module, 1, data.words, user)
    db.session.add(module)
    audit.record(user, "module.created", module, key=module.key)
    db.session.flush()
    return module


def update_module(user: User | None, module: Module, data: ModuleData) -> Change:
    """Save an edit; says whether the words changed in place, in a new version, or not at all."""
    _require_librarian(user)
    area, workstations = _checked(module, data)
    identity_changed = _set_identity(module, area, data.kind, data.parent_id, workstations)
    rated = queries.rated_version_ids([module.current_version.id])
    change = _write_words(module, data.words, user, rated)
    if identity_changed or change is not Change.NONE:
        audit.record(user, "module.edited", module, key=module.key, words=change.value,
                     version=module.current_version_number)
    db.session.flush()
    return change


def duplicate_module(user: User | None, source: Module) -> Module:
    """A new module, "Copy of …", with the source's identity and its current words and pictures."""
    _require_librarian(user)
    words = words_of(queries.version_with_steps(source))
    title = _("Copy of %(title)s", title=words.title)[:TITLE_MAX_LENGTH]
    copy = Module(
        key=unique_key(title), area_id=source.area_id, kind=source.kind, parent_id=source.parent_id,
        workstations=list(source.workstations), created_by_id=_user_id(user),
        current_version_number=1,
    )
    _add_version(copy, 1, replace(words, title=title), user)
    db.session.add(copy)
    audit.record(user, "module.duplicated", copy, key=copy.key, source=source.id)
    db.session.flush()
    return copy


def archive_module(user: User | None, module: Module) -> None:
    """Hidden from the library and from new assignments; history and ratings stay."""
    _require_librarian(user)
    if module.archived_at is None:
        module.archived_at = utcnow()
        audit.record(user, "module.archived", module, key=module.key)
        db.session.flush()


def unarchive_module(user: User | None, module: Module) -> None:
    _require_librarian(user)
    if module.archived_at is not None:
        module.archived_at = None
        audit.record(user, "module.unarchived", module, key=module.key)
        db.session.flush()


# --- import --------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[ImportProblem] = field(default_factory=list)

    @property
    def summary(self):
        return _l(
            "%(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
            created=self.created, updated=self.updated, unchanged=self.unchanged,
        )


def import_library(user: User | None, data) -> ImportResult:
    """Create or update every module of a parsed import file, all or nothing.

    A module whose key exists is updated under the versioning rule (content that is the
    same leaves it untouched, so importing a file twice changes nothing the second time).
    Workstations are local to an installation: names found here are linked, the module's
    own links are kept, unknown names become warnings. Raises ImportRejected (the unit
    of work then keeps nothing) when anything in the file is wrong.
    """
    _require_librarian(user)
    problems = io.validate_library(data)
    if problems:
        raise ImportRejected(problems)
    result = _LibraryImport(user, data["modules"]).run()
    db.session.flush()
    return result


class _LibraryImport:
    """One validated import in one transaction: everything is looked up once, then each
    module is written; parents are set last, when every module of the file exists."""

    def __init__(self, user: User | None, entries: list[dict]):
        self.user = user
        self.entries = entries
        self.result = ImportResult()
        self.existing = {
            module.key: module
            for module in db.session.scalars(
                sa.select(Module)
                .where(Module.key.in_([entry["key"] for entry in entries]))
                .options(
                    orm.selectinload(Module.workstations),
                    orm.selectinload(Module.versions),
                    orm.joinedload(Module.current_version)
                    .selectinload(ModuleVersion.steps)
                    .selectinload(ModuleStep.pictures),
                )
            ).unique()
        }
        self.areas = {area.key: area for area in queries.areas()}
        self.rated = queries.rated_version_ids(m.current_version.id for m in self.existing.values())
        names = list({name for entry in entries for name in entry.get("workstations") or ()})
        self.workstations: dict[str, list[Workstation]] = {}
        for workstation in db.session.scalars(sa.select(Workstation).where(Workstation.name.in_(names))):
            self.workstations.setdefault(workstation.name, []).append(workstation)

    def run(self) -> ImportResult:
        pictures = _PhotoImport(self.user).pictures_of(self.entries)
        written = [self._write(index, entry, pictures[index]) for index, entry in enumerate(self.entries)]
        db.session.flush()  # every module has its id before parents point at them
        parent_ids = self._parent_ids({module.key: module for module, _changed in written})
        for entry, (module, changed) in zip(self.entries, written, strict=True):
            parent_id = parent_ids.get(io.parent_key(entry))
            if module.parent_id != parent_id:
                module.parent_id = parent_id
                changed = True
            self._count_and_audit(module, created=entry["key"] not in self.existing, changed=changed)
        return self.result

    def _write(self, index: int, entry: dict, pictures: dict[int, tuple[PictureRef, ...]]) -> tuple[Module, bool]:
        """Create or update the module of one entry (all but its parent); True if it changed."""
        module = self.existing.get(entry["key"])
        words = _words_of_entry(entry, pictures)
        area, kind = self.areas[entry["area"]], ModuleKind(entry["kind"])
        workstations = self._workstations_for(index, entry, module)
        archived_at = _archived_at(module, entry.get("archived", False))
        if module is None:
            module = Module(key=entry["key"], created_by_id=_user_id(self.user), current_version_number=1,
                            archived_at=archived_at)
            _set_identity(module, area, kind, None, workstations)
            _add_version(module, 1, words, self.user)
            db.session.add(module)
            return module, True
        changed = _set_identity(module, area, kind, module.parent_id, workstations)
        changed |= _write_words(module, words, self.user, self.rated) is not Change.NONE
        changed |= module.archived_at != archived_at
        module.archived_at = archived_at
        return module, changed

    def _workstations_for(self, index: int, entry: dict, module: Module | None) -> list[Workstation]:
        linked = {w.id: w for w in (module.workstations if module else ())}
        for name in entry.get("workstations") or ():
            found = self.workstations.get(name, [])
            if not found:
                self.result.warnings.append(ImportProblem(
                    index, entry["title"].strip(), "workstations",
                    lazy_text('no workstation is called "%(name)s" here; the link was skipped', name=name),
                ))
            linked.update((w.id, w) for w in found)
        return list(linked.values())

    def _parent_ids(self, modules: dict[str, Module]) -> dict[str, int]:
        """{key: id} for every parent the file names, in the file or only in the library."""
        wanted = {io.parent_key(entry) for entry in self.entries} - {None}
        found = {key: module.id for key, module in modules.items() if key in wanted}
        if missing := list(wanted - found.keys()):
            found.update(db.session.execute(sa.select(Module.key, Module.id).where(Module.key.in_(missing))).all())
        return found

    def _count_and_audit(self, module: Module, created: bool, changed: bool) -> None:
        if not changed:
            self.result.unchanged += 1
            return
        if created:
            self.result.created += 1
        else:
            self.result.updated += 1
        audit.record(self.user, "module.imported", module, key=module.key,
                     outcome="created" if created else "updated", version=module.current_version_number)


def _archived_at(module: Module | None, archived: bool):
    """When the module counts as archived: keeps the date it was archived here, if it was."""
    if not archived:
        return None
    return (module.archived_at if module else None) or utcnow()


def _words_of_entry(entry: dict, pictures: dict[int, tuple[PictureRef, ...]]) -> ModuleWords:
    return ModuleWords(
        title=entry["title"].strip(),
        description=(entry.get("description") or "").strip(),
        steps=tuple(
            StepWords(
                number=step["number"], title=step["title"].strip(), meaning=step["meaning"].strip(),
                todo=step["todo"].strip(), how=step["how"].strip(), pictures=pictures[step["number"]],
            )
            for step in sorted(entry["steps"], key=lambda step: step["number"])
        ),
    )


class _PhotoImport:
    """Photos in an import file become uploads through the media feature, which checks and
    re-encodes them. A photo stored with the same bytes and description is reused, so
    importing a file exported from here again does not store its photos twice."""

    def __init__(self, user: User | None):
        self.user = user
        self.problems: list[ImportProblem] = []
        self.stored: dict[tuple[str, str], int] = {}  # (sha256, description) → upload id

    def pictures_of(self, entries: list[dict]) -> list[dict[int, tuple[PictureRef, ...]]]:
        """For each entry, {step number: its pictures}; ImportRejected if a photo is refused."""
        self._find_stored(
            picture["photo"]
            for entry in entries for step in entry["steps"] for picture in step.get("pictures") or ()
            if "photo" in picture
        )
        pictures = [
            {
                step["number"]: tuple(
                    self._picture(index, entry, f"steps[{step_index}].pictures[{position}]", picture)
                    for position, picture in enumerate(step.get("pictures") or ())
                )
                for step_index, step in enumerate(entry["steps"])
            }
            for index, entry in enumerate(entries)
        ]
        if self.problems:
            raise ImportRejected(self.problems)
        return pictures

    @staticmethod
    def _fingerprint(photo: dict) -> tuple[str, str]:
        data = base64.b64decode(photo["data"], validate=True)
        return hashlib.sha256(data).hexdigest(), (photo.get("description") or "").strip()

    def _find_stored(self, photos) -> None:
        fingerprints = {self._fingerprint(photo) for photo in photos}
        if fingerprints:
            rows = db.session.execute(
                sa.select(Upload.sha256, Upload.description, Upload.id)
                .where(Upload.sha256.in_([sha for sha, _description in fingerprints]))
                .order_by(Upload.id.desc())  # the oldest wins when the same photo is stored twice
            )
            self.stored.update({(sha, description): upload_id for sha, description, upload_id in rows})

    def _picture(self, index: int, entry: dict, where: str, picture: dict) -> PictureRef:
        if "pictogram" in picture:
            return PictureRef(pictogram_key=picture["pictogram"])
        photo = picture["photo"]
        fingerprint = self._fingerprint(photo)
        if fingerprint not in self.stored:
            try:
                upload = save_upload_bytes(base64.b64decode(photo["data"]), self.user,
                                           fingerprint[1])
            except RuleViolation as refused:
                self.problems.append(ImportProblem(index, entry["title"].strip(), f"{where}.photo",
                                                   refused.message))
                return PictureRef()
            self.stored[fingerprint] = upload.id
        return PictureRef(upload_id=self.stored[fingerprint])
