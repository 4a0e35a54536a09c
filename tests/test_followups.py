"""Intake in the three-party meeting, unit settings, the action plan, follow-ups and their
meeting pack: what a user sees, what is refused with a clear message and leaves nothing
half-saved, who may see what, and two people saving the same follow-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.audit import AuditEvent
from movetrack.clock import local_today
from movetrack.conflicts import EditConflict
from movetrack.extensions import db
from movetrack.followups import intake_services, plan_services, queries, schedule, services
from movetrack.followups.models import FollowUp, FollowUpKind, Goal, GoalModule, UnitSettings
from movetrack.participants.models import Assignment
from movetrack.placements.models import (
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
)
from movetrack.rules import RuleViolation
from tests import factories
from tests.helpers import count_queries, csrf_token, days_ago, post_form, with_dates

INTRO_TITLES = ("Introduktion", "Fysisk hälsa", "Psykisk hälsa", "Närvaro")


# Messages are asserted on their English wording, whatever the Swedish catalogue comes to say.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def intro(world):
    """The four introduction modules of MOVE, by their titles; Anna has Närvaro already."""
    modules = {
        title: factories.make_module(key, title, area_key="inlarning")
        for key, title in zip(
            ("introduktion", "fysisk-halsa", "psykisk-halsa", "narvaro"), INTRO_TITLES, strict=True
        )
    }
    factories.assign(world.anna, modules["Närvaro"], baseline=3)
    db.session.commit()
    return modules


def add_follow_up(placement, due_on, label="3 weeks", kind=FollowUpKind.SCHEDULED, **fields):
    follow_up = FollowUp(placement=placement, kind=kind, label=label, due_on=due_on, **fields)
    db.session.add(follow_up)
    db.session.commit()
    return follow_up


def intake_data(world, **changes) -> dict:
    """As a browser sends it: every row's hours field, ticked or not."""
    data = {
        **{f"schedule-{day}-hours": "" for day in range(7)},
        "intake_on": local_today().isoformat(),
        "intake_attendees": "Anna, Olle Ordrar, Hanna Handledare",
        "wants_to_take_part": "y",
        "start_date": (local_today() + dt.timedelta(days=7)).isoformat(),
        "schedule-0-works": "y", "schedule-0-hours": "4",
        "schedule-2-works": "y", "schedule-2-hours": "4,5",
        "schedule-4-hours": "6",  # hours without the tick: not a scheduled day
        "workstation_id": str(world.snickeriet.id),
    }
    return {key: value for key, value in {**data, **changes}.items() if value is not None}


def post_intake(client, placement, data):
    url = f"/placements/{placement.id}/intake"
    page = client.get(url)
    version = placement.version
    return client.post(url, data={"csrf_token": csrf_token(page.text), "version": version, **data})


def actions_for(participant) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.participant_id == participant.id)
            .order_by(AuditEvent.id)
        )
    )


def follow_ups_of(placement) -> list[FollowUp]:
    return list(
        db.session.scalars(
            sa.select(FollowUp)
            .where(FollowUp.placement_id == placement.id)
            .order_by(FollowUp.due_on)
        )
    )


# --- intake ---------------------------------------------------------------------------------


