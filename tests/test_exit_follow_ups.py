"""An exit cancels the regular follow-ups not yet held (kept, marked cancelled) and plans
the one three months after; reopening restores them. Staff see them as cancelled, and the
case worker's next follow-up is the one after the exit."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date

from movetrack.audit import AuditEvent
from movetrack.clock import local_today
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.followups import services as followup_services
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.i18n import FORMAT_LOCALES
from movetrack.placements import status_services
from movetrack.placements.models import PlacementStatus
from movetrack.rules import RuleViolation
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.test_followups import add_follow_up

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def exited(world):
    """Anna's placement, three months old, with the 3-month follow-up held and the 6- and
    9-month ones waiting, ended yesterday."""
    today = local_today()
    placement = factories.make_placement(world.anna, world.af, PlacementStatus.ACTIVE,
                                         start_date=today - dt.timedelta(days=100), case_worker=world.orderer)
    add_follow_up(placement, today - dt.timedelta(days=10), "3 months",
                  held_on=today - dt.timedelta(days=9))
    add_follow_up(placement, today + dt.timedelta(days=80), "6 months")
    add_follow_up(placement, today + dt.timedelta(days=170), "9 months")
    db.session.add(Consent(participant=world.anna, ordering_unit=world.af,
                           given_on=today - dt.timedelta(days=100), share_progress=True))
    db.session.commit()
    with unit_of_work():
        status_services.record_exit(world.supervisor, placement, today - dt.timedelta(days=1), "work",
                             {}, None, placement.version)
    return placement


def _follow_ups(placement) -> dict[str, FollowUp]:
    return {f.label: f for f in db.session.scalars(
        sa.select(FollowUp).where(FollowUp.placement_id == placement.id))}


def test_an_exit_cancels_the_regular_follow_ups_not_held(world, exited):
    follow_ups = _follow_ups(exited)
    end = exited.end_date
    assert follow_ups["6 months"].cancelled_on == end
    assert follow_ups["9 months"].cancelled_on == end
    assert follow_ups["3 months"].cancelled_on is None  # held: it stays as it was
    assert follow_ups["3 months after exit"].kind == FollowUpKind.AFTER_EXIT
    assert follow_ups["3 months after exit"].cancelled_on is None
    assert db.session.scalar(sa.select(AuditEvent.details).where(
        AuditEvent.action == "follow_up.cancelled_at_exit"))["follow_up_ids"] == [
        follow_ups["6 months"].id, follow_ups["9 months"].id]


def test_staff_pages_show_cancelled_follow_ups_as_cancelled(client, auth, world, exited):
    auth.login("handledare")
    for url in (f"/placements/{exited.id}", f"/placements/{exited.id}/follow-ups"):
        page = client.get(url)
        assert page.status_code == 200
        row = _row(page.text, "6 months")
        assert "Cancelled" in row and "Not yet" not in row
        assert "Not yet" in _row(page.text, "3 months after exit")


def _row(html: str, label: str) -> str:
    """The follow-ups table's row of the labelled follow-up."""
    rows = html.split("<tr")[1:]
    return next(row.split("</tr>")[0] for row in rows
                if 'scope="row"' in row and f">{label}<" in row.split("</th>")[0] + "<")


def test_a_cancelled_follow_up_cannot_be_recorded(app, world, exited):
    six_months = _follow_ups(exited)["6 months"]
    with (app.test_request_context(), force_locale("en"),
          pytest.raises(RuleViolation, match="cancelled when the placement ended")):
        followup_services.record_follow_up(world.supervisor, six_months, {
            "version": six_months.version, "held_on": local_today()})


def test_the_case_workers_next_follow_up_is_the_one_after_the_exit(client, auth, world, exited):
    after_exit = _follow_ups(exited)["3 months after exit"]
    auth.login("handlaggare")
    page = client.get(f"/orders/{exited.id}")
    assert page.status_code == 200
    next_part = page.text.split('id="next-heading"')[1].split("</section>")[0]
    assert "3 months after exit" in next_part and "6 months" not in next_part
    with client.application.test_request_context(), force_locale(FORMAT_LOCALES["en"]):
        assert format_date(after_exit.due_on, "full") in next_part


def test_reopening_restores_the_cancelled_follow_ups(client, auth, world, exited):
    with unit_of_work():
        status_services.reopen(world.supervisor, exited, "Började igen", exited.version)
    follow_ups = _follow_ups(exited)
    assert follow_ups["6 months"].cancelled_on is None
    assert follow_ups["9 months"].cancelled_on is None
    auth.login("handlaggare")
    next_part = client.get(f"/orders/{exited.id}").text.split('id="next-heading"')[1]
    assert "6 months" in next_part.split("</section>")[0]
