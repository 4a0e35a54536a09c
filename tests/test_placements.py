"""Orders and placements: registering and editing an order, what happens before the start,
the exit with its interview and the follow-up after it, reopening, the need-category code
list; who may see which, what a form refuses and keeps, two people editing at once, and
that the pages cost the same number of queries for 3 placements as for 30."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.audit import AuditEvent
from movetrack.clock import local_today
from movetrack.conflicts import EditConflict
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind, UnitSettings
from movetrack.org.models import OrderingUnit
from movetrack.placements import services
from movetrack.placements.models import (
    NeedCategory,
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from movetrack.placements.queries import counted
from tests import factories
from tests.helpers import count_queries, csrf_token, days_ago, post_form, with_dates

DAY = dt.timedelta(days=1)


# Messages are asserted on their English wording, whatever the Swedish catalogue comes to say.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def need(world) -> NeedCategory:
    category = NeedCategory(organisation=world.org, name="Försörjningsstöd, ej arbetsför")
    db.session.add(category)
    db.session.commit()
    return category


def order_data(world, **changes) -> dict:
    data = {
        "participant_id": str(world.anna.id),
        "ordering_unit_id": str(world.af.id),
        "case_worker_id": str(world.orderer.id),
        "purpose": "work_capacity_assessment",
        "received_on": (days_ago(3)).isoformat(),
        "requested_start": (local_today() + 7 * DAY).isoformat(),
        "requested_end": (local_today() + 97 * DAY).isoformat(),
        "need_category_id": "",
        "target_groups": ["income_support", "young_adult"],
        "order_note": "Vill prova snickeriet",
    }
    return {**data, **changes}


def placements() -> list[Placement]:
    return list(db.session.scalars(sa.select(Placement).order_by(Placement.id)))


def events_of(placement) -> list[PlacementEvent]:
    return list(
        db.session.scalars(
            sa.select(PlacementEvent)
            .where(PlacementEvent.placement_id == placement.id)
            .order_by(PlacementEvent.id)
        )
    )


def follow_ups_of(placement) -> list[FollowUp]:
    return list(
        db.session.scalars(sa.select(FollowUp).where(FollowUp.placement_id == placement.id))
    )


def page_form(client, url: str, data: dict, action: str | None = None):
    """POST `data` to the form of the page at `url` (or to `action`), as a browser would."""
    return post_form(client, url, action, data=data)


# --- registering an order ---------------------------------------------------------------------


def test_an_order_is_registered_and_its_page_tells_the_story(client, auth, world, need):
    auth.login("admin")
    response = page_form(
        client, "/placements/new", order_data(world, need_category_id=str(need.id))
    )
    assert response.status_code == 302
    placement = placements()[0]
    assert response.location.endswith(f"/placements/{placement.id}")
    assert (placement.participant_id, placement.unit_id, placement.status) == (
        world.anna.id,
        world.passagen.id,
        PlacementStatus.ORDERED,
    )
    assert placement.case_worker_id == world.orderer.id and placement.need_category_id == need.id
    assert placement.target_groups == ["income_support", "young_adult"]
    assert placement.received_on == days_ago(3) and placement.created_by_id == world.admin.id
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "placement.ordered")
    ).one()
    assert (audit.actor_id, audit.participant_id, audit.subject_id) == (
        world.admin.id,
        world.anna.id,
        placement.id,
    )

    page = client.get(response.location).text
    assert "Placement of Anna" in page and "Ordered" in page
    assert "Order received from Arbetsförmedlingen" in page and "Registered by Ada Admin" in page
    assert "Work-capacity assessment" in page and "Income support, Young adult" in page
    assert "Försörjningsstöd, ej arbetsför" in page and "Vill prova snickeriet" in page
    assert f'href="/placements/{placement.id}/intake"' in page  # the next step: B's intake
    assert f'href="/participants/{world.anna.id}/consent"' in page
    listing = client.get("/placements/").text
    assert "Anna" in listing and "Olle Ordrar" in listing


def test_the_order_form_can_start_from_a_person(client, auth, world):
    auth.login("handledare")
    page = client.get(f"/placements/new?participant_id={world.anna.id}").text
    assert f'<option selected value="{world.anna.id}">Anna</option>' in page
    assert "Bertil" not in page  # only people of the supervisor's own units


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"requested_end": 9, "requested_start": 0},
            "requested_end",
            "The requested end comes before the requested start",
        ),
        ({"received_on": -1}, "received_on", "The date has not come yet."),
        ({"received_on": "17/3"}, "received_on", "Write the date as year-month-day"),
        ({"received_on": ""}, "received_on", "Write the date the order came in."),
        ({"ordering_unit_id": ""}, "ordering_unit_id", "Choose the ordering unit."),
        ({"purpose": "holiday"}, "purpose", "Choose the purpose of the order."),
        ({"target_groups": ["pirates"]}, "target_groups", "Choose target groups from the list."),
        ({"participant_id": "999"}, "participant_id", "Choose a participant from your units."),
    ],
)
def test_a_bad_order_gets_a_clear_message_keeps_the_input_and_saves_nothing(
    client, auth, world, changes, field, message
):
    auth.login("admin")
    response = page_form(client, "/placements/new", order_data(world, **with_dates(changes)))
    assert response.status_code == 422
    assert message in response.text and f'id="{field}-errors"' in response.text
    assert "Vill prova snickeriet" in response.text  # what was typed stays
    assert placements() == []


def test_a_case_worker_must_belong_to_the_ordering_unit(client, auth, world):
    social = OrderingUnit(organisation=world.org, name="Ekonomiskt bistånd")
    db.session.add(social)
    db.session.commit()
    auth.login("admin")
    response = page_form(
        client, "/placements/new", order_data(world, ordering_unit_id=str(social.id))
    )
    assert response.status_code == 422
    assert "Olle Ordrar works at Arbetsförmedlingen, not at Ekonomiskt bistånd" in response.text
    assert placements() == []


def test_a_person_has_one_open_placement_at_a_time(client, auth, world):
    factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("admin")
    response = page_form(client, "/placements/new", order_data(world))
    assert response.status_code == 422
    assert "Anna already has an open order or placement (Active" in response.text
    assert len(placements()) == 1


# --- who may see what -------------------------------------------------------------------------


def test_a_supervisor_of_another_unit_gets_404_and_a_case_worker_403(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("stallchef")
    assert "Anna" not in client.get("/placements/?status=all").text
    for url in ("", "/edit", "/exit"):
        assert client.get(f"/placements/{placement.id}{url}").status_code == 404
    token = csrf_token(client.get("/placements/new").text)
    for action in ("status", "reopen", "exit"):
        response = client.post(
            f"/placements/{placement.id}/{action}",
            data={"csrf_token": token, "to": "withdrawn", "version": "1"},
        )
        assert response.status_code == 404
    response = client.post("/placements/new", data={"csrf_token": token, **order_data(world)})
    assert response.status_code == 422 and "Choose a participant from your units." in response.text
    assert client.get("/placements/need-categories").status_code == 403

    auth.logout()
    auth.login("handlaggare")
    for url in (
        "/placements/",
        "/placements/new",
        f"/placements/{placement.id}",
        f"/placements/{placement.id}/exit",
        "/placements/need-categories",
    ):
        assert client.get(url).status_code == 403
    assert placements()[0].status == PlacementStatus.ACTIVE


# --- before the start: study visit, declined, withdrawn, reopened ----------------------------


def _status(client, placement, **data):
    return page_form(
        client, f"/placements/{placement.id}", data, action=f"/placements/{placement.id}/status"
    )


def _version_on_page(client, placement) -> str:
    page = client.get(f"/placements/{placement.id}").text
    return page.split('name="version" type="hidden" value="')[1].split('"')[0]


def test_study_visit_then_declined_then_reopened_are_dated_and_attributed(client, auth, world):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("handledare")
    booked_for = local_today() + 2 * DAY  # a study visit may be booked ahead
    response = _status(
        client,
        placement,
        to="study_visit",
        on_date=booked_for.isoformat(),
        note="Med coach",
        version=_version_on_page(client, placement),
    )
    assert response.status_code == 302
    assert placements()[0].study_visit_on == booked_for

    response = _status(
        client,
        placement,
        to="declined",
        on_date=local_today().isoformat(),
        note="Vill inte",
        version=_version_on_page(client, placement),
    )
    assert response.status_code == 302
    response = page_form(
        client,
        f"/placements/{placement.id}",
        {"note": "Ångrade sig", "version": _version_on_page(client, placement)},
        action=f"/placements/{placement.id}/reopen",
    )
    assert response.status_code == 302

    steps = [
        (e.from_status, e.to_status, e.on_date, e.actor_id, e.note) for e in events_of(placement)
    ]
    assert steps == [
        (
            PlacementStatus.ORDERED,
            PlacementStatus.STUDY_VISIT,
            booked_for,
            world.supervisor.id,
            "Med coach",
        ),
        (
            PlacementStatus.STUDY_VISIT,
            PlacementStatus.DECLINED,
            local_today(),
            world.supervisor.id,
            "Vill inte",
        ),
        (
            PlacementStatus.DECLINED,
            PlacementStatus.ORDERED,
            local_today(),
            world.supervisor.id,
            "Ångrade sig",
        ),
    ]
    page = client.get(f"/placements/{placement.id}").text
    for text in (
        "Ordered → Study visit",
        "Study visit → Declined",
        "Declined → Ordered",
        "Recorded by Hanna Handledare",
        "Ångrade sig",
    ):
        assert text in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to": "declined", "on_date": -1}, "The date has not come yet."),
        ({"to": "withdrawn", "on_date": 90}, "The date is before the order was received."),
        ({"to": "active", "on_date": 0}, "Choose what happened."),
        ({"to": "withdrawn", "on_date": ""}, "Write the date."),
    ],
)
def test_a_status_change_that_breaks_a_rule_is_refused(client, auth, world, data, message):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("admin")
    response = _status(
        client, placement, note="behåll", version=_version_on_page(client, placement),
        **with_dates(data),
    )
    assert response.status_code == 422
    assert message in response.text and "behåll" in response.text
    assert placements()[0].status == PlacementStatus.ORDERED and events_of(placement) == []


def test_reopening_needs_a_reason_and_a_free_person(client, auth, world):
    withdrawn = factories.make_placement(world.anna, world.af, PlacementStatus.WITHDRAWN)
    auth.login("admin")
    url = f"/placements/{withdrawn.id}"
    response = page_form(
        client,
        url,
        {"note": " ", "version": _version_on_page(client, withdrawn)},
        action=f"{url}/reopen",
    )
    assert response.status_code == 422 and "Write why the placement is reopened." in response.text

    factories.make_placement(world.anna, world.af, PlacementStatus.ORDERED,
                             received_on=local_today())
    response = page_form(
        client,
        url,
        {"note": "Fel", "version": _version_on_page(client, withdrawn)},
        action=f"{url}/reopen",
    )
    assert (
        response.status_code == 422
        and "Anna already has an open order or placement" in response.text
    )
    assert placements()[0].status == PlacementStatus.WITHDRAWN and events_of(withdrawn) == []


# --- editing an order, and two people editing at once ----------------------------------------


def _edit_page(client, placement) -> tuple[str, str]:
    page = client.get(f"/placements/{placement.id}/edit").text
    return csrf_token(page), page.split('name="version" type="hidden" value="')[1].split('"')[0]


def _edit(client, world, placement, token, version, **changes):
    data = order_data(world, **changes)
    del data["participant_id"]  # the person of an order stays the same
    return client.post(
        f"/placements/{placement.id}/edit", data={"csrf_token": token, "version": version, **data}
    )


def test_editing_an_order_saves_and_audits_the_changed_fields(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, case_worker=world.orderer)
    auth.login("admin")
    token, version = _edit_page(client, placement)
    response = _edit(
        client, world, placement, token, version, purpose="occupation", order_note="Ny plan"
    )
    assert response.status_code == 302
    saved = placements()[0]
    assert (saved.purpose.value, saved.order_note) == ("occupation", "Ny plan")
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "placement.order_changed")
    ).one()
    assert "purpose" in audit.details["fields"] and "order_note" in audit.details["fields"]


def test_an_order_cannot_be_received_after_its_start(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         case_worker=world.orderer)
    auth.login("admin")
    token, version = _edit_page(client, placement)
    received_on = placement.received_on
    late = (placement.start_date + DAY).isoformat()
    response = _edit(client, world, placement, token, version, received_on=late)
    assert response.status_code == 422
    assert "The order cannot be received after" in response.text
    assert placements()[0].received_on == received_on


def test_the_second_of_two_edits_sees_what_changed_and_overwrites_nothing(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, case_worker=world.orderer,
                                         order_note="Först")
    auth.login("admin")
    token, version = _edit_page(client, placement)  # both open the form at the same version
    first = _edit(
        client, world, placement, token, version, purpose="occupation", order_note="Kollegans"
    )
    assert first.status_code == 302
    second = _edit(client, world, placement, token, version, purpose="other", order_note="Min")
    assert second.status_code == 422
    assert "Someone else changed this while you were editing" in second.text
    assert "Kollegans" in second.text and "Min" in second.text  # theirs beside mine
    assert "Occupation" in second.text and "Save mine anyway" in second.text
    assert placements()[0].order_note == "Kollegans"

    # Saving again from the page that showed the difference is a deliberate choice.
    new_version = second.text.split('name="version" type="hidden" value="')[1].split('"')[0]
    third = _edit(client, world, placement, token, new_version, purpose="other", order_note="Min")
    assert third.status_code == 302 and placements()[0].order_note == "Min"


def test_a_status_change_from_a_stale_page_is_refused(client, auth, world):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("admin")
    stale_version = _version_on_page(client, placement)
    _status(client, placement, to="withdrawn", on_date=local_today().isoformat(),
            version=stale_version)
    response = _status(
        client, placement, to="declined", on_date=local_today().isoformat(), version=stale_version
    )
    assert response.status_code == 422
    assert "Someone else changed this" in response.text and "Withdrawn" in response.text
    assert [e.to_status for e in events_of(placement)] == [PlacementStatus.WITHDRAWN]


def test_a_save_that_races_another_becomes_a_conflict_not_an_overwrite(app, world):
    """The version matched when checked, but another request committed before ours."""
    placement = factories.make_placement(world.anna, world.af, case_worker=world.orderer,
                                         order_note="Först")
    seen_version = placement.version  # loaded now, as the form was
    with db.engine.begin() as other_request:
        other_request.execute(
            sa.text(
                "UPDATE placements SET order_note = 'Kollegans', version = version + 1 WHERE id = :id"
            ),
            {"id": placement.id},
        )
    data = {
        "ordering_unit_id": world.af.id,
        "case_worker_id": world.orderer.id,
        "purpose": "work_training",
        "received_on": placement.received_on,
        "order_note": "Min",
    }
    with (
        app.test_request_context(),
        force_locale("en"),
        pytest.raises(EditConflict) as raised,
    ):
        services.update_order(world.admin, placement, data, version=seen_version)
    changes = {change.label: (change.theirs, change.yours) for change in raised.value.changes}
    assert changes["Note"] == ("Kollegans", "Min")
    assert db.session.scalar(sa.select(Placement.order_note)) == "Kollegans"


# --- exit -------------------------------------------------------------------------------------


def _exit_page(client, placement) -> tuple[str, str]:
    page = client.get(f"/placements/{placement.id}/exit").text
    return csrf_token(page), page.split('name="version" type="hidden" value="')[1].split('"')[0]


def _exit(client, placement, token, version, **data):
    return client.post(
        f"/placements/{placement.id}/exit", data={"csrf_token": token, "version": version, **data}
    )


def test_the_exit_ends_the_placement_keeps_the_interview_and_schedules_the_follow_up(
    client, auth, world
):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("handledare")
    page = client.get(f"/placements/{placement.id}/exit").text
    # MOVE's default interview, on an English page in English.
    assert "How long have you been a participant with us?" in page and "Any other views?" in page
    token, version = _exit_page(client, placement)
    end = days_ago(2)
    response = _exit(
        client,
        placement,
        token,
        version,
        end_date=end.isoformat(),
        exit_outcome="studies",
        note="Börjar på Komvux",
        answer_0="Ett halvår",
        answer_1="",
        answer_2="Gemenskapen",
    )
    assert response.status_code == 302
    ended = placements()[0]
    assert (ended.status, ended.end_date, ended.exit_outcome) == (
        PlacementStatus.ENDED,
        end,
        Outcome.STUDIES,
    )
    assert ended.exit_interview == {
        "How long have you been a participant with us?": "Ett halvår",
        "What has been the best thing about us?": "Gemenskapen",
    }
    (after,) = follow_ups_of(ended)
    assert after.kind == FollowUpKind.AFTER_EXIT and after.due_on > end
    assert after.due_on.month == (end.month + 2) % 12 + 1  # three calendar months later
    (event,) = events_of(ended)
    assert (event.to_status, event.on_date, event.note) == (
        PlacementStatus.ENDED,
        end,
        "Börjar på Komvux",
    )

    hub = client.get(f"/placements/{placement.id}").text
    assert "Studies" in hub and "Gemenskapen" in hub and "Reopen" in hub
    assert client.get(f"/placements/{placement.id}/exit").text.count("End the placement") == 0


def test_the_exit_asks_the_units_own_questions(client, auth, world):
    db.session.add(UnitSettings(unit_id=world.passagen.id, exit_questions=["Vad tar du med dig?"]))
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("admin")
    page = client.get(f"/placements/{placement.id}/exit").text
    assert "Vad tar du med dig?" in page and "Hur länge har du varit" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"end_date": 50}, "The last day cannot come before the start"),
        ({"end_date": -1}, "The date has not come yet."),
        ({"end_date": ""}, "Write the participant&#39;s last day."),
        ({"exit_outcome": ""}, "Choose the outcome."),
        ({"exit_outcome": "lottery"}, "Choose the outcome."),
    ],
)
def test_a_bad_exit_is_refused_and_nothing_is_half_saved(client, auth, world, data, message):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("admin")
    token, version = _exit_page(client, placement)
    form = {"end_date": local_today().isoformat(), "exit_outcome": "work", "answer_0": "Länge",
            **with_dates(data)}
    response = _exit(client, placement, token, version, **form)
    assert response.status_code == 422
    assert message in response.text and "Länge" in response.text
    saved = placements()[0]
    assert (saved.status, saved.end_date, saved.exit_outcome) == (
        PlacementStatus.ACTIVE,
        None,
        None,
    )
    assert events_of(saved) == [] and follow_ups_of(saved) == []


def test_the_exit_cannot_come_before_recorded_attendance(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    db.session.add(
        Attendance(
            placement_id=placement.id,
            on_date=local_today() - DAY,
            status=AttendanceStatus.PRESENT,
            recorded_by_id=world.supervisor.id,
        )
    )
    db.session.commit()
    auth.login("admin")
    token, version = _exit_page(client, placement)
    response = _exit(
        client,
        placement,
        token,
        version,
        end_date=(days_ago(3)).isoformat(),
        exit_outcome="work",
    )
    assert response.status_code == 422 and "Attendance is recorded on" in response.text
    assert placements()[0].status == PlacementStatus.ACTIVE


def test_two_exits_at_once_the_second_sees_the_first(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("admin")
    token, version = _exit_page(client, placement)
    first = _exit(
        client, placement, token, version, end_date=local_today().isoformat(), exit_outcome="work"
    )
    assert first.status_code == 302
    second = _exit(
        client, placement, token, version, end_date=days_ago(1).isoformat(), exit_outcome="health"
    )
    assert second.status_code == 422
    assert "Someone else changed this" in second.text
    assert "Work (unsubsidised)" in second.text and "Health" in second.text
    saved = placements()[0]
    assert (saved.end_date, saved.exit_outcome) == (local_today(), Outcome.WORK)
    assert len(follow_ups_of(saved)) == 1


def test_a_reopened_placement_is_active_again_and_its_history_shows_it(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("admin")
    token, version = _exit_page(client, placement)
    _exit(
        client,
        placement,
        token,
        version,
        end_date=(local_today() - DAY).isoformat(),
        exit_outcome="registered_by_mistake",
        answer_0="Kort",
    )
    url = f"/placements/{placement.id}"
    response = page_form(
        client,
        url,
        {"note": "Avslutades av misstag", "version": _version_on_page(client, placement)},
        action=f"{url}/reopen",
    )
    assert response.status_code == 302
    reopened = placements()[0]
    assert (reopened.status, reopened.end_date, reopened.exit_outcome) == (
        PlacementStatus.ACTIVE,
        None,
        None,
    )
    assert reopened.exit_interview == {"How long have you been a participant with us?": "Kort"}  # kept
    assert [e.to_status for e in events_of(reopened)] == [
        PlacementStatus.ENDED,
        PlacementStatus.ACTIVE,
    ]
    undone = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "placement.exit_undone")
    ).one()
    assert undone.details["previous_outcome"] == "registered_by_mistake"
    page = client.get(url).text
    assert "Active → Ended" in page and "Ended → Active" in page and "Avslutades av misstag" in page
    assert (
        "Kort" in client.get(f"{url}/exit").text
    )  # the earlier answers come back for the next exit


# --- statistics leave out what was registered by mistake --------------------------------------


def test_counted_leaves_out_placements_registered_by_mistake(world):
    factories.make_placement(world.anna, world.af, PlacementStatus.ENDED, end_date=local_today(),
                             exit_outcome=Outcome.WORK)
    factories.make_placement(world.anna, world.af, PlacementStatus.ENDED, end_date=local_today(),
                             exit_outcome=Outcome.REGISTERED_BY_MISTAKE)
    factories.make_placement(world.bertil, world.af, PlacementStatus.ACTIVE)
    every = sa.select(sa.func.count(Placement.id))
    assert db.session.scalar(every) == 3
    assert db.session.scalar(counted(every)) == 2
    outcomes = db.session.scalars(counted(sa.select(Placement.exit_outcome))).all()
    assert Outcome.REGISTERED_BY_MISTAKE not in outcomes and None in outcomes


def test_an_order_registered_by_mistake_counts_nowhere_until_reopened(client, auth, world):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("admin")
    assert (
        "registered by mistake (it counts nowhere)"
        in client.get(f"/placements/{placement.id}").text
    )
    response = _status(
        client,
        placement,
        to="registered_by_mistake",
        on_date=local_today().isoformat(),
        version=_version_on_page(client, placement),
    )
    assert response.status_code == 302
    saved = placements()[0]
    assert (saved.status, saved.exit_outcome) == (
        PlacementStatus.WITHDRAWN,
        Outcome.REGISTERED_BY_MISTAKE,
    )
    assert db.session.scalar(counted(sa.select(sa.func.count(Placement.id)))) == 0
    assert "Registered by mistake" in client.get(f"/placements/{placement.id}").text

    url = f"/placements/{placement.id}"
    page_form(
        client,
        url,
        {"note": "Var ingen miss", "version": _version_on_page(client, placement)},
        action=f"{url}/reopen",
    )
    reopened = placements()[0]
    assert (reopened.status, reopened.exit_outcome) == (PlacementStatus.ORDERED, None)
    assert db.session.scalar(counted(sa.select(sa.func.count(Placement.id)))) == 1


# --- the need-category code list --------------------------------------------------------------


def test_admins_keep_the_need_category_list(client, auth, world, need):
    auth.login("admin")
    response = page_form(client, "/placements/need-categories", {"name": " Ekonomiskt bistånd "})
    assert response.status_code == 302
    duplicate = page_form(
        client, "/placements/need-categories", {"name": "FÖRSÖRJNINGSSTÖD, EJ ARBETSFÖR"}
    )
    assert (
        duplicate.status_code == 422
        and "There is already a need category with that name." in duplicate.text
    )
    names = db.session.scalars(sa.select(NeedCategory.name).order_by(NeedCategory.name)).all()
    assert names == ["Ekonomiskt bistånd", "Försörjningsstöd, ej arbetsför"]

    placement = factories.make_placement(world.anna, world.af, need_category=need)
    url = f"/placements/need-categories/{need.id}/edit"
    response = page_form(client, url, {"name": "Försörjningsstöd"})  # "active" unticked: retired
    assert response.status_code == 302
    assert (need.name, need.active) == ("Försörjningsstöd", False)
    assert "Försörjningsstöd" not in client.get("/placements/new").text  # no longer offered
    assert (
        "Försörjningsstöd" in client.get(f"/placements/{placement.id}/edit").text
    )  # kept where chosen
    assert client.get("/placements/need-categories/999/edit").status_code == 404


# --- a fixed number of queries ----------------------------------------------------------------


def _many_placements(world, count: int) -> None:
    for number in range(count):
        person = factories.make_participant(world.passagen, f"Person {number}")
        factories.make_placement(person, world.af, PlacementStatus.ACTIVE,
                                 case_worker=world.orderer)


def _queries_for(client, url: str, shows: str) -> int:
    """The queries the page at `url` costs; it must answer, and show `shows`."""
    with count_queries() as counter:
        page = client.get(url)
    assert page.status_code == 200 and shows in page.text
    return counter.count


def _add_status_events(placement, actor, count: int) -> None:
    db.session.add_all(
        PlacementEvent(placement_id=placement.id, from_status=PlacementStatus.INTAKE,
                       to_status=PlacementStatus.ACTIVE, on_date=local_today(), actor_id=actor.id)
        for _ in range(count)
    )
    db.session.commit()


def test_the_list_and_the_hub_cost_the_same_for_3_as_for_30(client, auth, world):
    _many_placements(world, 3)
    auth.login("admin")
    first = placements()[0]
    _add_status_events(first, world.admin, 3)
    few = (_queries_for(client, "/placements/", "Person 2"),
           _queries_for(client, f"/placements/{first.id}", "Ada Admin"))
    _many_placements(world, 27)
    _add_status_events(first, world.supervisor, 27)
    many = (_queries_for(client, "/placements/", "Person 26"),
            _queries_for(client, f"/placements/{first.id}", "Hanna Handledare"))
    assert few == many


def test_the_list_pages_at_fifty(client, auth, world):
    _many_placements(world, 51)
    auth.login("admin")
    first = client.get("/placements/").text
    assert "51 placements" in first and "Page 1 of 2" in first
    second = client.get("/placements/?page=2").text
    assert second.count('<th scope="row"><a href="/placements/') == 1
