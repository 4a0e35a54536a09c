"""Attendance: the one-tap check-in on the day view, corrections, rates and the monthly report."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from movetrack.attendance import queries, services
from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.audit import AuditEvent
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import Outcome, PlacementStatus
from tests import factories
from tests.helpers import count_queries, csrf_token


def record(placement, on_date, status, by, hours=None) -> Attendance:
    row = Attendance(placement=placement, on_date=on_date, status=status, hours=hours,
                     recorded_by_id=by.id)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def today(app):
    return local_today()


@pytest.fixture
def anna_placement(world, today):
    """Anna, in Passagen, scheduled every day for six hours since a month ago."""
    return factories.make_placement(world.anna, world.af, start_date=today - dt.timedelta(days=30))


def _day_view(client, world):
    return client.get(f"/day/units/{world.passagen.id}")


def check_in(client, world, placement, status, htmx=True, **fields):
    token = csrf_token(_day_view(client, world).text)
    data = {"csrf_token": token, "placement_id": placement.id, "on_date": local_today().isoformat(),
            "status": status, "version": "", **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post("/attendance/check-in", data=data, headers=headers)


def rows() -> list[Attendance]:
    return db.session.scalars(sa.select(Attendance).order_by(Attendance.on_date)).all()


def audit_actions() -> list[tuple[str, dict]]:
    return [(e.action, e.details) for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("attendance.%")).order_by(AuditEvent.id)
    )]


# --- The day view ---------------------------------------------------------------------


def test_day_view_puts_the_scheduled_first_and_everyone_else_after(client, sign_in, world, today):
    other_day = (today.weekday() + 1) % 7
    carl = factories.make_participant(world.passagen, "Carl Carlsson")
    dora = factories.make_participant(world.passagen, "Dora Dahl")
    erik = factories.make_participant(world.passagen, "Erik Ek")
    db.session.commit()
    factories.make_placement(world.anna, world.af, start_date=today - dt.timedelta(days=10))
    factories.make_placement(carl, world.af, start_date=today - dt.timedelta(days=10),
                             schedule={other_day: Decimal(4)})
    factories.make_placement(dora, world.af, start_date=today - dt.timedelta(days=90),
                             end_date=today - dt.timedelta(days=5))
    factories.make_placement(erik, world.af, start_date=today + dt.timedelta(days=7))

    sign_in("handledare")
    page = _day_view(client, world).text
    scheduled, others = page.split('id="others-heading"')
    assert "Anna" in scheduled and 'id="here-' in scheduled
    assert "Carl Carlsson" in others  # running, but not on this weekday
    assert "Erik Ek" in others and "Starts" in others  # not started yet
    assert "Dora Dahl" not in page  # her placement ended: she has left
    assert "Bertil" not in page  # another unit
    assert "Recorded: 0 of 1. Here: 0." in page


def test_people_without_a_placement_are_listed_without_check_in(client, sign_in, world):
    sign_in("handledare")
    page = _day_view(client, world).text
    assert "Anna" in page and "No placement registered" in page
    assert "attendance/check-in" not in page  # nobody to check in


def test_one_tap_here_records_present_and_the_tile_says_so(client, sign_in, world, anna_placement):
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "present")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.text and "Present" in response.text
    assert 'hx-swap-oob="true"' in response.text and "Recorded: 1 of 1. Here: 1." in response.text
    (saved,) = rows()
    assert (saved.status, saved.on_date, saved.recorded_by_id) == (
        AttendanceStatus.PRESENT, local_today(), world.supervisor.id,
    )
    assert audit_actions() == [("attendance.recorded", {
        "placement_id": anna_placement.id, "on_date": local_today().isoformat(),
        "status": "present",
    })]


def test_removing_a_record_keeps_its_row_and_version_and_says_who(
    client, sign_in, world, anna_placement
):
    sign_in("handledare")
    check_in(client, world, anna_placement, "present")
    response = check_in(client, world, anna_placement, "clear", version="1")
    assert response.status_code == 200
    assert 'aria-pressed="false"' in response.text and "Not recorded" in response.text
    assert "Recorded: 0 of 1. Here: 0." in response.text
    (kept,) = rows()  # the day's version keeps counting (see test_tablet.py)
    assert (kept.status, kept.hours, kept.version) == (None, None, 2)
    action, details = audit_actions()[-1]
    assert (action, details["old_status"]) == ("attendance.cleared", "present")


def test_partly_present_takes_hours_written_the_swedish_way(client, sign_in, world, anna_placement):
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "partly", hours="2,5")
    assert response.status_code == 200
    assert rows()[0].hours == Decimal("2.5") and rows()[0].status == AttendanceStatus.PARTLY


@pytest.mark.parametrize(("hours", "message"), [
    ("", "Write how many hours"),
    ("tre", "Write the hours as a number"),
    ("0", "between 0 and 12"),
    ("6", "fewer hours than the 6 scheduled"),
    ("2.125", "at most two decimals"),
])
def test_partly_present_needs_sensible_hours(
    client, sign_in, world, anna_placement, hours, message
):
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "partly", hours=hours)
    assert response.status_code == 422
    assert message in response.text and 'role="alert"' in response.text
    assert rows() == []


def test_other_statuses_ignore_hours_typed_by_mistake(client, sign_in, world, anna_placement):
    sign_in("handledare")
    assert check_in(client, world, anna_placement, "sick", hours="3").status_code == 200
    assert (rows()[0].status, rows()[0].hours) == (AttendanceStatus.SICK, None)


def test_an_unknown_status_is_refused(client, sign_in, world, anna_placement):
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "on_holiday")
    assert response.status_code == 422 and "Choose one of the listed options" in response.text
    assert rows() == []


def test_a_correction_is_attributed_with_old_and_new_status(client, sign_in, world, anna_placement):
    sign_in("handledare")
    check_in(client, world, anna_placement, "present")
    sign_in("admin")
    response = check_in(client, world, anna_placement, "sick", version="1")
    assert response.status_code == 200
    (saved,) = rows()
    assert (saved.status, saved.recorded_by_id, saved.version) == (
        AttendanceStatus.SICK, world.admin.id, 2,
    )
    action, details = audit_actions()[-1]
    assert (action, details["old_status"], details["status"]) == (
        "attendance.corrected", "present", "sick",
    )


def test_a_day_outside_the_schedule_is_refused_with_a_clear_message(client, sign_in, world, today):
    other_day = (today.weekday() + 3) % 7
    placement = factories.make_placement(world.anna, world.af,
                                         start_date=today - dt.timedelta(days=10),
                                         schedule={other_day: Decimal(4)})
    sign_in("handledare")
    assert "Anna" in _day_view(client, world).text.split('id="others-heading"')[1]
    token = csrf_token(client.get(f"/placements/{placement.id}/attendance").text)
    response = client.post("/attendance/check-in", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "placement_id": placement.id, "on_date": today.isoformat(),
        "status": "present", "version": "",
    })
    assert response.status_code == 422
    assert f"Anna is not scheduled on {today:%A}" in response.text
    assert rows() == []


def test_a_tablet_page_left_open_overnight_does_not_record_yesterday(
    client, sign_in, world, anna_placement, today
):
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "present",
                        on_date=(today - dt.timedelta(days=1)).isoformat())
    assert response.status_code == 422 and "Reload it to record today" in response.text
    assert rows() == []


def test_without_javascript_a_tap_posts_and_comes_back_to_the_day(
    client, sign_in, world, anna_placement
):
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "present", htmx=False)
    assert response.status_code == 303
    assert response.location.endswith(f"/day/units/{world.passagen.id}")
    page = client.get(response.location).text
    assert "flash-success" in page and 'aria-pressed="true"' in page


def test_without_javascript_a_refused_tap_shows_the_day_with_the_message(
    client, sign_in, world, anna_placement
):
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "partly", htmx=False, hours="99")
    assert response.status_code == 422
    assert "between 0 and 12" in response.text and 'value="99"' in response.text
    assert "<h1>" in response.text  # the whole day view, not a fragment
    assert rows() == []


# --- Two people at once ---------------------------------------------------------------


def test_a_day_recorded_meanwhile_is_not_overwritten(client, sign_in, world, anna_placement, today):
    record(anna_placement, today, AttendanceStatus.SICK, world.admin)  # the other tablet
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "present")  # this tablet saw nothing
    assert response.status_code == 422
    assert "already recorded" in response.text
    assert "Absent, sick" in response.text and "Ada Admin" in response.text  # theirs
    assert "You chose" in response.text and "Present" in response.text  # yours
    assert rows()[0].status == AttendanceStatus.SICK


def test_a_change_made_while_editing_is_shown_with_both_versions(
    client, sign_in, world, anna_placement, today
):
    seen = record(anna_placement, today, AttendanceStatus.PRESENT, world.supervisor)
    seen.status, seen.recorded_by_id = AttendanceStatus.UNANNOUNCED, world.admin.id
    db.session.commit()  # version 2: someone corrected it after this tablet loaded version 1
    sign_in("handledare")
    response = check_in(client, world, anna_placement, "sick", version="1")
    assert response.status_code == 422
    assert "Someone else changed this while you were editing" in response.text
    assert "Absent, unannounced" in response.text and "Absent, sick" in response.text
    assert (rows()[0].status, rows()[0].version) == (AttendanceStatus.UNANNOUNCED, 2)
    # The tile now carries the new version, so the next tap goes through.
    assert 'name="version" type="hidden" value="2"' in response.text


def test_the_same_answer_from_two_tablets_is_no_conflict(
    client, sign_in, world, anna_placement, today
):
    record(anna_placement, today, AttendanceStatus.PRESENT, world.admin)
    sign_in("handledare")
    assert check_in(client, world, anna_placement, "present").status_code == 200
    assert len(rows()) == 1 and rows()[0].recorded_by_id == world.admin.id


def test_a_write_racing_another_is_caught_at_commit(app, world, anna_placement, today, monkeypatch):
    """Both read version 1; the other one's UPDATE lands between our read and our write."""
    seen = record(anna_placement, today, AttendanceStatus.PRESENT, world.supervisor)
    real_day_record = services.day_record
    raced = []

    def read_then_lose_the_race(placement, day):
        row = real_day_record(placement, day)
        if not raced:
            raced.append(True)
            with db.engine.begin() as other:
                other.execute(sa.text(
                    "UPDATE attendance SET status = 'unannounced', version = version + 1"
                ))
        return row

    monkeypatch.setattr(services, "day_record", read_then_lose_the_race)
    with app.test_request_context(), pytest.raises(services.ChangedMeanwhile) as caught:
        services.record_attendance(world.supervisor, anna_placement, today, "sick",
                                   seen_version=seen.version)
    assert caught.value.theirs.status == AttendanceStatus.UNANNOUNCED
    assert caught.value.yours.status == AttendanceStatus.SICK
    db.session.expire_all()
    assert rows()[0].status == AttendanceStatus.UNANNOUNCED


