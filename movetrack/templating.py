"""Helpers every template may use."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, format_datetime, format_decimal

from movetrack import config
from movetrack.auth.policy import can, works_in_every_unit
from movetrack.i18n import page_direction, switch_languages
from movetrack.idempotency import new_request_key
from movetrack.languages import LANGUAGES, direction
from movetrack.media.pictograms import current_locale, pictogram_label, pictogram_url
from movetrack.modules.models import AREA_LABELS, KIND_LABELS
from movetrack.modules.translated import speech_of
from movetrack.offline.routes import service_worker_url
from movetrack.paging import page_url


def htmx_script() -> dict:
    """Where htmx is loaded from: the vendored copy, or the pinned CDN copy with SRI."""
    if current_app.config["HTMX_FROM_CDN"]:
        return {"src": config.HTMX_CDN_URL, "integrity": config.HTMX_INTEGRITY}
    return {"src": url_for("static", filename=config.HTMX_LOCAL_PATH), "integrity": None}


A_MONDAY = dt.date(2024, 1, 1)


def weekday_name(weekday: int, pattern: str = "EEEE") -> str:
    """The name of a weekday (Monday = 0) in the reader's language: "måndag", "mån", "M"."""
    return format_date(A_MONDAY + dt.timedelta(days=weekday), pattern)


def is_htmx() -> bool:
    """Whether htmx asks (for a fragment). Every route that answers a fragment or a page
    from one URL decides with this, so asking marks the response `Vary: HX-Request`
    (security.py): a cache must not hand the fragment to a browser wanting the page."""
    g.varies_on_htmx = True
    return request.headers.get("HX-Request") == "true"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    # Globals rather than a context processor: imported macros see globals, not context.
    app.jinja_env.globals.update(
        {
            "htmx_script": htmx_script,
            "is_htmx": is_htmx,
            "can": can,
            "new_request_key": new_request_key,  # for forms drawn by hand (the check-in tile)
            "works_in_every_unit": works_in_every_unit,
            "current_locale": current_locale,
            "page_direction": page_direction,
            "switch_languages": switch_languages,
            "text_direction": direction,
            "speech_of": speech_of,
            "LANGUAGE_NAMES": LANGUAGES,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "format_decimal": format_decimal,
            "weekday_name": weekday_name,
            "page_url": page_url,
            "pictogram_url": pictogram_url,
            "pictogram_label": pictogram_label,
            "AREA_LABELS": AREA_LABELS,
            "KIND_LABELS": KIND_LABELS,
            "service_worker_url": service_worker_url,
        }
    )
