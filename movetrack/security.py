"""Security headers, the content security policy, and password hashing."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, Response, g, request
from flask_login import current_user

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
        "connect-src": "'self'",
        # The tablet's offline service worker and its home-screen manifest, ours only.
        "worker-src": "'self'",
        "manifest-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def cache_privately(response: Response, seconds: int) -> Response:
    """Let the browser keep this response (and no shared cache): only for what is the same
    for everyone signed in, such as the library's photos. Everything else signed in is no-store."""
    g.may_be_cached = True
    response.cache_control.private = True
    response.cache_control.max_age = seconds
    return response


def cache_headers(response: Response) -> Response:
    """Nothing a signed-in person sees is kept by a browser or a proxy (it may show someone's
    data: after sign-out or a withdrawn consent the back button shows nothing more), apart
    from static files and what cache_privately allows. And a URL that answers htmx with a
    fragment and a browser with a page says so (`Vary`), so no cache mixes the two."""
    if g.get("varies_on_htmx"):
        response.vary.add("HX-Request")
    if request.endpoint != "static" and current_user.is_authenticated and not g.get("may_be_cached"):
        response.headers["Cache-Control"] = "private, no-store"
    return response


def init_security(app: Flask) -> None:
    app.after_request(cache_headers)
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
