"""Module texts in more languages: stored per version, carried to a new version and marked
out of date where the Swedish changed, read per text with Swedish as the fallback, and
carried by the JSON import/export."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import replace

import pytest
import sqlalchemy as sa

from movetrack.audit import AuditEvent
from movetrack.clock import local_today
from movetrack.demo import demo_command
from movetrack.extensions import db
from movetrack.languages import TRANSLATION_LANGUAGES
from movetrack.modules import exporting, importing, services, translated
from movetrack.modules.models import Module, StepTranslation, VersionTranslation
from movetrack.participants.models import Participant
from tests import factories
from tests.helpers import post_form
from tests.test_certificates import issue_directly, pdf_text
from tests.test_module_import import library_file, module_entry, problems_of
from tests.test_mypages import _issue, _sign_in_with_pin

ARABIC_TITLE = "صنفرة كرسي"


def arabic_entry(**fields) -> dict:
    """A module with an Arabic title and the first step's title and "what to do" in Arabic."""
    entry = module_entry("slipa-en-stol", "Slipa en stol", **fields)
    entry["translations"] = {"ar": {"title": ARABIC_TITLE, "description": "", "checked": False}}
    entry["steps"][0]["translations"] = {
        "ar": {"title": "الخطوة الأولى", "meaning": "", "todo": "انظر إلى الكرسي", "how": ""}}
    entry["steps"][1]["translations"] = {"en": {"title": "Step two", "meaning": "Means two",
                                                "todo": "", "how": ""}}
    return entry


def test_one_translation_per_version_and_language(app, world):
    version = world.module.current_version
    db.session.add(VersionTranslation(version=version, language="ar", title="أ", sources={}))
    db.session.flush()
    db.session.add(VersionTranslation(version=version, language="ar", title="ب", sources={}))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_swedish_is_the_source_not_a_translation(app, world):
    step = world.module.current_version.steps[0]
    db.session.add(StepTranslation(step=step, language="sv", title="x", meaning="", todo="", how="",
                                   sources={}))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_texts_fall_back_to_swedish_one_whole_text_at_a_time(app, world):
    importing.import_library(None, library_file(arabic_entry()))
    version = world.module.current_version
    read = translated.in_language(version, "ar")
    assert (str(read.title), read.title.language, read.title.dir) == (ARABIC_TITLE, "ar", "rtl")
    assert (read.description.value, read.description.language) == ("Om Slipa en stol.", "sv")
    first = read.steps[0]
    assert [(t.value, t.language) for t in (first.title, first.meaning, first.todo, first.how)] == [
        ("الخطوة الأولى", "ar"), ("Betyder 1", "sv"), ("انظر إلى الكرسي", "ar"), ("Så 1", "sv")]
    assert read.steps[1].title.language == "sv"  # only English there
    assert translated.in_language(version, "en").steps[1].title.value == "Step two"
    assert translated.in_language(version, "sv").title.value == "Slipa en stol"


def test_a_new_version_carries_the_translations_and_marks_changed_texts_out_of_date(app, world):
    importing.import_library(None, library_file(arabic_entry()))
    factories.rate(world.anna_module, 3, world.supervisor, local_today())
    words = services.words_of(world.module.current_version)
    steps = list(words.steps)
    steps[0] = replace(steps[0], todo="Titta noga på stolen")
    change = services.update_module(None, world.module, services.ModuleData(
        "arbetsmoment", world.module.kind, None, (), replace(words, steps=tuple(steps))))

    assert change is services.Change.NEW_VERSION
    new = world.module.current_version
    assert new.number == 2 and [t.language for t in new.translations] == ["ar"]
    read = translated.in_language(new, "ar")
    assert read.title.value == ARABIC_TITLE and read.steps[0].title.value == "الخطوة الأولى"
    assert (read.steps[0].todo.value, read.steps[0].todo.language) == ("Titta noga på stolen", "sv")
    arabic = next(w for w in translated.translation_words_of(new) if w.language == "ar")
    assert arabic.steps[0].outdated == {"todo"} and arabic.outdated == frozenset()
    old = translated.in_language(world.module.versions[0], "ar")
    assert old.steps[0].todo.value == "انظر إلى الكرسي"  # the old version keeps its own


