"""Two placements from two ordering units, walked through HTTP from order to the follow-up
three months after exit, with every room's own pages: the order and the exit
(placements), consent, the intake and the follow-ups (followups), the check-in and a
missed day (attendance), and the case workers' view (caseworker). On the way it proves
the visibility rules: a case worker of one ordering unit sees nothing of the other's
people, without consent a case worker sees no detail, and a withdrawn consent takes
effect at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.auth.models import Role
from movetrack.clock import local_today
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import Outcome, Placement, PlacementEvent, PlacementStatus
from movetrack.placements.queries import counted
from tests import factories
from tests.helpers import csrf_token

DAY = dt.timedelta(days=1)


# Messages are asserted on their English wording, whatever the Swedish catalogue comes to say.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def two_ordering_units(world):
    """Arbetsförmedlingen (Olle, the world's case worker) and social services (Siv)."""
    social = OrderingUnit(organisation=world.org, name="Ekonomiskt bistånd")
    siv = factories.make_user(
        world.org,
        "socialsekreterare",
        Role.ORDERER,
        ordering_unit=social,
        name="Siv Socialsekreterare",
    )
    db.session.commit()
    return social, siv


def hidden(page: str, name: str) -> str:
    """The value of a hidden field of the page's form (a version, say)."""
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return match.group(1)


def submit(client, url: str, data: dict, action: str | None = None, expect: int = 302):
    """Open the page at `url`, post `data` (with the page's CSRF token and, when the page
    has one, the version it shows) to its form or to `action`, and check the status."""
    page = client.get(url).text
    payload = {"csrf_token": csrf_token(page), **data}
    if 'name="version"' in page and "version" not in data:
        payload["version"] = hidden(page, "version")
    response = client.post(action or url, data=payload)
    assert response.status_code == expect, response.text[:3000]
    return response


def only_placement_of(participant) -> Placement:
    return db.session.scalars(
        sa.select(Placement).where(Placement.participant_id == participant.id)
    ).one()


def follow_ups_of(placement, kind: FollowUpKind) -> list[FollowUp]:
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(FollowUp.placement_id == placement.id, FollowUp.kind == kind)
            .order_by(FollowUp.due_on)
        )
    )


def every_day(hours: str) -> dict:
    """The intake's weekly schedule: every weekday ticked (so that today is scheduled,
    whatever day the tests run on)."""
    data = {}
    for weekday in range(7):
        data[f"schedule-{weekday}-works"] = "y"
        data[f"schedule-{weekday}-hours"] = hours
    return data