def test_intake_starts_the_placement_with_schedule_intro_modules_and_follow_ups(
    client, auth, world, intro
):
    placement = factories.make_placement(world.anna, world.af, case_worker=world.orderer,
                                         requested_end=local_today() + dt.timedelta(days=300))
    auth.login("handledare")
    page = client.get(f"/placements/{placement.id}/intake")
    assert page.status_code == 200
    assert "Introduktion" in page.text and "Already assigned" in page.text  # Närvaro
    assert "Olle Ordrar (Arbetsförmedlingen)" in page.text  # the meeting's people, suggested

    response = post_intake(client, placement, intake_data(world))
    assert response.status_code == 302
    assert response.location.endswith(f"/placements/{placement.id}/plan")

    db.session.refresh(placement)
    start = local_today() + dt.timedelta(days=7)
    assert placement.status == PlacementStatus.ACTIVE
    assert (placement.start_date, placement.intake_on, placement.wants_to_take_part) == (
        start, local_today(), True,
    )
    assert placement.workstation_id == world.snickeriet.id
    assert [(d.weekday, d.hours) for d in placement.schedule] == [
        (0, Decimal("4.00")), (2, Decimal("4.50")),
    ]
    events = db.session.scalars(
        sa.select(PlacementEvent).where(PlacementEvent.placement_id == placement.id)
        .order_by(PlacementEvent.id)
    ).all()
    assert [(e.from_status, e.to_status, e.on_date, e.actor_id) for e in events] == [
        (PlacementStatus.ORDERED, PlacementStatus.INTAKE, local_today(), world.supervisor.id),
        (PlacementStatus.INTAKE, PlacementStatus.ACTIVE, local_today(), world.supervisor.id),
    ]
    titles = sorted(a.module.title for a in world.anna.assignments)
    assert titles == sorted([*INTRO_TITLES, "Slipa en stol"])  # Närvaro not twice
    intro_assignments = [a for a in world.anna.assignments if a.module.title in INTRO_TITLES[:3]]
    assert {(a.assigned_on, a.assigned_by_id) for a in intro_assignments} == {
        (local_today(), world.supervisor.id)
    }
    # 3 weeks, 2 months, 3 months, then every 3 months up to the requested end (300 days).
    assert [(f.label, f.due_on) for f in follow_ups_of(placement)] == [
        ("3 weeks", start + dt.timedelta(weeks=3)),
        ("2 months", schedule.add_months(start, 2)),
        ("3 months", schedule.add_months(start, 3)),
        ("6 months", schedule.add_months(start, 6)),
        ("9 months", schedule.add_months(start, 9)),
    ]
    assert {f.kind for f in follow_ups_of(placement)} == {FollowUpKind.SCHEDULED}
    actions = actions_for(world.anna)
    assert actions.count("assignment.created") == 3
    assert {"placement.intake", "placement.active", "placement.intake_recorded"} <= set(actions)


def test_without_requested_end_repeating_follow_ups_run_a_year(client, auth, world, intro):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("admin")
    post_intake(client, placement, intake_data(world))
    labels = [f.label for f in follow_ups_of(placement)]
    assert labels == ["3 weeks", "2 months", "3 months", "6 months", "9 months", "12 months"]


def test_a_second_intake_for_an_active_placement_is_refused_clearly(client, auth, world, intro):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("handledare")
    assert post_intake(client, placement, intake_data(world)).status_code == 302
    events, follow_ups = len(placement.events), len(follow_ups_of(placement))

    page = client.get(f"/placements/{placement.id}/intake")
    assert "The intake was held on" in page.text and 'name="start_date"' not in page.text
    token = csrf_token(client.get(f"/placements/{placement.id}/plan/goals/new").text)
    again = client.post(
        f"/placements/{placement.id}/intake",
        data={"csrf_token": token, "version": placement.version,
              **intake_data(world)},
    )
    assert again.status_code == 422
    assert "This placement already had its intake" in again.text
    db.session.expire_all()
    assert (len(placement.events), len(follow_ups_of(placement))) == (events, follow_ups)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start_date": 90}, "The date is before the order was received"),
        ({"start_date": ""}, "Write the date the participant starts."),
        ({"intake_on": -1}, "The date has not come yet."),
        ({"wants_to_take_part": None}, "Tick this only when the participant has said so"),
        ({"schedule-0-works": None, "schedule-2-works": None}, "Tick at least one day"),
        ({"schedule-2-hours": "13"}, "Write the hours: more than 0, at most 12."),
        ({"schedule-2-hours": ""}, "Write the hours: more than 0, at most 12."),
        ({"schedule-2-hours": "fyra"}, "Write the hours as a number"),
        ({"schedule-2-hours": "NaN"}, "Write the hours as a number"),  # a 500 the fuzzer found
        ({"schedule-2-hours": "-inf"}, "Write the hours as a number"),
        ({"workstation_id": str(10_000)}, "Choose a workstation in Passagen, or none."),
    ],
)
def test_bad_intake_input_gets_a_message_and_saves_nothing(
    client, auth, world, intro, changes, message
):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("handledare")
    response = post_intake(client, placement, intake_data(world, **with_dates(changes)))
    assert response.status_code == 422
    assert message in response.text
    assert "Anna, Olle Ordrar, Hanna Handledare" in response.text  # what was typed stays
    db.session.expire_all()
    assert placement.status == PlacementStatus.ORDERED and placement.start_date is None
    assert placement.schedule == [] and placement.events == [] and follow_ups_of(placement) == []
    assert len(world.anna.assignments) == 2  # Slipa en stol and Närvaro, as before


