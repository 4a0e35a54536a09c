"""Uploaded photos: verified, re-encoded without metadata, stored in the database, served
to signed-in users only; bad files get a clear message and leave nothing behind."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from markupsafe import escape
from PIL import ExifTags, Image

from movetrack.audit import AuditEvent
from movetrack.extensions import db
from movetrack.media import services
from movetrack.media.models import Upload
from movetrack.rules import RuleViolation
from movetrack.unit_of_work import unit_of_work
from tests.helpers import csrf_token


def image_bytes(fmt: str, size=(40, 20), color=(200, 30, 30), mode="RGB", **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save_args)
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    """A wide JPEG that says: rotate me 90° clockwise, taken by SpyCam at a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (59.0, 19.0, 30.0),
    })
    data = image_bytes("JPEG", size=(40, 20), exif=exif)
    assert b"SpyCam" in data  # the test file really carries the metadata
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's calling card."""
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4:ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr:ihdr + 17]))
    data[ihdr + 17:ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def uploads() -> list[Upload]:
    return list(db.session.scalars(sa.select(Upload)))


def translated(app, message) -> str:
    """The message as the app shows it in its default language (whatever the catalogue holds)."""
    with app.test_request_context():
        return str(escape(str(message)))


# --- the pipeline ----------------------------------------------------------------------


@pytest.fixture
def request_context(app):
    """Services speak the user's language, which is chosen per request."""
    with app.test_request_context():
        yield


def test_jpeg_is_turned_upright_and_stripped_of_metadata(request_context, world):
    upload = services.save_upload_bytes(jpeg_with_exif(), world.admin, "Slipen")
    assert upload.id and upload.content_type == "image/jpeg" and upload.description == "Slipen"
    stored = Image.open(io.BytesIO(upload.data))
    assert stored.format == "JPEG"
    assert stored.size == (20, 40) == (upload.width, upload.height)  # orientation applied
    assert not stored.getexif()  # no Make, no GPS, no orientation
    assert b"SpyCam" not in upload.data and b"Exif" not in upload.data
    assert upload.byte_size == len(upload.data) and len(upload.sha256) == 64


def test_png_with_transparency_becomes_a_jpeg_on_white(request_context, world):
    data = image_bytes("PNG", size=(30, 30), color=(0, 0, 0, 0), mode="RGBA")
    upload = services.save_upload_bytes(data, world.supervisor)
    stored = Image.open(io.BytesIO(upload.data))
    assert stored.format == "JPEG" and stored.mode == "RGB"
    assert min(stored.getpixel((15, 15))) > 245  # transparent became white, not black


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_gif_and_webp_are_accepted(request_context, world, fmt):
    upload = services.save_upload_bytes(image_bytes(fmt), world.admin)
    assert Image.open(io.BytesIO(upload.data)).format == "JPEG"


def test_big_photo_is_bounded_and_thumbnail_is_square(request_context, app, world):
    app.config["UPLOAD_MAX_SIDE"] = 800
    upload = services.save_upload_bytes(image_bytes("PNG", size=(2400, 1200)), world.admin)
    assert (upload.width, upload.height) == (800, 400)
    thumbnail = Image.open(io.BytesIO(upload.thumbnail))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (320, 320)  # UPLOAD_THUMB_SIDE


def test_small_photo_thumbnail_is_not_enlarged(request_context, world):
    upload = services.save_upload_bytes(image_bytes("PNG", size=(40, 20)), world.admin)
    assert Image.open(io.BytesIO(upload.thumbnail)).size == (20, 20)


def test_16_bit_greyscale_keeps_its_grey(request_context, world):
    upload = services.save_upload_bytes(image_bytes("PNG", mode="I;16", color=32768), world.admin)
    assert 120 <= Image.open(io.BytesIO(upload.data)).getpixel((5, 5))[0] <= 136


def test_upload_is_audited(request_context, world):
    upload = services.save_upload_bytes(image_bytes("PNG"), world.admin)
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.subject_id, event.actor_id) == ("upload.created", upload.id, world.admin.id)


@pytest.mark.parametrize("data", [
    b"Hej! Det har ar en textfil, ingen bild.",
    b"",
    image_bytes("BMP"),  # a real picture, but not a format we take
    image_bytes("JPEG")[:200],  # cut off half-way
], ids=["text", "empty", "bmp", "truncated"])
def test_not_a_picture_is_refused_and_nothing_is_saved(request_context, world, data):
    with pytest.raises(RuleViolation) as refused:
        services.save_upload_bytes(data, world.admin)
    assert refused.value.message == services.NOT_A_PICTURE
    assert uploads() == []
    assert db.session.scalars(sa.select(AuditEvent)).all() == []


