"""Small helpers for driving the app the way a browser does."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from movetrack.clock import local_today
from movetrack.scale.counting import count_queries  # noqa: F401  (the tests count with it)

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page (tests post with CSRF on, as in production)."""
    match = _CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(client, page_url: str, action_url: str | None = None, data: dict | None = None, **kwargs):
    """GET a page, then POST to its form (or action_url) with that page's CSRF token."""
    page = client.get(page_url)
    payload = {"csrf_token": csrf_token(page.text), **(data or {})}
    return client.post(action_url or page_url, data=payload, **kwargs)


def session_instant(text: str) -> dt.datetime:
    """MOVETRACK_TEST_NOW's instant (ISO 8601 with its offset), as UTC. Travelling to a
    ZoneInfo makes it the process's local zone too, so the system's date (`dt.date.today()`)
    is UTC's, as on the CI machine, and a test that reads it instead of the app's clock fails
    in the late evening."""
    instant = dt.datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError(f"MOVETRACK_TEST_NOW needs an offset, e.g. {text}+00:00")
    return instant.astimezone(ZoneInfo("UTC"))


def working_day_instant(now: dt.datetime, zone: str) -> dt.datetime | None:
    """When the workshop's today (in `zone`) is a Saturday, a Sunday or a Swedish public
    holiday, the same time on the next working day; else None. Nobody is scheduled on a
    holiday and the demo schedules weekdays, so a suite run on Christmas Day would find an
    empty day view: the tests start on a working day, whatever day the machine says."""
    from movetrack.attendance.scheduled import is_public_holiday

    local = now.astimezone(ZoneInfo(zone))
    day = local.date()
    while day.weekday() >= 5 or is_public_holiday(day):
        day += dt.timedelta(days=1)
    if day == local.date():
        return None
    return local.replace(year=day.year, month=day.month, day=day.day).astimezone(ZoneInfo("UTC"))


def days_ago(days: int) -> dt.date:
    """A day counted back from the workshop's today (the app's clock, never the system's date)."""
    return local_today() - dt.timedelta(days=days)


def with_dates(data: dict) -> dict:
    """Form data whose whole numbers are days ago, written as ISO dates. Parametrize lists are
    built when the module is imported, before the app's today can be asked for."""
    return {key: days_ago(value).isoformat() if type(value) is int else value
            for key, value in data.items()}


def another_app(app, **overrides):
    """A second app on the test's database, built from the environment plus overrides
    (for settings that create_app applies once, such as TRUSTED_PROXIES or FORCE_HTTPS)."""
    from movetrack import create_app

    kept = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "SERVER_NAME")
    return create_app({**{key: app.config[key] for key in kept}, **overrides})
