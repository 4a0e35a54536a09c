"""Settings from the environment, with defaults that are safe for a first run."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def database_url(instance_path: str) -> str:
    """DATABASE_URL if given (postgres URLs are steered to psycopg 3), else SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'movetrack.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_environment(instance_path: str) -> dict:
    """Everything an operator can set. Names match the environment variables."""
    secret = os.environ.get("SECRET_KEY")
    force_https = env_flag("FORCE_HTTPS")
    return {
        # Without SECRET_KEY every restart signs users out: fine for a demo, and the
        # app logs a warning so production never runs that way unnoticed.
        "SECRET_KEY": secret or secrets.token_hex(32),
        "SECRET_KEY_FROM_ENV": bool(secret),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "FORCE_HTTPS": force_https,
        "SESSION_COOKIE_SECURE": force_https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": force_https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": dt.timedelta(days=14),
        # A tablet left signed in in the workshop signs itself out after this long idle.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "30")),
        "WTF_CSRF_TIME_LIMIT": None,  # a tablet page stays open all day in the workshop
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed sign-ins: see auth/throttle.py and the README's security section. One
        # address alone never reaches the username limit, so it can never slow a user down.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LOGIN_ADDRESS_LIMIT": os.environ.get("LOGIN_ADDRESS_LIMIT", "30 per minute;200 per hour"),
        "LOGIN_USERNAME_LIMIT": os.environ.get("LOGIN_USERNAME_LIMIT", "100 per hour"),
        "LOGIN_SLOWED_RATE": os.environ.get("LOGIN_SLOWED_RATE", "1 per 10 seconds"),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # A tablet handed to a participant signs out after this long untouched.
        "PARTICIPANT_MODE_IDLE_MINUTES": int(os.environ.get("PARTICIPANT_MODE_IDLE_MINUTES", "10")),
        "VERIFY_RATE_LIMIT": os.environ.get("VERIFY_RATE_LIMIT", "30 per minute"),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Europe/Stockholm"),
        "LANGUAGES": ("sv", "en"),
        # A participant's own pages also speak these (movetrack.i18n): the catalogue of a
        # language only here translates the participant's pages; other strings fall back
        # to English. Dari readers get the Persian ("fa") pages.
        "PARTICIPANT_LANGUAGES": ("sv", "en", "ar", "fa"),
        "HTMX_FROM_CDN": env_flag("HTMX_FROM_CDN"),
        "STATIC_ROOT": os.environ.get("STATIC_ROOT", str(REPO_ROOT / "static")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "12")) * 1024 * 1024,
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_MB", "10")) * 1024 * 1024,
        # 25 megapixels: a tablet's camera makes 8–13, a phone's default 12, a 24 MP system
        # camera fits. A 48–200 MP "full resolution" shot does not: taken with the tablet
        # (or saved smaller) it is all a step picture needs, at a bounded cost to decode.
        "UPLOAD_MAX_PIXELS": int(os.environ.get("UPLOAD_MAX_PIXELS", str(25_000_000))),
        # Photos decoded at once per app process, and how long an upload waits for its turn:
        # ten tablets uploading together take turns instead of exhausting memory and cores.
        "UPLOAD_CONCURRENT_DECODES": int(os.environ.get("UPLOAD_CONCURRENT_DECODES", "1")),
        "UPLOAD_DECODE_WAIT_SECONDS": 30,
        "UPLOAD_MAX_SIDE": 2000,
        "UPLOAD_THUMB_SIDE": 320,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Statistics: a cell describing fewer people than this (but some) is hidden from
        # case workers, on the page and in their CSV (MOVE.md §5: 5).
        "STATS_MIN_CELL": int(os.environ.get("STATS_MIN_CELL", "5")),
        # How many days back a supervisor may record a step (0: today only).
        "RATING_PAST_DAYS": max(0, int(os.environ.get("RATING_PAST_DAYS", "7"))),
        # Whole years after a person's last exit before they are due for erasure
        # (`flask erase-expired`, Administration → Due for erasure).
        "RETENTION_YEARS_AFTER_EXIT": max(1, int(os.environ.get("RETENTION_YEARS_AFTER_EXIT", "2"))),
    }


# htmx is vendored under static/vendor; HTMX_FROM_CDN=1 loads the identical file from a CDN,
# pinned by its Subresource Integrity hash so a tampered copy is refused by the browser.
HTMX_VERSION = "2.0.11"
HTMX_LOCAL_PATH = f"vendor/htmx-{HTMX_VERSION}/htmx.min.js"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
HTMX_CDN_ORIGIN = "https://cdn.jsdelivr.net"
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