def test_file_over_the_byte_limit_is_refused_before_decoding(request_context, app, world):
    app.config["UPLOAD_MAX_BYTES"] = 100
    with force_locale("en"), pytest.raises(RuleViolation, match="too large"):
        services.save_upload_bytes(image_bytes("PNG", size=(64, 64)) + b"\0" * 200, world.admin)
    assert uploads() == []


@pytest.mark.parametrize("size", [(12, 12), (20, 20)], ids=["warning-zone", "error-zone"])
def test_too_many_pixels_is_refused(request_context, app, world, size):
    # Pillow warns above the limit and raises above twice the limit: both are refused.
    app.config["UPLOAD_MAX_PIXELS"] = 100
    with pytest.raises(RuleViolation) as refused:
        services.save_upload_bytes(image_bytes("PNG", size=size), world.admin)
    assert str(refused.value) == str(services.too_many_pixels(app.config["UPLOAD_MAX_PIXELS"]))
    assert uploads() == []
    assert Image.MAX_IMAGE_PIXELS != 100  # the process-wide limit is left as it was


def test_decompression_bomb_is_refused(request_context, app, world):
    with pytest.raises(RuleViolation) as refused:
        services.save_upload_bytes(png_declaring(30000, 30000), world.admin)
    assert str(refused.value) == str(services.too_many_pixels(app.config["UPLOAD_MAX_PIXELS"]))
    assert uploads() == []


def test_only_staff_upload(request_context, world):
    with pytest.raises(RuleViolation):
        services.save_upload_bytes(image_bytes("PNG"), world.orderer)
    assert uploads() == []


def test_description_is_bounded(request_context, world):
    with pytest.raises(RuleViolation):
        services.save_upload_bytes(image_bytes("PNG"), world.admin, "x" * 201)
    assert uploads() == []


# --- serving ---------------------------------------------------------------------------


def step_photo(app, world) -> Upload:
    """A photo on step 1 of the world's module: library content."""
    with app.test_request_context(), unit_of_work():
        upload = services.save_upload_bytes(image_bytes("PNG"), world.admin, "Slipen")
        services.add_photo_to_step(world.admin, world.module.versions[0].steps[0], upload)
    return upload


