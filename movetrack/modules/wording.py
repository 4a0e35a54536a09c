"""A module's words and their limits, shared by the edit form, the services and the import.

The words (title, description, ten steps) belong to a module version; these plain values
let the form, the import and the services compare and write them without touching rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

TITLE_MAX_LENGTH = 160  # module_versions.title and module_steps.title
DESCRIPTION_MAX_LENGTH = 4000
STEP_TEXT_MAX_LENGTH = 2000  # meaning, what to do, how
KEY_MAX_LENGTH = 80  # modules.key
PHOTO_DESCRIPTION_MAX_LENGTH = 200  # uploads.description

# A step's texts: (attribute, longest allowed, how a message names it).
STEP_TEXTS = (
    ("title", TITLE_MAX_LENGTH, _l("title")),
    ("meaning", STEP_TEXT_MAX_LENGTH, _l("what it means")),
    ("todo", STEP_TEXT_MAX_LENGTH, _l("what to do")),
    ("how", STEP_TEXT_MAX_LENGTH, _l("how")),
)

# What services.slugify makes of a title; imported keys must look the same.
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")

MISSING = _l("missing")


@dataclass(frozen=True)
class PictureRef:
    """A step picture by what it shows: a bundled pictogram or an uploaded photo."""

    pictogram_key: str | None = None
    upload_id: int | None = None


@dataclass(frozen=True)
class StepWords:
    number: int
    title: str
    meaning: str
    todo: str
    how: str
    # None keeps the pictures the step has (the edit form does not touch them);
    # a tuple replaces them (the import brings its own).
    pictures: tuple[PictureRef, ...] | None = None


@dataclass(frozen=True)
class ModuleWords:
    title: str
    description: str
    steps: tuple[StepWords, ...]


def text_problem(value: str | None, max_length: int, required: bool = True):
    """Why a piece of text cannot be saved (a translatable message), or None if it can."""
    if not (value or "").strip():
        return MISSING if required else None
    if len(value) > max_length:
        return _l(
            "too long: %(length)d characters, at most %(max)d",
            length=len(value),
            max=max_length,
        )
    return None
