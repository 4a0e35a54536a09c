"""Headers, CSRF, the health check and error pages."""

from __future__ import annotations

import sqlalchemy as sa

from movetrack.config import HTMX_INTEGRITY
from movetrack.extensions import db
from movetrack.placements.models import PlacementStatus
from movetrack.progress.models import Rating
from tests import factories
from tests.helpers import csrf_token


def test_strict_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_htmx_is_served_from_the_app_by_default(client):
    page = client.get("/login").text
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in page
    assert client.get("/static/vendor/htmx-2.0.11/htmx.min.js").status_code == 200


def test_htmx_from_cdn_carries_its_integrity_hash(app, client):
    app.config["HTMX_FROM_CDN"] = True
    page = client.get("/login").text
    assert f'integrity="{HTMX_INTEGRITY}"' in page and "cdn.jsdelivr.net" in page


def test_vendored_htmx_matches_the_pinned_integrity_hash(app):
    import base64
    import hashlib
    from pathlib import Path

    from movetrack.config import HTMX_LOCAL_PATH

    data = (Path(app.static_folder) / HTMX_LOCAL_PATH).read_bytes()
    assert HTMX_INTEGRITY == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_post_without_csrf_token_is_refused_with_a_page_not_a_crash(client, auth, world):
    auth.login("handledare")
    response = client.post(f"/day/assignments/{world.anna_module.id}/ratings", data={"step": "5"})
    assert response.status_code == 400
    assert "<h1>" in response.text
    assert client.application.extensions["sqlalchemy"].session.scalar(
        sa.select(sa.func.count(Rating.id))
    ) == 0


def test_htmx_post_with_token_in_header_is_accepted(client, auth, world):
    auth.login("handledare")
    token = csrf_token(client.get(f"/day/assignments/{world.anna_module.id}").text)
    response = client.post(
        f"/day/assignments/{world.anna_module.id}/ratings",
        data={"step": "5"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_unknown_page_is_a_friendly_404(client, auth, world):
    auth.login("handledare")
    response = client.get("/day/participants/999999")
    assert response.status_code == 404 and "<h1>" in response.text


def test_language_can_be_switched_to_english(client):
    page = client.get("/login")
    assert '<html lang="sv" dir="ltr">' in page.text
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(page.text)})
    assert '<html lang="en" dir="ltr">' in client.get("/login").text


def test_an_id_too_large_for_the_database_is_a_404(client, auth, world):
    auth.login("handledare")
    assert client.get("/day/participants/99999999999999999999").status_code == 404
    assert client.get("/participants/99999999999999999999").status_code == 404


# --- caching of a person's data -----------------------------------------------------------


def _photo(world, on_a_step: bool):
    from movetrack.media import services as media
    from tests.test_media import image_bytes

    upload = media.save_upload_bytes(image_bytes("PNG"), world.admin, "Foto")
    if on_a_step:
        media.add_photo_to_step(world.admin, world.module.current_version.steps[0], upload)
    else:
        world.anna.photo_id = upload.id
    db.session.commit()
    return upload


def test_every_signed_in_page_fragment_and_file_is_no_store(app, client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         case_worker=world.orderer)
    with app.test_request_context():
        person = _photo(world, on_a_step=False)
    auth.login("admin")
    urls = [
        "/", "/day/", f"/day/participants/{world.anna.id}", f"/day/assignments/{world.anna_module.id}",
        f"/participants/{world.anna.id}", "/participants/", f"/placements/{placement.id}",
        f"/placements/{placement.id}/attendance", "/attendance/report.csv", "/library/",
        f"/media/uploads/{person.id}", f"/media/uploads/{person.id}/thumbnail", "/day/participants/999999",
    ]
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code in (200, 302, 404), url
            assert response.headers["Cache-Control"] == "private, no-store", url
    auth.logout()
    auth.login("handlaggare")
    order = client.get(f"/orders/{placement.id}")
    assert order.status_code == 200 and order.headers["Cache-Control"] == "private, no-store"


def test_static_files_and_library_photos_may_be_cached(app, client, auth, world):
    with app.test_request_context():
        library_photo = _photo(world, on_a_step=True)
    auth.login("handledare")
    assert "no-store" not in client.get("/static/vendor/htmx-2.0.11/htmx.min.js").headers.get("Cache-Control", "")
    photo = client.get(f"/media/uploads/{library_photo.id}")
    assert photo.status_code == 200 and photo.headers["Cache-Control"] == "private, max-age=86400"


def test_a_url_answering_a_fragment_or_a_page_varies_on_hx_request(client, auth, world):
    auth.login("handledare")
    for url in (f"/day/assignments/{world.anna_module.id}", "/library/", "/media/pictograms?q=hammer",
                "/day/participants/999999"):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert "HX-Request" in response.headers.get("Vary", ""), url
    fragment = client.get(f"/day/assignments/{world.anna_module.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
