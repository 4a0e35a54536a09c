"""Moving the library between installations as JSON: export, and an import that is all or nothing."""

from __future__ import annotations

import base64
import copy
import io as bytes_io
import json
import os
import re
import shutil

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from PIL import Image

from movetrack import create_app
from movetrack.audit import AuditEvent
from movetrack.clock import local_today, utcnow
from movetrack.extensions import db
from movetrack.media.models import Upload
from movetrack.modules import exporting, importing, io
from movetrack.modules.models import Module, ModuleVersion
from movetrack.progress.models import Rating
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import csrf_token

AREAS = "fysiskt, mentalt, aktiviteter, socialt, arbetsmoment, projekt, inlarning, kommunikation"


def module_entry(key: str, title: str, parent: str | None = None, **fields) -> dict:
    entry = {
        "key": key, "title": title, "description": f"Om {title}.", "area": "arbetsmoment",
        "kind": "training", "parent": parent, "workstations": [],
        "steps": [
            {"number": n, "title": f"{title} {n}", "meaning": f"Betyder {n}", "todo": f"Gör {n}",
             "how": f"Så {n}", "pictures": [{"pictogram": "bucket"}]}
            for n in range(1, 11)
        ],
    }
    entry.update(fields)
    return entry


def library_file(*entries) -> dict:
    entries = entries or (module_entry("biltvatt", "Biltvätt", kind="overview"),
                          module_entry("tvatta-bilen", "Tvätta bilen", parent="biltvatt"))
    return {"format": "movetrack-modules", "version": 1, "modules": list(entries)}


def png_base64(colour="red") -> str:
    buffer = bytes_io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def module_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Module.id)))


def problems_of(data) -> list[str]:
    with pytest.raises(io.ImportRejected) as rejected:
        importing.import_library(None, data)
    return [str(problem) for problem in rejected.value.problems]


def without_workstations(exported: dict) -> dict:
    exported = copy.deepcopy(exported)
    for entry in exported["modules"]:
        entry["workstations"] = []
    return exported


