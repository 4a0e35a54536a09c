"""Uploaded photos and the pictures beside module steps.

Every upload goes through one pipeline: bounded size, Pillow verifies and decodes it
(known formats only, bounded pixel count), the EXIF orientation is applied, and a new
JPEG is written from the pixels alone, so no metadata (GPS, camera, owner) survives.
The bytes and a thumbnail are stored in the database, so every app server behind a load
balancer serves the same pictures. Any failure is a RuleViolation and nothing is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
import warnings
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from werkzeug.datastructures import FileStorage

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.extensions import db
from movetrack.media.models import Upload
from movetrack.media.pictograms import all_pictograms
from movetrack.modules.models import ModuleStep, StepPicture
from movetrack.participants.models import Participant
from movetrack.rules import RuleViolation

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")  # a GIF keeps its first frame
JPEG_QUALITY = 85  # JPEG rather than WEBP: the PDF module sheets (fpdf2) embed it as is
MAX_DESCRIPTION_LENGTH = 200  # Upload.description

NOT_A_PICTURE = _l("The file is not a picture we can read. Use a JPG or PNG photo.")
BUSY = _l("Many pictures are being saved right now. Try again in a minute.")


# --- Photos ---------------------------------------------------------------------------


def save_upload(file_storage: FileStorage, user: User, description: str = "") -> Upload:
    """Store a photo from a form's file field. Reads one byte more than allowed, so an
    oversized file is refused without reading it all into memory."""
    if file_storage is None or not file_storage.filename:
        raise RuleViolation(_l("Choose a photo to upload."), field="photo")
    data = file_storage.stream.read(current_app.config["UPLOAD_MAX_BYTES"] + 1)
    return save_upload_bytes(data, user, description)


def save_upload_bytes(data: bytes, user: User | None, description: str = "") -> Upload:
    """Store a photo from raw bytes (the module import uses this), in the caller's unit of
    work: a participant's photo or an imported module is saved with it or not at all.
    `user` None is the system itself (a library import from the command line).
    """
    if user is not None and not may_change(user, Kind.PHOTO):
        raise RuleViolation(_l("Only staff upload photos."))
    description = _clean_description(description)
    _check_byte_size(data)
    image = _decode(data)
    photo = _encode_jpeg(image)
    side = min(current_app.config["UPLOAD_THUMB_SIDE"], *image.size)
    # Square, so avatars and step pictures line up whatever the photo's shape; never enlarged.
    thumbnail = _encode_jpeg(ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS))
    upload = Upload(
        content_type="image/jpeg",
        width=photo.width,
        height=photo.height,
        byte_size=len(photo.data),
        sha256=hashlib.sha256(photo.data).hexdigest(),
        description=description,
        data=photo.data,
        thumbnail=thumbnail.data,
        uploaded_by_id=user.id if user is not None else None,
    )
    db.session.add(upload)
    audit.record(user, "upload.created", upload, byte_size=upload.byte_size, sha256=upload.sha256)
    db.session.flush()
    return upload


def discard_unused_upload(upload: Upload) -> None:
    """Delete a photo nothing points at any more (a participant's replaced or erased
    photo), in the caller's unit of work: it goes when that commits, and stays if it rolls
    back. A photo still on a step or another person stays: the database would refuse."""
    db.session.flush()  # whoever let go of it has done so in the database too
    still_used = sa.or_(sa.exists().where(StepPicture.upload_id == upload.id),
                        sa.exists().where(Participant.photo_id == upload.id))
    if not db.session.scalar(sa.select(still_used)):
        db.session.delete(upload)


def _clean_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise RuleViolation(
            _l("Keep the description under %(count)d characters.", count=MAX_DESCRIPTION_LENGTH),
            field="description",
        )
    return description


def _check_byte_size(data: bytes) -> None:
    max_bytes = current_app.config["UPLOAD_MAX_BYTES"]
    if len(data) > max_bytes:
        raise RuleViolation(
            _l("The picture is too large (max %(mb)d MB).", mb=max(1, max_bytes // 2**20)),
            field="photo",
        )
    if not data:
        raise RuleViolation(NOT_A_PICTURE, field="photo")


@contextlib.contextmanager
def _pixel_limit(max_pixels: int):
    """Pillow checks the pixel count inside Image.open, before any pixel is decoded, against
    a process-wide limit and only warns below twice that limit. Within this block the limit
    is ours and the warning is an error. (Both are process-wide, hence _decode's own check too.)"""
    previous = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def too_many_pixels(max_pixels: int):
    return _l("The picture has too many pixels (at most %(megapixels)d megapixels). "
              "Take it with the tablet's camera, or save it smaller.",
              megapixels=max(1, max_pixels // 1_000_000))


@contextlib.contextmanager
def _decode_slot():
    """One of UPLOAD_CONCURRENT_DECODES turns of this process. Decoding is the costly part of
    an upload (memory and a core); an upload that waits too long is told to try again."""
    config = current_app.config
    slots = current_app.extensions.setdefault(
        "photo_decode_slots", threading.BoundedSemaphore(config["UPLOAD_CONCURRENT_DECODES"]))
    if not slots.acquire(timeout=config["UPLOAD_DECODE_WAIT_SECONDS"]):
        raise RuleViolation(BUSY, field="photo")
    try:
        yield
    finally:
        slots.release()


def _decode(data: bytes) -> Image.Image:
    """The picture's pixels, upright, within UPLOAD_MAX_SIDE and on white, with nothing
    else of the file kept. A JPEG is decoded at a reduced scale (draft) and anything else
    shrunk (reduce, inside thumbnail) before it is turned or flattened, so a big photo is
    copied small; the pixel limit bounds the one full decode of a PNG or WEBP."""
    max_pixels = current_app.config["UPLOAD_MAX_PIXELS"]
    max_side = current_app.config["UPLOAD_MAX_SIDE"]
    try:
        with _pixel_limit(max_pixels), _decode_slot():
            with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
                probe.verify()  # structure and checksums; the image is unusable afterwards
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            if image.width * image.height > max_pixels:
                raise RuleViolation(too_many_pixels(max_pixels), field="photo")
            image.draft("RGB", (max_side, max_side))  # JPEG decodes at a smaller scale: less memory
            image.load()
            # Within a square, so shrinking before turning upright gives the same picture.
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # only ever shrinks
            ImageOps.exif_transpose(image, in_place=True)
            return _flatten(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RuleViolation(too_many_pixels(max_pixels), field="photo") from None
    except RuleViolation:
        raise
    except Exception:  # noqa: BLE001  hostile files make Pillow raise OSError, SyntaxError, struct.error, ...
        raise RuleViolation(NOT_A_PICTURE, field="photo") from None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a fresh white canvas: transparency becomes white, and the new image carries
    none of the original's info (EXIF, XMP, ICC profile, comments)."""
    if image.mode.startswith("I"):  # 16-bit greyscale (scanners): scale to 8 bits, not clip to white
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    canvas = Image.new("RGBA", image.size, "white")
    return Image.alpha_composite(canvas, image.convert("RGBA")).convert("RGB")


class EncodedJpeg(NamedTuple):
    data: bytes
    width: int
    height: int


def _encode_jpeg(image: Image.Image) -> EncodedJpeg:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return EncodedJpeg(buffer.getvalue(), *image.size)


# --- Pictures beside steps ------------------------------------------------------------
# Pictures are not wording: adding, removing or reordering them changes the current
# version's steps in place and makes no new module version. Ratings point at versions
# to keep the words they were given under; a picture changes no meaning.


def _check_may_edit_pictures(user: User) -> None:
    if not may_change(user, Kind.LIBRARY):
        raise RuleViolation(_l("Only coordinators change the pictures of a module."))


def _audit_picture(user: User, action: str, step: ModuleStep, picture: StepPicture) -> None:
    audit.record(
        user, action, picture,
        module_id=step.version.module_id, version=step.version.number, step=step.number,
        pictogram=picture.pictogram_key, upload_id=picture.upload_id,
    )


def _attach(user: User, step: ModuleStep, picture: StepPicture) -> StepPicture:
    """Last in the step's order; the caller flushes."""
    picture.position = max((existing.position for existing in step.pictures), default=-1) + 1
    step.pictures.append(picture)
    _audit_picture(user, "step_picture.added", step, picture)
    return picture


def add_pictogram_to_step(user: User, step: ModuleStep, key: str | None) -> StepPicture:
    _check_may_edit_pictures(user)
    if (key or "") not in all_pictograms():
        raise RuleViolation(_l("There is no such pictogram. Choose one from the list."), field="key")
    if any(picture.pictogram_key == key for picture in step.pictures):
        raise RuleViolation(_l("This pictogram is already on the step."), field="key")
    picture = _attach(user, step, StepPicture(pictogram_key=key))
    db.session.flush()
    return picture


def add_photo_to_step(user: User, step: ModuleStep, upload: Upload) -> StepPicture:
    """Attach a photo that is already stored (an imported module reuses one, for example)."""
    _check_may_edit_pictures(user)
    if any(picture.upload_id == upload.id for picture in step.pictures):
        raise RuleViolation(_l("This photo is already on the step."))
    picture = _attach(user, step, StepPicture(upload_id=upload.id))
    db.session.flush()
    return picture


def upload_photo_to_step(user: User, step: ModuleStep, file_storage: FileStorage,
                         description: str) -> StepPicture:
    """Store a new photo and attach it, in one unit of work."""
    _check_may_edit_pictures(user)
    if not (description or "").strip():
        raise RuleViolation(
            _l("Describe the photo in a few words, for those who cannot see it."),
            field="description",
        )
    upload = save_upload(file_storage, user, description)
    picture = _attach(user, step, StepPicture(upload_id=upload.id))
    db.session.flush()
    return picture


def remove_step_picture(user: User, picture: StepPicture) -> None:
    """The photo itself stays stored: other steps or an audit may still point at it."""
    _check_may_edit_pictures(user)
    _audit_picture(user, "step_picture.removed", picture.step, picture)
    db.session.delete(picture)
    db.session.flush()


def move_step_picture(user: User, picture: StepPicture, direction: int) -> None:
    """Swap the picture with its neighbour (-1 earlier, +1 later); the first pictures are
    the ones shown on the steps page. Positions are renumbered 0, 1, 2… on the way."""
    _check_may_edit_pictures(user)
    if direction not in (-1, 1):
        raise RuleViolation(_l("Move a picture one place earlier or later."))
    step = picture.step
    ordered = sorted(step.pictures, key=lambda p: (p.position, p.id))
    index = ordered.index(picture)
    target = index + direction
    if not 0 <= target < len(ordered):
        return  # already first or last: nothing to change
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    _audit_picture(user, "step_picture.moved", step, picture)
    db.session.flush()
