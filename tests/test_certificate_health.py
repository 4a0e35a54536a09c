"""Health is special-category data (GDPR art. 9): health modules reach a certificate only
when staff tick them after a warning, and every certificate records who asked the
participant to agree to what it shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from movetrack.audit import AuditEvent
from movetrack.certificates import services
from movetrack.clock import local_today
from movetrack.extensions import db
from tests import factories
from tests.test_certificates import (
    certificates,
    issue_directly,
    issue_via_form,
)


@pytest.fixture
def with_health(world):
    """Anna has a rated work module and a rated "Psykisk hälsa" (area Mentalt)."""
    today = local_today()
    health = factories.make_module("psykisk-halsa", "Psykisk hälsa", area_key="mentalt")
    world.health_module = factories.assign(world.anna, health, on=today - dt.timedelta(days=30))
    factories.rate(world.anna_module, 4, world.supervisor, today - dt.timedelta(days=7))
    factories.rate(world.health_module, 3, world.supervisor, today - dt.timedelta(days=7))
    db.session.commit()
    return world


def ticked(html: str, assignment) -> bool:
    box = re.search(rf'<input[^>]*value="{assignment.id}"[^>]*>', html).group(0)
    return " checked" in box


def test_health_modules_are_offered_unticked_under_a_plain_warning(client, auth, with_health, english):
    auth.login("handledare")
    url = f"/participants/{with_health.anna.id}/certificates/new"
    page = client.get(url)
    assert page.status_code == 200
    assert ticked(page.text, with_health.anna_module)
    assert not ticked(page.text, with_health.health_module)
    warning = page.text.index("That is health information")
    assert page.text.index("Slipa en stol") < warning < page.text.index("Psykisk hälsa")
    assert "Anyone who checks the certificate, such as an employer, will see it." in page.text
    agreement = re.search(r'<input[^>]*name="participant_agreed"[^>]*>', page.text).group(0)
    assert " checked" not in agreement


def test_the_defaults_leave_out_the_health_areas(app, with_health):
    with app.test_request_context():
        choices = services.default_choices(
            with_health.anna, [with_health.anna_module, with_health.health_module]
        )
    assert choices.assignment_ids == (with_health.anna_module.id,)
    assert choices.participant_agreed is False
    assert services.HEALTH_AREAS == {"fysiskt", "mentalt"}


def test_issuing_needs_the_participants_agreement_and_keeps_what_was_chosen(
    client, auth, with_health, english
):
    auth.login("handledare")
    response = issue_via_form(
        client,
        with_health.anna,
        [with_health.anna_module, with_health.health_module],
        participant_agreed="",
    )
    assert response.status_code == 422
    assert "Ask the participant whether they agree to what the certificate shows." in response.text
    assert ticked(response.text, with_health.health_module)  # the choice is kept
    assert certificates() == []


def test_an_agreed_health_module_is_issued_with_who_recorded_the_agreement(
    client, auth, with_health, english
):
    auth.login("handledare")
    issued = issue_via_form(
        client, with_health.anna, [with_health.anna_module, with_health.health_module]
    )
    assert issued.status_code == 302
    [certificate] = certificates()
    assert [m["title"] for m in certificate.content["modules"]] == [
        "Psykisk hälsa", "Slipa en stol"
    ]
    assert certificate.agreement_recorded_by_id == with_health.supervisor.id
    assert certificate.agreement_recorded_at == certificate.issued_at
    page = client.get(f"/certificates/{certificate.id}")
    assert "The participant agreed to what the certificate shows" in page.text
    assert "by Hanna Handledare" in page.text
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "certificate.issued")
    )
    assert event.details["health_modules"] == 1 and event.details["participant_agreed"] is True


def test_the_service_refuses_without_agreement_and_the_database_keeps_it(app, with_health):
    with app.test_request_context(), pytest.raises(services.RuleViolation) as refused:
        issue_directly(with_health, participant_agreed=False)
    assert refused.value.field == "participant_agreed"
    issue_directly(with_health)
    for statement in (
        "UPDATE certificates SET agreement_recorded_at = NULL, agreement_recorded_by_id = NULL",
        "UPDATE certificates SET agreement_recorded_by_id = issued_by_id + 1",
    ):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
