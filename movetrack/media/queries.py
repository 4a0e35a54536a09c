"""Reading photos and step pictures: what a page shows, in a fixed number of statements."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from sqlalchemy import orm

from movetrack.auth.policy import upload_visible
from movetrack.extensions import db
from movetrack.media.models import Upload
from movetrack.modules.models import Module, ModuleStep, ModuleVersion, StepPicture


def visible_upload(who, upload_id: int, column):
    """(content_type, sha256, data, on_a_step) of an upload the principal may see, else
    None; `column` is the variant (Upload.data or Upload.thumbnail), the only bytes read;
    `on_a_step`: library content (a step's picture), not a person's photo."""
    on_a_step = sa.exists().where(StepPicture.upload_id == Upload.id)
    return db.session.execute(
        sa.select(Upload.content_type, Upload.sha256, column.label("data"),
                  on_a_step.label("on_a_step"))
        .where(Upload.id == upload_id, upload_visible(who))
    ).one_or_none()


def current_step_or_404(module_id: int, step_number: int) -> ModuleStep:
    """Step N of the module's current version, with its pictures, in two queries."""
    step = db.session.scalar(
        sa.select(ModuleStep)
        .join(ModuleStep.version)
        .join(ModuleVersion.module)
        .where(
            Module.id == module_id,
            ModuleVersion.number == Module.current_version_number,
            ModuleStep.number == step_number,
        )
        .options(
            orm.contains_eager(ModuleStep.version).contains_eager(ModuleVersion.module),
            orm.selectinload(ModuleStep.pictures),
        )
    )
    return step or abort(404)


def uploads_of(pictures: list[StepPicture]) -> dict[int, Upload]:
    """The photos among the pictures, for their alt text; the image bytes stay deferred."""
    ids = [picture.upload_id for picture in pictures if picture.upload_id]
    if not ids:
        return {}
    return {upload.id: upload for upload in db.session.scalars(sa.select(Upload).where(Upload.id.in_(ids)))}