def test_intake_after_someone_changed_the_placement_shows_what_changed(
    client, auth, world, intro
):
    placement = factories.make_placement(world.anna, world.af)
    auth.login("handledare")
    url = f"/placements/{placement.id}/intake"
    page = client.get(url)
    placement.intake_attendees = "Someone else's list"  # saved by another person meanwhile
    db.session.commit()
    response = client.post(
        url, data={"csrf_token": csrf_token(page.text), "version": 1, **intake_data(world)}
    )
    assert response.status_code == 422
    assert "Someone else changed this while you were editing" in response.text
    assert "Someone else&#39;s list" in response.text  # theirs, beside…
    assert "Anna, Olle Ordrar, Hanna Handledare" in response.text  # …yours
    assert f'name="version" type="hidden" value="{placement.version}"' in response.text
    db.session.expire_all()
    assert placement.status == PlacementStatus.ORDERED


def test_a_stale_placement_at_commit_is_a_conflict_not_an_overwrite(app, world, intro):
    placement = factories.make_placement(world.anna, world.af)
    with db.engine.begin() as other:  # another request commits between our check and commit
        other.execute(sa.text("UPDATE placements SET version = 2, intake_attendees = 'theirs'"))
    with pytest.raises(EditConflict) as conflict:
        intake_services.record_intake(world.supervisor, placement, {
            "version": 1, "intake_on": local_today(), "start_date": local_today(),
            "wants_to_take_part": True,
            "intake_attendees": "mine", "schedule": [(0, Decimal(4))], "workstation_id": None,
        })
    assert ("theirs", "mine") in [(c.theirs, c.yours) for c in conflict.value.changes]
    db.session.expire_all()
    assert placement.status == PlacementStatus.ORDERED and placement.intake_attendees == "theirs"
    assert follow_ups_of(placement) == [] and placement.schedule == []


# --- unit settings ----------------------------------------------------------------------------


def settings_url(world) -> str:
    return f"/units/{world.passagen.id}/placement-settings"


def test_admin_sets_intro_modules_schedule_and_questions_used_at_intake(
    client, auth, world, intro
):
    auth.login("admin")
    page = client.get(settings_url(world))
    assert page.status_code == 200
    assert "3w, 2m, 3m, every 3m" in page.text and "What has been the best thing about us?" in page.text
    assert page.text.count("checked") == 4  # MOVE's four until the unit chooses
    response = client.post(settings_url(world), data={
        "csrf_token": csrf_token(page.text),
        "intro_module_keys": ["introduktion", "slipa-en-stol"],
        "follow_up_schedule": "2v; var 1 mån",
        "exit_questions": "Vad var bäst?\n\n  Vad gör du nu?  \n",
    })
    assert response.status_code == 302
    saved = db.session.get(UnitSettings, world.passagen.id)
    assert saved.intro_module_keys == ["introduktion", "slipa-en-stol"]
    assert saved.follow_up_schedule == ["2w", "every 1m"]
    assert saved.exit_questions == ["Vad var bäst?", "Vad gör du nu?"]
    assert queries.exit_questions_for(world.passagen.id) == saved.exit_questions
    assert "unit.placement_settings_changed" in db.session.scalars(
        sa.select(AuditEvent.action)
    ).all()

    placement = factories.make_placement(world.anna, world.af,
                                         requested_end=local_today() + dt.timedelta(days=7 + 95))
    post_intake(client, placement, intake_data(world))
    assert [f.label for f in follow_ups_of(placement)] == [
        "2 weeks", "1 month", "2 months", "3 months",
    ]
    added = [a.module.key for a in world.anna.assignments if a.assigned_by_id == world.admin.id]
    assert added == ["introduktion"]  # Slipa en stol she has already