def test_export_import_export_is_identical(app, world):
    importing.import_library(None, library_file(arabic_entry()))
    first = exporting.export_library()
    entry = first["modules"][0]
    assert entry["translations"] == {"ar": {"title": ARABIC_TITLE, "description": "", "checked": False}}
    assert entry["steps"][0]["translations"]["ar"]["todo"] == "انظر إلى الكرسي"

    changed = copy.deepcopy(first)
    changed["modules"][0]["translations"]["ar"]["title"] = "عنوان آخر"
    changed["modules"][0]["translations"]["ar"]["outdated"] = ["title"]
    result = importing.import_library(None, json.loads(json.dumps(changed)))
    assert (result.updated, result.unchanged) == (1, 0)
    second = exporting.export_library()
    assert second == changed
    again = importing.import_library(None, json.loads(json.dumps(second)))
    assert (again.updated, again.unchanged) == (0, 1)
    assert exporting.export_library() == second
    # Out of date: readers get the Swedish title.
    assert translated.in_language(world.module.current_version, "ar").title.value == "Slipa en stol"


def test_a_file_without_translations_keeps_those_the_library_has(app, world):
    importing.import_library(None, library_file(arabic_entry()))
    result = importing.import_library(None, library_file(module_entry("slipa-en-stol", "Slipa en stol")))
    assert result.unchanged == 1
    assert translated.in_language(world.module.current_version, "ar").title.value == ARABIC_TITLE


def _spoiled(spoil) -> dict:
    entry = arabic_entry()
    spoil(entry)
    return library_file(module_entry("annan", "Annan"), module_entry("tredje", "Tredje"), entry)


@pytest.mark.parametrize("spoil, expected", [
    (lambda e: e["steps"][4].update(translations={"ar": {"title": "x" * 161}}),
     'modules[2] "Slipa en stol": steps[4].translations.ar.title: too long: 161 characters, at most 160'),
    (lambda e: e["steps"][4].update(translations={"ar": {"todo": 5}}),
     'modules[2] "Slipa en stol": steps[4].translations.ar.todo: expected text, found a number'),
    (lambda e: e["translations"].update(xx={"title": "?"}),
     'modules[2] "Slipa en stol": translations.xx: unknown language "xx" (expected one of en, ar, so, ti, '
     'prs, fa, ru, uk, pl, bs, tr)'),
    (lambda e: e["translations"].update(sv={"title": "Slipa"}),
     'modules[2] "Slipa en stol": translations.sv: unknown language "sv" (expected one of en, ar, so, ti, '
     'prs, fa, ru, uk, pl, bs, tr)'),
    (lambda e: e["translations"]["ar"].update(checked="yes"),
     'modules[2] "Slipa en stol": translations.ar.checked: expected true or false, found text'),
    (lambda e: e["translations"]["ar"].update(outdated=["titel"]),
     'modules[2] "Slipa en stol": translations.ar.outdated: expected a list of title, description'),
    (lambda e: e.update(translations=["ar"]),
     'modules[2] "Slipa en stol": translations: expected an object, found a list'),
])
def test_translation_problems_are_named_by_place_and_nothing_is_imported(app, world, english, spoil, expected):
    before = exporting.export_library()
    assert problems_of(_spoiled(spoil)) == [expected]
    db.session.rollback()
    assert exporting.export_library() == before


# --- the participant's own pages ----------------------------------------------------------


def _signed_in_as_anna(client, world, language: str):
    world.anna.language = language
    db.session.commit()
    assert _sign_in_with_pin(client, _issue(world)).status_code == 302


