"""Participants and their modules: who may see whom, what a form refuses and keeps, what is
audited, and that the list costs the same number of queries for 3 people as for 30."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from movetrack.audit import AuditEvent
from movetrack.clock import local_today, utcnow
from movetrack.extensions import db
from movetrack.media.models import Upload
from movetrack.participants.models import Assignment, AssignmentStatus, Participant
from tests import factories
from tests.helpers import csrf_token, post_form, with_dates

# Messages are asserted on their English wording, whatever the Swedish catalogue comes to say.
pytestmark = pytest.mark.usefixtures("english")


def participant_data(world, **changes) -> dict:
    data = {
        "name": "Cecilia Carlsson",
        "preferred_name": "Cilla",
        "birth_year": "1990",
        "gender": "woman",
        "needs_pictures": "y",
        "language": "ti",
        "unit_id": str(world.passagen.id),
        "workstation_id": str(world.snickeriet.id),
    }
    return {**data, **changes}


def participant_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Participant.id)))


def assignments_of(participant) -> list[Assignment]:
    return list(
        db.session.scalars(sa.select(Assignment).where(Assignment.participant == participant))
    )


def cecilia() -> Participant:
    return db.session.scalars(
        sa.select(Participant).where(Participant.name == "Cecilia Carlsson")
    ).one()


def add(client, data: dict, **kwargs):
    return post_form(client, "/participants/new", data=data, **kwargs)


def audit_actions(participant) -> list[tuple[str, int]]:
    """The changes made to the person (reads of their pages are logged too, not listed here)."""
    return list(
        db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.participant_id == participant.id, AuditEvent.action != "participant.read")
            .order_by(AuditEvent.id)
        ).all()
    )


# --- creating and editing a person ------------------------------------------------------------


def test_supervisor_adds_a_participant_who_appears_in_the_list_and_on_the_day_view(
    client, auth, world
):
    auth.login("handledare")
    form = client.get("/participants/new")
    assert form.status_code == 200
    assert 'accept="image/*"' in form.text and 'capture="user"' in form.text
    assert "Shows pictures first and larger, and offers read-aloud." in form.text
    assert "Stallet" not in form.text and "Östervik" not in form.text  # another unit's places

    saved = add(client, participant_data(world))
    assert saved.status_code == 302

    added = cecilia()
    assert (added.preferred_name, added.birth_year, added.gender, added.language) == (
        "Cilla",
        1990,
        "woman",
        "ti",
    )
    assert added.needs_pictures and added.active
    assert (added.unit_id, added.workstation_id, added.created_by_id) == (
        world.passagen.id,
        world.snickeriet.id,
        world.supervisor.id,
    )
    assert "Cilla" in client.get(f"/day/units/{world.passagen.id}").text
    listing = client.get("/participants/")
    assert "Cilla" in listing.text and "Cecilia Carlsson" in listing.text
    page = client.get(saved.headers["Location"])
    assert "ትግርኛ" in page.text and "Snickeriet" in page.text
    assert audit_actions(added) == [("participant.created", world.supervisor.id)]


def test_a_birth_year_before_1900_is_refused_and_what_was_typed_is_kept(client, auth, world):
    auth.login("handledare")
    response = add(client, participant_data(world, birth_year="1850"))
    assert response.status_code == 422
    assert f"Write a birth year from 1900 to {local_today().year}" in response.text
    assert 'value="Cecilia Carlsson"' in response.text and 'value="1850"' in response.text
    assert participant_count() == 2


def test_a_birth_year_that_is_not_a_number_is_refused(client, auth, world):
    auth.login("handledare")
    response = add(client, participant_data(world, birth_year="nittio"))
    assert response.status_code == 422
    assert "Write a whole number, with digits only." in response.text
    assert 'value="Cecilia Carlsson"' in response.text
    assert participant_count() == 2


def test_a_workstation_of_another_unit_is_refused(client, auth, world):
    auth.login("admin")
    response = add(client, participant_data(world, workstation_id=str(world.stallet.id)))
    assert response.status_code == 422
    assert "Choose a workstation in Passagen, or none." in response.text
    assert 'value="Cecilia Carlsson"' in response.text
    assert participant_count() == 2


def test_a_supervisor_cannot_place_someone_in_a_unit_that_is_not_theirs(client, auth, world):
    auth.login("handledare")
    response = add(
        client, participant_data(world, unit_id=str(world.ostervik.id), workstation_id="")
    )
    assert response.status_code == 422
    assert "Choose one of your units." in response.text
    assert participant_count() == 2


def test_a_tampered_unit_is_refused_without_an_error_page(client, auth, world):
    auth.login("handledare")
    response = add(client, participant_data(world, unit_id=str(10**30), workstation_id="x"))
    assert response.status_code == 422
    assert "Choose one of the listed options." in response.text
    assert participant_count() == 2


def test_a_missing_name_is_refused(client, auth, world):
    auth.login("handledare")
    response = add(client, participant_data(world, name="   "))
    assert response.status_code == 422
    assert "Write the participant's name." in response.text
    assert participant_count() == 2


def test_the_workstation_select_follows_the_chosen_unit(client, auth, world):
    auth.login("admin")
    fragment = client.get(f"/participants/workstation-field?unit_id={world.ostervik.id}")
    assert "Stallet" in fragment.text and "Snickeriet" not in fragment.text
    auth.logout()
    auth.login("handledare")
    fragment = client.get(f"/participants/workstation-field?unit_id={world.ostervik.id}")
    assert "Stallet" not in fragment.text  # out of scope: the supervisor's own unit instead


def test_editing_names_the_changed_fields_in_the_audit_and_deactivating_leaves_the_day_view(
    client, auth, world
):
    auth.login("handledare")
    edit_url = f"/participants/{world.anna.id}/edit"
    form = client.get(edit_url)
    assert 'value="Anna Andersson"' in form.text and 'name="active"' in form.text
    data = participant_data(world, name="Anna Ek", preferred_name="Anna", birth_year="")
    # "active" is left out, as a browser does when the box is unticked
    saved = post_form(client, edit_url, data=data, follow_redirects=True)
    assert saved.request.path == f"/participants/{world.anna.id}" and "Anna is saved." in saved.text

    assert (world.anna.name, world.anna.active) == ("Anna Ek", False)
    assert "Anna" not in client.get(f"/day/units/{world.passagen.id}").text
    update = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "participant.updated")
    ).one()
    assert (update.actor_id, update.participant_id) == (world.supervisor.id, world.anna.id)
    assert sorted(update.details["fields"]) == [
        "active",
        "gender",
        "language",
        "name",
        "needs_pictures",
    ]
    assert "Anna Ek" not in str(update.details)  # names of fields, never their values

    listing = client.get("/participants/?state=inactive")
    assert "Anna Ek" in listing.text and "Inactive" in listing.text


def png() -> io.BytesIO:
    image = io.BytesIO()
    Image.new("RGB", (40, 40), "orange").save(image, "PNG")
    image.seek(0)
    return image


def test_a_photo_is_saved_with_the_participant(client, auth, world):
    auth.login("handledare")
    data = participant_data(world, photo_file=(png(), "cilla.png", "image/png"))
    assert add(client, data, content_type="multipart/form-data").status_code == 302
    added = cecilia()
    assert added.photo is not None and added.photo.uploaded_by_id == world.supervisor.id
    page = client.get(f"/participants/{added.id}")
    assert f"/media/uploads/{added.photo_id}/thumbnail" in page.text


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_saved(client, auth, world):
    auth.login("handledare")
    not_a_picture = (io.BytesIO(b"not a picture"), "cilla.png", "image/png")
    data = participant_data(world, photo_file=not_a_picture)
    response = add(client, data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'id="photo_file-errors"' in response.text and 'value="Cecilia Carlsson"' in response.text
    assert participant_count() == 2
    assert db.session.scalar(sa.select(sa.func.count(Upload.id))) == 0


# --- who may see whom ---------------------------------------------------------------------------


def test_another_units_participant_is_not_found(client, auth, world):
    auth.login("handledare")  # supervisor of Passagen; Bertil is at Östervik
    token = csrf_token(client.get("/participants/new").text)
    bertil, his_module = world.bertil.id, world.bertil_module.id
    assert client.get(f"/participants/{bertil}").status_code == 404
    assert client.get(f"/participants/{bertil}/edit").status_code == 404
    assert (
        client.post(
            f"/participants/{bertil}/edit", data={"csrf_token": token, "name": "X"}
        ).status_code
        == 404
    )
    assign = {"csrf_token": token, "module_id": str(world.module.id)}
    assert client.post(f"/participants/{bertil}/assignments", data=assign).status_code == 404
    status = {"csrf_token": token, "status": "paused"}
    assert (
        client.post(
            f"/participants/{bertil}/assignments/{his_module}/status", data=status
        ).status_code
        == 404
    )
    assert client.get(f"/participants/{bertil}/assignments/{his_module}/edit").status_code == 404
    # Bertil's assignment id under Anna's address is not found either.
    assert (
        client.post(
            f"/participants/{world.anna.id}/assignments/{his_module}/status", data=status
        ).status_code
        == 404
    )
    assert "Bertil" not in client.get("/participants/").text
    assert (
        world.bertil.name == "Bertil Berg" and world.bertil_module.status == AssignmentStatus.ACTIVE
    )


def test_orderers_and_strangers_are_turned_away(client, auth, world):
    assert client.get("/participants/").status_code == 302  # to the sign-in page
    auth.login("handlaggare")
    assert client.get("/participants/").status_code == 403
    assert client.get("/participants/new").status_code == 403
    assert client.get(f"/participants/{world.anna.id}").status_code == 403


def test_admin_sees_every_unit_and_filters_the_list(client, auth, world):
    auth.login("admin")
    everyone = client.get("/participants/")
    assert "Anna" in everyone.text and "Bertil Berg" in everyone.text
    by_unit = client.get(f"/participants/?unit_id={world.ostervik.id}")
    assert "Bertil Berg" in by_unit.text and "Anna Andersson" not in by_unit.text
    by_workstation = client.get(f"/participants/?workstation_id={world.snickeriet.id}")
    assert "Anna Andersson" in by_workstation.text and "Bertil Berg" not in by_workstation.text
    by_name = client.get("/participants/?search=berg")
    assert "Bertil Berg" in by_name.text and "Anna Andersson" not in by_name.text
    nonsense = client.get(f"/participants/?unit_id=abc&workstation_id={10**30}&state=sleeping")
    assert nonsense.status_code == 200 and "Bertil Berg" in nonsense.text


# --- assigning modules ------------------------------------------------------------------------


def assign_form(client, world, **data):
    page = f"/participants/{world.anna.id}"
    return post_form(client, page, f"{page}/assignments", data=data)


def test_an_assigned_module_shows_on_the_participant_page_and_the_day_view(client, auth, world):
    sortera = factories.make_module("sortera-skruv", "Sortera skruv", area_key="inlarning")
    db.session.commit()
    auth.login("handledare")
    response = assign_form(
        client, world, module_id=str(sortera.id), baseline_step="2", goal_step="6"
    )
    assert response.status_code == 302

    assignment = db.session.scalars(sa.select(Assignment).where(Assignment.module == sortera)).one()
    assert (assignment.baseline_step, assignment.goal_step, assignment.status) == (2, 6, "active")
    assert (assignment.assigned_by_id, assignment.assigned_on) == (
        world.supervisor.id,
        local_today(),
    )
    page = client.get(f"/participants/{world.anna.id}")
    assert "Sortera skruv" in page.text and "Learning" in page.text
    assert f"/day/assignments/{assignment.id}" in page.text  # Record step
    assert f"/day/assignments/{assignment.id}/history" in page.text
    assert f"/library/{sortera.id}/sheet" in page.text
    assert "Sortera skruv" in client.get(f"/day/participants/{world.anna.id}").text
    action, actor = audit_actions(world.anna)[-1]
    assert (action, actor) == ("assignment.created", world.supervisor.id)


def test_the_current_step_comes_from_the_latest_rating(client, auth, world):
    factories.rate(world.anna_module, 4, world.supervisor, local_today())
    db.session.commit()
    auth.login("handledare")
    page = client.get(f"/participants/{world.anna.id}")
    row = page.text.split(f'id="assignment-{world.anna_module.id}"')[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split('class="number-cell">')[1:]] == ["2", "4", "6"]


def test_the_same_module_twice_is_refused_with_a_clear_message(client, auth, world):
    auth.login("handledare")
    response = assign_form(client, world, module_id=str(world.module.id), baseline_step="3")
    assert response.status_code == 422
    assert "Anna already has this module." in response.text
    assert len(assignments_of(world.anna)) == 1


def test_a_goal_above_ten_is_refused(client, auth, world):
    sortera = factories.make_module("sortera-skruv", "Sortera skruv")
    db.session.commit()
    auth.login("handledare")
    response = assign_form(
        client, world, module_id=str(sortera.id), baseline_step="2", goal_step="11"
    )
    assert response.status_code == 422
    assert "Choose a step from 1 to 10, or leave it empty." in response.text
    assert 'value="11"' in response.text
    assert len(assignments_of(world.anna)) == 1


@pytest.mark.parametrize(
    ("archived", "assigned_on", "message"),
    [
        (True, None, "This module is archived and can no longer be assigned."),
        (False, -1, "A module cannot be assigned on a day that has not come."),
    ],
)
def test_archived_modules_and_future_days_are_refused(
    client, auth, world, archived, assigned_on, message
):
    sortera = factories.make_module("sortera-skruv", "Sortera skruv")
    sortera.archived_at = utcnow() if archived else None
    db.session.commit()
    auth.login("handledare")
    data = {"module_id": str(sortera.id)}
    if assigned_on:
        data["assigned_on"] = assigned_on
    response = assign_form(client, world, **with_dates(data))
    assert response.status_code == 422 and message in response.text
    assert len(assignments_of(world.anna)) == 1


def test_switching_to_something_else_leaves_the_day_view_but_stays_on_the_page(client, auth, world):
    auth.login("handledare")
    page = f"/participants/{world.anna.id}"
    status_url = f"{page}/assignments/{world.anna_module.id}/status"
    switched = post_form(
        client, page, status_url, data={"status": "switched"}, follow_redirects=True
    )
    assert "Slipa en stol: Switched to something else." in switched.text

    assert world.anna_module.status == AssignmentStatus.SWITCHED
    assert world.anna_module.status_changed_at is not None
    assert "Slipa en stol" not in client.get(f"/day/participants/{world.anna.id}").text
    shown = client.get(page).text
    assert "Slipa en stol" in shown and "Switched to something else" in shown
    assert "fail" not in shown.lower()

    assert (
        post_form(
            client, page, status_url, data={"status": "active"}, follow_redirects=True
        ).status_code
        == 200
    )
    assert "Slipa en stol" in client.get(f"/day/participants/{world.anna.id}").text
    changes = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "assignment.status_changed")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.details["old"], e.details["new"], e.actor_id) for e in changes] == [
        ("active", "switched", world.supervisor.id),
        ("switched", "active", world.supervisor.id),
    ]


def test_an_unknown_status_is_refused(client, auth, world):
    auth.login("handledare")
    page = f"/participants/{world.anna.id}"
    response = post_form(
        client, page, f"{page}/assignments/{world.anna_module.id}/status", data={"status": "failed"}
    )
    assert response.status_code == 422 and "Choose one of the listed statuses." in response.text
    assert world.anna_module.status == AssignmentStatus.ACTIVE


def test_editing_baseline_and_goal_is_audited_with_old_and_new_steps(client, auth, world):
    auth.login("handledare")
    url = f"/participants/{world.anna.id}/assignments/{world.anna_module.id}/edit"
    refused = post_form(client, url, data={"baseline_step": "0", "goal_step": "7"})
    assert refused.status_code == 422 and 'value="0"' in refused.text
    assert post_form(client, url, data={"baseline_step": "3", "goal_step": "7"}).status_code == 302
    assert (world.anna_module.baseline_step, world.anna_module.goal_step) == (3, 7)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "assignment.steps_changed")
    ).one()
    assert event.actor_id == world.supervisor.id
    assert event.details["changes"] == {"baseline_step": [2, 3], "goal_step": [6, 7]}


def test_every_change_is_attributed_to_the_user_who_made_it(client, auth, world):
    auth.login("admin")
    post_form(
        client,
        "/participants/new",
        data=participant_data(
            world, unit_id=str(world.ostervik.id), workstation_id=str(world.stallet.id)
        ),
    )
    cecilia = db.session.scalars(
        sa.select(Participant).where(Participant.name == "Cecilia Carlsson")
    ).one()
    page = f"/participants/{cecilia.id}"
    post_form(
        client,
        f"{page}/edit",
        data=participant_data(
            world,
            preferred_name="Cissi",
            unit_id=str(world.ostervik.id),
            workstation_id="",
            active="y",
        ),
    )
    post_form(client, page, f"{page}/assignments", data={"module_id": str(world.module.id)})
    assignment = assignments_of(cecilia)[0]
    post_form(client, page, f"{page}/assignments/{assignment.id}/status", data={"status": "paused"})
    assert audit_actions(cecilia) == [
        ("participant.created", world.admin.id),
        ("participant.updated", world.admin.id),
        ("assignment.created", world.admin.id),
        ("assignment.status_changed", world.admin.id),
    ]


# --- a fixed number of queries ------------------------------------------------------------------


def add_people(world, count: int, start: int) -> None:
    for number in range(start, start + count):
        person = factories.make_participant(
            world.passagen,
            f"Person {number:02d}",
            workstation=world.snickeriet if number % 2 else None,
            active=number % 5 != 0,
        )
        assignment = factories.assign(person, world.module, baseline=1, goal=5)
        factories.rate(assignment, 3, world.supervisor, local_today())
    db.session.commit()


def queries_for(client, url: str) -> int:
    db.session.expire_all()  # nothing served from memory that a fresh request would load
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("url", ["/participants/", "/participants/?state=all"])
def test_the_list_costs_the_same_number_of_queries_for_3_and_30_people(client, auth, world, url):
    auth.login("handledare")
    add_people(world, 3, start=1)
    with_three = queries_for(client, url)
    add_people(world, 27, start=4)
    with_thirty = queries_for(client, url)
    assert with_three == with_thirty
    assert "Person 30" in client.get("/participants/?state=all").text


def test_a_persons_page_costs_the_same_number_of_queries_for_3_and_30_modules(client, auth, world):
    auth.login("handledare")

    def assign_modules(start: int, count: int) -> None:
        for number in range(start, start + count):
            module = factories.make_module(f"modul-{number}", f"Modul {number:02d}", pictogram=None)
            assignment = factories.assign(world.anna, module, goal=5)
            if number % 2:
                factories.rate(assignment, 2, world.supervisor, local_today())
        db.session.commit()

    assign_modules(1, 2)  # with Anna's first module: 3
    with_three = queries_for(client, f"/participants/{world.anna.id}")
    assign_modules(3, 27)
    with_thirty = queries_for(client, f"/participants/{world.anna.id}")
    assert with_three == with_thirty


def test_the_list_shows_counts_and_the_last_rating_day(client, auth, world):
    factories.rate(world.anna_module, 5, world.supervisor, dt.date(2024, 3, 14))
    db.session.commit()
    auth.login("handledare")
    listing = client.get("/participants/")
    row = listing.text.split("Anna Andersson")[1].split("</tr>")[0]
    assert 'class="number-cell">1<' in row and "2024" in row


@pytest.mark.parametrize("page", ["participants.show", "participants.overview", "progress.participant_modules",
                                  "progress.assignment", "progress.history"])
def test_a_staff_read_of_a_participants_page_is_in_the_audit_log(client, auth, world, page):
    """Issue 11: every read of a participant's page by staff is attributable: who, whom,
    which page, from where; one row per page view."""
    urls = {
        "participants.show": f"/participants/{world.anna.id}",
        "participants.overview": f"/participants/{world.anna.id}/modules",
        "progress.participant_modules": f"/day/participants/{world.anna.id}",
        "progress.assignment": f"/day/assignments/{world.anna_module.id}",
        "progress.history": f"/day/assignments/{world.anna_module.id}/history",
    }
    auth.login("handledare")
    response = client.get(urls[page])
    assert response.status_code == 200 and "Anna" in response.text
    [read] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "participant.read")).all()
    assert (read.actor_id, read.participant_id) == (world.supervisor.id, world.anna.id)
    assert read.details == {"page": page, "address": "127.0.0.1"}
