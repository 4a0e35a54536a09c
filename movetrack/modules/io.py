"""The library as a JSON file: reading it and saying exactly what is wrong with one.

The format (see demo_library.json):

    {"format": "movetrack-modules", "version": 1, "modules": [
      {"key", "title", "description", "area", "kind", "parent": key or null,
       "workstations": [names], "archived": true (only when archived),
       "translations": {language: {"title", "description", "checked": bool,
                                   "outdated": [names of texts out of date]}},
       "steps": [{"number": 1..10, "title", "meaning", "todo", "how",
                  "translations": {language: {"title", "meaning", "todo", "how",
                                              "outdated": [names]}},
                  "pictures": [{"pictogram": key}
                               | {"photo": {"content_type", "data": base64, "description"}}]}]}]}

Translations are optional, and so is each of their texts (a missing or empty text is read
in Swedish). A module whose entry has no "translations" anywhere keeps the ones it has;
one that has them gets exactly those of the file.

Problems name their place as a JSON path with the module's title beside it, for example
`modules[3] "Biltvätt": steps: expected exactly 10 steps, found 9`. Indexes count from 0,
as in the file's own lists. Writing the file to the database is importing.import_library;
writing the library to a file is exporting.export_library.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.orm import aliased

from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.languages import TRANSLATION_LANGUAGES
from movetrack.media.pictograms import all_pictograms
from movetrack.modules.models import (
    AREA_KEYS,
    STEP_COUNT,
    Module,
    ModuleKind,
)
from movetrack.modules.wording import (
    DESCRIPTION_MAX_LENGTH,
    KEY_MAX_LENGTH,
    KEY_PATTERN,
    MISSING,
    PHOTO_DESCRIPTION_MAX_LENGTH,
    STEP_TEXTS,
    TITLE_MAX_LENGTH,
    text_problem,
)
from movetrack.rules import RuleViolation

FORMAT = "movetrack-modules"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong (or, as a warning, skipped) in an import file, and where."""

    index: int | None  # which entry of "modules", if the problem is inside one
    title: str | None  # that module's title, so a person can find it
    field: str  # the path inside the module (or the file), e.g. "steps[2].title"
    message: Any  # a translatable message

    @property
    def location(self) -> str:
        if self.index is None:
            return self.field
        module = f"modules[{self.index}]"
        if self.title:
            return f'{module} "{self.title}"' + (f": {self.field}" if self.field else "")
        return module + (f".{self.field}" if self.field else "")

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else str(self.message)


class ImportRejected(RuleViolation):
    """Nothing was imported; `problems` says exactly where and why."""

    def __init__(self, problems: list[ImportProblem]):
        super().__init__(lazy_ngettext(
            "Nothing was imported: the file has %(num)d problem.",
            "Nothing was imported: the file has %(num)d problems.",
            len(problems),
        ))
        self.problems = problems


# --- reading -------------------------------------------------------------------------


def parse_library(raw: bytes | str) -> Any:
    """The file's JSON, or ImportRejected saying why it is not JSON (or holds a NUL)."""
    try:
        data = json.loads(raw)
        if not _contains_nul(data):
            return data
        message = _l("The file contains a NUL character (code 0), which no text can hold.")
    except json.JSONDecodeError as error:
        message = _l(
            "The file is not valid JSON: %(error)s (line %(line)d, column %(column)d).",
            error=error.msg, line=error.lineno, column=error.colno,
        )
    except UnicodeDecodeError:
        message = _l("The file is not text in UTF-8, so it cannot be JSON.")
    except RecursionError:
        message = _l("The file is nested too deeply to be a module library.")
    raise ImportRejected([ImportProblem(None, None, "", message)])


def _contains_nul(data: Any) -> bool:
    """Whether any text in the parsed file holds a NUL, which PostgreSQL cannot store.
    (Only an escaped \\u0000 gets this far: JSON refuses a raw one.)"""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


_TYPE_NAMES = {
    str: _l("text"),
    bool: _l("true or false"),
    int: _l("a number"),
    float: _l("a number"),
    list: _l("a list"),
    dict: _l("an object"),
    type(None): _l("null"),
}


