"""The statistics count scheduled and present days in SQL without listing the days
(stats/scheduled.py, issue 14). They must be exactly the days the rest of movetrack
counts one by one in Python (attendance.queries.attendance_summary: the day view's,
the placement page's and the follow-ups' rates): checked here placement by placement on
random schedules that change mid-placement, begin before the start, run past the end,
meet public holidays (Easter, 1 May, Ascension, Midsummer, Christmas), and attendance on
unscheduled days, holidays, before the start and after the end, cleared or absent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.attendance.queries import attendance_summary
from movetrack.extensions import db
from movetrack.placements.models import PlacementStatus, ScheduleDay
from movetrack.stats.scheduled import days_per_placement
from tests import factories

D = dt.date
WINDOW = (D(2025, 11, 1), D(2027, 2, 28))
STATUSES = (*AttendanceStatus, None)  # None: a record cleared
PERIODS = [
    (D(2026, 1, 1), D(2026, 12, 31)),  # a year: Easter, Ascension, Midsummer, Christmas
    (D(2026, 3, 30), D(2026, 4, 12)),  # Easter week: Good Friday and Easter Monday
    (D(2026, 5, 1), D(2026, 5, 1)),  # one day, a holiday
    (D(2026, 6, 3), D(2026, 6, 3)),  # one ordinary Wednesday
    (D(2025, 12, 20), D(2026, 2, 15)),  # across New Year
    (D(2025, 11, 1), D(2027, 2, 28)),  # every day of the data
]


def _some_day(rng: random.Random, first: dt.date = WINDOW[0], last: dt.date = WINDOW[1]) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _weekly(rng: random.Random) -> dict[int, Decimal]:
    return {day: Decimal(rng.choice((3, 4, 6, 8))) for day in rng.sample(range(7), rng.randint(1, 6))}


def _random_placement(world, rng: random.Random, number: int):
    person = factories.make_participant(world.passagen, f"Person {number}")
    start = _some_day(rng)
    status = rng.choice((PlacementStatus.ACTIVE, PlacementStatus.ENDED, PlacementStatus.ENDED,
                         PlacementStatus.DECLINED))
    if status == PlacementStatus.DECLINED:
        return factories.make_placement(person, world.af, status, start_date=start, schedule=_weekly(rng))
    end = _some_day(rng, start, min(WINDOW[1], start + dt.timedelta(days=300))) \
        if status == PlacementStatus.ENDED else None
    placement = factories.make_placement(person, world.af, status, start_date=start, end_date=end,
                                         schedule=_weekly(rng))
    # The first schedule from a day near the start (before it, too); then changes.
    first_from = start + dt.timedelta(days=rng.randint(-20, 10))
    for row in placement.schedule:
        row.valid_from = first_from
    valid_from = first_from
    for _change in range(rng.randint(0, 3)):
        valid_from += dt.timedelta(days=rng.randint(1, 90))
        db.session.add_all(ScheduleDay(placement=placement, valid_from=valid_from, weekday=weekday, hours=hours)
                           for weekday, hours in _weekly(rng).items())
    for day in {start + dt.timedelta(days=rng.randint(-15, 320)) for _ in range(rng.randint(20, 200))}:
        status = rng.choice(STATUSES)
        hours = Decimal(2) if status == AttendanceStatus.PARTLY else None
        db.session.add(Attendance(placement=placement, on_date=day, status=status, hours=hours))
    return placement


@pytest.mark.parametrize("seed", [1, 2])
def test_scheduled_and_present_days_are_the_ones_counted_day_by_day(world, seed):
    rng = random.Random(seed)
    placements = [_random_placement(world, rng, number) for number in range(40)]
    db.session.commit()
    ids = [placement.id for placement in placements]
    scheduled_in_all = present_in_all = 0
    for first, last in PERIODS:
        counted = {
            row.placement_id: (row.scheduled, row.present)
            for row in db.session.execute(days_per_placement(first, last)) if row.placement_id in ids
        }
        one_by_one = {
            placement_id: (figures.scheduled_days, figures.present_days)
            for placement_id, figures in attendance_summary(ids, first, last, today=last).items()
            if figures.scheduled_days
        }
        assert counted == one_by_one, (first, last)
        scheduled_in_all += sum(scheduled for scheduled, _present in counted.values())
        present_in_all += sum(present for _scheduled, present in counted.values())
    # The random data did schedule and attend days (so the comparison can fail).
    assert scheduled_in_all > 2000 and present_in_all > 200
