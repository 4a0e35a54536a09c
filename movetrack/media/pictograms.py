"""The bundled pictogram set, read from static/pictograms/manifest.json once per process."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

# The manifest's categories, in the order the picker offers them.
CATEGORY_LABELS = {
    "tools": _l("Tools"),
    "tasks": _l("Tasks"),
    "places": _l("Places"),
    "body": _l("Body"),
    "feelings": _l("Feelings"),
    "time": _l("Time"),
    "numbers": _l("Numbers"),
    "people": _l("People"),
    "animals": _l("Animals"),
    "food": _l("Food"),
    "vehicles": _l("Vehicles"),
    "safety": _l("Safety"),
    "objects": _l("Objects"),
}
_CATEGORY_ORDER = {key: position for position, key in enumerate(CATEGORY_LABELS)}


def fold(text: str) -> str:
    """Lower case without accents, so "hast" typed on a tablet without å/ä/ö finds "häst"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def natural_key(text: str) -> tuple:
    """Sorts "clock-2" before "clock-10": digit runs compare as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text)
        if part
    )


@dataclass(frozen=True)
class Pictogram:
    key: str
    file: str
    category: str
    sv: str
    en: str

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.sv

    @property
    def search_text(self) -> tuple[str, str]:
        return fold(self.sv), fold(self.en)


@cache
def _load(manifest_path: str) -> dict[str, Pictogram]:
    path = Path(manifest_path)
    if not path.exists():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))["pictograms"]
    return {
        entry["key"]: Pictogram(
            entry["key"], entry["file"], entry["category"], entry["sv"], entry["en"]
        )
        for entry in entries
    }


def all_pictograms() -> dict[str, Pictogram]:
    return _load(str(Path(current_app.config["STATIC_ROOT"]) / "pictograms" / "manifest.json"))


def categories() -> list[str]:
    """The categories the manifest uses, in picker order."""
    used = {pictogram.category for pictogram in all_pictograms().values()}
    return sorted(used, key=lambda category: _CATEGORY_ORDER.get(category, len(_CATEGORY_ORDER)))


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def pictogram_url(key: str) -> str | None:
    pictogram = all_pictograms().get(key)
    return url_for("static", filename=f"pictograms/{pictogram.file}") if pictogram else None


def pictogram_label(key: str) -> str:
    pictogram = all_pictograms().get(key)
    return pictogram.label(current_locale()) if pictogram else key


def _match_rank(pictogram: Pictogram, needle: str) -> int | None:
    """0 a whole label or synonym is the query, 1 a label starts with it, 2 a word in it
    does, 3 it occurs anywhere; None no match. Swedish before English at each rank."""
    best = None
    for language, label in enumerate(pictogram.search_text):
        synonyms = [part.strip() for part in label.split(",")]
        words = re.split(r"[^\w]+", label)
        if needle in synonyms:
            rank = 0
        elif label.startswith(needle):
            rank = 1
        elif any(word.startswith(needle) for word in words):
            rank = 2
        elif needle in label:
            rank = 3
        else:
            continue
        rank = rank * 2 + language
        best = rank if best is None else min(best, rank)
    return best


def search_pictograms(query: str = "", category: str | None = None) -> list[Pictogram]:
    """Pictograms whose Swedish or English label matches the query, best matches first;
    without a query, the whole set (or one category) by category and natural key order."""
    pictograms = [
        pictogram for pictogram in all_pictograms().values()
        if not category or pictogram.category == category
    ]
    needle = fold(query.strip())
    if not needle:
        return sorted(
            pictograms,
            key=lambda p: (_CATEGORY_ORDER.get(p.category, len(_CATEGORY_ORDER)), natural_key(p.key)),
        )
    ranked = [(rank, pictogram) for pictogram in pictograms
              if (rank := _match_rank(pictogram, needle)) is not None]
    ranked.sort(key=lambda hit: (hit[0], natural_key(hit[1].key)))
    return [pictogram for _rank, pictogram in ranked]
