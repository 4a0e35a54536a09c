"""The whole library as a JSON file in the format that modules/io.py reads."""

from __future__ import annotations

import base64

import sqlalchemy as sa
from sqlalchemy import orm

from movetrack.extensions import db
from movetrack.media.models import Upload
from movetrack.modules import translated
from movetrack.modules.io import FORMAT, FORMAT_VERSION
from movetrack.modules.models import Module, ModuleArea, ModuleStep, ModuleVersion


def export_library() -> dict:
    """The whole library (archived modules flagged), photos included as base64."""
    modules = list(
        db.session.scalars(
            sa.select(Module)
            .join(Module.area)
            .join(Module.current_version)
            .options(
                orm.contains_eager(Module.area),
                orm.contains_eager(Module.current_version).selectinload(ModuleVersion.translations),
                orm.contains_eager(Module.current_version)
                .selectinload(ModuleVersion.steps)
                .selectinload(ModuleStep.pictures),
                orm.contains_eager(Module.current_version)
                .selectinload(ModuleVersion.steps)
                .selectinload(ModuleStep.translations),
                orm.joinedload(Module.parent),
                orm.selectinload(Module.workstations),
            )
            .order_by(ModuleArea.position, ModuleVersion.title, Module.id)
        ).unique()
    )
    upload_ids = {
        picture.upload_id
        for module in modules for step in module.current_version.steps for picture in step.pictures
        if picture.upload_id
    }
    uploads = {
        upload.id: upload
        for upload in db.session.scalars(
            sa.select(Upload).where(Upload.id.in_(upload_ids)).options(orm.undefer(Upload.data))
        )
    } if upload_ids else {}
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "modules": [_module_entry(module, uploads) for module in modules],
    }


def _module_entry(module: Module, uploads: dict[int, Upload]) -> dict:
    version = module.current_version
    entry = {
        "key": module.key,
        "title": version.title,
        "description": version.description or "",
        "area": module.area.key,
        "kind": module.kind.value,
        "parent": module.parent.key if module.parent else None,
        "workstations": sorted({workstation.name for workstation in module.workstations}),
        "steps": [
            {
                "number": step.number,
                "title": step.title,
                "meaning": step.meaning,
                "todo": step.todo,
                "how": step.how,
                "pictures": [_picture_entry(picture, uploads) for picture in step.pictures],
            }
            for step in version.steps
        ],
    }
    _add_translations(entry, version)
    if module.archived:
        entry["archived"] = True
    return entry


def _add_translations(entry: dict, version: ModuleVersion) -> None:
    """Each language's texts beside the Swedish they translate (only where there are any)."""
    steps = {step["number"]: step for step in entry["steps"]}
    for words in translated.translation_words_of(version):
        if words.module:
            texts = {name: getattr(words, name) for name in translated.VERSION_FIELDS}
            texts["checked"] = words.checked
            entry.setdefault("translations", {})[words.language] = _with_outdated(texts, words)
        for step_words in words.steps:
            texts = {name: getattr(step_words, name) for name in translated.STEP_FIELDS}
            steps[step_words.number].setdefault("translations", {})[words.language] = (
                _with_outdated(texts, step_words)
            )


def _with_outdated(texts: dict, words) -> dict:
    if words.outdated:
        texts["outdated"] = sorted(words.outdated)
    return texts


def _picture_entry(picture, uploads: dict[int, Upload]) -> dict:
    if picture.pictogram_key:
        return {"pictogram": picture.pictogram_key}
    upload = uploads[picture.upload_id]
    return {
        "photo": {
            "content_type": upload.content_type,
            "data": base64.b64encode(upload.data).decode("ascii"),
            "description": upload.description or "",
        }
    }
