"""The bundled pictogram set, read from static/pictograms/manifest.json once per process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app, url_for
from flask_babel import get_locale


@dataclass(frozen=True)
class Pictogram:
    key: str
    file: str
    category: str
    sv: str
    en: str

    def label(self, locale: str) -> str:
        return self.en if locale == "en" else self.sv


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


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def pictogram_url(key: str) -> str | None:
    pictogram = all_pictograms().get(key)
    return url_for("static", filename=f"pictograms/{pictogram.file}") if pictogram else None


def pictogram_label(key: str) -> str:
    pictogram = all_pictograms().get(key)
    return pictogram.label(current_locale()) if pictogram else key


def search_pictograms(query: str, limit: int = 48) -> list[Pictogram]:
    """Pictograms whose Swedish or English label contains the query; labels starting with
    it come first, since that is usually the word the supervisor is typing."""
    needle = query.strip().lower()
    pictograms = list(all_pictograms().values())
    if not needle:
        return pictograms[:limit]
    hits = [p for p in pictograms if needle in p.sv.lower() or needle in p.en.lower()]
    hits.sort(key=lambda p: (not p.sv.lower().startswith(needle), p.sv))
    return hits[:limit]