# --- Scope ----------------------------------------------------------------------------


def test_another_units_placement_is_not_found(client, sign_in, world, today):
    bertil = factories.make_placement(world.bertil, world.af,
                                      start_date=today - dt.timedelta(days=10))
    factories.make_placement(world.anna, world.af, start_date=today - dt.timedelta(days=10))
    sign_in("handledare")
    response = check_in(client, world, bertil, "present")
    assert response.status_code == 404
    assert client.get(f"/placements/{bertil.id}/attendance").status_code == 404
    assert rows() == []


@pytest.mark.parametrize("url", [
    "/attendance/report", "/attendance/report.csv", "/placements/{id}/attendance",
])
def test_case_workers_see_no_staff_attendance_pages(client, sign_in, world, anna_placement, url):
    sign_in("handlaggare")
    assert client.get(url.format(id=anna_placement.id)).status_code == 403


def test_case_workers_cannot_check_in(client, sign_in, world, anna_placement):
    sign_in("handlaggare")
    token = csrf_token(client.get("/account/password").text)
    response = client.post("/attendance/check-in", data={
        "csrf_token": token, "placement_id": anna_placement.id,
        "on_date": local_today().isoformat(), "status": "present",
    })
    assert response.status_code == 403
    assert rows() == []


# --- The rate -------------------------------------------------------------------------