@pytest.fixture
def empty_app(database_template, tmp_path):
    """A second installation with an empty library (a fresh copy of the migrated schema)."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs a second database; runs on SQLite")
    path = tmp_path / "other.db"
    shutil.copyfile(database_template, path)
    other = create_app({"TESTING": True, "SECRET_KEY": "test", "SERVER_NAME": "other.test",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    yield other
    with other.app_context():
        db.engine.dispose()


# --- round trips -----------------------------------------------------------------------


def test_export_then_import_into_an_empty_library_reproduces_it(app, world, empty_app, english):
    part = factories.make_module("slipa-benen", "Slipa benen", pictogram="broom")
    db.session.flush()
    part.parent_id = world.module.id
    part.archived_at = utcnow()
    world.module.workstations = [world.snickeriet]
    db.session.commit()
    exported = exporting.export_library()
    assert [m["key"] for m in exported["modules"]] == ["slipa-benen", "slipa-en-stol"]
    assert exported["modules"][0]["archived"] is True and exported["modules"][0]["parent"] == "slipa-en-stol"
    assert exported["modules"][1]["workstations"] == ["Snickeriet"]

    with empty_app.app_context(), empty_app.test_request_context(), force_locale("en"):
        result = importing.import_library(None, json.loads(json.dumps(exported)))
        assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
        assert [str(w) for w in result.warnings] == [
            ('modules[1] "Slipa en stol": workstations: '
             'no workstation is called "Snickeriet" here; the link was skipped')
        ]
        assert exporting.export_library() == without_workstations(exported)
        steps = db.session.scalar(sa.select(Module).where(Module.key == "slipa-en-stol")).current_version.steps
        assert [s.title for s in steps] == [f"Slipa en stol steg {n}" for n in range(1, 11)]
        assert steps[0].pictures[0].pictogram_key == "hammer"


def test_importing_the_same_file_again_changes_nothing(app, world, english):
    data = library_file()
    first = importing.import_library(world.admin, data)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))

    again = importing.import_library(world.admin, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events
    assert db.session.scalar(sa.select(sa.func.count(ModuleVersion.id))) == 3


def test_import_sets_parents_whatever_the_order_in_the_file(app, world, english):
    importing.import_library(None, library_file(module_entry("del", "Del", parent="helhet"),
                                               module_entry("helhet", "Helhet", parent="slipa-en-stol")))
    modules = {m.key: m for m in db.session.scalars(sa.select(Module))}
    assert modules["del"].parent is modules["helhet"] and modules["helhet"].parent is modules["slipa-en-stol"]


def test_import_updates_a_rated_module_in_a_new_version(app, world, english):
    rating = factories.rate(world.anna_module, 3, world.supervisor, local_today())
    db.session.commit()
    entry = exporting.export_library()["modules"][0]
    entry["steps"][2]["title"] = "Ny formulering"
    result = importing.import_library(world.admin, library_file(entry))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    db.session.expire_all()
    assert world.module.current_version_number == 2
    assert world.module.current_version.steps[2].title == "Ny formulering"
    assert db.session.get(Rating, rating.id).module_version.steps[2].title == "Slipa en stol steg 3"
    action, details = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.details).order_by(AuditEvent.id.desc())).first()
    assert action == "module.imported" and details["outcome"] == "updated" and details["version"] == 2


def test_import_links_known_workstations_and_only_warns_about_unknown_ones(app, world, english):
    entry = module_entry("snickra", "Snickra", workstations=["Snickeriet", "Smedjan"])
    result = importing.import_library(None, library_file(entry))
    module = db.session.scalar(sa.select(Module).where(Module.key == "snickra"))
    assert [w.name for w in module.workstations] == ["Snickeriet"]
    assert [str(w) for w in result.warnings] == [
        'modules[0] "Snickra": workstations: no workstation is called "Smedjan" here; the link was skipped'
    ]


# --- problems ---------------------------------------------------------------------------


def _nine_steps(data):
    data["modules"][0]["steps"].pop()


def _bad_area(data):
    data["modules"][1]["area"] = "fysiskt2"


def _missing_step_title(data):
    del data["modules"][0]["steps"][2]["title"]


def _untitled_module(data):
    data["modules"][0]["title"] = "   "


def _key_with_spaces(data):
    data["modules"][0]["key"] = "Bil tvätt"


def _duplicate_key(data):
    data["modules"][1]["key"] = "biltvatt"


def _unknown_parent(data):
    data["modules"][1]["parent"] = "x"


def _unknown_pictogram(data):
    data["modules"][0]["steps"][4]["pictures"] = [{"pictogram": "unicorn-xyz"}]


def _parent_cycle(data):
    data["modules"][0]["parent"] = "tvatta-bilen"


def _step_number_as_text(data):
    data["modules"][1]["steps"][0]["number"] = "1"


def _step_number_twice(data):
    data["modules"][1]["steps"][9]["number"] = 9


def _wrong_kind_type(data):
    data["modules"][0]["kind"] = 2


def _bad_picture(data):
    data["modules"][0]["steps"][0]["pictures"] = [{"pictogram": "bucket", "photo": {}}]


def _bad_base64(data):
    data["modules"][0]["steps"][0]["pictures"] = [
        {"photo": {"content_type": "image/png", "data": "not base64!", "description": "Bilen"}}]


def _wrong_format(data):
    data["format"] = "something-else"


def _wrong_version(data):
    data["version"] = 2


PROBLEMS = [
    (_nine_steps, 'modules[0] "Biltvätt": steps: expected exactly 10 steps, found 9'),
    (_bad_area, f'modules[1] "Tvätta bilen": area: unknown area "fysiskt2" (expected one of {AREAS})'),
    (_missing_step_title, 'modules[0] "Biltvätt": steps[2].title: missing'),
    (_untitled_module, "modules[0].title: missing"),
    (_key_with_spaces, 'modules[0] "Biltvätt": key: use only a–z, 0–9, "-" and "_", found "Bil tvätt"'),
    (_duplicate_key, ('modules[1] "Tvätta bilen": key: "biltvatt" is also the key of modules[0]; '
                      "each module needs its own key")),
    (_unknown_parent, 'modules[1] "Tvätta bilen": parent: "x" is not in the file or the library'),
    (_unknown_pictogram, 'modules[0] "Biltvätt": steps[4].pictures[0].pictogram: unknown pictogram "unicorn-xyz"'),
    (_parent_cycle, ('modules[0] "Biltvätt": parent: the parents go round in a circle: '
                     "biltvatt → tvatta-bilen → biltvatt")),
    (_step_number_as_text, ('modules[1] "Tvätta bilen": steps[0].number: '
                            'expected a whole number from 1 to 10, found "1"')),
    (_step_number_twice, 'modules[1] "Tvätta bilen": steps[9].number: step 9 appears more than once'),
    (_wrong_kind_type, 'modules[0] "Biltvätt": kind: expected text, found a number'),
    (_bad_picture, ('modules[0] "Biltvätt": steps[0].pictures[0]: '
                    'expected either {"pictogram": key} or {"photo": {…}}')),
    (_bad_base64, 'modules[0] "Biltvätt": steps[0].pictures[0].photo.data: not valid base64'),
    (_wrong_format, 'format: expected "movetrack-modules" (a movetrack module library), found "something-else"'),
    (_wrong_version, "version: this installation reads version 1, found 2"),
]


@pytest.mark.parametrize("spoil, expected", PROBLEMS, ids=[spoil.__name__.strip("_") for spoil, _ in PROBLEMS])
def test_each_problem_is_named_exactly_and_nothing_is_imported(app, world, english, spoil, expected):
    data = library_file()
    spoil(data)
    before = module_count()
    assert expected in problems_of(data)
    assert module_count() == before


def test_every_problem_of_a_file_is_reported_at_once(app, world, english):
    data = library_file()
    for spoil in (_nine_steps, _bad_area, _unknown_pictogram):
        spoil(data)
    assert len(problems_of(data)) == 3


@pytest.mark.parametrize("data", [[], "modules", {"format": "movetrack-modules", "version": 1},
                                  {"format": "movetrack-modules", "version": 1, "modules": [7]}])
def test_files_of_the_wrong_shape_are_refused_with_a_message(app, world, english, data):
    problems = problems_of(data)
    assert problems and all(problem.strip() for problem in problems)


def test_text_that_is_not_json_is_named(app, english):
    with pytest.raises(io.ImportRejected) as rejected:
        io.parse_library(b'{"format": "movetrack-modules" "version": 1}')
    assert [str(p) for p in rejected.value.problems] == [
        "The file is not valid JSON: Expecting ',' delimiter (line 1, column 32)."
    ]
    with pytest.raises(io.ImportRejected):
        io.parse_library(b"\xff\xfe\x00garbage")


# --- photos ----------------------------------------------------------------------------


def test_photos_are_imported_through_the_media_pipeline_and_exported_again(app, world, english):
    entry = module_entry("tvatta", "Tvätta")
    entry["steps"][0]["pictures"] = [
        {"photo": {"content_type": "image/png", "data": png_base64(), "description": "Röd hink"}},
        {"pictogram": "bucket"},
    ]
    importing.import_library(world.admin, library_file(entry))
    upload = db.session.scalars(sa.select(Upload)).one()
    assert upload.description == "Röd hink" and upload.content_type == "image/jpeg"
    pictures = db.session.scalar(sa.select(Module).where(Module.key == "tvatta")).current_version.steps[0].pictures
    assert [(p.upload_id, p.pictogram_key) for p in pictures] == [(upload.id, None), (None, "bucket")]

    exported = exporting.export_library()
    photo = next(m for m in exported["modules"] if m["key"] == "tvatta")["steps"][0]["pictures"][0]["photo"]
    assert photo["description"] == "Röd hink" and base64.b64decode(photo["data"]) == upload.data
    again = importing.import_library(world.admin, exported)  # the stored photo is recognised
    assert again.unchanged == 2 and db.session.scalar(sa.select(sa.func.count(Upload.id))) == 1


def test_a_photo_the_media_feature_refuses_is_a_problem_and_nothing_is_saved(app, world, english):
    entry = module_entry("tvatta", "Tvätta")
    entry["steps"][1]["pictures"] = [{"photo": {"content_type": "image/png", "data": base64.b64encode(
        b"not really a picture").decode(), "description": "Hink"}}]
    with pytest.raises(io.ImportRejected) as rejected, unit_of_work():
        importing.import_library(world.admin, library_file(module_entry("forst", "Först"), entry))
    assert [str(p) for p in rejected.value.problems] == [
        ('modules[1] "Tvätta": steps[1].pictures[0].photo: '
         "The file is not a picture we can read. Use a JPG or PNG photo.")
    ]
    assert module_count() == 1 and db.session.scalar(sa.select(sa.func.count(Upload.id))) == 0


# --- the web pages -----------------------------------------------------------------------


def upload(client, data: bytes, filename="bibliotek.json"):
    token = csrf_token(client.get("/library/import").text)
    return client.post("/library/import", data={"csrf_token": token, "file": (bytes_io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_admin_exports_the_library_as_a_download(client, auth, world):
    auth.login("admin")
    response = client.get("/library/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="movetrack-modules-')
    assert [m["title"] for m in response.get_json()["modules"]] == ["Slipa en stol"]


def test_admin_imports_a_file_and_sees_a_summary(client, auth, world, english):
    auth.login("admin")
    response = upload(client, json.dumps(library_file()).encode())
    assert response.status_code == 302
    assert "2 new, 0 updated, 0 unchanged." in client.get(response.headers["Location"]).text
    assert module_count() == 3


def test_a_bad_file_lists_its_problems_at_422_and_imports_nothing(client, auth, world, english):
    auth.login("admin")
    data = library_file()
    _nine_steps(data)
    response = upload(client, json.dumps(data).encode())
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "<code>modules[0] &#34;Biltvätt&#34;: steps</code>: expected exactly 10 steps, found 9" in response.text
    not_json = upload(client, b"this is not json")
    assert not_json.status_code == 422 and "The file is not valid JSON" in not_json.text
    no_file = client.post("/library/import", data={"csrf_token": csrf_token(client.get("/library/import").text)})
    assert no_file.status_code == 422 and "Choose a file to import." in no_file.text
    assert module_count() == 1


def test_the_problems_page_speaks_swedish(client, auth, world):
    auth.login("admin")  # Swedish is the default language
    data = library_file()
    _nine_steps(data)
    response = upload(client, json.dumps(data).encode())
    assert response.status_code == 422
    assert '<h2 id="problems-heading">Inget importerades: filen har 1 fel.</h2>' in response.text
    assert "väntade exakt 10 steg, hittade 9" in response.text
    assert "Nothing was imported" not in response.text and "expected" not in response.text


def test_problems_quote_the_file_safely(client, auth, world):
    auth.login("admin")
    data = library_file()
    data["modules"][0]["area"] = "<script>alert(1)</script>"
    response = upload(client, json.dumps(data).encode())
    assert response.status_code == 422
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;alert(1)" in response.text


@pytest.mark.parametrize("username", ["handledare", "handlaggare"])
def test_only_admins_import_and_export(client, auth, world, username):
    auth.login(username)
    assert client.get("/library/export").status_code == 403
    assert client.get("/library/import").status_code == 403


# --- the command line -----------------------------------------------------------------


def test_cli_exports_to_a_file_and_to_standard_output(app, world, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "library.json"
    result = runner.invoke(args=["modules", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text("utf-8"))["modules"][0]["key"] == "slipa-en-stol"
    to_stdout = runner.invoke(args=["modules", "export", "-"])
    assert json.loads(to_stdout.stdout)["format"] == "movetrack-modules"


def test_cli_imports_a_file_and_prints_a_summary(app, world, tmp_path):
    path = tmp_path / "library.json"
    path.write_text(json.dumps(library_file()), "utf-8")
    result = app.test_cli_runner().invoke(args=["modules", "import", str(path), "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert re.findall(r"\d+", result.stdout) == ["2", "0", "0"] and module_count() == 3
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "module.imported")) \
        == world.admin.id


def test_cli_exports_a_library_with_photos_and_imports_it_into_an_empty_database(app, world, tmp_path,
                                                                                   wipe_database):
    entry = module_entry("tvatta", "Tvätta")
    entry["steps"][0]["pictures"] = [
        {"photo": {"content_type": "image/png", "data": png_base64(), "description": "Röd hink"}}]
    importing.import_library(world.admin, library_file(entry))
    path = tmp_path / "library.json"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["modules", "export", str(path)]).exit_code == 0
    wipe_database()
    assert module_count() == 0

    result = runner.invoke(args=["modules", "import", str(path)])  # no --as: the system imports
    assert result.exit_code == 0, result.output
    assert re.findall(r"\d+", result.stdout) == ["2", "0", "0"]
    upload = db.session.scalars(sa.select(Upload)).one()
    assert upload.description == "Röd hink" and upload.uploaded_by_id is None
    step = db.session.scalar(sa.select(Module).where(Module.key == "tvatta")).current_version.steps[0]
    assert [picture.upload_id for picture in step.pictures] == [upload.id]
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert {event.action for event in events} >= {"upload.created", "module.imported"}
    assert all(event.actor_id is None and event.details["actor"] == "system" for event in events)


def test_cli_prints_every_problem_one_per_line_and_imports_nothing(app, world, tmp_path):
    data = library_file()
    _nine_steps(data)
    _unknown_parent(data)
    path = tmp_path / "library.json"
    path.write_text(json.dumps(data), "utf-8")
    result = app.test_cli_runner().invoke(args=["modules", "import", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[1].startswith('modules[0] "Biltvätt": steps: ')
    assert lines[2].startswith('modules[1] "Tvätta bilen": parent: ')
    assert len(lines) == 3 and module_count() == 1

    path.write_text("{ not json", "utf-8")
    assert app.test_cli_runner().invoke(args=["modules", "import", str(path)]).exit_code == 1
    unknown_user = app.test_cli_runner().invoke(args=["modules", "import", str(path), "--as", "nobody"])
    assert unknown_user.exit_code != 0 and "nobody" in unknown_user.output