@pytest.mark.parametrize(
    ("schedule_text", "message"),
    [
        ("3w, 4x", "“4x” is not a follow-up time."),
        ("", "Write at least one follow-up time"),
        ("3m, 2m", "Write the follow-up times in order"),
        ("every 3m, 6m", "Put the repeating follow-up (“every 3m”) last."),
        ("0w", "use a number from 1 to 99"),
    ],
)
def test_a_schedule_that_cannot_be_read_is_refused_clearly(
    client, auth, world, schedule_text, message
):
    auth.login("admin")
    response = post_form(client, settings_url(world), data={
        "follow_up_schedule": schedule_text, "exit_questions": "Vad var bäst?",
    })
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{schedule_text}"' in response.text
    assert db.session.get(UnitSettings, world.passagen.id) is None


def test_only_admins_change_unit_settings(client, auth, world):
    auth.login("handledare")
    assert client.get(settings_url(world)).status_code == 403
    auth.logout()
    auth.login("handlaggare")
    assert client.get(settings_url(world)).status_code == 403


def test_schedule_dates_follow_the_calendar():
    plan = schedule.parse("3w, 2m, 3m, every 3m")
    start = dt.date(2025, 1, 31)
    assert plan.dates(start, dt.date(2025, 12, 31)) == [
        ("3 weeks", dt.date(2025, 2, 21)),
        ("2 months", dt.date(2025, 3, 31)),
        ("3 months", dt.date(2025, 4, 30)),  # 31 April does not exist
        ("6 months", dt.date(2025, 7, 31)),
        ("9 months", dt.date(2025, 10, 31)),
    ]
    assert schedule.parse(["3w", "every 3m"]).codes == ["3w", "every 3m"]
    assert schedule.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


# --- the action plan --------------------------------------------------------------------------


def plan_url(placement) -> str:
    return f"/placements/{placement.id}/plan"


def page_token(client, placement) -> str:
    """The session's CSRF token, from a page whose first form is a WTForms one."""
    return csrf_token(client.get(f"{plan_url(placement)}/goals/new").text)


def add_goal(client, placement, parent=None, **data):
    url = f"{plan_url(placement)}/goals/new" + (f"?parent_id={parent.id}" if parent else "")
    return post_form(client, url, data={"text": "Klara en hel dag", **data})


def test_plan_with_goals_sub_goals_modules_and_the_participants_own_words(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("handledare")
    response = add_goal(client, placement, participant_words="Jag vill orka jobba hela dagar",
                        who="Anna med Hanna", when="Till 3-månadersuppföljningen",
                        follow_up_how="Steg på modulen vid varje uppföljning")
    assert response.status_code == 302
    goal = db.session.scalars(sa.select(Goal)).one()
    assert add_goal(client, placement, parent=goal, text="Slipa en stol själv").status_code == 302
    sub_goal = db.session.scalars(sa.select(Goal).where(Goal.parent_id == goal.id)).one()

    linked = client.post(
        f"{plan_url(placement)}/goals/{sub_goal.id}/modules",
        data={"csrf_token": page_token(client, placement),
              f"goal-{sub_goal.id}-assignment_id": world.anna_module.id},
    )
    assert linked.status_code == 302
    assert db.session.get(GoalModule, (sub_goal.id, world.anna_module.id)) is not None

    page = client.get(plan_url(placement))
    assert "Goal 1" in page.text and "Sub-goal 1.1" in page.text
    assert "Slipa en stol själv" in page.text
    assert "“Jag vill orka jobba hela dagar”" in page.text and "In their own words" in page.text
    assert "Till 3-månadersuppföljningen" in page.text
    assert {"goal.created", "goal.module_linked"} <= set(actions_for(world.anna))


def test_another_persons_module_is_refused_in_the_plan(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("handledare")
    add_goal(client, placement)
    goal = db.session.scalars(sa.select(Goal)).one()
    url = f"{plan_url(placement)}/goals/{goal.id}/modules"
    response = client.post(url, data={
        "csrf_token": page_token(client, placement),
        f"goal-{goal.id}-assignment_id": world.bertil_module.id,
    })
    assert response.status_code == 422
    assert "Choose one of the participant&#39;s modules." in response.text
    assert db.session.scalars(sa.select(GoalModule)).all() == []


def edit_goal(client, placement, goal, **data):
    url = f"{plan_url(placement)}/goals/{goal.id}/edit"
    page = client.get(url)
    fingerprint = plan_services.goal_fingerprint(goal)
    fields = {"text": goal.text, "participant_words": goal.participant_words or "", **data}
    return client.post(url, data={"csrf_token": csrf_token(page.text),
                                  "fingerprint": fingerprint, **fields})


def test_the_participants_words_change_only_when_they_ask_and_the_log_keeps_both(
    client, auth, world
):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("handledare")
    add_goal(client, placement, participant_words="Jag vill bli snickare")
    goal = db.session.scalars(sa.select(Goal)).one()

    refused = edit_goal(client, placement, goal, participant_words="Anna vill bli snickare")
    assert refused.status_code == 422
    assert "These are the participant&#39;s own words" in refused.text
    db.session.expire_all()
    assert goal.participant_words == "Jag vill bli snickare"

    assert edit_goal(client, placement, goal, text="Bli snickare",
                     participant_words="Jag vill bli möbelsnickare",
                     words_confirmed="y").status_code == 302
    db.session.expire_all()
    assert goal.participant_words == "Jag vill bli möbelsnickare"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "goal.updated")
    ).one()
    assert event.details["old_words"] == "Jag vill bli snickare"
    assert event.details["new_words"] == "Jag vill bli möbelsnickare"
    assert set(event.details["fields"]) == {"text", "participant_words"}