def test_attendance_rate_is_days_here_over_days_scheduled_in_the_period(world):
    # Mondays and Wednesdays, 4 hours, from Monday 3 March 2025; counted to Friday 28 March.
    placement = factories.make_placement(world.anna, world.af, start_date=dt.date(2025, 3, 3),
                                         schedule={0: Decimal(4), 2: Decimal(4)})
    march = [dt.date(2025, 3, day) for day in (3, 5, 10, 12, 17, 19, 24, 26)]
    for day, status in zip(march, ["present", "partly", "sick", "present", "valid_reason",
                                    "unannounced", "present"], strict=False):
        record(placement, day, AttendanceStatus(status), world.supervisor,
               hours=Decimal(2) if status == "partly" else None)
    record(placement, dt.date(2025, 3, 4), AttendanceStatus.PRESENT, world.supervisor)  # a Tuesday
    figures = queries.attendance_summary(
        [placement.id], dt.date(2025, 2, 1), dt.date(2025, 3, 28), today=dt.date(2025, 4, 15)
    )[placement.id]
    assert (figures.scheduled_days, figures.present_days, figures.partly_days) == (8, 4, 1)
    assert figures.rate == 0.5  # the Tuesday was not scheduled: it does not count
    assert (figures.sick_days, figures.valid_reason_days, figures.unannounced_days) == (1, 1, 1)
    assert figures.unrecorded_days == 1 and figures.partly_hours == 2.0
    assert figures.to_json()["rate"] == 0.5


