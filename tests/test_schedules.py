"""Weekly schedules with validity periods (upptrappning) and Swedish public holidays: the
history is kept and shown, and the day view, the rates and the month report use the
schedule valid on each day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from movetrack.attendance import queries, roster
from movetrack.attendance.models import AttendanceStatus
from movetrack.attendance.scheduled import is_public_holiday
from movetrack.audit import AuditEvent
from movetrack.extensions import db
from movetrack.placements.models import ScheduleDay
from tests import factories
from tests.helpers import csrf_token
from tests.test_attendance import record

MONDAY_2_MARCH = dt.date(2026, 3, 2)
NEW_SCHEDULE_FROM = dt.date(2026, 3, 16)  # a Monday


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def ramping(world):
    """Anna from Monday 2 March 2026: Mondays 4 h, then from 16 March Mondays and
    Wednesdays 6 h."""
    placement = factories.make_placement(world.anna, world.af, start_date=MONDAY_2_MARCH, schedule={0: Decimal(4)})
    for weekday in (0, 2):
        db.session.add(ScheduleDay(placement=placement, valid_from=NEW_SCHEDULE_FROM,
                                   weekday=weekday, hours=Decimal(6)))
    db.session.commit()
    return placement


def test_a_day_without_its_period_belongs_to_the_first_one_from_the_start(world):
    placement = factories.make_placement(world.anna, world.af, start_date=MONDAY_2_MARCH, schedule={0: Decimal(4)})
    assert [(day.valid_from, day.weekday) for day in placement.schedule] == [(MONDAY_2_MARCH, 0)]


def test_rates_use_the_schedule_valid_on_each_day(world, ramping):
    # Wednesday 4 March was not a scheduled day yet: it counts nowhere.
    record(ramping, dt.date(2026, 3, 4), AttendanceStatus.PRESENT, world.supervisor)
    record(ramping, dt.date(2026, 3, 9), AttendanceStatus.PRESENT, world.supervisor)
    record(ramping, dt.date(2026, 3, 18), AttendanceStatus.PRESENT, world.supervisor)
    figures = queries.attendance_summary(
        [ramping.id], dt.date(2026, 3, 1), dt.date(2026, 3, 31), today=dt.date(2026, 4, 30)
    )[ramping.id]
    # Mondays 2 and 9 March; then Mondays 16, 23, 30 and Wednesdays 18, 25 March.
    assert (figures.scheduled_days, figures.present_days) == (7, 2)
    assert figures.rate == pytest.approx(2 / 7)


def test_public_holidays_are_not_scheduled_days(world):
    # Every weekday; Good Friday 3 April and Easter Monday 6 April 2026 are holidays.
    placement = factories.make_placement(world.anna, world.af, start_date=dt.date(2026, 3, 30),
                                         schedule=dict.fromkeys(range(5), Decimal(6)))
    figures = queries.attendance_summary(
        [placement.id], dt.date(2026, 4, 1), dt.date(2026, 4, 10), today=dt.date(2026, 4, 30)
    )[placement.id]
    assert figures.scheduled_days == 6
    assert [is_public_holiday(dt.date(2026, 4, day)) for day in (2, 3, 6, 7)] == [
        False, True, True, False
    ]
    rows = queries.placement_month(placement, queries.Month(2026, 4), dt.date(2026, 4, 30))
    assert dt.date(2026, 4, 6) not in [row.day for row in rows]
    assert dt.date(2026, 4, 7) in [row.day for row in rows]


def test_the_day_view_expects_people_by_the_schedule_of_the_day(world, ramping):
    def expected(day):
        return [e.participant.name for e in roster.day_roster(world.supervisor, world.passagen,
                                                                day).scheduled]

    assert expected(dt.date(2026, 3, 11)) == []  # a Wednesday before the new schedule
    assert expected(dt.date(2026, 3, 18)) == [world.anna.name]
    assert [e.scheduled_hours for e in roster.day_roster(
        world.supervisor, world.passagen, dt.date(2026, 3, 9)).scheduled] == [Decimal(4)]
    assert expected(dt.date(2026, 4, 6)) == []  # Easter Monday


def _post_schedule(client, placement, valid_from, days):
    url = f"/placements/{placement.id}/schedule"
    token = csrf_token(client.get(url).text)
    data = {"csrf_token": token, "valid_from": valid_from,
            **{f"schedule-{day}-hours": "" for day in range(7)}}
    for weekday, hours in days.items():
        data[f"schedule-{weekday}-works"] = "y"
        data[f"schedule-{weekday}-hours"] = hours
    return client.post(url, data=data)


def test_staff_change_the_schedule_from_a_day_and_the_history_is_kept(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, start_date=MONDAY_2_MARCH, schedule={0: Decimal(4)})
    auth.login("handledare")
    response = _post_schedule(client, placement, "2026-03-16", {0: "6", 2: "6,5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [(d.valid_from, d.weekday, d.hours) for d in placement.schedule] == [
        (MONDAY_2_MARCH, 0, Decimal(4)),
        (NEW_SCHEDULE_FROM, 0, Decimal(6)), (NEW_SCHEDULE_FROM, 2, Decimal("6.5")),
    ]
    page = client.get(f"/placements/{placement.id}")
    assert page.status_code == 200
    assert "2 Mar 2026 – 15 Mar 2026:</strong> Monday 4 h (4 h a week)" in page.text
    assert "From 16 Mar 2026:</strong> Monday 6 h, Wednesday 6.5 h (12.5 h a week)" in page.text
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "placement.schedule_changed")
    )
    assert event.actor_id == world.supervisor.id
    assert event.details["valid_from"] == "2026-03-16" and "replaced" not in event.details
    assert event.details["hours"] == {"0": "6", "2": "6.5"}


def test_a_schedule_before_the_start_or_without_days_is_refused(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, start_date=MONDAY_2_MARCH, schedule={0: Decimal(4)})
    auth.login("handledare")
    before = _post_schedule(client, placement, "2026-03-01", {0: "6"})
    assert before.status_code == 422
    assert "The placement started on 2 Mar 2026: the new schedule begins then or later." in before.text
    empty = _post_schedule(client, placement, "2026-03-16", {})
    assert empty.status_code == 422
    assert "Tick at least one day the participant comes, with the hours." in empty.text
    db.session.expire_all()
    assert len(placement.schedule) == 1