def test_an_arabic_participant_reads_arabic_texts_right_to_left_with_swedish_per_text(client, world):
    with client.application.test_request_context():
        importing.import_library(None, library_file(arabic_entry()))
    world.anna_module.baseline_step = 1
    db.session.commit()
    _signed_in_as_anna(client, world, "ar")
    home = client.get("/me/")
    assert home.status_code == 200
    assert '<html lang="ar" dir="rtl">' in home.text
    assert f'<h2 id="module-{world.anna_module.id}" lang="ar" dir="rtl">{ARABIC_TITLE}</h2>' in home.text
    assert "الخطوة 1 من 10" in home.text and "خطواتي" in home.text  # the page's own words
    assert '<p class="step-title" lang="ar" dir="rtl">الخطوة الأولى</p>' in home.text
    assert '<p lang="ar" dir="rtl">انظر إلى الكرسي</p>' in home.text
    assert '<p lang="sv" dir="ltr">Så 1</p>' in home.text  # no Arabic "how": the whole Swedish text
    # Read aloud: each part with its own language.
    parts = '[&#34;الخطوة الأولى&#34;, &#34;ar&#34;], [&#34;انظر إلى الكرسي&#34;, &#34;ar&#34;], '
    assert parts + '[&#34;Så 1&#34;, &#34;sv&#34;]' in home.text

    module = client.get(f"/me/modules/{world.anna_module.id}")
    assert module.status_code == 200
    assert f'<h1 lang="ar" dir="rtl">{ARABIC_TITLE}</h1>' in module.text
    assert '<span class="step-meaning" lang="sv" dir="ltr">Betyder 1</span>' in module.text
    assert "اضغط على الخطوة التي تعتقد أنك وصلت إليها." in module.text


def test_an_english_participant_reads_english_texts_where_there_are_any(client, world):
    with client.application.test_request_context():
        importing.import_library(None, library_file(arabic_entry()))
    _signed_in_as_anna(client, world, "en")
    page = client.get(f"/me/modules/{world.anna_module.id}")
    assert '<html lang="en" dir="ltr">' in page.text
    assert '<span class="step-title" lang="en" dir="ltr">Step two</span>' in page.text
    assert '<span class="step-title" lang="sv" dir="ltr">Slipa en stol 3</span>' in page.text
    assert "<h1" in page.text and "Slipa en stol</h1>" in page.text  # no English title: Swedish


def test_staff_pages_stay_in_swedish_or_english(client, auth, world):
    world.anna.language = "ar"
    db.session.commit()
    auth.login("handledare")
    page = client.get(f"/day/assignments/{world.anna_module.id}")
    assert '<html lang="sv" dir="ltr">' in page.text


# --- certificates ---------------------------------------------------------------------------


def _arabic_and_english_library(world):
    entry = arabic_entry()
    entry["translations"]["en"] = {"title": "Sanding a chair", "description": "", "checked": True}
    entry["steps"][0]["translations"]["en"] = {"title": "Step one", "meaning": "", "todo": "", "how": ""}
    importing.import_library(None, library_file(entry))
    factories.rate(world.anna_module, 1, world.supervisor, local_today())
    world.anna.language = "ar"
    db.session.commit()


def _readable(text: str) -> str:
    """PDF text as letters: shaped Arabic comes out as presentation forms (NFKC undoes them),
    and lines are joined the way they were wrapped."""
    return unicodedata.normalize("NFKC", text).replace("\r\n", " ")


def test_certificates_freeze_the_translations_they_print(app, world):
    _arabic_and_english_library(world)
    certificate = issue_directly(world, language="en")
    module = certificate.content["modules"][0]
    assert certificate.content["easy_read_language"] == "ar"
    assert module["texts"] == {
        "ar": {"title": ARABIC_TITLE, "step_title": "الخطوة الأولى"},  # no Arabic meaning
        "en": {"title": "Sanding a chair", "step_title": "Step one"},
    }
    # A translation corrected after issue changes no certificate.
    entry = exporting.export_library()["modules"][0]
    entry["translations"]["en"]["title"] = "Sanding chairs"
    importing.import_library(None, {**exporting.export_library(), "modules": [entry]})
    db.session.commit()
    db.session.refresh(certificate)
    assert certificate.content["modules"][0]["texts"]["en"]["title"] == "Sanding a chair"