def test_the_rate_counts_only_days_that_have_come_and_the_placement_ran(world):
    placement = factories.make_placement(world.anna, world.af, start_date=dt.date(2025, 3, 5),
                                         schedule={0: Decimal(4)}, end_date=dt.date(2025, 3, 20))
    record(placement, dt.date(2025, 3, 10), AttendanceStatus.PRESENT, world.supervisor)
    figures = queries.attendance_summary(
        [placement.id], dt.date(2025, 3, 1), dt.date(2025, 3, 31), today=dt.date(2025, 3, 31)
    )[placement.id]
    assert figures.scheduled_days == 2  # 10 and 17 March; 3 is before the start, 24 after the end
    still_running = factories.make_placement(world.bertil, world.af, start_date=dt.date(2025, 3, 1),
                                             schedule={0: Decimal(4)})
    figures = queries.attendance_summary(
        [still_running.id], dt.date(2025, 3, 1), dt.date(2025, 3, 31), today=dt.date(2025, 3, 12)
    )[still_running.id]
    assert figures.scheduled_days == 2  # 3 and 10 March; the 17th has not come


def test_a_placement_never_started_has_no_rate(world):
    placement = factories.make_placement(world.anna, world.af, start_date=dt.date(2025, 3, 3))
    placement.status, placement.start_date = PlacementStatus.ORDERED, None
    db.session.commit()
    figures = queries.attendance_summary(
        [placement.id, 999], dt.date(2025, 3, 1), dt.date(2025, 3, 31)
    )
    assert figures[placement.id].rate is None and figures[999].scheduled_days == 0


def test_attendance_summary_costs_two_queries_for_any_number_of_placements(world):
    placements = []
    for n in range(12):
        person = factories.make_participant(world.passagen, f"Person {n}")
        placements.append(factories.make_placement(person, world.af,
                                                   start_date=dt.date(2025, 1, 6)))
        record(placements[-1], dt.date(2025, 1, 7), AttendanceStatus.PRESENT, world.supervisor)
    ids = [placement.id for placement in placements]
    with count_queries() as counted:
        figures = queries.attendance_summary(
            ids, dt.date(2025, 1, 1), dt.date(2025, 1, 31), today=dt.date(2025, 2, 1)
        )
    assert counted.count == 2
    # 6 to 31 January every day, but Epiphany (Monday 6 January) is a public holiday.
    assert all(f.present_days == 1 and f.scheduled_days == 25 for f in figures.values())


def test_day_view_costs_the_same_queries_for_many_people(client, sign_in, world, today):
    factories.make_placement(world.anna, world.af, start_date=today - dt.timedelta(days=3))
    sign_in("handledare")
    with count_queries() as few:
        short = _day_view(client, world)
    assert short.status_code == 200 and "Anna" in short.text
    for n in range(15):
        person = factories.make_participant(world.passagen, f"Person {n:02}")
        placement = factories.make_placement(person, world.af,
                                             start_date=today - dt.timedelta(days=3))
        record(placement, today, AttendanceStatus.PRESENT, world.supervisor)
        factories.make_participant(world.passagen, f"Legacy {n:02}")
    db.session.commit()
    with count_queries() as many:
        long = _day_view(client, world)
    assert long.status_code == 200
    assert all(f"Person {n:02}" in long.text and f"Legacy {n:02}" in long.text for n in range(15))
    assert few.count == many.count


