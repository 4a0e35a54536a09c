"""The demo data: what a new user meets after the README's first command."""

from __future__ import annotations

import json

import sqlalchemy as sa

from movetrack.demo import demo_command
from movetrack.extensions import db
from movetrack.modules.models import AREA_KEYS
from movetrack.participants.models import Participant
from movetrack.placements.models import Placement
from movetrack.progress.models import Rating


def test_demo_loads_a_believable_workplace_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    assert "handledare" in first.output and "movetrack-demo" in first.output  # the logins
    participants = db.session.scalar(sa.select(sa.func.count(Participant.id)))
    ratings = db.session.scalar(sa.select(sa.func.count(Rating.id)))
    placements = db.session.scalar(sa.select(sa.func.count(Placement.id)))
    assert participants >= 12 and ratings >= 100 and placements >= 12

    second = runner.invoke(demo_command)
    assert second.exit_code == 0, second.output
    assert "Module library: 0 new, 0 updated" in second.output
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == participants
    assert db.session.scalar(sa.select(sa.func.count(Rating.id))) == ratings
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == placements
    assert "Placements: 0 new" in second.output


def test_the_exported_demo_library_has_thirty_written_modules_in_all_eight_areas(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(demo_command).exit_code == 0
    target = tmp_path / "library.json"
    result = runner.invoke(args=["modules", "export", str(target)])
    assert result.exit_code == 0, result.output
    modules = json.loads(target.read_text("utf-8"))["modules"]
    assert len(modules) >= 30
    assert {module["area"] for module in modules} == set(AREA_KEYS)
    titles = {module["title"] for module in modules}
    for required in ("Introduktion", "Fysisk hälsa", "Psykisk hälsa", "Närvaro",
                     "Tapetsering", "Självförtroende", "Biltvätt"):
        assert required in titles
    for module in modules:
        assert [step["number"] for step in module["steps"]] == list(range(1, 11))
        for step in module["steps"]:
            assert all(step[field].strip() for field in ("title", "meaning", "todo", "how"))