def test_a_goal_changed_by_someone_else_meanwhile_is_not_overwritten(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("handledare")
    add_goal(client, placement, who="Hanna")
    goal = db.session.scalars(sa.select(Goal)).one()
    url = f"{plan_url(placement)}/goals/{goal.id}/edit"
    page = client.get(url)
    opened_fingerprint = plan_services.goal_fingerprint(goal)
    goal.who = "Sten"  # the other person's save
    db.session.commit()
    response = client.post(url, data={"csrf_token": csrf_token(page.text),
                                      "fingerprint": opened_fingerprint,
                                      "text": goal.text, "who": "Hanna och Anna"})
    assert response.status_code == 422
    assert "Someone else changed this" in response.text
    assert "Sten" in response.text and "Hanna och Anna" in response.text
    db.session.expire_all()
    assert goal.who == "Sten"


def test_an_ended_placements_plan_is_kept_as_it_was(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("handledare")
    add_goal(client, placement)
    placement.status, placement.end_date, placement.exit_outcome = (
        PlacementStatus.ENDED, local_today(), Outcome.WORK,
    )
    db.session.commit()
    page = client.get(plan_url(placement))
    assert "the plan is kept as it was" in page.text and "Add a goal" not in page.text
    response = client.post(f"{plan_url(placement)}/goals/new", data={
        "csrf_token": csrf_token(client.get("/account/password").text), "text": "Ett mål till"})
    assert response.status_code == 422 and "Ett mål till" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Goal.id))) == 1


# --- due and overdue --------------------------------------------------------------------------


def test_the_day_view_shows_due_follow_ups_overdue_first_with_a_word_not_just_colour(
    client, auth, world
):
    anna = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    add_follow_up(anna, local_today() + dt.timedelta(days=3), "2 months")
    add_follow_up(anna, days_ago(5), "3 weeks")
    add_follow_up(anna, local_today() + dt.timedelta(days=60), "3 months")  # not yet
    bertil = factories.make_placement(world.bertil, world.af, PlacementStatus.ACTIVE)
    add_follow_up(bertil, days_ago(1), "3 weeks")
    auth.login("handledare")
    day = client.get(f"/day/units/{world.passagen.id}").text
    panel = day[day.index("due-panel"):]
    assert "Overdue" in panel
    assert panel.index("3 weeks") < panel.index("2 months")
    assert "3 months" not in panel and "Bertil" not in panel
    listing = client.get(f"/follow-ups/?unit_id={world.passagen.id}")
    assert listing.status_code == 200
    assert listing.text.count("tag-overdue") == 1 and "Bertil" not in listing.text
    assert client.get(f"/follow-ups/?unit_id={world.ostervik.id}").status_code == 404


def test_an_ended_placements_planned_follow_ups_are_no_longer_due_but_the_one_after_exit_is(
    client, auth, world
):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=days_ago(200))
    add_follow_up(placement, days_ago(3), "3 months")
    placement.status, placement.end_date, placement.exit_outcome = (
        PlacementStatus.ENDED, days_ago(100), Outcome.STUDIES,
    )
    db.session.commit()
    services.schedule_after_exit(world.admin, placement)
    db.session.commit()
    auth.login("handledare")
    listing = client.get("/follow-ups/").text
    assert "3 months after exit" in listing and "3 months</td>" not in listing


