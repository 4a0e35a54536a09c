"""Changing the library. Each public function checks the rules, writes, audits and flushes.

The versioning rule lives here: ratings point at the version they were given under, so
new words for a module whose current version has ratings go into a new version (with the
step pictures copied); without ratings the current version is edited in place. Identity
(area, kind, parent, workstations) always changes in place.

`user` may be None everywhere: the system itself (the demo, the command line).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.clock import utcnow
from movetrack.extensions import db
from movetrack.languages import TRANSLATION_LANGUAGES
from movetrack.modules import queries, translated
from movetrack.modules.models import (
    STEP_COUNT,
    Module,
    ModuleArea,
    ModuleKind,
    ModuleStep,
    ModuleVersion,
    StepPicture,
)
from movetrack.modules.translated import TranslationWords
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


def user_id_of(user: User | None) -> int | None:
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


def require_librarian(user: User | None) -> None:
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


def add_version(module: Module, number: int, words: ModuleWords, user: User | None,
                 pictures_from: ModuleVersion | None = None) -> ModuleVersion:
    """A new version holding `words`; a step that brings no pictures of its own takes those
    of the same step in `pictures_from`."""
    old_steps = {step.number: step for step in pictures_from.steps} if pictures_from else {}
    version = ModuleVersion(number=number, title=words.title, description=words.description,
                            created_by_id=user_id_of(user))
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


def write_words(module: Module, words: ModuleWords, user: User | None, rated: set[int]) -> Change:
    """The versioning rule; `rated` holds the ids of versions that have ratings."""
    current = module.current_version
    if _same_words(current, words):
        return Change.NONE
    if current.id not in rated:
        _edit_in_place(current, words)
        return Change.IN_PLACE
    new = add_version(module, current.number + 1, words, user, pictures_from=current)
    translated.copy_translations(current, new)
    module.current_version_number = current.number + 1
    db.session.expire(module, ["current_version"])  # the viewonly relationship follows the number
    return Change.NEW_VERSION


def set_identity(module: Module, area: ModuleArea, kind: ModuleKind, parent_id: int | None,
                  workstations: list[Workstation]) -> bool:
    """Area, kind, parent and workstations, changed in place; True if anything changed."""
    before = (module.area_id, module.kind, module.parent_id, {w.id for w in module.workstations})
    module.area, module.kind, module.parent_id = area, kind, parent_id
    module.workstations = sorted(workstations, key=lambda w: w.name)
    return before != (area.id, kind, parent_id, {w.id for w in workstations})


# --- the admin's actions -------------------------------------------------------------


def create_module(user: User | None, data: ModuleData) -> Module:
    require_librarian(user)
    area, workstations = _checked(None, data)
    module = Module(key=unique_key(data.words.title), created_by_id=user_id_of(user),
                    current_version_number=1)
    set_identity(module, area, data.kind, data.parent_id, workstations)
    add_version(module, 1, data.words, user)
    db.session.add(module)
    audit.record(user, "module.created", module, key=module.key)
    db.session.flush()
    return module


def update_module(user: User | None, module: Module, data: ModuleData) -> Change:
    """Save an edit; says whether the words changed in place, in a new version, or not at all."""
    require_librarian(user)
    area, workstations = _checked(module, data)
    identity_changed = set_identity(module, area, data.kind, data.parent_id, workstations)
    rated = queries.rated_version_ids([module.current_version.id])
    change = write_words(module, data.words, user, rated)
    if identity_changed or change is not Change.NONE:
        audit.record(user, "module.edited", module, key=module.key, words=change.value,
                     version=module.current_version_number)
    db.session.flush()
    return change


def duplicate_module(user: User | None, source: Module) -> Module:
    """A new module, "Copy of …", with the source's identity and its current words, pictures
    and translations. The translations keep the fingerprints of the Swedish they were made
    from: those out of date stay so, and the titles become so, as "Copy of …" is new Swedish
    (readers get it until someone translates the copy's own title)."""
    require_librarian(user)
    version = queries.version_with_steps(source)
    words = words_of(version)
    title = _("Copy of %(title)s", title=words.title)[:TITLE_MAX_LENGTH]
    copy = Module(
        key=unique_key(title), area_id=source.area_id, kind=source.kind, parent_id=source.parent_id,
        workstations=list(source.workstations), created_by_id=user_id_of(user),
        current_version_number=1,
    )
    translated.copy_translations(version, add_version(copy, 1, replace(words, title=title), user))
    db.session.add(copy)
    audit.record(user, "module.duplicated", copy, key=copy.key, source=source.id,
                 translations=translated.languages_of(version) or None)
    db.session.flush()
    return copy


def archive_module(user: User | None, module: Module) -> None:
    """Hidden from the library and from new assignments; history and ratings stay."""
    require_librarian(user)
    if module.archived_at is None:
        module.archived_at = utcnow()
        audit.record(user, "module.archived", module, key=module.key)
        db.session.flush()


def unarchive_module(user: User | None, module: Module) -> None:
    require_librarian(user)
    if module.archived_at is not None:
        module.archived_at = None
        audit.record(user, "module.unarchived", module, key=module.key)
        db.session.flush()


def save_translation(user: User | None, module: Module, words: TranslationWords) -> None:
    """One language's texts of the current version, edited in place: ratings are given under
    the Swedish words, so a translation never makes a new version. A text saved unchanged
    stays out of date if it was; one written anew is of the Swedish as it is now."""
    require_librarian(user)
    if words.language not in TRANSLATION_LANGUAGES:
        raise RuleViolation(_l("Choose a language to translate into."), field="language")
    if problem := text_problem(words.title, TITLE_MAX_LENGTH, required=False):
        raise RuleViolation(_l("Title: %(problem)s", problem=problem), field="title")
    if problem := text_problem(words.description, DESCRIPTION_MAX_LENGTH, required=False):
        raise RuleViolation(_l("Description: %(problem)s", problem=problem), field="description")
    version = queries.version_with_steps(module)
    before = next((w for w in translated.translation_words_of(version) if w.language == words.language),
                  None)
    translated.write_language(version, _keeping_out_of_date(before, words))
    audit.record(user, "module.translated", module, key=module.key, language=words.language,
                 version=module.current_version_number)
    db.session.flush()


def _keeping_out_of_date(before: TranslationWords | None, words: TranslationWords) -> TranslationWords:
    """`words`, with the texts that were out of date and are saved unchanged still so; steps
    with no text and no translation yet are left out (no empty rows)."""
    if before is None:
        before = TranslationWords(language=words.language)
    old_steps = {step.number: step for step in before.steps}

    def still(old, new, names) -> frozenset[str]:
        return frozenset(n for n in old.outdated if n in names and getattr(old, n) == getattr(new, n))

    steps = tuple(
        replace(step, outdated=still(old_steps[step.number], step, translated.STEP_FIELDS))
        if step.number in old_steps else step
        for step in words.steps
        if step.number in old_steps or any(getattr(step, n) for n in translated.STEP_FIELDS)
    )
    return replace(words, steps=steps, outdated=still(before, words, translated.VERSION_FIELDS))