def _kind_of(value: Any):
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _expected(expected, value: Any):
    return _l("expected %(expected)s, found %(found)s", expected=expected, found=_kind_of(value))


def _quoted(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass
class _Known:
    """What the file is checked against: the pictogram set and the library's modules."""

    pictograms: set[str]
    library_parents: dict[str, str | None]  # key → parent's key

    @classmethod
    def load(cls) -> _Known:
        parent = aliased(Module)
        rows = db.session.execute(
            sa.select(Module.key, parent.key).outerjoin(parent, Module.parent_id == parent.id)
        )
        return cls(set(all_pictograms()), dict(rows.all()))


def _title_of(entry: dict) -> str | None:
    """The module's title, to name it in a message, if it has a usable one."""
    title = entry.get("title")
    return title.strip() if isinstance(title, str) and title.strip() else None


def parent_key(entry: dict) -> str | None:
    """The key of the entry's parent; null and "" both mean none."""
    parent = entry.get("parent")
    return parent if isinstance(parent, str) and parent else None


class _ModuleProblems:
    """Collects the problems of one module of the file."""

    def __init__(self, index: int, entry: dict):
        self.index = index
        self.title = _title_of(entry)
        self.found: list[ImportProblem] = []

    def add(self, field: str, message) -> None:
        self.found.append(ImportProblem(self.index, self.title, field, message))

    def text(self, where: str, value: Any, max_length: int, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(where, MISSING)
        elif not isinstance(value, str):
            self.add(where, _expected(_l("text"), value))
        elif problem := text_problem(value, max_length, required):
            self.add(where, problem)


def validate_library(data: Any) -> list[ImportProblem]:
    """Every problem of a parsed import file, in file order; an empty list means it imports."""
    problems = _check_envelope(data)
    if problems:
        return problems
    known = _Known.load()
    entries = data["modules"]
    for index, entry in enumerate(entries):
        problems.extend(_check_module(index, entry, known))
    problems.extend(_check_keys_unique(entries))
    problems.extend(_check_parents(entries, known))
    return sorted(problems, key=lambda problem: -1 if problem.index is None else problem.index)


def _check_envelope(data: Any) -> list[ImportProblem]:
    if not isinstance(data, dict):
        return [ImportProblem(None, None, "", _l(
            'This is not a movetrack module library: expected an object with "format", '
            '"version" and "modules", found %(found)s.', found=_kind_of(data)))]
    problems = []
    if data.get("format") != FORMAT:
        found = _quoted(data["format"]) if "format" in data else MISSING
        problems.append(ImportProblem(None, None, "format", lazy_text(
            'expected "%(format)s" (a movetrack module library), found %(found)s',
            format=FORMAT, found=found)))
    elif data.get("version") != FORMAT_VERSION:
        found = _quoted(data["version"]) if "version" in data else MISSING
        problems.append(ImportProblem(None, None, "version", lazy_text(
            "this installation reads version %(supported)d, found %(found)s",
            supported=FORMAT_VERSION, found=found)))
    elif not isinstance(data.get("modules"), list):
        message = MISSING if "modules" not in data else _expected(_l("a list"), data["modules"])
        problems.append(ImportProblem(None, None, "modules", message))
    return problems


def _unknown_area(**values):
    return lazy_text("unknown area %(found)s (expected one of %(choices)s)", **values)


def _unknown_kind(**values):
    return lazy_text("unknown kind %(found)s (expected one of %(choices)s)", **values)


def _check_module(index: int, entry: Any, known: _Known) -> list[ImportProblem]:
    if not isinstance(entry, dict):
        return [ImportProblem(index, None, "", _expected(_l("an object"), entry))]
    found = _ModuleProblems(index, entry)
    found.text("key", entry.get("key"), KEY_MAX_LENGTH)
    if isinstance(entry.get("key"), str) and entry["key"] and not KEY_PATTERN.fullmatch(entry["key"]):
        found.add("key", lazy_text('use only a–z, 0–9, "-" and "_", found %(found)s', found=_quoted(entry["key"])))
    found.text("title", entry.get("title"), TITLE_MAX_LENGTH)
    found.text("description", entry.get("description"), DESCRIPTION_MAX_LENGTH, required=False)
    _check_choice(found, "area", entry.get("area"), AREA_KEYS, _unknown_area)
    _check_choice(found, "kind", entry.get("kind"), tuple(kind.value for kind in ModuleKind), _unknown_kind)
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        found.add("parent", _expected(_l("a module's key or null"), parent))
    _check_workstations(found, entry.get("workstations"))
    if "archived" in entry and not isinstance(entry["archived"], bool):
        found.add("archived", _expected(_l("true or false"), entry["archived"]))
    _check_translations(found, "translations", entry.get("translations"), _MODULE_TEXTS, module=True)
    _check_steps(found, entry.get("steps"), known)
    return found.found


def _check_choice(found: _ModuleProblems, where: str, value: Any, choices: tuple[str, ...], unknown) -> None:
    """`unknown(found=…, choices=…)` is the message for a value that is not one of `choices`."""
    if value is None:
        found.add(where, MISSING)
    elif not isinstance(value, str):
        found.add(where, _expected(_l("text"), value))
    elif value not in choices:
        found.add(where, unknown(found=_quoted(value), choices=", ".join(choices)))


def _check_workstations(found: _ModuleProblems, names: Any) -> None:
    if names is None:
        return
    if not isinstance(names, list):
        found.add("workstations", _expected(_l("a list of names"), names))
        return
    for position, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            found.add(f"workstations[{position}]", _expected(_l("a workstation's name"), name))


def _check_steps(found: _ModuleProblems, steps: Any, known: _Known) -> None:
    if steps is None:
        found.add("steps", MISSING)
        return
    if not isinstance(steps, list):
        found.add("steps", _expected(_l("a list of %(count)d steps", count=STEP_COUNT), steps))
        return
    if len(steps) != STEP_COUNT:
        found.add("steps", _l("expected exactly %(expected)d steps, found %(found)d",
                              expected=STEP_COUNT, found=len(steps)))
    numbers_seen: set[int] = set()
    for position, step in enumerate(steps):
        where = f"steps[{position}]"
        if not isinstance(step, dict):
            found.add(where, _expected(_l("an object"), step))
            continue
        number = step.get("number")
        if number is None:
            found.add(f"{where}.number", MISSING)
        elif type(number) is not int or not 1 <= number <= STEP_COUNT:
            found.add(f"{where}.number", lazy_text("expected a whole number from 1 to %(count)d, found %(found)s",
                                                   count=STEP_COUNT, found=_quoted(number)))
        elif number in numbers_seen:
            found.add(f"{where}.number", _l("step %(number)d appears more than once", number=number))
        else:
            numbers_seen.add(number)
        for name, max_length, _label in STEP_TEXTS:
            found.text(f"{where}.{name}", step.get(name), max_length)
        _check_translations(found, f"{where}.translations", step.get("translations"), _STEP_TEXTS)
        _check_pictures(found, where, step.get("pictures"), known)


_MODULE_TEXTS = (("title", TITLE_MAX_LENGTH), ("description", DESCRIPTION_MAX_LENGTH))
_STEP_TEXTS = tuple((name, max_length) for name, max_length, _label in STEP_TEXTS)


def _unknown_language(**values):
    return lazy_text("unknown language %(found)s (expected one of %(choices)s)", **values)


def _check_translations(found: _ModuleProblems, where: str, translations: Any,
                        texts: tuple[tuple[str, int], ...], module: bool = False) -> None:
    """{language: {text: translation, …, "outdated": [text, …]}}; every text may be left out."""
    if translations is None:
        return
    if not isinstance(translations, dict):
        found.add(where, _expected(_l("an object"), translations))
        return
    names = tuple(name for name, _max_length in texts)
    for language, translation in translations.items():
        at = f"{where}.{language}"
        if language not in TRANSLATION_LANGUAGES:
            found.add(at, _unknown_language(found=_quoted(language), choices=", ".join(TRANSLATION_LANGUAGES)))
            continue
        if not isinstance(translation, dict):
            found.add(at, _expected(_l("an object"), translation))
            continue
        for name, max_length in texts:
            found.text(f"{at}.{name}", translation.get(name), max_length, required=False)
        outdated = translation.get("outdated", [])
        if not isinstance(outdated, list) or any(name not in names for name in outdated):
            found.add(f"{at}.outdated", lazy_text("expected a list of %(names)s", names=", ".join(names)))
        if module and not isinstance(translation.get("checked", False), bool):
            found.add(f"{at}.checked", _expected(_l("true or false"), translation["checked"]))


def _check_pictures(found: _ModuleProblems, step_where: str, pictures: Any, known: _Known) -> None:
    if pictures is None:
        return
    if not isinstance(pictures, list):
        found.add(f"{step_where}.pictures", _expected(_l("a list"), pictures))
        return
    for position, picture in enumerate(pictures):
        where = f"{step_where}.pictures[{position}]"
        if not isinstance(picture, dict) or ("pictogram" in picture) == ("photo" in picture):
            found.add(where, _l('expected either {"pictogram": key} or {"photo": {…}}'))
        elif "pictogram" in picture:
            key = picture["pictogram"]
            if not isinstance(key, str):
                found.add(f"{where}.pictogram", _expected(_l("a pictogram's key"), key))
            elif key not in known.pictograms:
                found.add(f"{where}.pictogram", lazy_text("unknown pictogram %(key)s", key=_quoted(key)))
        else:
            _check_photo(found, f"{where}.photo", picture["photo"])


def _check_photo(found: _ModuleProblems, where: str, photo: Any) -> None:
    if not isinstance(photo, dict):
        found.add(where, _expected(_l("an object"), photo))
        return
    content_type = photo.get("content_type")
    if content_type is None:
        found.add(f"{where}.content_type", MISSING)
    elif not isinstance(content_type, str) or not content_type.startswith("image/"):
        found.add(f"{where}.content_type", lazy_text('expected an image type such as "image/jpeg", found %(found)s',
                                                     found=_quoted(content_type)))
    data = photo.get("data")
    if data is None or data == "":
        found.add(f"{where}.data", MISSING)
    elif not isinstance(data, str):
        found.add(f"{where}.data", _expected(_l("base64 text"), data))
    elif not _is_base64(data):
        found.add(f"{where}.data", _l("not valid base64"))
    found.text(f"{where}.description", photo.get("description"), PHOTO_DESCRIPTION_MAX_LENGTH, required=False)


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _check_keys_unique(entries: list) -> list[ImportProblem]:
    problems, first_at = [], {}
    for index, entry in enumerate(entries):
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str):
            continue
        if key in first_at:
            problems.append(ImportProblem(index, _title_of(entry), "key", lazy_text(
                '"%(key)s" is also the key of modules[%(first)d]; each module needs its own key',
                key=key, first=first_at[key])))
        else:
            first_at[key] = index
    return problems


def _check_parents(entries: list, known: _Known) -> list[ImportProblem]:
    """Every parent exists (in the file or the library), and no module ends up inside itself."""
    in_file = [
        (index, entry) for index, entry in enumerate(entries)
        if isinstance(entry, dict) and isinstance(entry.get("key"), str)
    ]
    parents = dict(known.library_parents)
    parents.update((entry["key"], parent_key(entry)) for _index, entry in in_file)
    problems = []
    for index, entry in in_file:
        parent = parents[entry["key"]]
        if parent is None:
            continue
        title = _title_of(entry)
        if parent not in parents:
            problems.append(ImportProblem(index, title, "parent", lazy_text(
                '"%(parent)s" is not in the file or the library', parent=parent)))
        elif loop := _loop_through(entry["key"], parents):
            problems.append(ImportProblem(index, title, "parent", lazy_text(
                "the parents go round in a circle: %(loop)s", loop=" → ".join(loop))))
    return problems


def _loop_through(key: str, parents: dict[str, str | None]) -> list[str] | None:
    """The keys from `key` up its parents and back to `key`, if they lead back to it."""
    path = [key]
    current = parents.get(key)
    while current is not None and current not in path:
        path.append(current)
        current = parents.get(current)
    return path + [key] if current == key else None
