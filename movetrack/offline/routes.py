"""The service worker and the web app manifest, both at the root: a worker controls only
pages at or below its own path, and the manifest names the day view as the start."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, url_for
from flask_babel import gettext as _

from movetrack.extensions import limiter
from movetrack.offline.assets import WORKER, asset_version

bp = Blueprint("offline", __name__)

THEME_COLOUR = "#0b5cad"  # --accent in static/css/app.css, the icon's blue
BACKGROUND_COLOUR = "#ffffff"


@bp.get("/sw.js")
@limiter.exempt
def service_worker():
    """The worker's script, never cached by the browser's HTTP cache, so a release (a new
    `?v=`) is picked up on the next page load."""
    path = f"{current_app.static_folder}/{WORKER}"
    with open(path, encoding="utf-8") as script:
        response = Response(script.read(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
@limiter.exempt
def manifest():
    """What the tablet needs to put movetrack on its home screen and open it full screen."""
    icons = [
        {"src": url_for("static", filename=f"icons/{name}"), "sizes": size,
         "type": "image/png", "purpose": purpose}
        for name, size, purpose in (
            ("icon-192.png", "192x192", "any"),
            ("icon-512.png", "512x512", "any"),
            ("icon-maskable-192.png", "192x192", "maskable"),
            ("icon-maskable-512.png", "512x512", "maskable"),
        )
    ]
    response = jsonify(
        name=_("movetrack – steps and attendance"),
        short_name="movetrack",
        description=_("Record steps and attendance in the workshop, also when the Wi-Fi drops."),
        id="/",
        start_url=url_for("day.today"),
        scope="/",
        display="fullscreen",
        display_override=["fullscreen", "standalone"],
        orientation="any",
        theme_color=THEME_COLOUR,
        background_color=BACKGROUND_COLOUR,
        icons=icons,
    )
    response.mimetype = "application/manifest+json"
    return response


def service_worker_url() -> str:
    """The worker's address with the app's version, for the page that registers it."""
    return url_for("offline.service_worker", v=asset_version(current_app.static_folder))