def test_two_placements_from_order_to_the_follow_up_after_exit(
    client, auth, world, two_ordering_units, sign_in
):
    social, siv = two_ordering_units
    today = local_today()
    received, started = today - 120 * DAY, today - 100 * DAY
    anna, bertil = world.anna, world.bertil
    sign_in("admin")

    # 1. Two orders, from two ordering units, each naming its case worker.
    for person, ordering_unit, case_worker, purpose in (
        (anna, world.af, world.orderer, "work_capacity_assessment"),
        (bertil, social, siv, "work_training"),
    ):
        submit(
            client,
            "/placements/new",
            {
                "participant_id": str(person.id),
                "ordering_unit_id": str(ordering_unit.id),
                "case_worker_id": str(case_worker.id),
                "purpose": purpose,
                "received_on": received.isoformat(),
                "target_groups": ["income_support"],
            },
        )
    anna_placement, bertil_placement = only_placement_of(anna), only_placement_of(bertil)
    assert (
        anna_placement.unit_id == world.passagen.id
        and bertil_placement.unit_id == world.ostervik.id
    )

    # 2. Anna visits first; a start before the order is refused, then both have their intake.
    submit(
        client,
        f"/placements/{anna_placement.id}",
        {"to": "study_visit", "on_date": (received + 10 * DAY).isoformat(), "note": "Med coach"},
        action=f"/placements/{anna_placement.id}/status",
    )
    intake = {
        "intake_on": started.isoformat(),
        "intake_attendees": "Deltagaren, handläggaren, handledaren",
        "wants_to_take_part": "y",
        "workstation_id": "",
        **every_day("4"),
    }
    refused = submit(
        client,
        f"/placements/{anna_placement.id}/intake",
        {**intake, "start_date": (received - DAY).isoformat()},
        expect=422,
    )
    assert "before the order was received" in refused.text
    for placement in (anna_placement, bertil_placement):
        submit(
            client,
            f"/placements/{placement.id}/intake",
            {**intake, "start_date": started.isoformat()},
        )
        db.session.refresh(placement)
        assert (placement.status, placement.start_date) == (PlacementStatus.ACTIVE, started)
    token = csrf_token(client.get("/placements/new").text)
    second = client.post(
        f"/placements/{anna_placement.id}/intake",
        data={
            "csrf_token": token,
            "version": str(anna_placement.version),
            **intake,
            "start_date": started.isoformat(),
        },
    )
    assert second.status_code == 422 and "already had its intake" in second.text

    # 3. Anna consents to share everything with Arbetsförmedlingen; Bertil consents to nothing.
    submit(
        client,
        f"/participants/{anna.id}/consent",
        {
            "party": str(world.af.id),
            "shares": ["progress", "attendance", "follow_up_notes"],
            "given_on": started.isoformat(),
        },
    )

    # 4. The first follow-up, three weeks in, with its summary frozen.
    first_follow_up = follow_ups_of(anna_placement, FollowUpKind.SCHEDULED)[0]
    submit(
        client,
        f"/follow-ups/{first_follow_up.id}",
        {
            "held_on": (started + 21 * DAY).isoformat(),
            "attendees": "Anna, Olle, Hanna",
            "notes": "Trivs i snickeriet",
            "decisions": "Fortsätter",
            "next_step": "Prova svarv",
        },
    )
    db.session.refresh(first_follow_up)
    assert first_follow_up.held_on == started + 21 * DAY and first_follow_up.summary is not None

    # 5. Attendance: today's one-tap check-in for both, and yesterday's sick day for Anna.
    for placement in (anna_placement, bertil_placement):
        unit_id = placement.unit_id
        submit(
            client,
            f"/day/units/{unit_id}",
            {
                "placement_id": str(placement.id),
                "on_date": today.isoformat(),
                "status": "present",
                "version": "",
            },
            action="/attendance/check-in",
            expect=303,
        )
    submit(
        client,
        f"/placements/{anna_placement.id}/attendance",
        {"on_date": (today - DAY).isoformat(), "status": "sick", "version": ""},
        expect=303,
    )
    recorded = db.session.execute(
        sa.select(Attendance.placement_id, Attendance.on_date, Attendance.status).order_by(
            Attendance.placement_id, Attendance.on_date
        )
    ).all()
    assert recorded == [
        (anna_placement.id, today - DAY, AttendanceStatus.SICK),
        (anna_placement.id, today, AttendanceStatus.PRESENT),
        (bertil_placement.id, today, AttendanceStatus.PRESENT),
    ]

    # 6. What each case worker sees: their own order; detail only with consent.
    sign_in("handlaggare")
    orders = client.get("/orders/").text
    assert "Anna" in orders and "Bertil" not in orders
    assert client.get(f"/orders/{bertil_placement.id}").status_code == 404
    olles_view = client.get(f"/orders/{anna_placement.id}").text
    assert "Progress summary" in olles_view and "Trivs i snickeriet" in olles_view
    assert "Slipa en stol" in olles_view and "No consent to share details." not in olles_view

    sign_in("socialsekreterare")
    orders = client.get("/orders/").text
    assert "Bertil" in orders and "Anna" not in orders
    assert client.get(f"/orders/{anna_placement.id}").status_code == 404
    sivs_view = client.get(f"/orders/{bertil_placement.id}").text
    assert "No consent to share details." in sivs_view
    assert "Slipa en stol" not in sivs_view and "present: " not in sivs_view

    # 7. Anna withdraws her consent: Olle's next look shows nothing more.
    sign_in("admin")
    consent = db.session.scalars(sa.select(Consent).where(Consent.participant_id == anna.id)).one()
    submit(
        client,
        f"/participants/{anna.id}/consent",
        {f"withdraw-{consent.id}-withdrawn_on": today.isoformat(),
         f"withdraw-{consent.id}-confirmed": "y"},
        action=f"/participants/{anna.id}/consent/{consent.id}/withdraw",
    )
    sign_in("handlaggare")
    olles_view = client.get(f"/orders/{anna_placement.id}").text
    assert "No consent to share details." in olles_view
    assert "Trivs i snickeriet" not in olles_view and "Slipa en stol" not in olles_view

    # 8. The exit: a last day before the start is refused; then both end today.
    sign_in("admin")
    refused = submit(
        client,
        f"/placements/{anna_placement.id}/exit",
        {"end_date": (started - DAY).isoformat(), "exit_outcome": "studies"},
        expect=422,
    )
    assert "The last day cannot come before the start" in refused.text
    for placement, outcome in ((anna_placement, "studies"), (bertil_placement, "work")):
        submit(
            client,
            f"/placements/{placement.id}/exit",
            {
                "end_date": today.isoformat(),
                "exit_outcome": outcome,
                "note": "Klar",
                "answer_0": "Hundra dagar",
                "answer_2": "Kamraterna",
            },
        )

    # 9. Three months after exit: what is each person doing now?
    for placement, doing in (
        (anna_placement, "studies"),
        (bertil_placement, "subsidised_employment"),
    ):
        (after_exit,) = follow_ups_of(placement, FollowUpKind.AFTER_EXIT)
        assert after_exit.due_on > today + 85 * DAY  # three calendar months after the last day
        submit(
            client,
            f"/follow-ups/{after_exit.id}",
            {
                "held_on": today.isoformat(),
                "activity_after_exit": doing,
                "notes": "Ringde upp",
            },
        )
        db.session.refresh(after_exit)
        assert after_exit.activity_after_exit == Outcome(doing)

    # The whole story, dated and attributed, on each placement's page and in its events.
    for placement, outcome in ((anna_placement, Outcome.STUDIES), (bertil_placement, Outcome.WORK)):
        db.session.refresh(placement)
        assert (placement.status, placement.end_date, placement.exit_outcome) == (
            PlacementStatus.ENDED,
            today,
            outcome,
        )
        assert placement.exit_interview == {  # asked on an English page, kept as asked
            "How long have you been a participant with us?": "Hundra dagar",
            "What has been the best thing about us?": "Kamraterna",
        }
        events = db.session.scalars(
            sa.select(PlacementEvent)
            .where(PlacementEvent.placement_id == placement.id)
            .order_by(PlacementEvent.id)
        ).all()
        assert all(event.actor_id == world.admin.id for event in events)
        assert [event.to_status for event in events][-3:] == [
            PlacementStatus.INTAKE,
            PlacementStatus.ACTIVE,
            PlacementStatus.ENDED,
        ]
    hub = client.get(f"/placements/{anna_placement.id}").text
    for text in (
        "Ordered → Study visit",
        "Study visit → Intake",
        "Intake → Active",
        "Active → Ended",
        "Studies",
        "Kamraterna",
    ):
        assert text in hub
    assert db.session.scalar(counted(sa.select(sa.func.count(Placement.id)))) == 2
