"""Step-progression charts in real Chromium at 768×1024: the history chart, the module
overview and the meeting pack fit without sideways scroll and pass axe."""

from __future__ import annotations

import re

import sqlalchemy as sa

from movetrack.extensions import db
from movetrack.followups.models import FollowUp
from movetrack.participants.models import Assignment, Participant
from movetrack.placements.models import Placement
from movetrack.progress.models import Rating
from tests.e2e.checks import what_is_wrong
from tests.e2e.conftest import TABLET

CHART_FITS = """() => [...document.querySelectorAll('svg.chart-svg')].every(svg => {
  const box = svg.getBoundingClientRect();
  return box.width > 300 && box.left >= 0 && box.right <= window.innerWidth;
})"""


def _signed_in(sign_in):
    page = sign_in("handledare")
    page.wait_for_url(re.compile(r"/day/units/\d+$"))  # the sign-in's redirects have landed
    page.set_viewport_size(TABLET)
    return page


def _anna_urls(live_app, live_server) -> dict[str, str]:
    """Anna's most rated module's history, her module overview and a follow-up's pack."""
    with live_app.app_context():
        anna = db.session.scalar(sa.select(Participant).where(Participant.name == "Anna Karlsson"))
        most_rated = db.session.scalar(
            sa.select(Assignment.id).join(Rating, Rating.assignment_id == Assignment.id)
            .where(Assignment.participant_id == anna.id)
            .group_by(Assignment.id).order_by(sa.func.count(Rating.id).desc()).limit(1)
        )
        follow_up = db.session.scalar(
            sa.select(FollowUp.id).join(Placement).where(Placement.participant_id == anna.id).limit(1)
        )
    return {
        "history": f"{live_server}/day/assignments/{most_rated}/history",
        "module overview": f"{live_server}/participants/{anna.id}/modules",
        "meeting pack": f"{live_server}/follow-ups/{follow_up}/pack",
    }


def test_charts_fit_a_tablet_without_sideways_scroll_and_pass_axe(sign_in, live_app, live_server):
    page = _signed_in(sign_in)
    problems = []
    for name, url in _anna_urls(live_app, live_server).items():
        response = page.goto(url)
        assert response.status == 200, name
        assert page.locator("svg.chart-svg").count() == 1, f"{name}: no chart"
        problems += [f"{name}: {wrong}" for wrong in what_is_wrong(page)]
        if not page.evaluate(CHART_FITS):
            problems.append(f"{name}: the chart does not fit the page")
        page.emulate_media(media="print")
        if not page.evaluate(CHART_FITS) or page.locator(".site-header").is_visible():
            problems.append(f"{name}: does not print cleanly")
        page.emulate_media(media="screen")
    assert not problems, "\n".join(problems)


def test_the_module_overview_is_reached_from_the_participants_page(sign_in, live_server):
    page = _signed_in(sign_in)
    page.goto(f"{live_server}/participants/")
    page.get_by_role("link", name=re.compile(r"^Anna\b")).first.click()
    page.get_by_role("link", name="Modulöversikt").click()
    assert page.get_by_role("heading", name="Modulöversikt: Anna Karlsson").is_visible()
    assert page.get_by_role("img", name="Första och senaste steget per modul: Anna").is_visible()
