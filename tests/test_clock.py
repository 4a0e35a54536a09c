"""The app's today is the workshop's, and the suite can run at a frozen instant
(MOVETRACK_TEST_NOW, see tests/conftest.py) that would catch a test reading the system's date."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine

from movetrack.clock import local_today, utcnow
from tests.helpers import session_instant


@pytest.mark.parametrize(
    ("instant", "utc_date", "workshop_date"),
    [
        ("2026-11-29T23:30:00+00:00", dt.date(2026, 11, 29), dt.date(2026, 11, 30)),  # winter
        ("2026-07-15T22:30:00+00:00", dt.date(2026, 7, 15), dt.date(2026, 7, 16)),  # summer
        ("2026-07-16T00:30:00+02:00", dt.date(2026, 7, 15), dt.date(2026, 7, 16)),
    ],
)
def test_late_in_the_evening_utc_the_workshop_is_already_in_tomorrow(
    app, instant, utc_date, workshop_date
):
    with time_machine.travel(session_instant(instant), tick=False):
        assert dt.date.today() == utc_date  # what a test reading the system's date would get
        assert local_today() == workshop_date


def test_an_instant_without_an_offset_is_refused():
    with pytest.raises(ValueError, match="needs an offset"):
        session_instant("2026-11-29T23:30:00")


@pytest.mark.skipif("MOVETRACK_TEST_NOW" not in os.environ, reason="only in a frozen run")
def test_a_frozen_run_ticks_on_from_its_instant():
    started = session_instant(os.environ["MOVETRACK_TEST_NOW"])
    assert dt.timedelta(0) <= utcnow() - started < dt.timedelta(hours=2)
