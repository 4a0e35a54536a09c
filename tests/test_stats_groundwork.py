"""The data model under the statistics (issue 12): step on a day as one SQL expression,
follow-up summaries as they were on their day, module work per placement (a returning
person starts a new baseline), target groups as rows, and the migration that moves the
old data without loss."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from movetrack import create_app
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.followups.queries import summary_since_last
from movetrack.participants import services as participant_services
from movetrack.participants.models import Assignment, AssignmentStatus
from movetrack.placements.models import (
    Placement,
    PlacementTargetGroup,
)
from movetrack.progress.models import RatingSource
from movetrack.progress.queries import baselines, step_on_day, steps_on
from movetrack.rules import RuleViolation
from tests import factories
from tests.helpers import days_ago


def placement_of(world, participant, received, start=None, end=None, **fields) -> Placement:
    return factories.make_placement(participant, world.af, start_date=start, end_date=end,
                                    received_on=received, **fields)


def test_step_on_a_day_is_the_latest_approved_staff_rating_then_the_given_step_then_none(world):
    unrated = factories.assign(world.anna, factories.make_module("veden", "Veden"), on=days_ago(50))
    given = world.anna_module  # given step 2 at assignment, 40 days ago
    given.assigned_on = days_ago(40)
    factories.rate(given, 4, world.supervisor, days_ago(20))
    factories.rate(given, 9, world.supervisor, days_ago(15), source=RatingSource.SELF,
                   approved=False)  # the participant's own, not approved: never counts
    factories.rate(unrated, 5, world.supervisor, days_ago(10))
    db.session.commit()

    # 30 days ago: nothing rated yet. Given step 2 counts; the unrated module has none (the
    # old code showed the first rating, made 20 days later).
    assert steps_on([given, unrated], days_ago(30)) == {given.id: 2, unrated.id: None}
    assert steps_on([given, unrated], days_ago(12)) == {given.id: 4, unrated.id: None}
    assert steps_on([given], days_ago(45)) == {given.id: None}  # not assigned yet
    assert steps_on([given, unrated]) == {given.id: 4, unrated.id: 5}
    assert baselines([given, unrated]) == {given.id: 2, unrated.id: 5}
    # Composable: the same expression in a statement of one's own, two days side by side.
    rows = db.session.execute(
        sa.select(Assignment.id, step_on_day(days_ago(30)), step_on_day(local_today()))
        .where(Assignment.participant_id == world.anna.id).order_by(Assignment.id)
    ).all()
    assert rows == [(given.id, 2, 4), (unrated.id, None, 5)]


def test_a_back_dated_follow_up_shows_what_was_known_on_its_day(world):
    placement = placement_of(world, world.anna, days_ago(70), start=days_ago(60))
    world.anna_module.placement = placement
    world.anna_module.assigned_on = days_ago(60)
    world.anna_module.baseline_step = None  # no step given: its first rating is 40 days later
    factories.rate(world.anna_module, 3, world.supervisor, days_ago(20))
    factories.rate(world.anna_module, 6, world.supervisor, days_ago(5))
    db.session.commit()

    held_on = days_ago(30)  # recorded today, held a month ago
    [module] = summary_since_last(placement, held_on)["modules"]
    assert (module["from_step"], module["to_step"], module["gain"]) == (None, None, None)
    [module] = summary_since_last(placement, days_ago(10))["modules"]
    assert (module["from_step"], module["to_step"]) == (None, 3)  # not the rating of day -5


def test_a_returning_person_gets_a_new_assignment_with_a_new_baseline(world):
    first = placement_of(world, world.anna, days_ago(300), start=days_ago(290), end=days_ago(200))
    world.anna_module.placement = first
    factories.rate(world.anna_module, 6, world.supervisor, days_ago(210))
    second = placement_of(world, world.anna, days_ago(20))
    db.session.commit()

    again = participant_services.assign_module(
        world.admin, world.anna, world.module.id, baseline_step=3, assigned_on=days_ago(10)
    )
    db.session.commit()  # services only flush: the request (here the test) commits
    assert (again.placement_id, again.baseline_step) == (second.id, 3)
    assert baselines([world.anna_module, again]) == {world.anna_module.id: 2, again.id: 3}
    assert steps_on([world.anna_module, again]) == {world.anna_module.id: 6, again.id: 3}
    # The first placement keeps its assignment and ratings; a second one in this placement
    # is refused, by the service and by the database.
    with pytest.raises(RuleViolation) as refused:
        participant_services.assign_module(world.admin, world.anna, world.module.id)
    assert refused.value.field == "module_id"
    db.session.add(Assignment(participant_id=world.anna.id, module_id=world.module.id,
                              placement_id=second.id, assigned_on=local_today(),
                              status=AssignmentStatus.ACTIVE))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    # A finished one leaves room for a new start in the same placement.
    again = db.session.get(Assignment, again.id)
    again.status = AssignmentStatus.DONE
    db.session.commit()
    third = participant_services.assign_module(world.admin, world.anna, world.module.id)
    assert third.placement_id == second.id


def test_target_groups_are_rows(world):
    placement = placement_of(world, world.anna, days_ago(5))
    placement.target_groups = ["young_adult", "income_support"]
    db.session.commit()
    rows = db.session.execute(
        sa.select(PlacementTargetGroup.code).where(PlacementTargetGroup.placement_id == placement.id)
        .order_by(PlacementTargetGroup.code)
    ).scalars().all()
    assert rows == ["income_support", "young_adult"]
    assert placement.target_groups == ["income_support", "young_adult"]  # the list's order
    placement.target_groups = ["young_adult"]
    db.session.commit()
    assert db.session.scalars(sa.select(PlacementTargetGroup.code)).all() == ["young_adult"]


def test_the_migration_keeps_target_groups_and_links_assignments_to_their_placement(tmp_path):
    """Always on a SQLite file of its own (it drives the migrations from 0003)."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.db"})
    with app.app_context():
        upgrade(revision="0003")
        with db.engine.begin() as connection:
            def run(sql, **values):
                return connection.execute(sa.text(sql), values)

            run("INSERT INTO organisations (id, name) VALUES (1, 'O')")
            run("INSERT INTO units (id, organisation_id, name) VALUES (1, 1, 'U')")
            run("INSERT INTO ordering_units (id, organisation_id, name) VALUES (1, 1, 'AF')")
            run("INSERT INTO participants (id, unit_id, name, gender, needs_pictures, language,"
                " active, created_at) VALUES (1, 1, 'P', 'woman', 0, 'sv', 1, '2026-01-01')")
            for key in ("m", "n", "o"):
                run("INSERT INTO modules (key, area_id, kind, current_version_number, created_at)"
                    " VALUES (:key, 1, 'training', 1, '2026-01-01')", key=key)
            for placement in (
                (1, "ended", "2026-01-01", "2026-01-10", "2026-03-01", "work",
                 '["income_support", "an_old_code"]'),
                (2, "active", "2026-05-01", "2026-05-05", None, None, "[]"),
            ):
                run("INSERT INTO placements (id, participant_id, unit_id, ordering_unit_id,"
                    " status, purpose, received_on, start_date, end_date, exit_outcome,"
                    " target_groups, created_at, version) VALUES (:id, 1, 1, 1, :status,"
                    " 'work_training', :received, :start, :end, :outcome, :groups,"
                    " '2026-01-01', 1)",
                    **dict(zip(("id", "status", "received", "start", "end", "outcome", "groups"),
                               placement, strict=True)))
            for assignment_id, module_id, assigned_on in (
                (1, 1, "2026-01-10"), (2, 2, "2026-05-06"), (3, 3, "2025-06-01"),
            ):
                run("INSERT INTO assignments (id, participant_id, module_id, status, assigned_on)"
                    " VALUES (:id, 1, :module, 'active', :on)",
                    id=assignment_id, module=module_id, on=assigned_on)
        upgrade()
        with db.engine.begin() as connection:
            links = connection.execute(sa.text(
                "SELECT placement_id, code FROM placement_target_groups ORDER BY 1, 2")).all()
            linked = connection.execute(sa.text(
                "SELECT id, placement_id FROM assignments ORDER BY id")).all()
        db.engine.dispose()
    assert links == [(1, "an_old_code"), (1, "income_support")]
    # Assigned in the first placement, in the second, and before any (kept, unlinked).
    assert linked == [(1, 1), (2, 2), (3, None)]
