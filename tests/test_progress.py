"""Recording a step: the supervisor's three taps, and the rules around them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.progress.models import Rating
from tests import factories
from tests.helpers import csrf_token, days_ago


def test_three_taps_from_day_view_to_saved_step(client, auth, world):
    auth.login("handledare")
    day = client.get("/day/", follow_redirects=True)
    assert "Anna" in day.text and "Bertil" not in day.text  # only their own unit

    participant_page = client.get(f"/day/participants/{world.anna.id}")
    assert "Slipa en stol" in participant_page.text

    steps_page = client.get(f"/day/assignments/{world.anna_module.id}")
    assert steps_page.text.count('name="step"') == 10

    saved = client.post(
        f"/day/assignments/{world.anna_module.id}/ratings",
        data={"step": "4", "note": "Slipade med 120", "csrf_token": csrf_token(steps_page.text)},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200
    assert "Slipa en stol steg 4" in saved.text and 'role="status"' in saved.text
    rating = db.session.scalars(sa.select(Rating)).one()
    assert (rating.step, rating.note, rating.rated_by_id) == (4, "Slipade med 120", world.supervisor.id)

    history = client.get(f"/day/assignments/{world.anna_module.id}/history")
    assert "Slipade med 120" in history.text and "Hanna Handledare" in history.text


def _steps_page(client, assignment):
    return client.get(f"/day/assignments/{assignment.id}")


def _rate(client, assignment, htmx=True, **data):
    token = csrf_token(_steps_page(client, assignment).text)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/day/assignments/{assignment.id}/ratings",
        data={"csrf_token": token, **data}, headers=headers,
    )


def _ratings():
    return db.session.scalars(sa.select(Rating).order_by(Rating.id)).all()


@pytest.mark.parametrize("bad_step", ["0", "11", "-3", "sju", ""])
def test_a_step_outside_1_to_10_gets_a_message_and_saves_nothing(client, auth, world, bad_step):
    auth.login("handledare")
    response = _rate(client, world.anna_module, step=bad_step, note="behåll mig")
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert "behåll mig" in response.text  # what the user typed is kept
    assert _ratings() == []


def test_the_database_itself_refuses_a_step_outside_1_to_10(world):
    factories.rate(world.anna_module, 11, world.supervisor, local_today())
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_ratings_are_append_only_in_the_database(world):
    factories.rate(world.anna_module, 3, world.supervisor, local_today())
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("UPDATE ratings SET step = 9"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM ratings"))
    db.session.rollback()
    assert [r.step for r in _ratings()] == [3]


def test_without_javascript_the_step_form_posts_and_redirects(client, auth, world):
    auth.login("handledare")
    response = _rate(client, world.anna_module, htmx=False, step="3")
    assert response.status_code == 302
    page = client.get(response.location)
    assert "flash-success" in page.text
    assert 'class="step-row is-current' in page.text


def test_participant_agreement_is_recorded(client, auth, world):
    auth.login("handledare")
    _rate(client, world.anna_module, step="5", agreed="no")
    assert _ratings()[0].participant_agreed is False


def test_current_step_is_the_latest_rating_else_the_baseline(client, auth, world):
    auth.login("handledare")
    page = client.get(f"/day/participants/{world.anna.id}")
    assert '<span class="figure-number">2</span>' in page.text  # baseline
    factories.rate(world.anna_module, 4, world.supervisor, days_ago(9))
    factories.rate(world.anna_module, 5, world.supervisor, days_ago(2))
    db.session.commit()
    page = client.get(f"/day/participants/{world.anna.id}")
    assert '<span class="figure-number">5</span>' in page.text


def test_a_correction_is_a_new_rating_pointing_at_the_old_one(client, auth, world):
    auth.login("handledare")
    _rate(client, world.anna_module, step="8")
    wrong = _ratings()[0]
    url = f"/day/assignments/{world.anna_module.id}/ratings/{wrong.id}/correct"
    token = csrf_token(client.get(url).text)
    response = client.post(url, data={"csrf_token": token, "step": "3", "reason": "Tryckte fel"})
    assert response.status_code == 302
    original, correction = _ratings()
    assert (original.step, correction.step, correction.corrects_id) == (8, 3, original.id)
    assert correction.correction_reason == "Tryckte fel"
    history = client.get(f"/day/assignments/{world.anna_module.id}/history").text
    assert "Tryckte fel" in history and "is-corrected" in history
    page = client.get(f"/day/participants/{world.anna.id}")
    assert '<span class="figure-number">3</span>' in page.text


def test_a_correction_needs_a_reason(client, auth, world):
    auth.login("handledare")
    _rate(client, world.anna_module, step="8")
    url = f"/day/assignments/{world.anna_module.id}/ratings/{_ratings()[0].id}/correct"
    token = csrf_token(client.get(url).text)
    response = client.post(url, data={"csrf_token": token, "step": "3", "reason": ""})
    assert response.status_code == 422
    assert len(_ratings()) == 1


def test_a_rating_cannot_be_corrected_twice(client, auth, world):
    auth.login("handledare")
    _rate(client, world.anna_module, step="8")
    url = f"/day/assignments/{world.anna_module.id}/ratings/{_ratings()[0].id}/correct"
    for expected in (302, 422):
        token = csrf_token(client.get(url).text)
        response = client.post(url, data={"csrf_token": token, "step": "3", "reason": "fel"})
        assert response.status_code == expected
    assert len(_ratings()) == 2


def test_another_units_participant_is_not_found(client, auth, world):
    auth.login("handledare")
    assert client.get(f"/day/participants/{world.bertil.id}").status_code == 404
    assert client.get(f"/day/assignments/{world.bertil_module.id}").status_code == 404
    assert client.get(f"/day/units/{world.ostervik.id}").status_code == 404
    token = csrf_token(_steps_page(client, world.anna_module).text)
    response = client.post(
        f"/day/assignments/{world.bertil_module.id}/ratings", data={"csrf_token": token, "step": "4"}
    )
    assert response.status_code == 404
    assert _ratings() == []


def test_case_workers_do_not_record_steps(client, auth, world):
    auth.login("handlaggare")
    assert client.get("/day/").status_code == 403
    assert client.get(f"/day/assignments/{world.anna_module.id}").status_code == 403


def test_an_admin_sees_every_unit(client, auth, world):
    auth.login("admin")
    page = client.get("/day/")
    assert "Passagen" in page.text and "Östervik" in page.text
    assert client.get(f"/day/assignments/{world.bertil_module.id}").status_code == 200


def test_a_paused_module_cannot_be_rated(client, auth, world):
    from movetrack.participants.models import AssignmentStatus

    auth.login("handledare")
    token = csrf_token(_steps_page(client, world.anna_module).text)
    world.anna_module.status = AssignmentStatus.PAUSED
    db.session.commit()
    response = client.post(
        f"/day/assignments/{world.anna_module.id}/ratings",
        data={"csrf_token": token, "step": "4"}, headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert _ratings() == []


def test_every_rating_is_in_the_audit_log(client, auth, world):
    from movetrack.audit import AuditEvent

    auth.login("handledare")
    _rate(client, world.anna_module, step="6")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action != "participant.read")).one()
    assert (event.action, event.actor_id, event.participant_id) == (
        "rating.recorded", world.supervisor.id, world.anna.id,
    )


def test_steps_page_costs_the_same_queries_for_a_long_history(client, auth, world):
    from tests.helpers import count_queries

    auth.login("handledare")
    url = f"/day/assignments/{world.anna_module.id}/history"
    factories.rate(world.anna_module, 3, world.supervisor, local_today(), note="Anteckning 00")
    db.session.commit()
    with count_queries() as few:
        short = client.get(url)
    assert short.status_code == 200 and "Anteckning 00" in short.text
    for days in range(1, 40):
        factories.rate(world.anna_module, 1 + days % 10, world.supervisor, days_ago(days),
                       note=f"Anteckning {days:02}")
    db.session.commit()
    with count_queries() as many:
        long = client.get(url)
    assert long.status_code == 200
    assert few.count == many.count
    # A page of the newest 30 (movetrack/paging.py); the rest one Next away.
    assert all(f"Anteckning {days:02}" in long.text for days in range(30))
    assert "Anteckning 30" not in long.text
    following = re.search(r'rel="next" href="([^"]+)"', long.text).group(1).replace("&amp;", "&")
    rest = client.get(following).text
    assert all(f"Anteckning {days:02}" in rest for days in range(30, 40))