# --- A placement's month, with corrections ------------------------------------------


def _placement_page(client, placement, **args):
    return client.get(f"/placements/{placement.id}/attendance", query_string=args)


def test_placement_page_lists_scheduled_days_with_their_attributed_history(
    client, sign_in, world, anna_placement, today
):
    sign_in("handledare")
    check_in(client, world, anna_placement, "present")
    sign_in("admin")
    check_in(client, world, anna_placement, "sick", version="1")
    page = _placement_page(client, anna_placement).text
    assert "Hanna Handledare" in page and "Ada Admin" in page
    assert "Present → Absent, sick" in page
    assert "Attendance: Anna" in page


def test_a_missed_day_is_recorded_afterwards_from_the_placement_page(
    client, sign_in, world, anna_placement, today
):
    yesterday = today - dt.timedelta(days=1)
    sign_in("handledare")
    url = f"/placements/{anna_placement.id}/attendance"
    token = csrf_token(_placement_page(client, anna_placement).text)
    response = client.post(url, data={"csrf_token": token, "on_date": yesterday.isoformat(),
                                      "status": "valid_reason", "version": ""})
    assert response.status_code == 303
    assert (rows()[0].on_date, rows()[0].status) == (yesterday, AttendanceStatus.VALID_REASON)


def test_change_link_opens_the_form_on_that_day_with_its_version(
    client, sign_in, world, anna_placement, today
):
    record(anna_placement, today, AttendanceStatus.PARTLY, world.supervisor, hours=Decimal(3))
    sign_in("handledare")
    page = _placement_page(client, anna_placement, day=today.isoformat()).text
    assert 'name="version" type="hidden" value="1"' in page
    assert re.search(r'<input checked[^>]*value="partly"', page)


@pytest.mark.parametrize(("days", "message"), [
    (1, "a day that has not come"),
    (-31, "The placement started on"),
])
def test_placement_page_refuses_days_out_of_range(client, sign_in, world, anna_placement, today,
                                                  days, message):
    sign_in("handledare")
    token = csrf_token(_placement_page(client, anna_placement).text)
    response = client.post(f"/placements/{anna_placement.id}/attendance", data={
        "csrf_token": token, "on_date": (today + dt.timedelta(days=days)).isoformat(),
        "status": "present", "version": "",
    })
    assert response.status_code == 422 and message in response.text
    assert rows() == []


def test_a_correction_with_an_unreadable_day_asks_for_the_day_again(client, sign_in, world, anna_placement):
    """Found by tests/test_fuzz.py: a correction (it has a version) whose day was not a date
    answered a 500 instead of showing the day's field with its error."""
    sign_in("handledare")
    token = csrf_token(_placement_page(client, anna_placement).text)
    response = client.post(f"/placements/{anna_placement.id}/attendance", data={
        "csrf_token": token, "on_date": "2026-02-30", "status": "present", "version": "1",
    })
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text and 'value="2026-02-30"' in response.text
    assert rows() == []


def test_an_ended_placement_can_be_corrected_within_its_period_only(client, sign_in, world, today):
    placement = factories.make_placement(world.anna, world.af,
                                         start_date=today - dt.timedelta(days=20),
                                         end_date=today - dt.timedelta(days=5))
    sign_in("handledare")
    url = f"/placements/{placement.id}/attendance"

    def post(day):
        token = csrf_token(client.get(url).text)
        return client.post(url, data={"csrf_token": token, "on_date": day.isoformat(),
                                      "status": "present", "version": ""})

    assert post(today - dt.timedelta(days=2)).status_code == 422  # after the end
    assert post(today - dt.timedelta(days=6)).status_code == 303
    assert len(rows()) == 1


def test_placement_page_correction_with_a_stale_version_shows_both(
    client, sign_in, world, anna_placement, today
):
    seen = record(anna_placement, today, AttendanceStatus.PRESENT, world.supervisor)
    sign_in("handledare")
    token = csrf_token(_placement_page(client, anna_placement, day=today.isoformat()).text)
    seen.status = AttendanceStatus.SICK
    db.session.commit()
    response = client.post(f"/placements/{anna_placement.id}/attendance", data={
        "csrf_token": token, "on_date": today.isoformat(), "status": "unannounced", "version": "1",
    })
    assert response.status_code == 422
    assert "Someone else changed this" in response.text
    assert "Absent, sick" in response.text and "Absent, unannounced" in response.text
    assert rows()[0].status == AttendanceStatus.SICK


