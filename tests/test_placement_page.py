"""The placement's page: the next thing due is the primary action, the exit a secondary
one, and the placement's pages are navigation, not a row of buttons."""

from __future__ import annotations

import datetime as dt

import pytest

from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.followups.models import Goal, GoalModule
from movetrack.placements.models import PlacementStatus
from tests import factories
from tests.test_followups import add_follow_up

pytestmark = pytest.mark.usefixtures("english")


def _next_step(html: str) -> str:
    return html.split('id="next-heading"')[1].split("</section>")[0]


def test_the_primary_next_step_is_the_next_follow_up_and_exit_is_secondary(client, auth, world):
    today = local_today()
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=today - dt.timedelta(days=70), case_worker=world.orderer)
    add_follow_up(placement, today - dt.timedelta(days=49), "3 weeks",
                  held_on=today - dt.timedelta(days=48))
    due = add_follow_up(placement, today + dt.timedelta(days=5), "3 months")
    auth.login("handledare")
    page = client.get(f"/placements/{placement.id}")
    assert page.status_code == 200
    next_step = _next_step(page.text)
    primary = next_step.split('class="button"')[1].split("</a>")[0]
    assert f'href="/follow-ups/{due.id}"' in primary
    assert "Record the follow-up: 3 months" in primary
    assert 'class="button button-secondary" href="/placements/' in next_step
    exit_link = next_step.split("Record the exit")[0].rsplit("<a ", 1)[1]
    assert 'class="button button-secondary"' in exit_link


def test_the_placements_pages_are_navigation_with_the_current_one_marked(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE, case_worker=world.orderer)
    auth.login("handledare")
    for url, current in (
        (f"/placements/{placement.id}", "Overview"),
        (f"/placements/{placement.id}/plan", "Action plan"),
        (f"/placements/{placement.id}/follow-ups", "Follow-ups"),
    ):
        page = client.get(url)
        assert page.status_code == 200
        nav = page.text.split('<nav class="subnav" aria-label="This placement">')[1].split("</nav>")[0]
        assert "button" not in nav
        assert f'aria-current="page">{current}</a>' in nav
        assert nav.count('aria-current="page"') == 1


def test_the_participant_page_links_to_the_placement_and_plan(client, auth, world):
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE, case_worker=world.orderer)
    auth.login("handledare")
    page = client.get(f"/participants/{world.anna.id}")
    assert page.status_code == 200
    section = page.text.split('id="placement-heading"')[1].split("</section>")[0]
    assert f'href="/placements/{placement.id}"' in section
    assert f'href="/placements/{placement.id}/plan"' in section
    assert "Passagen, ordered by Arbetsförmedlingen" in section
    # Recording a step and editing the start and goal are told apart.
    assert "Edit start and goal" in page.text and "Edit steps" not in page.text


def test_the_goal_step_is_set_on_the_participant_page_and_shown_in_the_plan(client, auth, world):
    """One place to set it: the module's goal (6 for Anna's module) is what the plan shows,
    and the plan's form only picks the module."""
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE, case_worker=world.orderer)
    goal = Goal(placement_id=placement.id, text="Klara en hel dag")
    db.session.add(goal)
    db.session.flush()
    db.session.add(GoalModule(goal_id=goal.id, assignment_id=world.anna_module.id))
    db.session.commit()
    auth.login("handledare")
    plan = client.get(f"/placements/{placement.id}/plan")
    assert plan.status_code == 200
    row = plan.text.split("Slipa en stol</th>")[1].split("</tr>")[0]
    assert row.split('class="number-cell">')[3].startswith("6<")  # start, now, goal
    assert "target_step" not in plan.text
    assert f'href="/participants/{world.anna.id}#modules"' in plan.text
    world.anna_module.goal_step = 8
    db.session.commit()
    row = client.get(f"/placements/{placement.id}/plan").text.split("Slipa en stol</th>")[1]
    assert row.split("</tr>")[0].split('class="number-cell">')[3].startswith("8<")
