"""Settings from the environment, with defaults that are safe for a first run."""

from __future__ import annotations

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
        "WTF_CSRF_TIME_LIMIT": None,  # a tablet page stays open all day in the workshop
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # A tablet handed to a participant signs out after this long untouched.
        "PARTICIPANT_MODE_IDLE_MINUTES": int(os.environ.get("PARTICIPANT_MODE_IDLE_MINUTES", "10")),
        "VERIFY_RATE_LIMIT": os.environ.get("VERIFY_RATE_LIMIT", "30 per minute"),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Europe/Stockholm"),
        "LANGUAGES": ("sv", "en"),
        "HTMX_FROM_CDN": env_flag("HTMX_FROM_CDN"),
        "STATIC_ROOT": os.environ.get("STATIC_ROOT", str(REPO_ROOT / "static")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "12")) * 1024 * 1024,
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_MB", "10")) * 1024 * 1024,
        "UPLOAD_MAX_PIXELS": int(os.environ.get("UPLOAD_MAX_PIXELS", str(40_000_000))),
        "UPLOAD_MAX_SIDE": 2000,
        "UPLOAD_THUMB_SIDE": 320,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }


# htmx is vendored under static/vendor; HTMX_FROM_CDN=1 loads the identical file from a CDN,
# pinned by its Subresource Integrity hash so a tampered copy is refused by the browser.
HTMX_VERSION = "2.0.11"
HTMX_LOCAL_PATH = f"vendor/htmx-{HTMX_VERSION}/htmx.min.js"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
HTMX_CDN_ORIGIN = "https://cdn.jsdelivr.net"
HTMX_INTEGRITY = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
