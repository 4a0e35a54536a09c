"""The one place that knows what "now" and "today" are, so tests and the workshop agree."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_today() -> dt.date:
    """The workshop's calendar date (a rating at 00:30 belongs to the local day, not UTC's)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return dt.datetime.now(zone).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The instant the workshop's `day` begins, in UTC (for "from this day to that" filters
    on stored instants)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