def test_the_due_panel_costs_the_same_queries_for_two_or_twenty_placements(app, world):
    def count_for(count: int) -> int:
        for number in range(count):
            person = factories.make_participant(world.passagen, f"Person {count}-{number}")
            add_follow_up(factories.make_placement(person, world.af,
                                                   PlacementStatus.ACTIVE), days_ago(number))
        db.session.expire_all()
        with count_queries() as counted:
            rows = queries.due_for_unit(world.admin, world.passagen)
            names = [row.participant.display_name for row in rows]
        due = db.session.scalar(sa.select(sa.func.count(FollowUp.id)))
        assert len(set(names)) == min(due, queries.PANEL_SIZE)  # one each, all due by today
        return counted.count

    assert count_for(2) == count_for(20)


# --- recording a follow-up ----------------------------------------------------------------


def record_url(follow_up) -> str:
    return f"/follow-ups/{follow_up.id}"


def record(client, follow_up, version=None, **data):
    page = client.get(record_url(follow_up))
    return client.post(record_url(follow_up), data={
        "csrf_token": csrf_token(page.text),
        "version": follow_up.version if version is None else version,
        **data,
    })


def test_recording_freezes_steps_gained_and_attendance_since_the_start(client, auth, world):
    start = days_ago(28)
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=start)  # scheduled every day
    follow_up = add_follow_up(placement, days_ago(7))
    world.anna_module.assigned_on = start
    factories.rate(world.anna_module, 4, world.supervisor, days_ago(10))
    for day, status in ((days_ago(3), AttendanceStatus.PRESENT),
                        (days_ago(2), AttendanceStatus.SICK)):
        db.session.add(Attendance(placement=placement, on_date=day, status=status))
    db.session.commit()

    auth.login("handledare")
    page = client.get(record_url(follow_up))
    assert "So far, until today" in page.text and "up 2" in page.text
    response = record(client, follow_up, held_on=days_ago(2).isoformat(),
                      attendees="Anna, Olle", decisions="Fortsätt med slipning",
                      next_step="Prova Stallet")
    assert response.status_code == 302
    db.session.refresh(follow_up)
    assert (follow_up.held_on, follow_up.recorded_by_id) == (days_ago(2), world.supervisor.id)
    summary = follow_up.summary
    assert (summary["since"], summary["until"]) == (start.isoformat(), days_ago(2).isoformat())
    [module] = summary["modules"]
    assert (module["module"], module["from_step"], module["to_step"], module["gain"]) == (
        "Slipa en stol", 2, 4, 2,
    )
    assert summary["attendance"]["present_days"] == 1
    assert summary["attendance"]["scheduled_days"] == 27  # every day from start to held
    assert "follow_up.recorded" in actions_for(world.anna)

    # A later rating does not rewrite what the meeting saw, even when its notes are edited.
    factories.rate(world.anna_module, 7, world.supervisor, days_ago(5))
    db.session.commit()
    assert record(client, follow_up, held_on=days_ago(2).isoformat(),
                  decisions="Fortsätt med slipning och lackning").status_code == 302
    db.session.refresh(follow_up)
    assert follow_up.summary["modules"][0]["to_step"] == 4
    assert "follow_up.corrected" in actions_for(world.anna)
    shown = client.get(record_url(follow_up)).text
    assert "As it was on the day of the follow-up" in shown and "up 2" in shown


