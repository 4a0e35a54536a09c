"""The languages people in the workshops read, and which of them are written right to left.

The participant's own language (participants.services), the languages module texts are
translated into (modules/translated.py) and the direction a text is laid out in all come
from here, so a language added once is known everywhere.
"""

from __future__ import annotations

# Each named in itself so that the person can point at it. Codes are ISO 639; "bs" stands
# for Bosnian/Croatian/Serbian, "prs" for Dari (Persian as written in Afghanistan; its
# readers get the Persian pages, see movetrack.i18n).
LANGUAGES = {
    "sv": "Svenska",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "ti": "ትግርኛ",
    "prs": "دری",
    "fa": "فارسی",
    "ru": "Русский",
    "uk": "Українська",
    "pl": "Polski",
    "bs": "Bosanski/Hrvatski/Srpski",
    "tr": "Türkçe",
}

# The module library is written in Swedish; translations are of the Swedish text.
SOURCE_LANGUAGE = "sv"
TRANSLATION_LANGUAGES = tuple(code for code in LANGUAGES if code != SOURCE_LANGUAGE)

RIGHT_TO_LEFT = frozenset({"ar", "fa", "prs"})


def direction(language: str) -> str:
    """The value of an element's `dir` attribute for text in `language`."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"
