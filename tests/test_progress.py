"""Recording a step: the supervisor's three taps, and the rules around them."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from movetrack.extensions import db
from movetrack.progress.models import Rating
from tests import factories
from tests.helpers import csrf_token


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
