"""Writing a validated import file (modules/io.py reads and checks it) to the library,
all or nothing, under the versioning rule of services.py."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from movetrack import audit
from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.media.models import Upload
from movetrack.media.services import save_upload_bytes
from movetrack.modules import io, queries, translated
from movetrack.modules.io import ImportProblem, ImportRejected
from movetrack.modules.models import Module, ModuleKind, ModuleStep, ModuleVersion
from movetrack.modules.services import (
    Change,
    add_version,
    require_librarian,
    set_identity,
    user_id_of,
    write_words,
)
from movetrack.modules.translated import StepTranslationWords, TranslationWords
from movetrack.modules.wording import ModuleWords, PictureRef, StepWords
from movetrack.org.models import Workstation
from movetrack.rules import RuleViolation


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
    require_librarian(user)
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
            module = Module(key=entry["key"], created_by_id=user_id_of(self.user), current_version_number=1,
                            archived_at=archived_at)
            set_identity(module, area, kind, None, workstations)
            _write_translations(add_version(module, 1, words, self.user), entry)
            db.session.add(module)
            return module, True
        changed = set_identity(module, area, kind, module.parent_id, workstations)
        changed |= write_words(module, words, self.user, self.rated) is not Change.NONE
        changed |= _write_translations(module.current_version, entry)
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


def _write_translations(version: ModuleVersion, entry: dict) -> bool:
    """The entry's translations, when it has any, replace the version's; True if that changed them.
    (Translations are edited in place: ratings are given under the Swedish words.)"""
    if "translations" not in entry and not any("translations" in step for step in entry["steps"]):
        return False
    return translated.replace_translations(version, _translation_words(entry))


def _translation_words(entry: dict) -> tuple[TranslationWords, ...]:
    module_level = entry.get("translations") or {}
    step_level = {
        step["number"]: step.get("translations") or {}
        for step in entry["steps"]
    }
    languages = sorted(set(module_level).union(*step_level.values()))
    return tuple(
        _language_words(language, module_level.get(language), step_level) for language in languages
    )


def _texts(translation: dict, names: tuple[str, ...]) -> dict:
    """The texts, and which of them are out of date (only texts that are there can be)."""
    texts = {name: (translation.get(name) or "").strip() for name in names}
    outdated = frozenset(name for name in translation.get("outdated", ()) if texts[name])
    return {**texts, "outdated": outdated}


def _language_words(language: str, module: dict | None, step_level: dict[int, dict]) -> TranslationWords:
    steps = tuple(
        StepTranslationWords(
            number=number, **_texts(translations[language], translated.STEP_FIELDS),
        )
        for number, translations in sorted(step_level.items()) if language in translations
    )
    if module is None:
        return TranslationWords(language=language, module=False, steps=steps)
    return TranslationWords(
        language=language, checked=module.get("checked", False), steps=steps,
        **_texts(module, translated.VERSION_FIELDS),
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
