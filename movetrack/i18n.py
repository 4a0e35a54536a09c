"""Which language and time zone a request is served in. Swedish unless someone chose otherwise."""

from __future__ import annotations

import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, session
from flask.cli import AppGroup
from flask_babel import force_locale, get_locale, gettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import escape

from movetrack.languages import direction

# English pages write dates as English is written in Sweden: day before month ("30 Nov
# 2026", "Monday 30 November 2026" with extensions.babel's full pattern), the 24-hour
# clock, never the US style. en_GB rather than CLDR's en_SE: it keeps the decimal point
# ("4.5 h") English readers expect, where en_SE writes "4,5". The catalogue stays "en"
# (gettext falls back from en_GB to en); get_locale().language is the language itself.
#
# Dari is Persian as written in Afghanistan: the same script, and readers of the one read
# the other, so a Dari reader gets the Persian pages. Babel (CLDR) has no locale "prs"
# (Locale.parse raises UnknownLocaleError; CLDR's alias for it is fa_AF), so Dari is served
# as fa_AF: dates as Afghanistan writes them ("30 نومبر 2026", where Iran writes نوامبر),
# and gettext falls back from fa_AF to the "fa" catalogue as from en_GB to "en". One
# catalogue serves both; a "prs" one would only copy it.
FORMAT_LOCALES = {"en": "en_GB", "prs": "fa_AF"}


def select_locale() -> str:
    language = _language()
    return FORMAT_LOCALES.get(language, language)


def pages_language(language: str) -> str:
    """The language whose catalogue a reader of `language` gets: its own, or Persian for Dari."""
    return FORMAT_LOCALES.get(language, language).partition("_")[0]


# The session key of a language chosen on the switch by a participant (not staff's choice:
# in participant mode the session is the supervisor's too).
PARTICIPANT_CHOICE = "participant_lang"


def _language() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and the demo loader speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if participant_language := _participant_language():
        return participant_language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None)
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _participant_language() -> str | None:
    """On a participant's own pages: the language they chose on the switch, else their own
    language (on the participant), when the participant's pages speak it."""
    if getattr(current_user, "participant_id", None) is None:
        return None
    for candidate in (session.get(PARTICIPANT_CHOICE), getattr(current_user, "locale", None)):
        if _participant_pages_speak(candidate):
            return candidate
    return None


def _participant_pages_speak(language: str | None) -> bool:
    return pages_language(language or "") in current_app.config["PARTICIPANT_LANGUAGES"]


def choose_language(language: str | None) -> None:
    """The language switch: a participant's choice is kept apart from staff's."""
    if getattr(current_user, "participant_id", None) is not None:
        if language in current_app.config["PARTICIPANT_LANGUAGES"]:
            session[PARTICIPANT_CHOICE] = language
    elif language in current_app.config["LANGUAGES"]:
        session["lang"] = language


def switch_languages() -> list[str]:
    """The languages the switch offers on this page, but the one it is in (Persian is the one
    a Dari reader's page is in)."""
    key = "PARTICIPANT_LANGUAGES" if _participant_language() else "LANGUAGES"
    current = pages_language(_language())
    return [language for language in current_app.config[key] if language != current]


def in_participant_language(language: str):
    """Speak a participant's language before they are signed in (their card's sign-in page),
    when their pages speak it and nobody chose another on this browser's switch."""
    if _participant_pages_speak(language) and "lang" not in session:
        return force_locale(FORMAT_LOCALES.get(language, language))
    return nullcontext()


def page_direction() -> str:
    """`dir` of the page: right to left when its language is written so."""
    locale = get_locale()
    return direction(locale.language) if locale else "ltr"


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


class LazyText(LazyString):
    """A lazily translated sentence that quotes what someone typed. Flask-Babel's lazy
    strings count as safe HTML (`__html__`), so a module title such as `<img onerror=…>`
    formatted into one would reach the page raw. This one is plain text: escaped wherever
    HTML is made of it (templates, WTForms labels and choices), as it is in a PDF or a CLI."""

    def __html__(self) -> str:
        return escape(str(self))


def lazy_text(string: str, **variables) -> LazyText:
    """`_l` for a message with user text in its variables (titles, names, typed entries)."""
    return LazyText(gettext, string, **variables)


TRANSLATIONS = Path(__file__).resolve().parent / "translations"
BABEL_CONFIG = Path(__file__).resolve().parent.parent / "babel.cfg"


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every messages.po to messages.mo; returns the compiled catalogues."""
    compiled = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog)
        compiled.append(po_path)
    return compiled


translate_cli = AppGroup("translate", help="Extract, update and compile the translations.")


@translate_cli.command("update")
def update_catalogs() -> None:
    """Extract every marked string and merge it into each language's catalogue."""
    pot = TRANSLATIONS / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(BABEL_CONFIG),
         "-k", "_l", "-k", "lazy_text", "-k", "lazy_ngettext:1,2", "--no-location", "--sort-output",
         "-o", str(pot),
         # Without this Babel skips every folder whose name starts with "_", and with it
         # templates/_macros, whose strings then stayed English on Swedish pages.
         "--ignore-dirs", ".* __pycache__", "movetrack"],
        check=True,
    )
    config = current_app.config
    for language in sorted({*config["LANGUAGES"], *config["PARTICIPANT_LANGUAGES"]}):
        exists = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").exists()
        command = ["update", "--no-fuzzy-matching", "--ignore-obsolete"] if exists else ["init"]
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", *command, "-i", str(pot),
             "-d", str(TRANSLATIONS), "-l", language],
            check=True,
        )
    pot.unlink()


@translate_cli.command("compile")
def compile_command() -> None:
    """Compile the catalogues so the app can use them."""
    for path in compile_catalogs():
        click.echo(f"compiled {path.relative_to(TRANSLATIONS)}")
