"""Checks on the bundled OpenMoji pictogram set (static/pictograms/).

These read files only; regenerate the set with scripts/build_pictograms.py.
"""

import json
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PICTOGRAM_DIR = REPO_ROOT / "static" / "pictograms"
MANIFEST_PATH = PICTOGRAM_DIR / "manifest.json"

CATEGORIES = {
    "tools", "tasks", "places", "body", "feelings", "time", "numbers",
    "people", "animals", "food", "vehicles", "safety", "objects",
}
KEY_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def manifest():
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def entries(manifest):
    return manifest["pictograms"]


def test_manifest_names_source_license_and_attribution(manifest):
    assert manifest["source"].startswith("OpenMoji ")
    assert manifest["license"] == "CC BY-SA 4.0"
    assert (PICTOGRAM_DIR / manifest["attribution"]).is_file()


def test_has_at_least_150_pictograms(entries):
    assert len(entries) >= 150


def test_keys_are_unique_slugs(entries):
    keys = [entry["key"] for entry in entries]
    assert len(keys) == len(set(keys)), "duplicate keys"
    bad = [key for key in keys if not KEY_PATTERN.match(key)]
    assert not bad, f"keys that are not lowercase hyphenated slugs: {bad}"


def test_every_file_exists_and_is_a_non_empty_svg(entries):
    for entry in entries:
        assert entry["file"] == f"{entry['key']}.svg"
        path = PICTOGRAM_DIR / entry["file"]
        assert path.is_file(), f"missing {path.name}"
        text = path.read_text(encoding="utf-8")
        assert text.strip(), f"{path.name} is empty"
        assert "<svg" in text and "</svg>" in text, f"{path.name} is not an SVG"


def test_labels_are_not_empty(entries):
    for entry in entries:
        assert entry["sv"].strip(), f"{entry['key']} has no Swedish label"
        assert entry["en"].strip(), f"{entry['key']} has no English label"


def test_every_category_is_present_and_known(entries):
    used = {entry["category"] for entry in entries}
    assert used == CATEGORIES


def test_no_svg_in_folder_is_missing_from_manifest(entries):
    listed = {entry["file"] for entry in entries}
    on_disk = {path.name for path in PICTOGRAM_DIR.glob("*.svg")}
    assert not on_disk - listed, f"SVGs not in manifest: {sorted(on_disk - listed)}"
