"""Security headers, the content security policy, and password hashing."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask

from movetrack.config import HTMX_CDN_ORIGIN
from movetrack.extensions import talisman

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name and a wrong password
# take the same time and the login form does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def content_security_policy(htmx_from_cdn: bool) -> dict:
    script_sources = ["'self'", HTMX_CDN_ORIGIN] if htmx_from_cdn else ["'self'"]
    return {
        "default-src": "'self'",
        "script-src": script_sources,
        "style-src": "'self'",
        "img-src": ["'self'", "data:"],
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def init_security(app: Flask) -> None:
    https = app.config["FORCE_HTTPS"]
    talisman.init_app(
        app,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=https,
        content_security_policy=content_security_policy(app.config["HTMX_FROM_CDN"]),
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"camera": "(self)", "microphone": "()", "geolocation": "()"},
    )