def test_a_bad_month_in_the_address_is_not_found(client, sign_in, world, anna_placement):
    sign_in("handledare")
    assert _placement_page(client, anna_placement, month="2025-13").status_code == 404


# --- The monthly report ---------------------------------------------------------------


@pytest.fixture
def march(world):
    """Anna ordered by Arbetsförmedlingen, Carl by the social services, in Passagen; Bertil
    in Östervik. Mondays, 4 hours, in March 2025."""
    social = OrderingUnit(organisation=world.org, name="Ekonomihandläggare")
    carl = factories.make_participant(world.passagen, "=Carl Carlsson")
    db.session.add(social)
    db.session.commit()
    anna = factories.make_placement(world.anna, world.af, start_date=dt.date(2025, 3, 3),
                                    schedule={0: Decimal(4)})
    carl_placement = factories.make_placement(carl, social, start_date=dt.date(2025, 3, 3),
                                              schedule={0: Decimal(4)})
    bertil = factories.make_placement(world.bertil, world.af, start_date=dt.date(2025, 3, 3),
                                      schedule={0: Decimal(4)})
    record(anna, dt.date(2025, 3, 3), AttendanceStatus.PRESENT, world.supervisor)
    record(anna, dt.date(2025, 3, 10), AttendanceStatus.PARTLY, world.supervisor, Decimal("2.5"))
    record(anna, dt.date(2025, 3, 17), AttendanceStatus.SICK, world.supervisor)
    record(carl_placement, dt.date(2025, 3, 3), AttendanceStatus.UNANNOUNCED, world.supervisor)
    record(bertil, dt.date(2025, 3, 3), AttendanceStatus.PRESENT, world.other_supervisor)
    return {"social": social, "anna": anna}


def test_report_shows_each_ordering_units_people_with_figures(client, sign_in, world, march):
    sign_in("handledare")
    page = client.get("/attendance/report", query_string={"month": "2025-03"})
    assert page.status_code == 200
    text = page.text
    assert "Arbetsförmedlingen" in text and "Ekonomihandläggare" in text
    assert "Anna Andersson" in text and "=Carl Carlsson" in text
    assert "Bertil" not in text  # Östervik is not this supervisor's unit
    assert "40%" in text  # Anna: here 2 of the 5 Mondays (3 and 10 March)


def test_report_for_one_ordering_unit(client, sign_in, world, march):
    sign_in("admin")
    page = client.get("/attendance/report",
                      query_string={"month": "2025-03", "ordering_unit": march["social"].id}).text
    assert "=Carl Carlsson" in page and "Anna Andersson" not in page


def test_an_admin_sees_every_unit_in_the_report(client, sign_in, world, march):
    sign_in("admin")
    page = client.get("/attendance/report", query_string={"month": "2025-03"}).text
    assert "Bertil Berg" in page and "Anna Andersson" in page


@pytest.mark.parametrize("query", [
    {"month": "mars"}, {"month": "2025-13"}, {"month": "2025-03", "ordering_unit": "999"},
    {"month": "2025-03", "ordering_unit": "x"},
])
def test_report_with_unreadable_choices_says_so(client, sign_in, world, query):
    sign_in("handledare")
    response = client.get("/attendance/report", query_string=query)
    assert response.status_code == 422
    assert "e.g. 2025-03" in response.text or "Choose one of the listed options" in response.text


def test_report_csv_opens_in_swedish_excel(client, sign_in, world, march):
    sign_in("handledare")
    response = client.get("/attendance/report.csv",
                          query_string={"month": "2025-03", "ordering_unit": world.af.id})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    header, anna, *rest = body.lstrip("\ufeff").splitlines()
    assert rest == []  # Carl's ordering unit is another one
    assert header.split(";")[:3] == ["Ordering unit", "Unit", "Participant"]
    cells = anna.split(";")
    assert cells[:13] == ["Arbetsförmedlingen", "Passagen", "Anna Andersson", "5", "1", "1",
                          "2,5", "1", "0", "0", "2", "40", "No"]
    assert cells[13:16] == ["", "", "P"]  # 1 and 2 March are a weekend; 3 is a Monday
    assert len(cells) == 13 + 31