def test_the_next_summary_starts_where_the_last_follow_up_ended(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=days_ago(60))
    first = add_follow_up(placement, days_ago(40), held_on=days_ago(40), label="3 weeks")
    second = add_follow_up(placement, days_ago(1), label="2 months")
    factories.rate(world.anna_module, 3, world.supervisor, days_ago(45))
    factories.rate(world.anna_module, 6, world.supervisor, days_ago(20))
    db.session.commit()
    auth.login("handledare")
    assert record(client, second, held_on=local_today().isoformat()).status_code == 302
    db.session.refresh(second)
    assert second.summary["since"] == days_ago(40).isoformat()
    assert second.summary["since_follow_up"] == first.label
    [module] = second.summary["modules"]
    assert (module["from_step"], module["gain"]) == (3, 3)


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (-1, "The date has not come yet."),
        (50, "A follow-up is held after the start"),
        ("", "Write the date the follow-up was held."),
        ("igår", "Write a date as YYYY-MM-DD"),
    ],
)
def test_a_follow_up_date_out_of_order_is_refused(client, auth, world, held_on, message):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=days_ago(40))
    follow_up = add_follow_up(placement, days_ago(19))
    auth.login("handledare")
    response = record(client, follow_up, **with_dates({"held_on": held_on}), notes="Behåll mig")
    assert response.status_code == 422
    assert message in response.text and "Behåll mig" in response.text
    db.session.refresh(follow_up)
    assert (follow_up.held_on, follow_up.summary, follow_up.version) == (None, None, 1)


def test_two_people_saving_the_same_follow_up_the_second_sees_what_changed(
    client, auth, world
):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    follow_up = add_follow_up(placement, days_ago(19))
    auth.login("handledare")
    first = record(client, follow_up, version=1, held_on=days_ago(1).isoformat(),
                   decisions="Hannas beslut")
    assert first.status_code == 302
    second = record(client, follow_up, version=1, held_on=days_ago(1).isoformat(),
                    decisions="Stens beslut")
    assert second.status_code == 422
    assert "Someone else changed this while you were editing" in second.text
    assert "Hannas beslut" in second.text and "Stens beslut" in second.text
    assert 'name="version" type="hidden" value="2"' in second.text  # saving again is deliberate
    db.session.refresh(follow_up)
    assert follow_up.decisions == "Hannas beslut"


def test_a_follow_up_changed_between_check_and_commit_is_a_conflict(app, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    follow_up = add_follow_up(placement, days_ago(19))
    with db.engine.begin() as other:
        other.execute(sa.text("UPDATE follow_ups SET version = 2, notes = 'theirs'"))
    with pytest.raises(EditConflict) as conflict:
        services.record_follow_up(world.supervisor, follow_up, {
            "version": 1, "held_on": days_ago(1), "notes": "mine",
        })
    assert ("theirs", "mine") in [(c.theirs, c.yours) for c in conflict.value.changes]
    db.session.expire_all()
    assert (follow_up.notes, follow_up.held_on) == ("theirs", None)


def test_holding_the_last_planned_follow_up_plans_the_next(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=days_ago(400))
    last = add_follow_up(placement, days_ago(35), label="12 months")
    auth.login("handledare")
    assert record(client, last, held_on=days_ago(30).isoformat()).status_code == 302
    next_one = follow_ups_of(placement)[-1]
    assert (next_one.label, next_one.due_on) == (
        "15 months", schedule.add_months(days_ago(400), 15),
    )


# --- after exit -----------------------------------------------------------------------------


def ended(world, end_date) -> Placement:
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=end_date - dt.timedelta(days=100))
    placement.status, placement.end_date, placement.exit_outcome = (
        PlacementStatus.ENDED, end_date, Outcome.OWN_CHOICE,
    )
    db.session.commit()
    return placement


def test_schedule_after_exit_adds_one_three_months_on_and_leaves_the_commit_to_the_exit(
    app, world
):
    placement = ended(world, dt.date(2025, 11, 30))
    follow_up = services.schedule_after_exit(world.admin, placement)
    assert (follow_up.kind, follow_up.label, follow_up.due_on) == (
        FollowUpKind.AFTER_EXIT, "3 months after exit", dt.date(2026, 2, 28),
    )
    db.session.rollback()  # the exit failed: nothing of it stays
    assert follow_ups_of(placement) == []

    services.schedule_after_exit(world.admin, placement)
    db.session.commit()
    placement.end_date = dt.date(2025, 12, 15)  # reopened and ended again
    services.schedule_after_exit(world.admin, placement)
    db.session.commit()
    assert [(f.kind, f.due_on) for f in follow_ups_of(placement)] == [
        (FollowUpKind.AFTER_EXIT, dt.date(2026, 3, 15)),
    ]