def test_photo_and_thumbnail_are_served_to_signed_in_users_with_caching(app, client, auth, world):
    upload = step_photo(app, world)
    auth.login("handledare")
    for url in (f"/media/uploads/{upload.id}", f"/media/uploads/{upload.id}/thumbnail"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.content_type == "image/jpeg"
        assert Image.open(io.BytesIO(response.data)).format == "JPEG"
        assert "private" in response.headers["Cache-Control"]
        assert "max-age=86400" in response.headers["Cache-Control"]
        etag = response.headers["ETag"]
        assert upload.sha256 in etag
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
    assert client.get(f"/media/uploads/{upload.id}").headers["ETag"] != client.get(
        f"/media/uploads/{upload.id}/thumbnail").headers["ETag"]


def test_anonymous_users_get_no_photos(app, client, world):
    upload = step_photo(app, world)
    for url in (f"/media/uploads/{upload.id}", f"/media/uploads/{upload.id}/thumbnail"):
        response = client.get(url)
        assert response.status_code in (302, 401)
        assert response.data[:3] != b"\xff\xd8\xff"


def test_unknown_upload_is_404(client, auth, world):
    auth.login("admin")
    assert client.get("/media/uploads/999/thumbnail").status_code == 404


def test_unused_photo_is_seen_only_by_who_uploaded_it(app, client, auth, world):
    with app.test_request_context(), unit_of_work():
        upload = services.save_upload_bytes(image_bytes("PNG"), world.supervisor)
    url = f"/media/uploads/{upload.id}/thumbnail"
    auth.login("admin")
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login("handledare")
    assert client.get(url).status_code == 200


def test_participant_photo_is_served_only_within_scope(app, client, auth, world):
    with app.test_request_context(), unit_of_work():
        upload = services.save_upload_bytes(image_bytes("PNG"), world.admin)
    world.bertil.photo_id = upload.id  # Bertil is in Östervik
    db.session.commit()
    url = f"/media/uploads/{upload.id}/thumbnail"
    auth.login("handledare")  # Passagen
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login("stallchef")  # Östervik
    assert client.get(url).status_code == 200


# --- uploading on a step (the form) -------------------------------------------------------


def photo_page(world, step=3) -> str:
    return f"/media/modules/{world.module.id}/steps/{step}/pictures"


def upload_to_step(client, world, data: bytes, filename="photo.jpg", description="Slipen", step=3):
    page = client.get(photo_page(world, step))
    return client.post(
        photo_page(world, step) + "/photo",
        data={
            "csrf_token": csrf_token(page.text),
            "description": description,
            "photo": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def test_photo_uploaded_on_a_step_shows_on_the_steps_page(client, auth, world):
    auth.login("admin")
    response = upload_to_step(client, world, jpeg_with_exif(), description="Slipen på bänken")
    assert response.status_code == 302
    upload = db.session.scalars(sa.select(Upload)).one()
    assert upload.description == "Slipen på bänken"

    auth.logout()
    auth.login("handledare")
    steps_page = client.get(f"/day/assignments/{world.anna_module.id}")
    assert f"/media/uploads/{upload.id}/thumbnail" in steps_page.text
    assert client.get(f"/media/uploads/{upload.id}/thumbnail").status_code == 200


def test_text_file_named_like_a_photo_gets_a_clear_message(app, client, auth, world):
    auth.login("admin")
    response = upload_to_step(client, world, b"not a picture at all", description="Min text")
    assert response.status_code == 422
    assert translated(app, services.NOT_A_PICTURE) in response.text
    assert 'value="Min text"' in response.text  # what was typed is kept
    assert uploads() == []


def test_too_large_file_gets_a_clear_message(app, client, auth, world):
    app.config["UPLOAD_MAX_BYTES"] = 500
    auth.login("admin")
    response = upload_to_step(client, world, image_bytes("PNG", size=(64, 64)) + b"\0" * 1000)
    assert response.status_code == 422
    assert uploads() == []


def test_decompression_bomb_upload_is_422_not_500(app, client, auth, world):
    auth.login("admin")
    response = upload_to_step(client, world, png_declaring(30000, 30000), filename="bomb.png")
    assert response.status_code == 422
    assert translated(app, services.too_many_pixels(app.config["UPLOAD_MAX_PIXELS"])) in response.text
    assert uploads() == []


def test_photo_needs_a_description(client, auth, world):
    auth.login("admin")
    response = upload_to_step(client, world, image_bytes("PNG"), description="  ")
    assert response.status_code == 422
    assert uploads() == []


def test_supervisor_cannot_add_photos_to_library_steps(client, auth, world):
    auth.login("handledare")
    token = csrf_token(client.get(f"/day/assignments/{world.anna_module.id}").text)
    response = client.post(
        photo_page(world) + "/photo",
        data={"csrf_token": token, "description": "x", "photo": (io.BytesIO(image_bytes("PNG")), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert uploads() == []


# --- big photos: bounded cost ----------------------------------------------------------

MEASURE_DECODE = """
import resource, sys
from movetrack import create_app
data = open(sys.argv[1], "rb").read()
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
with app.app_context():
    from movetrack.media import services
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    image = services._decode(data)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(grown // 1024, *image.size)
"""


def _gradient_jpeg(width: int, height: int) -> bytes:
    """A smooth photo-sized picture: many pixels, few bytes."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def test_a_24_megapixel_jpeg_is_decoded_small_with_bounded_memory(request_context, world, tmp_path):
    import subprocess
    import sys

    data = _gradient_jpeg(4000, 6000)  # a 24 MP camera; decoded whole it is 72 MB of pixels
    path = tmp_path / "big.jpg"
    path.write_bytes(data)
    measured = subprocess.run([sys.executable, "-c", MEASURE_DECODE, str(path)],
                              capture_output=True, text=True, check=True).stdout.split()
    grown_mb, width, height = (int(value) for value in measured)
    assert (width, height) == (1333, 2000)
    assert grown_mb < 50, f"decoding took {grown_mb} MB"

    upload = services.save_upload_bytes(data, world.admin, "Stor")
    assert (upload.width, upload.height) == (1333, 2000)
    assert Image.open(io.BytesIO(upload.data)).size == (1333, 2000)


def test_a_photo_above_what_a_camera_makes_is_refused_clearly(app, client, auth, world):
    auth.login("admin")
    response = upload_to_step(client, world, _gradient_jpeg(6000, 6500))  # 39 MP
    assert response.status_code == 422
    assert "Bilden har för många pixlar (högst 25 megapixlar)." in response.text
    assert uploads() == []


def test_uploads_take_turns_decoding_and_one_waiting_too_long_is_told_to_retry(
        request_context, app, world):
    import threading

    app.config["UPLOAD_DECODE_WAIT_SECONDS"] = 0.05
    app.config["UPLOAD_CONCURRENT_DECODES"] = 1
    held, release = threading.Event(), threading.Event()

    def decode_slowly():
        with app.app_context(), services._decode_slot():
            held.set()
            release.wait(5)

    other = threading.Thread(target=decode_slowly)
    other.start()
    held.wait(5)
    with pytest.raises(RuleViolation) as refused:
        services.save_upload_bytes(image_bytes("PNG"), world.admin)
    assert str(refused.value) == str(services.BUSY)
    release.set()
    other.join()
    assert services.save_upload_bytes(image_bytes("PNG"), world.admin).width == 40
