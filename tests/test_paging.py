"""Lists that grow without bound come a page at a time (keyset, movetrack/paging.py): the
participant list and its search, a rating history and a case worker's orders. Each page
costs the same statements with 10 rows or 120, a page's weight stays bounded with a
thousand rows, and Next / Previous walk every row once."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from movetrack.extensions import db
from movetrack.participants.models import Participant
from movetrack.placements.models import Placement, PlacementStatus, Purpose
from movetrack.progress.models import Rating
from tests.helpers import count_queries, days_ago

TABLET_PAGE_BUDGET = 60_000  # bytes of HTML, images aside (issue 14)
MOST_QUERIES = 12


def add_people(world, count: int, start: int = 0) -> None:
    """People written in one bulk insert (the names' keys come from the column defaults,
    as for the data generator)."""
    db.session.execute(sa.insert(Participant), [
        {"unit_id": world.passagen.id, "name": f"Person {number:04d}"}
        for number in range(start, start + count)
    ])
    db.session.commit()


def add_ratings(world, count: int) -> None:
    first_day = days_ago(count)
    db.session.execute(sa.insert(Rating), [
        {"assignment_id": world.anna_module.id,
         "module_version_id": world.module.versions[-1].id,
         "step": 1 + number % 10, "rated_on": first_day + dt.timedelta(days=number),
         "rated_by_id": world.supervisor.id, "note": f"Anteckning {number}"}
        for number in range(count)
    ])
    db.session.commit()


def add_orders(world, count: int, start: int = 0) -> None:
    """Orders for the case worker, each for a person of its own (one open order each)."""
    add_people(world, count, start)
    people = db.session.scalars(
        sa.select(Participant.id).where(Participant.name.like("Person %"))
        .order_by(Participant.id).offset(start)
    ).all()
    db.session.execute(sa.insert(Placement), [
        {"participant_id": person, "unit_id": world.passagen.id, "ordering_unit_id": world.af.id,
         "case_worker_id": world.orderer.id, "status": PlacementStatus.ORDERED,
         "purpose": Purpose.WORK_TRAINING, "received_on": days_ago(number % 300)}
        for number, person in enumerate(people)
    ])
    db.session.commit()


def queries_and_page(client, url: str):
    db.session.expire_all()
    with count_queries() as counted:
        response = client.get(url)
    assert response.status_code == 200
    return counted.count, response


def every_page(client, url: str, row_pattern: str) -> list[str]:
    """The rows of every page, following Next from the first page to the last."""
    seen = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        seen += re.findall(row_pattern, page.text)
        following = re.search(r'rel="next" href="([^"]+)"', page.text)
        url = following and following.group(1).replace("&amp;", "&")
    return seen


# --- the participant list --------------------------------------------------------------------


@pytest.mark.parametrize(("url", "found"), [
    ("/participants/", "121 participants"),  # Anna too
    ("/participants/?state=all&search=person", "120 participants"),
])
def test_the_participant_list_costs_the_same_queries_with_10_or_120_people(
    client, sign_in, world, url, found
):
    sign_in("handledare")
    add_people(world, 10)
    with_ten, _ = queries_and_page(client, url)
    add_people(world, 110, start=10)
    with_many, page = queries_and_page(client, url)
    assert with_ten == with_many <= MOST_QUERIES
    assert page.text.count('<tr>') - 1 == 50  # one page, the header row aside
    assert 'rel="next"' in page.text and found in page.text


def test_next_and_previous_walk_every_participant_once_in_name_order(client, sign_in, world):
    sign_in("handledare")
    add_people(world, 120)
    names = every_page(client, "/participants/", r">(Person \d{4})</a>")
    assert names == [f"Person {number:04d}" for number in range(120)]

    second = client.get("/participants/?after=" + re.search(
        r'rel="next" href="[^"]*after=([^"&]+)', client.get("/participants/").text).group(1))
    assert "Person 0049" in second.text and "Person 0048" not in second.text  # Anna first
    back = re.search(r'rel="prev" href="([^"]+)"', second.text).group(1).replace("&amp;", "&")
    first = client.get(back).text
    assert "Anna" in first and "Person 0000" in first and "Person 0048" in first
    assert "Person 0049" not in first
    assert 'rel="prev"' not in first  # back at the start


def test_filters_are_kept_from_page_to_page(client, sign_in, world):
    sign_in("handledare")
    add_people(world, 120)
    names = every_page(client, "/participants/?search=PERSON%2000", r">(Person \d{4})</a>")
    assert names == [f"Person {number:04d}" for number in range(100)]


@pytest.mark.parametrize("typed", ["asa", "ÅSA", "öberg", "OBERG", "li"])
def test_search_ignores_case_and_accents_in_either_name(client, sign_in, world, typed):
    db.session.add(Participant(unit=world.passagen, name="Åsa Öberg", preferred_name="Li"))
    db.session.commit()
    sign_in("handledare")
    found = client.get("/participants/", query_string={"search": typed})
    assert found.status_code == 200
    assert "Åsa Öberg" in found.text and "Anna Andersson" not in found.text


def test_a_renamed_person_is_found_and_sorted_by_the_new_name(client, sign_in, world):
    world.anna.preferred_name = "Zelda"
    db.session.commit()
    sign_in("handledare")
    assert "Anna Andersson" in client.get("/participants/?search=zel").text
    add_people(world, 60)
    assert "Zelda" not in client.get("/participants/").text  # sorted after Person 0000–0059


def test_search_is_within_scope(client, sign_in, world):
    sign_in("handledare")  # Passagen only: Bertil is in Östervik
    assert "Bertil" not in client.get("/participants/?search=bertil&state=all").text


def _cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


@pytest.mark.parametrize("cursor", [
    "not-a-cursor", "x" * 5000, _cursor([]), _cursor(["a"]), _cursor([1, 2]),
    _cursor(["a", 10**30]), _cursor(["a\x00", 1]), _cursor(["a", True]), _cursor({"a": 1}),
])
def test_a_cursor_that_cannot_be_read_starts_from_the_beginning(client, sign_in, world, cursor):
    sign_in("handledare")
    for name in ("after", "before"):
        page = client.get("/participants/", query_string={name: cursor})
        assert page.status_code == 200 and "Anna" in page.text


def test_a_search_too_long_is_refused_beside_the_field(client, sign_in, world):
    sign_in("handledare")
    page = client.get("/participants/", query_string={"search": "a" * 500})
    assert page.status_code == 200
    assert "Anna" in page.text  # the filter is left out and the field says why
    assert "Use at most 160 characters." in page.text


def test_the_participant_list_weighs_the_same_with_a_thousand_people(client, sign_in, world):
    sign_in("handledare")
    add_people(world, 1000)
    page = client.get("/participants/?state=all")
    assert page.status_code == 200 and "1001 participants" in page.text
    assert len(page.data) < TABLET_PAGE_BUDGET


# --- a rating history -------------------------------------------------------------------------


def test_a_history_costs_the_same_queries_with_10_or_120_ratings(client, sign_in, world):
    sign_in("handledare")
    url = f"/day/assignments/{world.anna_module.id}/history"
    add_ratings(world, 10)
    with_ten, _ = queries_and_page(client, url)
    add_ratings(world, 110)
    with_many, page = queries_and_page(client, url)
    assert with_ten == with_many <= MOST_QUERIES
    assert page.text.count('id="rating-') == 30 and 'rel="next"' in page.text


@pytest.mark.parametrize("cursor", [
    _cursor(["2026-01-01", "nonsense", 1]), _cursor(["9999-12-31", "0001-01-01T00:00:00", 10**12]),
    _cursor([1, 2, 3]),
])
def test_a_history_cursor_that_cannot_be_read_starts_from_the_newest(
    client, sign_in, world, cursor
):
    sign_in("handledare")
    add_ratings(world, 3)
    page = client.get(f"/day/assignments/{world.anna_module.id}/history", query_string={"after": cursor})
    assert page.status_code == 200 and "Anteckning 2<" in page.text


def test_a_history_pages_newest_first_through_every_rating(client, sign_in, world):
    sign_in("handledare")
    add_ratings(world, 120)
    notes = every_page(
        client, f"/day/assignments/{world.anna_module.id}/history", r"Anteckning (\d+)<"
    )
    assert notes == [str(number) for number in reversed(range(120))]


def test_a_history_of_200_ratings_stays_light(client, sign_in, world):
    sign_in("handledare")
    add_ratings(world, 200)
    page = client.get(f"/day/assignments/{world.anna_module.id}/history")
    assert page.status_code == 200
    assert len(page.data) < TABLET_PAGE_BUDGET
    assert "The chart shows the latest 50 of 200 ratings." in page.text
    assert page.text.count('class="chart-point ') == 50


# --- a case worker's orders --------------------------------------------------------------------


def test_the_orders_cost_the_same_queries_with_10_or_120_orders(client, sign_in, world):
    sign_in("handlaggare")
    add_orders(world, 10)
    with_ten, _ = queries_and_page(client, "/orders/")
    add_orders(world, 110, start=10)
    with_many, page = queries_and_page(client, "/orders/")
    assert with_ten == with_many <= MOST_QUERIES
    assert 'rel="next"' in page.text


def test_the_orders_page_through_every_order_once_newest_first(client, sign_in, world):
    sign_in("handlaggare")
    add_orders(world, 120)
    shown = every_page(client, "/orders/?state=all", r">(Person \d{4})</a>")
    assert sorted(shown) == [f"Person {number:04d}" for number in range(120)]
    newest_first = sorted(range(120), key=lambda number: (number % 300, -number))
    assert shown[:3] == [f"Person {number:04d}" for number in newest_first[:3]]
