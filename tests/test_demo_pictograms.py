"""The demo library's pictures: one recognisable picture per module, reviewable in one
table (docs/pictograms.md, written by scripts/build_pictogram_table.py)."""

import importlib.util
import json
from collections import defaultdict
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = REPO_ROOT / "scripts" / "build_pictogram_table.py"


@pytest.fixture(scope="module")
def table_script():
    spec = importlib.util.spec_from_file_location("build_pictogram_table", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


@pytest.fixture(scope="module")
def modules(table_script):
    return {
        module["title"]: module
        for module in json.loads(table_script.LIBRARY_PATH.read_text("utf-8"))["modules"]
    }


def test_no_picture_stands_for_two_modules(table_script, modules):
    modules_by_picture = defaultdict(list)
    for title, module in modules.items():
        modules_by_picture[table_script.module_picture(module)].append(title)
    shared = {key: titles for key, titles in modules_by_picture.items() if len(titles) > 1}
    assert not shared, f"one picture for several modules: {shared}"
    assert None not in modules_by_picture, "a module without a picture"


def test_the_reported_pictures_are_replaced(table_script, modules):
    picture = {title: table_script.module_picture(module) for title, module in modules.items()}
    assert picture["Innebandy"] == "floorball"
    assert picture["Slipa en stol"] == "chair"
    assert picture["Tapetsering"] == "wall"
    assert picture["Ta emot instruktioner"] == "supervisor"
    assert picture["Fysisk hälsa"] == "run"
    assert picture["Psykisk hälsa"] == "meditate"
    assert picture["Närvaro"] == "calendar"
    narvaro = {p["pictogram"] for step in modules["Närvaro"]["steps"] for p in step["pictures"]}
    assert "hospital" not in narvaro


def test_every_module_picture_has_swedish_and_english_labels(table_script, modules):
    labels = {
        entry["key"]: entry
        for entry in json.loads(table_script.MANIFEST_PATH.read_text("utf-8"))["pictograms"]
    }
    for module in modules.values():
        entry = labels[table_script.module_picture(module)]
        assert entry["sv"].strip() and entry["en"].strip()


def test_the_review_table_is_current(table_script, modules):
    table = table_script.TABLE_PATH.read_text("utf-8")
    assert table == table_script.render(), "run python scripts/build_pictogram_table.py"
    assert "| Innebandy | aktiviteter | " in table
    assert "| floorball | innebandy, klubba och boll | floorball, stick and ball |" in table
    assert table.count("\n| ") == len(modules) + 1  # the heading row and one row per module