def test_the_english_paper_uses_english_texts_and_the_easy_read_one_arabic(client, auth, world):
    _arabic_and_english_library(world)
    certificate = issue_directly(world, language="en")
    auth.login("handledare")

    formal = _readable(pdf_text(client.get(f"/certificates/{certificate.id}/formal.pdf?lang=en").data))
    assert "Sanding a chair" in formal and "Step one" in formal
    assert "Betyder 1" in formal  # no English meaning: the Swedish one, whole
    assert "Module texts without a translation are in Swedish" in formal

    easy = client.get(f"/certificates/{certificate.id}/easy-read.pdf?lang=en")
    assert easy.status_code == 200
    text = _readable(pdf_text(easy.data))
    assert "Certificate" in text  # the paper's own words stay English
    assert ARABIC_TITLE in text or ARABIC_TITLE[::-1] in text
    assert "الخطوة" in text  # (its lam-alef ligature comes out of PDFium in glyph order)
    assert "without a translation" not in text  # the easy-read paper prints no meanings
    assert "Slipa en stol" not in text


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_has_five_modules_in_english_and_arabic_and_an_arabic_participant(app, client):

    runner = app.test_cli_runner()
    assert runner.invoke(demo_command).exit_code == 0
    assert "Module library: 0 new, 0 updated" in runner.invoke(demo_command).output  # idempotent

    modules = db.session.scalars(sa.select(Module)).all()
    complete = {}
    for module in modules:
        for language in ("en", "ar"):
            read = translated.in_language(module.current_version, language)
            texts = [read.title, read.description] + [
                getattr(step, name) for step in read.steps for name in translated.STEP_FIELDS]
            if all(text.language == language for text in texts):
                complete.setdefault(language, set()).add(module.key)
    assert len(complete["en"] & complete["ar"]) >= 5
    unchecked = [t for m in modules for t in m.current_version.translations if t.language == "ar"]
    assert unchecked and not any(t.checked for t in unchecked)  # no person has read them yet
    assert set(TRANSLATION_LANGUAGES) >= {"ar", "fa", "prs"}

    ahmed = db.session.scalar(sa.select(Participant).where(Participant.name == "Ahmed Al-Sayed"))
    assert ahmed.language == "ar"
    assert post_form(client, "/card/demo-card-ahmed-al-sayed-000000000000000000",
                     data={"pin": "4321"}).status_code == 302
    home = client.get("/me/")
    assert '<html lang="ar" dir="rtl">' in home.text and "صنفرة كرسي" in home.text


# --- the library: editor and module sheet ------------------------------------------------------


def test_the_editor_shows_the_swedish_beside_each_field_and_marks_out_of_date_texts(client, auth, world):
    with client.application.test_request_context():
        importing.import_library(None, library_file(arabic_entry()))
        entry = exporting.export_library()["modules"][0]
    entry["steps"][0]["translations"]["ar"]["outdated"] = ["todo"]
    with client.application.test_request_context():
        importing.import_library(None, library_file(entry))
    db.session.commit()
    auth.login("admin")
    url = f"/library/{world.module.id}/translation?lang=ar"
    page = client.get(url)
    assert page.status_code == 200
    assert '<p lang="sv" dir="ltr">Betyder 1</p>' in page.text  # the Swedish beside the field
    title = re.search(r'<input[^>]*id="title"[^>]*>', page.text).group(0)
    assert 'dir="rtl"' in title and 'lang="ar"' in title and f'value="{ARABIC_TITLE}"' in title
    assert 'aria-describedby="steps-0-todo-outdated"' in page.text
    assert "Inaktuell: den svenska texten har ändrats" in page.text

    # Every field, as a browser posts the form.
    fields = {f"steps-{index}-{name}": "" for index in range(10) for name in translated.STEP_FIELDS}
    saved = post_form(client, url, data={**fields, "title": "كرسي", "steps-0-todo": "انظر إلى الكرسي",
                                         "steps-0-title": "الخطوة الأولى", "steps-2-how": "بهدوء"})
    assert saved.status_code == 302
    db.session.expire_all()
    read = translated.in_language(world.module.current_version, "ar")
    assert read.title.value == "كرسي" and read.steps[2].how.value == "بهدوء"
    assert read.steps[0].todo.language == "sv"  # saved unchanged: still out of date
    assert read.steps[5].title.language == "sv"
    assert [s.number for s in next(w for w in translated.translation_words_of(world.module.current_version)
                                   if w.language == "ar").steps] == [1, 3]  # no empty rows

    too_long = post_form(client, url, data={"title": "x" * 161})
    assert too_long.status_code == 422 and "x" * 161 in too_long.text
    assert client.get(f"/library/{world.module.id}/translation?lang=sv").status_code == 404


