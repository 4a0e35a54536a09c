"""The tablet offline, server side: the service worker and manifest routes, the policy that
lets them load (and nothing more), what the day view asks the tablet to keep, and the
sign-out that clears it. The browser side is tests/e2e/test_offline.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from movetrack.audit import AuditEvent
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.offline.assets import asset_version
from tests import factories
from tests.helpers import days_ago, post_form

STATIC = Path(__file__).resolve().parents[1] / "static"


def test_the_manifest_makes_the_day_view_a_full_screen_home_screen_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.text)
    assert manifest["start_url"] == "/day/" and manifest["scope"] == "/"
    assert manifest["display"] == "fullscreen" and manifest["short_name"] == "movetrack"
    assert manifest["theme_color"] == "#0b5cad"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_manifest_is_in_the_readers_language(client, english):
    assert json.loads(client.get("/manifest.webmanifest").text)["name"] == "movetrack – steps and attendance"


def test_the_home_screen_icons_are_our_artwork_at_their_sizes():
    for name, size in (("icon-192", 192), ("icon-512", 512), ("icon-maskable-192", 192), ("icon-maskable-512", 512)):
        with Image.open(STATIC / "icons" / f"{name}.png") as icon:
            assert icon.size == (size, size) and icon.format == "PNG"
            assert icon.convert("RGB").getpixel((size // 2, size // 20)) == (11, 92, 173)  # the app's blue
    with Image.open(STATIC / "icons" / "icon-maskable-512.png") as maskable:
        assert maskable.convert("RGBA").getpixel((0, 0)) == (11, 92, 173, 255)  # bleeds to the edge


def test_every_page_links_the_manifest(client):
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/login").text


def test_the_service_worker_is_served_at_the_root_never_stale(client, app):
    response = client.get("/sw.js?v=anything")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "keep-day" in response.text


def test_the_worker_is_registered_with_the_apps_version(client, sign_in, world, app):
    sign_in("handledare")
    page = client.get(f"/day/assignments/{world.anna_module.id}").text
    version = asset_version(app.static_folder)
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert f'data-offline-worker="/sw.js?v={version}"' in page
    assert f'data-offline-user="{world.supervisor.id}"' in page


def test_the_policy_lets_our_worker_and_manifest_load_and_stays_strict(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["worker-src"] == "'self'"
    assert directives["manifest-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in csp and "blob:" not in csp


def test_the_day_view_asks_to_keep_only_todays_pages_of_its_unit(client, sign_in, world):
    factories.make_placement(world.anna, world.af, start_date=days_ago(10))  # expected every day
    factories.make_placement(world.bertil, world.af, start_date=days_ago(10))  # another unit
    sign_in("handledare")
    page = client.get(f"/day/units/{world.passagen.id}").text
    kept = re.search(r'<div id="offline-day" hidden data-key="([^"]+)" data-pages=\'([^\']+)\'', page)
    assert kept, "the day view says what to keep"
    assert kept[1] == f"u{world.supervisor.id}-unit{world.passagen.id}-en-{local_today().isoformat()}"
    assert json.loads(kept[2]) == [
        f"/day/units/{world.passagen.id}",
        f"/day/participants/{world.anna.id}",
        f"/day/assignments/{world.anna_module.id}",
    ]


def test_a_page_kept_for_offline_says_so_in_the_audit_log(client, sign_in, world):
    sign_in("handledare")
    client.get(f"/day/participants/{world.anna.id}", headers={"X-Movetrack-Prefetch": "day"})
    client.get(f"/day/participants/{world.anna.id}")
    reads = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "participant.read").order_by(AuditEvent.id)
    ).all()
    assert [read.details.get("kept_offline") for read in reads] == [True, None]


def test_taps_carry_what_the_tablet_needs_to_keep_them_offline(client, sign_in, world):
    factories.make_placement(world.anna, world.af, start_date=days_ago(10))
    sign_in("handledare")
    panel = client.get(f"/day/assignments/{world.anna_module.id}").text
    assert 'data-offline="rating"' in panel and 'data-offline-name="Anna"' in panel
    assert f'data-offline-target=\'#rating-panel[data-assignment="{world.anna_module.id}"]\'' in panel
    day = client.get(f"/day/units/{world.passagen.id}").text
    assert 'data-offline="attendance"' in day
    assert 'data-msg-pending="Not saved yet"' in day
    assert 'data-msg-step="step {step} for {name}"' in day


def test_signing_out_clears_what_the_tablet_kept(client, auth, world):
    auth.login("handledare")
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_a_participant_holding_the_tablet_gets_none_of_the_offline_pages(client, auth, world):
    auth.login("handledare")
    post_form(client, f"/day/assignments/{world.anna_module.id}", f"/participants/{world.anna.id}/hand-over")
    page = client.get("/me/").text
    assert "data-offline-lock" in page
    assert "data-offline-user" not in page and 'id="offline-report"' not in page


def test_a_prefetch_answer_never_writes_the_session(client, sign_in, world):
    """The worker's fetches run beside the supervisor: a late answer carrying the session
    of before would undo a hand-over made meanwhile (the participant would get the
    supervisor's pages back). An ordinary answer does carry the session."""
    sign_in("handledare")
    page = f"/day/participants/{world.anna.id}"

    ahead = client.get(page, headers={"X-Movetrack-Prefetch": "day"})

    assert ahead.status_code == 200 and "Anna" in ahead.text
    assert "Set-Cookie" not in ahead.headers
    assert "session=" in client.get(page).headers.get("Set-Cookie", "")