def test_the_follow_up_after_exit_asks_what_the_person_does_now(client, auth, world):
    placement = ended(world, days_ago(95))
    follow_up = services.schedule_after_exit(world.admin, placement)
    db.session.commit()
    auth.login("handledare")
    page = client.get(record_url(follow_up))
    assert "What is the person doing now?" in page.text and "Ended by own choice" in page.text
    assert "Registered by mistake" not in page.text.split('name="activity_after_exit"')[1]

    missing = record(client, follow_up, held_on=local_today().isoformat(), notes="Ringde")
    assert missing.status_code == 422 and "Choose what the person is doing now." in missing.text
    early = record(client, follow_up, held_on=days_ago(100).isoformat(), activity_after_exit="work")
    assert early.status_code == 422 and "held after the end date" in early.text

    saved = record(client, follow_up, held_on=local_today().isoformat(),
                   activity_after_exit="studies", notes="Läser på Komvux")
    assert saved.status_code == 302
    db.session.refresh(follow_up)
    assert (follow_up.activity_after_exit, follow_up.notes) == (Outcome.STUDIES, "Läser på Komvux")


# --- the meeting pack -----------------------------------------------------------------------


def test_the_meeting_pack_has_plan_modules_attendance_and_last_decisions(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=days_ago(60),
                                         requested_end=local_today() + dt.timedelta(days=90))
    add_follow_up(placement, days_ago(40), held_on=days_ago(40), decisions="Börja med slipning")
    follow_up = add_follow_up(placement, local_today(), label="2 months")
    auth.login("handledare")
    add_goal(client, placement, participant_words="Jag vill jobba med trä")
    pack = client.get(f"/follow-ups/{follow_up.id}/pack")
    assert pack.status_code == 200
    text = pack.text
    for expected in ("Anna Andersson", "Arbetsförmedlingen", "Börja med slipning",
                     "Klara en hel dag", "“Jag vill jobba med trä”", "Slipa en stol",
                     "Attendance", "Notes from the meeting", "data-print hidden"):
        assert expected in text, expected
    assert "style=" not in text and "<script>" not in text


# --- scope --------------------------------------------------------------------------------


def test_another_units_supervisor_gets_404_and_a_case_worker_403(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    follow_up = add_follow_up(placement, days_ago(1))
    urls = [
        f"/placements/{placement.id}/intake", plan_url(placement),
        f"{plan_url(placement)}/goals/new", f"/placements/{placement.id}/follow-ups",
        record_url(follow_up), f"{record_url(follow_up)}/pack",
    ]
    auth.login("stallchef")
    for url in urls:
        assert client.get(url).status_code == 404, url
    token = csrf_token(client.get("/account/password").text)
    response = client.post(record_url(follow_up), data={
        "csrf_token": token, "version": 1, "held_on": local_today().isoformat(),
    })
    assert response.status_code == 404
    auth.logout()
    auth.login("handlaggare")
    for url in urls + ["/follow-ups/"]:
        assert client.get(url).status_code == 403, url
    db.session.refresh(follow_up)
    assert follow_up.held_on is None


def test_services_refuse_non_staff(world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    with pytest.raises(RuleViolation):
        plan_services.add_goal(world.orderer, placement, {"text": "x"})
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 2


def test_the_plan_costs_the_same_queries_for_one_goal_or_eight(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE)
    auth.login("handledare")

    def queries_with(goals: int) -> int:
        while (number := db.session.scalar(sa.select(sa.func.count(Goal.id)))) < goals:
            goal = Goal(placement_id=placement.id, text=f"Mål {number:02}")
            db.session.add(goal)
            db.session.flush()
            db.session.add(Goal(placement_id=placement.id, parent_id=goal.id,
                                text=f"Mål {number + 1:02}"))
            db.session.add(GoalModule(goal_id=goal.id, assignment_id=world.anna_module.id))
        db.session.commit()
        with count_queries() as counted:
            page = client.get(plan_url(placement))
        assert page.status_code == 200
        assert all(f"Mål {number:02}" in page.text for number in range(goals))
        return counted.count

    assert queries_with(2) == queries_with(16)


def test_the_default_schedule_is_shown_in_swedish_and_reads_back(app):
    from flask_babel import force_locale

    from movetrack.followups import schedule

    with app.test_request_context(), force_locale("sv"):
        text = schedule.text_of(schedule.DEFAULT_SCHEDULE)
    assert text == "3v, 2m, 3m, var 3m"
    assert schedule.parse(text).codes == list(schedule.DEFAULT_SCHEDULE)
