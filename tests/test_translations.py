"""The Swedish catalogue is complete and well formed, and the app speaks Swedish by default."""

from __future__ import annotations

import re
import shutil

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.i18n import TRANSLATIONS, compile_catalogs
from tests import factories
from tests.helpers import csrf_token
from tests.test_mypages import _hand_over, _issue, _sign_in_with_pin

SV_PO = TRANSLATIONS / "sv" / "LC_MESSAGES" / "messages.po"
# %(name)s, %(count)d, %s, %% … : what Python's %-formatting reads in a string.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")


def _catalog():
    with SV_PO.open("rb") as po_file:
        return read_po(po_file)


def _messages():
    return [message for message in _catalog() if message.id]


def _forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text or ""))


def test_the_swedish_header_is_set():
    catalog = _catalog()
    assert str(catalog.locale) == "sv"
    assert catalog.plural_forms == "nplurals=2; plural=(n != 1);"
    assert not catalog.fuzzy


def test_every_swedish_message_is_translated_and_not_fuzzy():
    messages = _messages()
    assert messages, "the Swedish catalogue is empty"
    untranslated = [m.id for m in messages if not all(_forms(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_plural_messages_have_both_swedish_forms():
    for message in _messages():
        if message.pluralizable:
            assert len(message.string) == 2 and all(message.string), message.id


def test_placeholders_are_kept():
    wrong = []
    for message in _messages():
        sources = _forms(message.id)
        for index, translation in enumerate(_forms(message.string)):
            source = sources[min(index, len(sources) - 1)]
            if _placeholders(source) != _placeholders(translation):
                wrong.append((message.id, translation))
    assert wrong == []


def test_babel_finds_no_format_problems():
    problems = [(message.id, errors) for message, errors in _catalog().check()]
    assert problems == []


def test_the_catalogues_compile(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    compiled = compile_catalogs(copy)
    assert {path.parts[-3] for path in compiled} >= {"sv", "en"}
    with (copy / "sv" / "LC_MESSAGES" / "messages.mo").open("rb") as mo_file:
        catalog = read_mo(mo_file)
    assert catalog["Sign in"].string == "Logga in"
    assert catalog["Today at %(unit)s"].string == "I dag på %(unit)s"


@pytest.mark.parametrize(
    ("english", "swedish"),
    [
        ("Username", "Användarnamn"),
        ("Password", "Lösenord"),
        ("Sign in", "Logga in"),
        ("History", "Historik"),
        ("Add a note or the participant's view (optional)",
         "Lägg till en anteckning eller deltagarens syn (valfritt)"),
        ("Note (optional)", "Anteckning (valfritt)"),
        ("Agrees", "Håller med"),
        ("Saved: step %(step)d, %(title)s, for %(name)s.",
         "Sparat: steg %(step)d, %(title)s, för %(name)s."),
        ("Today at %(unit)s", "I dag på %(unit)s"),
    ],
)
def test_agreed_wordings(english, swedish):
    assert _catalog()[english].string == swedish


def test_the_login_page_is_swedish_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Logga in" in page.text
    assert "Användarnamn" in page.text
    assert "Sign in" not in page.text


def test_the_login_page_switches_to_english(client):
    page = client.get("/login")
    response = client.post(
        "/language",
        data={"csrf_token": csrf_token(page.text), "lang": "en"},
        headers={"Referer": "http://movetrack.test/login"},
    )
    assert response.status_code == 302
    english = client.get("/login")
    assert "Sign in" in english.text
    assert "Logga in" not in english.text


def _marked_strings() -> dict[str, str]:
    """Every msgid marked in the package, by a file it is in: extracted here with Babel's API
    from every folder (so a folder the `translate update` command skips, such as
    templates/_macros, is still seen), independently of how that command extracts."""
    package = TRANSLATIONS.parent
    found = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        package,
        method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
        keywords={**DEFAULT_KEYWORDS, "_l": None},
        directory_filter=lambda path: True,
    ):
        found.setdefault(_forms(message)[0], filename)
    return found


def test_every_marked_string_of_every_template_and_module_is_in_the_catalogue():
    in_catalogue = {_forms(message.id)[0] for message in _messages()}
    missing = {msgid: filename for msgid, filename in _marked_strings().items()
               if msgid not in in_catalogue}
    assert missing == {}, "run `flask --app movetrack translate update` and translate these"


def test_read_aloud_buttons_are_named_in_swedish_on_a_swedish_page(client, auth, world):
    auth.login("handledare")
    page = client.get(f"/day/assignments/{world.anna_module.id}")
    assert page.status_code == 200
    assert 'aria-label="Läs upp: Slipa en stol. ' in page.text
    assert 'aria-label="Läs upp: Steg 4. Slipa en stol steg 4. ' in page.text
    assert "Read aloud" not in page.text
def test_swedish_writes_i_dag_and_tells_edit_from_change():
    """"i dag" in two words everywhere (Språkrådet), never "idag"; Edit is "Redigera" and
    Change is "Ändra", so one Swedish word never stands for both."""
    idag = re.compile(r"\bidag\b", re.IGNORECASE)
    strings = {m.id: _forms(m.string) for m in _messages()}
    assert [msgid for msgid, forms in strings.items() if any(idag.search(s) for s in forms)] == []
    for msgid, forms in strings.items():
        english = msgid if isinstance(msgid, str) else msgid[0]
        if re.match(r"Edit\b", english):
            assert forms[0].startswith("Redigera"), (english, forms[0])
        if re.match(r"Change\b", english):  # "Ändra", or "Byt" for a password
            assert not forms[0].startswith("Redigera"), (english, forms[0])
    assert strings["Change"] == ("Ändra",) and strings["Edit"] == ("Redigera",)


# The participant's own pages also speak Arabic and Persian (config PARTICIPANT_LANGUAGES;
# Dari readers get the Persian): their catalogues translate every string of these files and
# nothing else; the rest of them stays empty (English).
PARTICIPANT_TEMPLATES = (
    "mypages/home.html", "mypages/module.html", "mypages/sign_in.html", "mypages/give_back.html", "mypages/looks.html",
    "mypages/card_unknown.html", "mypages/_pictures.html", "quality/answer.html",
    "quality/_faces.html", "_macros/steps.html", "_macros/ui.html", "base.html",
)
PARTICIPANT_MODULES = ("mypages/forms.py", "mypages/services.py", "mypages/routes.py",
                       "quality/routes.py", "quality/models.py", "audit.py")


def _participant_strings() -> set[str]:
    package = TRANSLATIONS.parent
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_text": None, "lazy_ngettext": (1, 2)}
    found = set()
    for method, paths in (("jinja2", [package / "templates" / name for name in PARTICIPANT_TEMPLATES]),
                          ("python", [package / name for name in PARTICIPANT_MODULES])):
        for path in paths:
            for _line, message, _comments, _context in extract_from_file(method, path, keywords=keywords):
                found.add(_forms(message)[0])
    return found


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_a_participant_catalogue_covers_exactly_the_participants_pages_with_placeholders_kept(language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalogue = read_po(po_file)
    assert str(catalogue.locale) == language and not catalogue.fuzzy
    strings = _participant_strings()
    assert len(strings) > 50
    by_id = {_forms(message.id)[0]: message for message in catalogue if message.id}
    untranslated = sorted(s for s in strings if s not in by_id or not all(_forms(by_id[s].string)))
    assert untranslated == []
    beyond = sorted(msgid for msgid, message in by_id.items() if any(_forms(message.string)) and msgid not in strings)
    assert beyond == []  # staff pages stay in Swedish or English
    wrong = [s for s in strings if _placeholders(s) != _placeholders(_forms(by_id[s].string)[0])]
    assert wrong == []
    assert not [s for s in strings if by_id[s].fuzzy]
    # Written by a machine and marked so until a person has read them through.
    assert "unchecked" in by_id["Step %(number)d"].user_comments


# Words of each of the participant's pages (PARTICIPANT_TEMPLATES) in Persian.
PERSIAN = {
    "sign-in": "رمز خود را بنویسید. چهار رقم است.",
    "home": "در کدام مرحله هستم؟",
    "module": "روی مرحله\u200cای بزنید که فکر می\u200cکنید به آن رسیده\u200cاید.",
    "looks": "چه کسی اطلاعات مرا دیده است",
    "questions": "برای هر سؤال روی یک چهره بزنید.",
    "give back": "سرپرست برای پس گرفتن تبلت رمز عبور خود را می\u200cنویسد.",
}
RIGHT_TO_LEFT_PERSIAN = '<html lang="fa" dir="rtl">'


@pytest.mark.parametrize(("language", "month"), [("fa", "نوامبر"), ("prs", "نومبر")])
def test_persian_and_dari_readers_get_their_own_pages_in_persian_right_to_left(
        client, auth, world, language, month):
    """Dari is written in the Persian script and its readers read Persian: the same words,
    with dates as Afghanistan writes them (November is نومبر there, نوامبر in Iran)."""
    world.anna.language = language
    factories.rate(world.anna_module, 2, world.supervisor, local_today())
    db.session.commit()
    token = _issue(world)
    pages = {"sign-in": client.get(f"/card/{token}")}
    assert _sign_in_with_pin(client, token).status_code == 302
    pages |= {"home": client.get("/me/"), "module": client.get(f"/me/modules/{world.anna_module.id}"),
              "looks": client.get("/me/looks"), "questions": client.get("/me/questions")}
    client.post("/logout", data={"csrf_token": csrf_token(pages["questions"].text)})
    _hand_over(client, auth, world)  # participant mode: the supervisor's tablet, the participant's pages
    pages["give back"] = client.get("/me/give-back")
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert RIGHT_TO_LEFT_PERSIAN in page.text and PERSIAN[name] in page.text, name
        assert "Logga in" not in page.text and "Mina steg" not in page.text, name
    assert '<span lang="fa" dir="rtl">اینجا را دوست دارید؟</span>' in pages["questions"].text
    assert month in pages["home"].text  # the date of the rating
    switch = re.search(r'<form[^>]*class="lang-switch".*?</form>', pages["home"].text, re.DOTALL).group(0)
    assert re.findall(r'name="lang" value="(\w+)"', switch) == ["sv", "en", "ar"]  # not Persian again