def test_report_csv_keeps_a_name_from_becoming_a_formula(client, sign_in, world, march):
    sign_in("handledare")
    body = client.get("/attendance/report.csv", query_string={
        "month": "2025-03", "ordering_unit": march["social"].id}).data.decode("utf-8")
    assert ";'=Carl Carlsson;" in body


def test_report_costs_the_same_queries_for_many_people(client, sign_in, world, march):
    sign_in("handledare")
    with count_queries() as few:
        short = client.get("/attendance/report", query_string={"month": "2025-03"})
    assert short.status_code == 200 and "Anna Andersson" in short.text
    for n in range(10):
        person = factories.make_participant(world.passagen, f"Person {n}")
        placement = factories.make_placement(person, world.af, start_date=dt.date(2025, 3, 3),
                                             schedule={0: Decimal(4)})
        record(placement, dt.date(2025, 3, 3), AttendanceStatus.PRESENT, world.supervisor)
    with count_queries() as many:
        long = client.get("/attendance/report", query_string={"month": "2025-03"})
    assert long.status_code == 200
    assert all(f"Person {n}" in long.text for n in range(10))
    assert few.count == many.count


def test_report_says_who_consents_to_sharing_attendance_with_the_ordering_unit(
    client, sign_in, world, march
):
    from movetrack.consent.models import Consent

    def consent_cell():
        body = client.get("/attendance/report.csv", query_string={
            "month": "2025-03", "ordering_unit": world.af.id}).data.decode("utf-8")
        return body.splitlines()[1].split(";")[12]

    sign_in("handledare")
    assert consent_cell() == "No"
    consent = Consent(participant=world.anna, ordering_unit=world.af, share_attendance=True,
                      given_on=dt.date(2025, 3, 1))
    db.session.add(consent)
    db.session.commit()
    assert consent_cell() == "Yes"
    consent.withdrawn_on = dt.date(2025, 3, 20)
    db.session.commit()
    assert consent_cell() == "No"


def test_without_javascript_a_tap_for_someone_no_longer_expected_still_gets_its_message(
    client, sign_in, world, today
):
    placement = factories.make_placement(world.anna, world.af,
                                         start_date=today - dt.timedelta(days=10),
                                         schedule={(today.weekday() + 2) % 7: Decimal(4)})
    sign_in("handledare")
    token = csrf_token(client.get(f"/placements/{placement.id}/attendance").text)
    response = client.post("/attendance/check-in", data={
        "csrf_token": token, "placement_id": placement.id, "on_date": today.isoformat(),
        "status": "present", "version": "",
    })
    assert response.status_code == 422
    assert "is not scheduled on" in response.text and 'role="alert"' in response.text


def test_a_record_left_outside_the_schedule_can_still_be_taken_away(
    client, sign_in, world, today
):
    """Say the schedule changed after a day was recorded: the record can be cleared."""
    other_day = (today.weekday() + 1) % 7
    placement = factories.make_placement(world.anna, world.af,
                                         start_date=today - dt.timedelta(days=10),
                                         schedule={other_day: Decimal(4)})
    stray = record(placement, today, AttendanceStatus.PRESENT, world.supervisor)
    sign_in("handledare")
    url = f"/placements/{placement.id}/attendance"
    page = client.get(url, query_string={"day": today.isoformat()}).text
    response = client.post(url, data={"csrf_token": csrf_token(page), "on_date": today.isoformat(),
                                      "status": "clear", "version": str(stray.version)})
    assert response.status_code == 303
    assert [row.status for row in rows()] == [None]
    assert audit_actions()[-1][0] == "attendance.cleared"


def test_a_placement_registered_by_mistake_is_not_reported(client, sign_in, world, march):
    march["anna"].exit_outcome = Outcome.REGISTERED_BY_MISTAKE
    march["anna"].end_date, march["anna"].status = dt.date(2025, 3, 20), PlacementStatus.ENDED
    db.session.commit()
    sign_in("handledare")
    page = client.get("/attendance/report", query_string={"month": "2025-03"}).text
    assert "Anna Andersson" not in page and "=Carl Carlsson" in page
