"""Module texts in more languages than Swedish: reading them in a reader's language, and
writing, copying and comparing them.

Falling back is per text, never within one: each title, description, meaning, "what to do"
and "how" is either the whole translation or the whole Swedish text, and says which
language it is in (`Text.language`), so a page can mark it with `lang` and `dir` and
read-aloud can pick a voice for it.

A translation remembers, per text, the SHA-256 of the Swedish it was made from. When the
Swedish changes (edited in place, or in a new version, which takes the translations of the
version before it), the fingerprints no longer match: the text is out of date, the editor
says so and readers get the Swedish until someone updates the translation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from markupsafe import escape

from movetrack.languages import SOURCE_LANGUAGE, direction
from movetrack.modules.models import ModuleStep, ModuleVersion, StepTranslation, VersionTranslation

VERSION_FIELDS = ("title", "description")
STEP_FIELDS = ("title", "meaning", "todo", "how")
OUT_OF_DATE = ""  # the fingerprint of a text marked out of date (matches no Swedish text)


def fingerprint(text: str) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def is_current(translation: VersionTranslation | StepTranslation | None, name: str, source: str) -> bool:
    """The translation has this text, made from the Swedish text as it is now."""
    return (
        translation is not None
        and bool(getattr(translation, name))
        and translation.sources.get(name) == fingerprint(source)
    )


def out_of_date(translation, source, names: tuple[str, ...]) -> list[str]:
    """The texts of `translation` made from Swedish that has changed since."""
    return [
        name for name in names
        if getattr(translation, name) and not is_current(translation, name, getattr(source, name) or "")
    ]


def _in(translations, language: str):
    return next((t for t in translations if t.language == language), None)


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """One whole text in the language it is written in."""

    value: str
    language: str

    @property
    def dir(self) -> str:
        return direction(self.language)

    def __str__(self) -> str:
        return self.value

    def __html__(self) -> str:
        return str(escape(self.value))

    def __bool__(self) -> bool:
        return bool(self.value)


def _text(source, translation, name: str, language: str) -> Text:
    swedish = getattr(source, name) or ""
    if is_current(translation, name, swedish):
        return Text(getattr(translation, name), language)
    return Text(swedish, SOURCE_LANGUAGE)


@dataclass(frozen=True)
class ReadStep:
    id: int
    number: int
    pictures: list
    title: Text
    meaning: Text
    todo: Text
    how: Text


@dataclass(frozen=True)
class ReadVersion:
    """A version as a reader of `language` sees it; shaped like ModuleVersion for templates."""

    id: int
    number: int
    language: str
    title: Text
    description: Text
    steps: list[ReadStep]


def in_language(version: ModuleVersion, language: str) -> ReadVersion:
    translation = _in(version.translations, language)
    return ReadVersion(
        id=version.id,
        number=version.number,
        language=language,
        title=_text(version, translation, "title", language),
        description=_text(version, translation, "description", language),
        steps=[_read_step(step, language) for step in version.steps],
    )


def _read_step(step: ModuleStep, language: str) -> ReadStep:
    translation = _in(step.translations, language)
    texts = {name: _text(step, translation, name, language) for name in STEP_FIELDS}
    return ReadStep(id=step.id, number=step.number, pictures=step.pictures, **texts)


def step_texts(step: ModuleStep, language: str, names: tuple[str, ...] = STEP_FIELDS) -> dict[str, Text]:
    """Some texts of one step in `language`, each falling back to Swedish on its own."""
    translation = _in(step.translations, language)
    return {name: _text(step, translation, name, language) for name in names}


def version_title(version: ModuleVersion, language: str) -> Text:
    return _text(version, _in(version.translations, language), "title", language)


def frozen_text(entry: dict, name: str, language: str) -> Text:
    """A text of a frozen copy (a certificate's module entry): its translation into
    `language` when one was frozen with it (under "texts"), else the Swedish."""
    value = entry.get("texts", {}).get(language, {}).get(name)
    return Text(value, language) if value else Text(entry[name], SOURCE_LANGUAGE)


@dataclass(frozen=True)
class Speech:
    """What a read-aloud button reads: the whole text, and its parts with their languages
    (None when it is one text in the page's language)."""

    text: str
    parts: str | None = None


def speech_of(text: str | list | tuple) -> Speech:
    """`text`, or a list of strings (the page's language) and Texts (their own), as Speech."""
    if not isinstance(text, list | tuple):
        return Speech(str(text))
    items = [item for item in text if str(item).strip()]
    parts = [[str(item), getattr(item, "language", "")] for item in items]
    return Speech(" ".join(_sentence(str(item)) for item in items), json.dumps(parts, ensure_ascii=False))


def _sentence(text: str) -> str:
    """The text ending as a sentence does (so parts read one after another as sentences)."""
    text = text.strip()
    return text if text[-1] in ".!?؟:" else text + "."


# --- plain values (the import file, the editor) ----------------------------------------


@dataclass(frozen=True)
class StepTranslationWords:
    number: int
    title: str = ""
    meaning: str = ""
    todo: str = ""
    how: str = ""
    outdated: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TranslationWords:
    """One language's texts of a version. `module` is False when only steps are translated."""

    language: str
    module: bool = True
    title: str = ""
    description: str = ""
    checked: bool = False
    outdated: frozenset[str] = frozenset()
    steps: tuple[StepTranslationWords, ...] = field(default=())


def languages_of(version: ModuleVersion) -> list[str]:
    """The languages the version or any of its steps has a translation into, sorted."""
    return sorted(
        {t.language for t in version.translations}
        | {t.language for step in version.steps for t in step.translations}
    )


def translation_words_of(version: ModuleVersion) -> tuple[TranslationWords, ...]:
    """Every translation of the version as plain values, by language."""
    return tuple(_words_in(version, language) for language in languages_of(version))


def _words_in(version: ModuleVersion, language: str) -> TranslationWords:
    translation = _in(version.translations, language)
    steps = tuple(
        StepTranslationWords(
            number=step.number,
            outdated=frozenset(out_of_date(found, step, STEP_FIELDS)),
            **{name: getattr(found, name) for name in STEP_FIELDS},
        )
        for step in version.steps
        if (found := _in(step.translations, language)) is not None
    )
    if translation is None:
        return TranslationWords(language=language, module=False, steps=steps)
    return TranslationWords(
        language=language,
        title=translation.title,
        description=translation.description,
        checked=translation.checked,
        outdated=frozenset(out_of_date(translation, version, VERSION_FIELDS)),
        steps=steps,
    )


# --- writing -----------------------------------------------------------------------------


def _sources(source, words, names: tuple[str, ...]) -> dict[str, str]:
    return {
        name: OUT_OF_DATE if name in words.outdated else fingerprint(getattr(source, name) or "")
        for name in names
    }


def _write_row(rows: list, row_type, language: str, source, words, names: tuple[str, ...],
               **extra: Any) -> None:
    """Set (or add) the row of `language` among `rows` to `words`."""
    row = _in(rows, language)
    if row is None:
        row = row_type(language=language)
        rows.append(row)
    for name in names:
        setattr(row, name, getattr(words, name))
    row.sources = _sources(source, words, names)
    for name, value in extra.items():
        setattr(row, name, value)


def write_language(version: ModuleVersion, words: TranslationWords) -> None:
    """The version's texts in one language become `words` (steps not in `words` keep theirs)."""
    if words.module:
        _write_row(version.translations, VersionTranslation, words.language, version, words, VERSION_FIELDS,
                   checked=words.checked)
    steps = {step.number: step for step in version.steps}
    for step_words in words.steps:
        step = steps[step_words.number]
        _write_row(step.translations, StepTranslation, words.language, step, step_words,
                   STEP_FIELDS)


def replace_translations(version: ModuleVersion, wanted: tuple[TranslationWords, ...]) -> bool:
    """The version's translations become exactly `wanted`; True if anything changed.
    Rows are updated in place (deleting and re-adding one language in the same flush would
    meet the unique constraint before the delete)."""
    if translation_words_of(version) == wanted:
        return False
    module_languages = {words.language for words in wanted if words.module}
    version.translations = [t for t in version.translations if t.language in module_languages]
    for step in version.steps:
        step_languages = {w.language for w in wanted for s in w.steps if s.number == step.number}
        step.translations = [t for t in step.translations if t.language in step_languages]
    for words in wanted:
        write_language(version, words)
    return True


def copy_translations(old: ModuleVersion, new: ModuleVersion) -> None:
    """A new version (or a duplicated module's first) takes the old one's translations with
    their fingerprints, so those made from Swedish that the new version changed show as out
    of date."""
    for translation in old.translations:
        new.translations.append(VersionTranslation(
            language=translation.language, title=translation.title,
            description=translation.description, sources=dict(translation.sources),
            checked=translation.checked,
        ))
    new_steps = {step.number: step for step in new.steps}
    for step in old.steps:
        for translation in step.translations if step.number in new_steps else ():
            new_steps[step.number].translations.append(StepTranslation(
                language=translation.language, sources=dict(translation.sources),
                **{name: getattr(translation, name) for name in STEP_FIELDS},
            ))
