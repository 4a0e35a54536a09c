"""Consent: staff record what each party may see, withdraw it with a date, and the history
stays; auth/policy/consent.py decides from it what an ordering unit sees, at that moment."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from movetrack.audit import AuditEvent
from movetrack.auth.policy import NOTHING, Share, Shared, in_force, shared_with
from movetrack.clock import local_today
from movetrack.consent import services
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Organisation
from movetrack.rules import RuleViolation
from tests import factories
from tests.helpers import csrf_token, days_ago


def _url(participant) -> str:
    return f"/participants/{participant.id}/consent"


def _give(client, participant, **data):
    page = client.get(_url(participant))
    return client.post(_url(participant), data={"csrf_token": csrf_token(page.text), **data})


def _withdraw(client, participant, consent, on: str | None = None, page_html: str | None = None,
              reason: str = "", confirmed: bool = True):
    """Post the consent's own withdrawal form (its fields carry the prefix withdraw-<id>-),
    confirmed unless told otherwise."""
    html = page_html or client.get(_url(participant)).text
    prefix = f"withdraw-{consent.id}-"
    data = {"csrf_token": csrf_token(html),
            prefix + "withdrawn_on": local_today().isoformat() if on is None else on,
            prefix + "reason": reason}
    if confirmed:
        data[prefix + "confirmed"] = "y"
    return client.post(f"{_url(participant)}/{consent.id}/withdraw", data=data)


def _consents():
    return db.session.scalars(sa.select(Consent).order_by(Consent.id)).all()


def _consent(world, ordering_unit=None, other_party=None, given_on=None, **shares) -> Consent:
    consent = Consent(
        participant=world.anna, ordering_unit=ordering_unit, other_party=other_party,
        given_on=given_on or local_today(), recorded_by_id=world.admin.id, **shares,
    )
    db.session.add(consent)
    db.session.commit()
    return consent


# --- recording ------------------------------------------------------------------------------


def test_staff_record_a_consent_to_an_ordering_unit(client, world, sign_in):
    sign_in("handledare")
    page = client.get(_url(world.anna))
    assert page.status_code == 200
    assert "Arbetsförmedlingen" in page.text
    response = _give(
        client, world.anna, party=str(world.af.id), shares=["progress", "attendance"],
        given_on=(days_ago(2)).isoformat(),
    )
    assert response.status_code == 302
    consent = _consents()[0]
    assert consent.ordering_unit_id == world.af.id and consent.other_party is None
    assert (consent.share_progress, consent.share_attendance, consent.share_follow_up_notes) == (
        True, True, False)
    assert consent.given_on == days_ago(2)
    assert consent.recorded_by_id == world.supervisor.id and consent.withdrawn_on is None
    audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "consent.given")).one()
    assert audit.participant_id == world.anna.id and audit.actor_id == world.supervisor.id
    assert audit.details["shares"] == ["attendance", "progress"]

    page = client.get(response.location)
    assert "flash-success" in page.text
    assert "Hanna Handledare" in page.text  # recorded by


def test_the_page_suggests_the_ordering_unit_of_the_open_placement(client, world, sign_in):
    placement = factories.make_placement(world.anna, world.af, received_on=local_today())
    sign_in("handledare")
    page = client.get(_url(world.anna)).text
    assert f'<option selected value="{world.af.id}">' in page
    assert f'href="/placements/{placement.id}"' in page


def test_a_consent_to_another_party_is_recorded_by_name(client, world, sign_in):
    sign_in("admin")
    response = _give(client, world.anna, party="other", other_party="  Psykiatrin   Kristinehamn ",
                     shares=["follow_up_notes"], given_on=local_today().isoformat())
    assert response.status_code == 302
    consent = _consents()[0]
    assert (consent.ordering_unit_id, consent.other_party) == (None, "Psykiatrin Kristinehamn")
    assert "Other party, outside movetrack" in client.get(_url(world.anna)).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"party": "", "shares": ["progress"]}, "Choose an ordering unit, or write the name of another party."),
        ({"party": "other", "other_party": "", "shares": ["progress"]},
         "Choose an ordering unit, or write the name of another party."),
        ({"party": "AF", "other_party": "Psykiatrin", "shares": ["progress"]},
         "Choose an ordering unit or name another party, not both."),
        ({"party": "AF", "shares": []}, "Tick at least one thing the party may see."),
        ({"party": "AF", "shares": ["progress"], "given_on": "tomorrow"},
         "A consent cannot be given on a day that has not come."),
        ({"party": "AF", "shares": ["progress"], "given_on": "31/3"}, "Write a date such as 2025-03-31."),
        ({"party": "AF", "shares": ["progress"], "given_on": ""}, "Write the day the consent was given."),
        ({"party": "99999999999", "shares": ["progress"]}, "Choose one of the listed parties."),
        ({"party": "AF", "shares": ["everything"]}, "Choose among the listed parts."),
        ({"party": "other", "other_party": "x" * 201, "shares": ["progress"]}, "200"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(client, world, data, message, sign_in):
    sign_in("handledare")
    data = dict(data)
    if data["party"] == "AF":
        data["party"] = str(world.af.id)
    given_on = {"tomorrow": (local_today() + dt.timedelta(days=1)).isoformat()}.get(
        data.get("given_on"), data.get("given_on", local_today().isoformat()))
    response = _give(client, world.anna, **{**data, "given_on": given_on})
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert message in response.text
    if data.get("other_party"):
        assert data["other_party"][:50] in response.text  # what was typed is kept
    assert _consents() == []


def test_an_ordering_unit_of_another_organisation_is_refused(world):
    elsewhere = OrderingUnit(organisation=Organisation(name="Grannkommunen"), name="Deras AF")
    db.session.add(elsewhere)
    db.session.commit()
    with force_locale("en"), pytest.raises(RuleViolation, match="listed ordering units"):
        services.give_consent(world.admin, world.anna, elsewhere.id, None, [Share.PROGRESS],
                              local_today())
    assert _consents() == []


def test_only_staff_record_consent(world):
    with pytest.raises(RuleViolation):
        services.give_consent(world.orderer, world.anna, world.af.id, None, [Share.PROGRESS],
                              local_today())


def test_a_second_consent_to_the_same_party_waits_for_the_first_to_be_withdrawn(client, world, sign_in):
    first = _consent(world, world.af, share_progress=True)
    sign_in("handledare")
    response = _give(client, world.anna, party=str(world.af.id), shares=["attendance"],
                     given_on=local_today().isoformat())
    assert response.status_code == 422
    assert "Arbetsförmedlingen already has a consent in force" in response.text
    assert len(_consents()) == 1

    assert _withdraw(client, world.anna, first).status_code == 302
    response = _give(client, world.anna, party=str(world.af.id), shares=["attendance"],
                     given_on=local_today().isoformat())
    assert response.status_code == 302
    assert [c.withdrawn_on for c in _consents()] == [local_today(), None]  # the history keeps both


def test_other_parties_are_told_apart_by_name_whatever_the_case(world):
    _consent(world, other_party="God man", share_progress=True)
    with force_locale("en"), pytest.raises(RuleViolation, match="already has a consent in force"):
        services.give_consent(world.admin, world.anna, None, "god  MAN", [Share.PROGRESS],
                              local_today())
    services.give_consent(world.admin, world.anna, None, "Psykiatrin", [Share.PROGRESS],
                          local_today())
    assert len(_consents()) == 2


# --- withdrawing ----------------------------------------------------------------------------


def test_withdrawing_closes_the_consent_and_keeps_it_in_the_history(client, world, sign_in):
    consent = _consent(world, world.af, given_on=days_ago(30), share_progress=True)
    sign_in("handledare")
    page = client.get(_url(world.anna))
    assert "In force now" in page.text and f'id="consent-{consent.id}"' in page.text
    yesterday = days_ago(1)
    response = _withdraw(client, world.anna, consent, yesterday.isoformat(), page.text)
    assert response.status_code == 302
    db.session.refresh(consent)
    assert consent.withdrawn_on == yesterday
    assert consent.withdrawn_by_id == world.supervisor.id and consent.withdrawn_at is not None
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "consent.withdrawn")).one()
    assert audit.details == {"withdrawn_on": yesterday.isoformat()}
    page = client.get(_url(world.anna))
    assert "No consent is in force" in page.text
    assert "Withdrawn consents" in page.text and "Arbetsförmedlingen" in page.text


def test_a_withdrawal_asks_for_confirmation_first(client, world, sign_in):
    consent = _consent(world, world.af, given_on=days_ago(3), share_progress=True)
    sign_in("handledare")
    page = client.get(_url(world.anna)).text
    assert "Yes: the person has withdrawn this consent" in page
    assert "It cannot be undone" in page
    response = _withdraw(client, world.anna, consent, reason="Vill inte längre", confirmed=False)
    assert response.status_code == 422
    assert "Tick that the person has withdrawn this consent." in response.text
    assert "Vill inte längre" in response.text  # what was typed is kept
    db.session.refresh(consent)
    assert consent.withdrawn_on is None


def test_the_reason_for_a_withdrawal_is_stored_shown_and_logged(client, world, sign_in):
    consent = _consent(world, world.af, given_on=days_ago(3), share_progress=True)
    sign_in("handledare")
    response = _withdraw(client, world.anna, consent, reason="Vill <b>inte</b> längre")
    assert response.status_code == 302
    db.session.refresh(consent)
    assert consent.withdrawal_reason == "Vill <b>inte</b> längre"
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "consent.withdrawn")).one()
    assert audit.details["reason"] == "Vill <b>inte</b> längre"
    page = client.get(_url(world.anna))
    assert page.status_code == 200
    assert "Reason: Vill &lt;b&gt;inte&lt;/b&gt; längre" in page.text


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("future", "the day cannot be in the future"),
        ("before", "it cannot be withdrawn before that"),
        ("", "Write the day the consent was withdrawn."),
        ("igår", "Write a date such as 2025-03-31."),
    ],
)
def test_a_withdrawal_with_a_bad_day_gets_a_message_and_changes_nothing(client, world, day, message, sign_in):
    consent = _consent(world, world.af, given_on=days_ago(3), share_progress=True)
    sign_in("handledare")
    typed = {
        "future": (local_today() + dt.timedelta(days=1)).isoformat(),
        "before": (days_ago(4)).isoformat(),
    }.get(day, day)
    response = _withdraw(client, world.anna, consent, typed)
    assert response.status_code == 422
    assert message in response.text
    assert f'value="{typed}"' in response.text  # kept, in the row's open form
    db.session.refresh(consent)
    assert consent.withdrawn_on is None


def test_a_consent_withdrawn_meanwhile_is_not_withdrawn_twice(client, world, sign_in):
    consent = _consent(world, world.af, given_on=days_ago(3), share_progress=True)
    sign_in("handledare")
    stale_page = client.get(_url(world.anna)).text
    assert _withdraw(client, world.anna, consent, page_html=stale_page).status_code == 302
    for day in (local_today().isoformat(), "not a date"):
        response = _withdraw(client, world.anna, consent, day, stale_page)
        assert response.status_code == 422
        assert "already withdrawn" in response.text
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "consent.withdrawn")) == 1


def test_a_withdrawal_without_the_csrf_token_is_refused(client, world, sign_in):
    consent = _consent(world, world.af, share_progress=True)
    sign_in("handledare")
    response = client.post(f"{_url(world.anna)}/{consent.id}/withdraw",
                           data={f"withdraw-{consent.id}-withdrawn_on": local_today().isoformat()})
    assert response.status_code == 400
    db.session.refresh(consent)
    assert consent.withdrawn_on is None


def test_the_database_refuses_a_withdrawal_before_the_consent(world):
    consent = _consent(world, world.af, share_progress=True)
    consent.withdrawn_on = days_ago(1)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- who may -------------------------------------------------------------------------------


def test_a_supervisor_of_another_unit_gets_404(client, world, sign_in):
    consent = _consent(world, world.af, share_progress=True)
    sign_in("stallchef")
    assert client.get(_url(world.anna)).status_code == 404
    token = csrf_token(client.get(_url(world.bertil)).text)
    response = client.post(f"{_url(world.anna)}/{consent.id}/withdraw",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert client.post(_url(world.anna), data={"csrf_token": token}).status_code == 404


def test_a_consent_of_someone_else_is_404_under_this_participant(client, world, sign_in):
    consent = _consent(world, world.af, share_progress=True)
    sign_in("admin")
    token = csrf_token(client.get(_url(world.bertil)).text)
    response = client.post(f"{_url(world.bertil)}/{consent.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 404
    db.session.refresh(consent)
    assert consent.withdrawn_on is None


def test_case_workers_may_not_see_or_record_consent(client, world, sign_in):
    sign_in("handlaggare")
    assert client.get(_url(world.anna)).status_code == 403


def test_signing_in_is_required(client, world):
    response = client.get(_url(world.anna))
    assert response.status_code == 302 and "/login" in response.location


# --- visibility: decided when someone looks --------------------------------------------------


def test_what_is_shared_follows_the_consent_in_force_on_the_day(world):
    week_ago = days_ago(7)
    consent = _consent(world, world.af, given_on=week_ago, share_progress=True,
                       share_follow_up_notes=True)
    assert shared_with(world.af.id, world.anna.id) == Shared(progress=True, follow_up_notes=True)
    assert shared_with(world.af.id, world.anna.id, week_ago - dt.timedelta(days=1)) == NOTHING
    assert shared_with(world.af.id, world.bertil.id) == NOTHING  # someone else's consent

    services.withdraw_consent(world.admin, consent, week_ago)
    assert shared_with(world.af.id, world.anna.id) == NOTHING


def test_a_withdrawal_takes_effect_when_recorded_whatever_day_it_carries(world):
    consent = _consent(world, world.af, given_on=days_ago(30), share_progress=True)
    services.withdraw_consent(world.admin, consent, days_ago(20))
    # Also on a day between the two dates: the recorded withdrawal closes it for good.
    assert shared_with(world.af.id, world.anna.id, days_ago(25)) == NOTHING


def test_a_consent_to_another_party_or_another_ordering_unit_opens_nothing_to_this_one(world):
    social = OrderingUnit(organisation=world.org, name="Socialtjänsten")
    db.session.add(social)
    db.session.commit()
    _consent(world, social, share_progress=True, share_attendance=True)
    _consent(world, other_party="Arbetsförmedlingen", share_progress=True)  # same name, no account
    assert shared_with(world.af.id, world.anna.id) == NOTHING
    assert shared_with(social.id, world.anna.id) == Shared(progress=True, attendance=True)


def test_in_force_is_an_sql_expression_for_lists(world):
    _consent(world, world.af, share_progress=True)
    withdrawn = _consent(world, other_party="God man", given_on=days_ago(2),
                         share_progress=True)
    services.withdraw_consent(world.admin, withdrawn, local_today())
    ids = db.session.scalars(sa.select(Consent.id).where(in_force(local_today()))).all()
    assert len(ids) == 1 and withdrawn.id not in ids


def test_shared_knows_its_parts():
    shared = Shared(attendance=True)
    assert Share.ATTENDANCE in shared and Share.PROGRESS not in shared
    assert shared.anything and shared.shares == [Share.ATTENDANCE]
    assert not NOTHING.anything