def _texts(version, language: str) -> list[tuple[str, str]]:
    """Every text a reader of `language` gets but the title, with the language it is in."""
    read = translated.in_language(version, language)
    steps = [getattr(step, name) for step in read.steps for name in translated.STEP_FIELDS]
    return [(text.value, text.language) for text in (read.description, *steps)]


def test_a_duplicated_module_reads_as_its_source_in_english_and_arabic(client, auth, world):
    entry = arabic_entry()
    entry["translations"]["en"] = {"title": "Sanding a chair", "description": "About sanding a chair.",
                                   "checked": True}
    entry["steps"][0]["translations"]["ar"]["outdated"] = ["todo"]
    with client.application.test_request_context():
        importing.import_library(None, library_file(entry))
    db.session.commit()
    auth.login("admin")
    duplicated = post_form(client, f"/library/{world.module.id}", f"/library/{world.module.id}/duplicate")
    assert duplicated.status_code == 302

    copy = db.session.scalar(sa.select(Module).where(Module.id != world.module.id)).current_version
    source = world.module.current_version
    for language in ("en", "ar"):
        assert _texts(copy, language) == _texts(source, language)
    assert _texts(copy, "en")[0] == ("About sanding a chair.", "en")
    assert _texts(copy, "ar")[1:5] == [  # the out-of-date "what to do" in Swedish
        ("الخطوة الأولى", "ar"), ("Betyder 1", "sv"), ("Gör 1", "sv"), ("Så 1", "sv")]
    arabic_sheet = client.get(f"/library/{copy.module_id}/sheet?lang=ar")
    assert '<span lang="ar" dir="rtl">الخطوة الأولى</span>' in arabic_sheet.text
    assert '<dt>Vad du gör</dt><dd lang="sv" dir="ltr">Gör 1</dd>' in arabic_sheet.text
    english_sheet = client.get(f"/library/{copy.module_id}/sheet?lang=en")
    assert '<span lang="en" dir="ltr">Step two</span>' in english_sheet.text
    # The out-of-date Arabic "what to do" stays out of date; the titles become so: the copy's
    # Swedish title is new, so its readers get that until someone translates it.
    words = {w.language: w for w in translated.translation_words_of(copy)}
    assert words["ar"].steps[0].todo == "انظر إلى الكرسي" and words["ar"].steps[0].outdated == {"todo"}
    assert (words["ar"].title, words["ar"].outdated) == (ARABIC_TITLE, {"title"})
    assert (words["en"].title, words["en"].outdated, words["en"].checked) == ("Sanding a chair", {"title"}, True)
    assert translated.in_language(copy, "ar").title.value == "Kopia av Slipa en stol"
    # The copy's rows are its own: the source keeps its translations.
    assert translated.in_language(source, "ar").title.value == ARABIC_TITLE
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "module.duplicated")).one()
    assert (event.actor_id, event.details["translations"]) == (world.admin.id, ["ar", "en"])


def test_only_an_administrator_translates(client, auth, world):
    auth.login("handledare")
    assert client.get(f"/library/{world.module.id}/translation?lang=ar").status_code == 403


def test_the_module_sheet_prints_in_a_chosen_language(client, auth, world):
    with client.application.test_request_context():
        importing.import_library(None, library_file(arabic_entry()))
    db.session.commit()
    auth.login("handledare")
    sheet = client.get(f"/library/{world.module.id}/sheet?lang=ar")
    assert sheet.status_code == 200
    assert f'<h1 lang="ar" dir="rtl">{ARABIC_TITLE}</h1>' in sheet.text
    assert '<dd lang="ar" dir="rtl">انظر إلى الكرسي</dd>' in sheet.text
    assert '<dd lang="sv" dir="ltr">Så 1</dd>' in sheet.text
    swedish = client.get(f"/library/{world.module.id}/sheet?lang=xx")
    assert '<h1 lang="sv" dir="ltr">Slipa en stol</h1>' in swedish.text


def test_the_quality_questions_are_in_arabic_on_an_arabic_participants_page(client, world):
    _signed_in_as_anna(client, world, "ar")
    page = client.get("/me/questions")
    assert page.status_code == 200
    assert '<span lang="ar" dir="rtl">هل تحب المكان هنا؟</span>' in page.text
    assert "اضغط على وجه لكل سؤال." in page.text
