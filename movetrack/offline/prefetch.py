"""Requests the tablet's service worker sends on its own, fetching today's pages ahead
(static/js/sw.js sends this header with each)."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

PREFETCH_HEADER = "X-Movetrack-Prefetch"


def is_prefetch() -> bool:
    return has_request_context() and bool(request.headers.get(PREFETCH_HEADER))


class PrefetchLeavesTheSession(SecureCookieSessionInterface):
    """The session is a cookie, and every answer carries it back (the idle clock moves on).
    The worker's fetches run beside whatever the supervisor does next: an answer arriving
    after the tablet was handed to a participant would put back the supervisor's session
    of before, and with it their pages. So a prefetch's answer never writes the session."""

    def should_set_cookie(self, app: Flask, session) -> bool:
        return not is_prefetch() and super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    app.session_interface = PrefetchLeavesTheSession()
