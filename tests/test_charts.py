"""Step-progression charts (issue 11, items 6 and 7): the SVG and its table carry the same
numbers; 0, 1 and 200 ratings stay correct and bounded; the history page, the module
overview and the meeting pack show them at a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string

from movetrack.caseworker.queries import _progress
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.placements.models import PlacementStatus
from movetrack.progress import charts
from movetrack.progress.models import Rating
from movetrack.progress.queries import baselines, steps_on
from movetrack.progress.routes import CHART_POINTS
from tests import factories
from tests.helpers import count_queries, days_ago

SVG = "{http://www.w3.org/2000/svg}"
TABLE_ROW = re.compile(
    r'<tr data-kind="(\w+)"><td><time datetime="([\d-]+)">.*?<td class="number-cell">(\d+)</td></tr>'
)


@pytest.fixture(autouse=True)
def english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def today() -> dt.date:
    return local_today()


def chart_svg(html: str) -> ET.Element:
    """The page's chart (the legend's small keys are separate SVGs), parsed as XML."""
    svgs = re.findall(r'<svg class="chart-svg".*?</svg>', html, re.S)
    assert len(svgs) == 1, f"expected one chart, found {len(svgs)}"
    return ET.fromstring(svgs[0])


def markers(svg: ET.Element) -> list[tuple[str, str, int, float]]:
    """(kind, day, step, y) of every rating drawn, in drawing order."""
    found = []
    for element in svg.iter():
        classes = element.get("class", "").split()
        if "chart-point" in classes:
            kind = "staff" if "chart-point-staff" in classes else "self"
            y = float(element.get("cy")) if element.tag == SVG + "circle" else _diamond_centre(element)
            found.append((kind, element.get("data-day"), int(element.get("data-step")), y))
    return found


def _diamond_centre(path: ET.Element) -> float:
    top = re.match(r"M[\d.]+ ([\d.]+)", path.get("d")).group(1)
    right = re.search(r"L[\d.]+ ([\d.]+)", path.get("d")).group(1)
    assert float(top) < float(right)
    return float(right)


def step_axis(svg: ET.Element) -> dict[int, float]:
    """{step: y} read from the labels of the step axis."""
    return {
        int(text.text): float(text.get("y"))
        for text in svg.iter(SVG + "text")
        if "chart-step-label" in text.get("class", "")
    }


def date_labels(svg: ET.Element) -> list[str]:
    return [t.text for t in svg.iter(SVG + "text") if "chart-date-label" in t.get("class", "")]


def table_rows(html: str) -> list[tuple[str, str, int]]:
    return [(kind, day, int(step)) for kind, day, step in TABLE_ROW.findall(html)]


def assert_svg_matches_table(html: str) -> list[tuple[str, str, int, float]]:
    """Every marker sits at the height of its step on the axis, and the table lists the
    same (kind, day, step) as the drawing."""
    svg = chart_svg(html)
    drawn = markers(svg)
    axis = step_axis(svg)
    assert sorted(axis) == list(range(1, 11))
    for _kind, _day, step, y in drawn:
        assert y == axis[step]
    assert sorted((kind, day, step) for kind, day, step, _ in drawn) == sorted(table_rows(html))
    return drawn


# --- the chart model and macro, with hand-made points -----------------------------------------


def render_step_chart(chart) -> str:
    return render_template_string(
        '{% from "_macros/chart.html" import step_chart %}{{ step_chart(chart, "c", "Chart") }}',
        chart=chart,
    )


def test_self_ratings_are_drawn_apart_by_shape_and_listed_as_self_ratings(app):
    start = today() - dt.timedelta(days=30)
    staff = [(start, 3), (start + dt.timedelta(days=10), 4), (start + dt.timedelta(days=20), 5)]
    own = [(start + dt.timedelta(days=5), 6), (start + dt.timedelta(days=20), 7)]
    chart = charts.step_chart(staff, self_ratings=own, baseline=3, goal=8)
    with app.test_request_context():
        html = render_step_chart(chart)
    drawn = assert_svg_matches_table(html)
    assert [(k, s) for k, _, s, _ in drawn] == [("staff", 3), ("staff", 4), ("staff", 5), ("self", 6), ("self", 7)]
    svg = chart_svg(html)
    assert {e.tag for e in svg.iter() if "chart-point-staff" in e.get("class", "")} == {SVG + "circle"}
    assert {e.tag for e in svg.iter() if "chart-point-self" in e.get("class", "")} == {SVG + "path"}
    lines = {e.get("class") for e in svg.iter(SVG + "polyline")}
    assert lines == {"chart-line chart-line-staff", "chart-line chart-line-self"}
    # The last day (a staff rating and a self-rating) is the right edge, the first the left.
    last_day = (start + dt.timedelta(days=20)).isoformat()
    staff_x = {e.get("data-day"): float(e.get("cx")) for e in svg.iter(SVG + "circle") if e.get("data-day")}
    assert staff_x[start.isoformat()] == charts.LEFT and staff_x[last_day] == charts.RIGHT
    self_path = next(e for e in svg.iter(SVG + "path") if e.get("data-day") == last_day)
    assert self_path.get("d").startswith(f"M{float(charts.RIGHT)} ")
    # Baseline and goal are marked, with their step, at their step's height.
    axis = step_axis(svg)
    levels = {g.get("class"): g for g in svg.iter(SVG + "g") if g.get("class") in ("chart-baseline", "chart-goal")}
    assert levels["chart-baseline"].get("data-step") == "3" and levels["chart-goal"].get("data-step") == "8"
    assert float(levels["chart-goal"].find(SVG + "line").get("y1")) == axis[8]
    assert "Self-rating" in html or "Självskattning" in html


def test_no_self_ratings_means_no_self_series_and_no_legend_for_it(app):
    chart = charts.step_chart([(today(), 4)])
    assert [series.kind for series in chart.series] == ["staff"]
    with app.test_request_context():
        html = render_step_chart(chart)
    assert "chart-point-self" not in html


def test_no_ratings_gives_a_clear_text_and_no_svg(app):
    chart = charts.step_chart([], baseline=2, goal=6)
    assert chart.empty and chart.date_ticks == ()
    with app.test_request_context():
        html = render_step_chart(chart)
    assert "<svg" not in html and 'class="chart-empty"' in html


def test_one_rating_is_a_single_point_in_the_middle():
    chart = charts.step_chart([(today(), 7)])
    (series,) = chart.series
    (point,) = series.points
    assert (point.step, point.x, point.y) == (7, (charts.LEFT + charts.RIGHT) / 2, charts.step_y(7))
    assert [tick.value for tick in chart.date_ticks] == [today()]


def test_200_ratings_keep_one_point_each_in_the_same_bounded_drawing():
    staff = [(today() - dt.timedelta(days=400 - 2 * i), 1 + i % 10) for i in range(200)]
    chart = charts.step_chart(staff)
    one = charts.step_chart(staff[:1])
    assert (chart.width, chart.height) == (one.width, one.height) == (charts.WIDTH, charts.HEIGHT)
    assert len(chart.series[0].points) == 200
    assert len(chart.date_ticks) == charts.MAX_DATE_LABELS
    assert chart.date_ticks[0].value == staff[0][0] and chart.date_ticks[-1].value == staff[-1][0]
    xs = [point.x for point in chart.series[0].points]
    assert xs == sorted(xs) and xs[0] == charts.LEFT and xs[-1] == charts.RIGHT
    assert chart.marker_size < one.marker_size


def test_distance_rows_say_first_latest_change_and_goal():
    chart = charts.distance_chart([("Slipa", 2, 5, 6), ("Måla", 4, 3, None), ("Ny", None, None, 5)])
    assert [(r.first, r.latest, r.change, r.goal) for r in chart.rows] == [
        (2, 5, 3, 6), (4, 3, -1, None), (None, None, None, 5),
    ]
    assert chart.rows[0].x_first == charts.distance_x(2) < chart.rows[0].x_latest == charts.distance_x(5)
    assert chart.height == charts.DISTANCE_TOP + 3 * charts.ROW_HEIGHT + 8
    assert charts.distance_chart([]).empty


def test_a_long_module_title_is_shortened_in_the_drawing_only():
    title = "Sortera och vika tvätt enligt instruktion i tvättstugan"
    (row,) = charts.distance_chart([(title, 1, 2, 3)]).rows
    assert row.title == title and len(row.short_title) == charts.TITLE_LENGTH and row.short_title.endswith("…")


# --- the history page -------------------------------------------------------------------------


def history_url(assignment) -> str:
    return f"/day/assignments/{assignment.id}/history"


def rate_days_back(world, steps_by_days_back: dict[int, int]):
    for days, step in steps_by_days_back.items():
        factories.rate(world.anna_module, step, world.supervisor, today() - dt.timedelta(days=days))
    db.session.commit()


def test_history_without_ratings_says_so_and_draws_nothing(client, auth, world):
    auth.login("handledare")
    page = client.get(history_url(world.anna_module))
    assert page.status_code == 200
    assert "No ratings yet: the chart appears after the first rating." in page.text
    assert "chart-svg" not in page.text


def test_history_with_one_rating_draws_one_point_with_baseline_and_goal(client, auth, world):
    rate_days_back(world, {3: 4})
    auth.login("handledare")
    page = client.get(history_url(world.anna_module))
    assert page.status_code == 200
    drawn = assert_svg_matches_table(page.text)
    assert drawn == [("staff", (today() - dt.timedelta(days=3)).isoformat(), 4, charts.step_y(4))]
    svg = chart_svg(page.text)
    assert svg.find(f"{SVG}g/{SVG}polyline") is None  # a single point, no line
    assert len(date_labels(svg)) == 1
    assert "Start: step 2" in page.text and "Goal: step 6" in page.text


def test_history_with_200_ratings_is_bounded_and_draws_the_latest(client, auth, world):
    """A tablet page stays under 60 KB (issue 14): the chart draws the latest ratings and
    says so; every rating is in the paged list below it."""
    rate_days_back(world, {days: 1 + days % 10 for days in range(1, 201)})
    auth.login("handledare")
    page = client.get(history_url(world.anna_module))
    assert page.status_code == 200
    drawn = assert_svg_matches_table(page.text)
    assert len(drawn) == CHART_POINTS
    days = sorted(day for _, day, _, _ in drawn)
    assert (days[0], days[-1]) == (days_ago(CHART_POINTS).isoformat(), days_ago(1).isoformat())
    assert f"latest {CHART_POINTS} of 200 ratings" in page.text
    svg = chart_svg(page.text)
    assert svg.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}" and svg.get("width") == "100%"
    assert len(date_labels(svg)) == charts.MAX_DATE_LABELS


def test_a_corrected_rating_is_charted_as_its_correction(client, auth, world):
    rate_days_back(world, {5: 3})
    original = db.session.query(Rating).one()
    factories.rate(world.anna_module, 5, world.supervisor, original.rated_on,
                   corrects_id=original.id, correction_reason="Fel steg")
    db.session.commit()
    auth.login("handledare")
    page = client.get(history_url(world.anna_module))
    assert [(kind, step) for kind, _, step, _ in assert_svg_matches_table(page.text)] == [("staff", 5)]


def test_history_costs_the_same_queries_for_1_or_200_ratings(client, auth, world):
    auth.login("handledare")
    rate_days_back(world, {1: 3})
    with count_queries() as few:
        page = client.get(history_url(world.anna_module))
    assert page.status_code == 200 and len(assert_svg_matches_table(page.text)) == 1
    rate_days_back(world, {days: 1 + days % 10 for days in range(2, 201)})
    with count_queries() as many:
        page = client.get(history_url(world.anna_module))
    assert page.status_code == 200 and len(assert_svg_matches_table(page.text)) == CHART_POINTS
    assert few.count == many.count


# --- the module overview ----------------------------------------------------------------------


def overview_url(participant) -> str:
    return f"/participants/{participant.id}/modules"


def distance_rows(html: str) -> list[tuple[str, str, str]]:
    svg = chart_svg(html)
    return [
        (g.get("data-first"), g.get("data-latest"), g.get("data-goal"))
        for g in svg.iter(SVG + "g") if g.get("class") == "chart-row"
    ]


DISTANCE_TABLE_ROW = re.compile(
    r'<tr><th scope="row">([^<]+)</th><td class="number-cell">([^<]+)</td><td class="number-cell">([^<]+)</td>'
    r'\s*<td class="number-cell">([^<]+)</td>\s*<td class="number-cell">([^<]+)</td></tr>'
)


def distance_table(html: str) -> list[tuple[str, ...]]:
    return [tuple(cell.strip() for cell in row) for row in DISTANCE_TABLE_ROW.findall(html)]


def test_the_participant_page_links_to_the_module_overview(client, auth, world):
    auth.login("handledare")
    page = client.get(f"/participants/{world.anna.id}")
    assert page.status_code == 200
    assert f'href="{overview_url(world.anna)}">Module overview</a>' in page.text


def test_the_overview_shows_each_modules_step_now_and_goal_with_pictures(client, auth, world):
    rate_days_back(world, {10: 3, 2: 4})
    unrated = factories.make_module("mala-en-stol", "Måla en stol", pictogram=None)
    factories.assign(world.anna, unrated, goal=5, on=today())
    db.session.commit()
    auth.login("handledare")
    page = client.get(overview_url(world.anna))
    assert page.status_code == 200
    text = page.text
    card = text[text.index(f'id="overview-{world.anna_module.id}"'):]
    card = card[: card.index("</li>")]
    assert "Now: step 4 of 10" in card and "Slipa en stol steg 4" in card
    assert "Goal: step 6 of 10" in card and "Slipa en stol steg 6" in card
    assert card.count('<img class="pictogram"') == 2
    assert "Now: no step yet" in text and "Måla en stol steg 5" in text
    # The distance chart and its table say the same: Slipa 2 → 4 (goal 6), Måla not rated.
    assert distance_rows(text) == [("", "", "5"), ("2", "4", "6")]
    assert distance_table(text) == [("Måla en stol", "–", "–", "–", "5"), ("Slipa en stol", "2", "4", "up 2", "6")]
    assert 'data-print hidden' in text  # printable, with the print button for script users


def test_the_overview_is_for_staff_of_the_participants_unit_only(client, auth, world):
    auth.login("handledare")
    assert client.get(overview_url(world.bertil)).status_code == 404
    auth.logout()
    auth.login("handlaggare")
    assert client.get(overview_url(world.anna)).status_code == 403


def test_the_overview_costs_the_same_queries_for_one_or_six_modules(client, auth, world):
    auth.login("handledare")
    rate_days_back(world, {4: 3})
    with count_queries() as few:
        page = client.get(overview_url(world.anna))
    assert page.status_code == 200 and distance_rows(page.text) == [("2", "3", "6")]
    for number in range(5):
        module = factories.make_module(f"modul-{number}", f"Modul {number}")
        assignment = factories.assign(world.anna, module, baseline=1, goal=7)
        factories.rate(assignment, 2 + number, world.supervisor, today())
    db.session.commit()
    with count_queries() as many:
        page = client.get(overview_url(world.anna))
    assert page.status_code == 200 and len(distance_rows(page.text)) == 6
    assert page.text.count('<img class="pictogram"') == 12
    assert few.count == many.count


# --- the meeting pack -------------------------------------------------------------------------


def follow_up_of(world) -> FollowUp:
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=today() - dt.timedelta(days=60))
    follow_up = FollowUp(placement=placement, kind=FollowUpKind.SCHEDULED, label="3 weeks", due_on=today())
    db.session.add(follow_up)
    db.session.commit()
    return follow_up


def add_rated_modules(world, numbers: range, placement=None) -> None:
    """Modules without a baseline (so their first rating is the baseline), rated twice."""
    for number in numbers:
        module = factories.make_module(f"pack-{number}", f"Packmodul {number}")
        assignment = factories.assign(world.anna, module, goal=8, on=today() - dt.timedelta(days=60),
                                      placement=placement)
        factories.rate(assignment, 2, world.supervisor, today() - dt.timedelta(days=60))
        factories.rate(assignment, 3 + number, world.supervisor, today())
    db.session.commit()


def test_the_meeting_pack_has_the_distance_chart_at_a_fixed_cost(client, auth, world):
    rate_days_back(world, {50: 2, 1: 5})
    follow_up = follow_up_of(world)
    add_rated_modules(world, range(1), follow_up.placement)
    auth.login("handledare")
    with count_queries() as few:
        page = client.get(f"/follow-ups/{follow_up.id}/pack")
    assert page.status_code == 200
    assert distance_table(page.text) == [
        ("Packmodul 0", "2", "3", "up 1", "8"), ("Slipa en stol", "2", "5", "up 3", "6"),
    ]
    assert distance_rows(page.text) == [("2", "3", "8"), ("2", "5", "6")]
    add_rated_modules(world, range(1, 5), follow_up.placement)
    with count_queries() as many:
        page = client.get(f"/follow-ups/{follow_up.id}/pack")
    assert page.status_code == 200
    rows = distance_table(page.text)
    assert len(rows) == 6 and ("Packmodul 4", "2", "7", "up 5", "8") in rows
    assert distance_rows(page.text) == [(first, latest, goal) for _, first, latest, _, goal in rows]
    assert few.count == many.count


def test_history_start_is_the_first_rating_when_no_baseline_was_given(client, auth, world):
    world.anna_module.baseline_step = None
    rate_days_back(world, {9: 3, 2: 5})
    auth.login("handledare")
    page = client.get(history_url(world.anna_module))
    assert page.status_code == 200
    assert "Started at step 3." in page.text and "Start: step 3" in page.text
    assert chart_svg(page.text).find(f"{SVG}g[@class='chart-baseline']").get("data-step") == "3"


def test_a_step_as_it_was_on_a_day_never_shows_a_later_rating(app, world):
    """MOVE.md §5: a module not yet rated on d has no step that day (no baseline given)."""
    world.anna_module.baseline_step = None
    rate_days_back(world, {2: 6})
    before = today() - dt.timedelta(days=5)
    assert steps_on([world.anna_module], before) == {world.anna_module.id: None}
    assert steps_on([world.anna_module]) == baselines([world.anna_module]) == {world.anna_module.id: 6}


def test_the_case_workers_baseline_is_the_first_rating_when_none_was_given(app, world):
    """The case worker's progress keeps MOVE.md's baseline: the first rating on or before
    the day looked at, never one made later."""
    world.anna_module.baseline_step = None
    world.anna_module.assigned_on = today() - dt.timedelta(days=30)
    rate_days_back(world, {20: 3, 2: 5})
    placement = follow_up_of(world).placement
    now = _progress(placement, [], today()).modules[0]
    earlier = _progress(placement, [], today() - dt.timedelta(days=25)).modules[0]
    assert (now.baseline, now.current) == (3, 5)
    assert (earlier.baseline, earlier.current) == (None, None)
