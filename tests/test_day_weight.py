"""The supervisor's day view on a full morning (issue 14, item 3): a tablet page at most
60 KB transferred with 40 people scheduled, and the same number of SQL statements
whatever the data (with or without someone having rated themselves)."""

from __future__ import annotations

import uuid

from movetrack.extensions import db
from movetrack.mypages.models import SelfRating
from movetrack.participants.models import Participant
from tests import factories
from tests.helpers import count_queries, days_ago

TABLET_PAGE_BUDGET = 60_000  # bytes: issue 14's 60 KB, read strictly
SCHEDULED = 40


def schedule_people(world, count: int) -> None:
    people = [Participant(unit=world.passagen, name=f"Deltagare {n:02}", workstation=world.snickeriet)
              for n in range(count)]
    db.session.add_all(people)
    for person in people:
        factories.make_placement(person, world.af, start_date=days_ago(30))


def day_view(client, world):
    return client.get(f"/day/units/{world.passagen.id}")


def test_a_full_morning_fits_the_tablet_budget(client, sign_in, world):
    schedule_people(world, SCHEDULED)
    sign_in("handledare")
    response = day_view(client, world)
    assert response.status_code == 200
    assert all(f"Deltagare {n:02}" in response.text for n in range(SCHEDULED))
    # Every tile keeps its one-tap "Here" and its "Other…" for the rest, named for the person.
    for n in range(SCHEDULED):
        assert f'Here<span class="visually-hidden"> – Deltagare {n:02}</span>' in response.text
        assert f'Other…<span class="visually-hidden"> – Deltagare {n:02}</span>' in response.text
    assert len(response.data) <= TABLET_PAGE_BUDGET, f"{len(response.data)} bytes"


def test_the_day_view_costs_the_same_statements_with_or_without_self_ratings(client, sign_in, world):
    factories.make_placement(world.anna, world.af, start_date=days_ago(30))
    sign_in("handledare")
    with count_queries() as nobody_rated_themselves:
        assert day_view(client, world).status_code == 200
    db.session.add(SelfRating(assignment_id=world.anna_module.id, rated_on=days_ago(1), step=6,
                              module_version_id=world.module.versions[-1].id,
                              rated_by_id=world.anna.id, request_key=uuid.uuid4()))
    db.session.commit()
    with count_queries() as someone_did:
        response = day_view(client, world)
    # Anna rated herself 6, staff has her at 2: flagged, so the query really ran.
    assert "Own rating differs" in response.text
    assert someone_did.count == nobody_rated_themselves.count


def test_other_opens_one_tile_without_a_script(client, sign_in, world):
    """The tiles carry a link, not a menu each: followed without JavaScript it draws the day
    view with that tile's menu open, so "Other…" then a status is still two taps."""
    placement = factories.make_placement(world.anna, world.af, start_date=days_ago(30))
    sign_in("handledare")
    closed = day_view(client, world).text
    link = f'href="/day/units/{world.passagen.id}?other={placement.id}#attendance-{placement.id}"'
    assert link in closed and f'id="hours-{placement.id}"' not in closed
    opened = client.get(f"/day/units/{world.passagen.id}", query_string={"other": placement.id})
    assert opened.status_code == 200
    start = opened.text.index(f'id="attendance-{placement.id}"')
    tile = opened.text[start:opened.text.index("</li>", start)]
    assert f'id="hours-{placement.id}"' in tile and "Hours here (of 6)" in tile
    for status in ("partly", "sick", "valid_reason", "unannounced"):
        assert f'name="status" value="{status}"' in tile
    assert 'Other…<span class="visually-hidden"> – Anna</span>' in tile
