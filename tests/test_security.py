"""Headers, CSRF, the health check and error pages."""

from __future__ import annotations

import sqlalchemy as sa

from movetrack.config import HTMX_INTEGRITY
from movetrack.progress.models import Rating
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
    assert '<html lang="sv">' in page.text
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(page.text)})
    assert '<html lang="en">' in client.get("/login").text


def test_an_id_too_large_for_the_database_is_a_404(client, auth, world):
    auth.login("handledare")
    assert client.get("/day/participants/99999999999999999999").status_code == 404
    assert client.get("/participants/99999999999999999999").status_code == 404
