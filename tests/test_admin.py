"""Administration: the coordinator's users, units, workstations and ordering units."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from movetrack.audit import AuditEvent
from movetrack.auth.models import Role, User
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Organisation, Unit, Workstation
from tests import factories
from tests.helpers import csrf_token, post_form

NEW_PASSWORD = "tre ord i rad"


@pytest.fixture
def admin(auth, world, english):
    """Signed in as the coordinator, in English (the Swedish wording is the lead's to change)."""
    auth.login("admin")
    return world.admin


def new_user_form(world, **fields) -> dict:
    form = {
        "name": "Sara Snickare",
        "username": " Sara.S ",
        "email": "sara@kommunen.se",
        "role": "supervisor",
        "units": [str(world.passagen.id)],
        "ordering_unit": "",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    return {**form, **fields}


def create_user(client, world, **fields):
    return post_form(client, "/admin/users/new", data=new_user_form(world, **fields))


def post_action(client, url: str, **data):
    """A button form on an admin page (archive, deactivate…), with a valid CSRF token."""
    token = csrf_token(client.get("/account/password").text)
    return client.post(url, data={"csrf_token": token, **data})


def user_named(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def audit_rows() -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


# --- users -----------------------------------------------------------------------------

def test_admin_creates_a_supervisor_who_signs_in_to_their_own_unit(client, auth, admin, world):
    created = create_user(client, world)
    assert created.status_code == 302
    listing = client.get("/admin/users").text
    assert "Sara Snickare" in listing and "sara.s" in listing and "Work supervisor" in listing

    sara = user_named("sara.s")  # trimmed and lower-cased
    assert (sara.role, [unit.name for unit in sara.units], sara.email) == (
        Role.SUPERVISOR, ["Passagen"], "sara@kommunen.se"
    )

    auth.logout()
    assert auth.login("Sara.S", NEW_PASSWORD).status_code == 302
    day = client.get("/day/", follow_redirects=True)
    assert day.status_code == 200 and "Passagen" in day.text
    assert client.get(f"/day/units/{world.ostervik.id}").status_code == 404


def test_case_worker_without_ordering_unit_is_refused_and_nothing_is_saved(client, admin, world):
    refused = create_user(client, world, name="Olga Ordrar", username="olga", role="orderer",
                          units=[], ordering_unit="")
    assert refused.status_code == 422
    assert "A case worker must belong to an ordering unit" in refused.text
    assert 'value="Olga Ordrar"' in refused.text  # what was typed is kept
    assert user_named("olga") is None and audit_rows() == []


def test_case_worker_with_ordering_unit_is_created(client, admin, world):
    created = create_user(client, world, username="olga", role="orderer", units=[],
                          ordering_unit=str(world.af.id))
    assert created.status_code == 302
    assert user_named("olga").ordering_unit == world.af
    assert "Arbetsförmedlingen" in client.get("/admin/users?role=orderer").text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ordering_unit": "AF"}, "Only case workers belong to an ordering unit"),
        ({"units": []}, "A work supervisor needs at least one unit"),
        ({"username": "HANDLEDARE"}, "That username is taken"),
        ({"username": "åsa berg"}, "Use only the letters a–z"),
        ({"role": "participant"}, "Not a valid choice"),
        ({"password": "kort", "confirm": "kort"}, "Use at least 10 characters"),
        ({"confirm": "något annat"}, "The passwords differ"),
        ({"email": "sara"}, "Write a whole e-mail address"),
    ],
)
def test_a_user_breaking_a_rule_is_refused_with_a_clear_message(client, admin, world, fields, message):
    if fields.get("ordering_unit") == "AF":
        fields = {"ordering_unit": str(world.af.id)}
    refused = create_user(client, world, **fields)
    assert refused.status_code == 422
    assert message in refused.text
    assert 'value="Sara Snickare"' in refused.text
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 4 and audit_rows() == []


def test_every_problem_with_a_new_user_shows_at_once(client, admin, world):
    refused = create_user(client, world, username="olga berg", role="orderer", units=[],
                          password="kort", confirm="kort")
    assert refused.status_code == 422
    for message in ("Use only the letters a–z", "must belong to an ordering unit",
                    "Use at least 10 characters"):
        assert message in refused.text
    assert user_named("olga berg") is None


def test_the_new_user_form_offers_staff_roles_with_plain_labels(client, admin):
    page = client.get("/admin/users/new").text
    for label in ("Coordinator / unit manager", "Work supervisor", "Case worker at an ordering unit"):
        assert label in page
    assert 'value="participant"' not in page


def users_table(client, url: str) -> str:
    page = client.get(url).text
    return page[page.index("<table"):page.index("</table>")]


def test_users_list_filters_by_role(client, admin):
    supervisors = users_table(client, "/admin/users?role=supervisor")
    assert "Hanna Handledare" in supervisors and "Sten Stall" in supervisors
    assert "Olle Ordrar" not in supervisors and "Ada Admin" not in supervisors
    everyone = users_table(client, "/admin/users?role=nonsense")
    assert all(name in everyone for name in ("Hanna Handledare", "Olle Ordrar", "Ada Admin"))


def test_admin_edits_a_user(client, admin, world):
    url = f"/admin/users/{world.supervisor.id}/edit"
    edit_page = client.get(url).text
    assert 'value="Hanna Handledare"' in edit_page

    saved = post_form(client, url, data={
        "name": "Hanna Berg", "username": "hanna", "email": "", "role": "supervisor",
        "units": [str(world.passagen.id), str(world.ostervik.id)], "ordering_unit": "",
    })
    assert saved.status_code == 302
    hanna = db.session.get(User, world.supervisor.id)
    assert (hanna.name, hanna.username) == ("Hanna Berg", "hanna")
    assert {unit.name for unit in hanna.units} == {"Passagen", "Östervik"}
    event = audit_rows()[-1]
    assert event.action == "user.updated"
    assert event.details["changes"]["username"] == ["handledare", "hanna"]


def test_a_user_becomes_a_case_worker_only_with_an_ordering_unit(client, admin, world):
    url = f"/admin/users/{world.supervisor.id}/edit"
    form = {"name": "Hanna Handledare", "username": "handledare", "role": "orderer",
            "ordering_unit": ""}
    refused = post_form(client, url, data=form)
    assert refused.status_code == 422 and "must belong to an ordering unit" in refused.text
    assert db.session.get(User, world.supervisor.id).role == Role.SUPERVISOR

    saved = post_form(client, url, data={**form, "ordering_unit": str(world.af.id)})
    assert saved.status_code == 302
    hanna = db.session.get(User, world.supervisor.id)
    assert (hanna.role, hanna.ordering_unit, hanna.units) == (Role.ORDERER, world.af, [])


def test_a_unit_id_no_column_holds_is_refused_as_a_choice(client, admin, world):
    """Found by tests/test_fuzz.py: a huge unit id went on to the database driver (a 500)."""
    refused = post_form(client, f"/admin/users/{world.supervisor.id}/edit", data={
        "name": "Hanna Handledare", "username": "handledare", "role": "supervisor",
        "units": ["99999999999999999999"], "ordering_unit": "",
    })
    assert refused.status_code == 422 and 'id="units-errors"' in refused.text
    assert db.session.get(User, world.supervisor.id).units == [world.passagen]


def test_admin_cannot_take_away_their_own_coordinator_role(client, admin, world):
    refused = post_form(client, f"/admin/users/{world.admin.id}/edit", data={
        "name": "Ada Admin", "username": "admin", "role": "supervisor",
        "units": [str(world.passagen.id)], "ordering_unit": "",
    })
    assert refused.status_code == 422 and "your own coordinator role" in refused.text
    assert db.session.get(User, world.admin.id).role == Role.ADMIN


def test_a_deactivated_user_cannot_sign_in_until_reactivated(app, client, auth, admin, world):
    tablet = app.test_client()  # Hanna is signed in on the workshop tablet
    post_form(tablet, "/login", data={"username": "handledare", "password": factories.PASSWORD})
    today_at_passagen = f"/day/units/{world.passagen.id}"
    assert tablet.get(today_at_passagen).status_code == 200

    deactivated = post_action(client, f"/admin/users/{world.supervisor.id}/deactivate")
    assert deactivated.status_code == 302
    assert db.session.get(User, world.supervisor.id).active is False
    assert "Deactivated" in client.get("/admin/users").text
    assert tablet.get(today_at_passagen).status_code == 302  # her open session ends too

    auth.logout()
    refused = auth.login("handledare")
    assert refused.status_code == 200 and "Wrong username or password" in refused.text
    assert client.get("/day/").status_code == 302  # still signed out

    auth.login("admin")
    post_action(client, f"/admin/users/{world.supervisor.id}/reactivate")
    auth.logout()
    assert auth.login("handledare").status_code == 302


def test_admin_cannot_deactivate_themself(client, admin, world):
    refused = post_action(client, f"/admin/users/{world.admin.id}/deactivate")
    assert refused.status_code == 422
    assert "You cannot deactivate your own account" in refused.text
    assert db.session.get(User, world.admin.id).active is True and audit_rows() == []


def test_admin_sets_a_new_password(client, auth, admin, world):
    url = f"/admin/users/{world.supervisor.id}/password"
    too_short = post_form(client, url, data={"password": "kort", "confirm": "kort"})
    assert too_short.status_code == 422 and "Use at least 10 characters" in too_short.text

    saved = post_form(client, url, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert saved.status_code == 302
    auth.logout()
    assert auth.login("handledare").status_code == 200  # the old password no longer works
    assert auth.login("handledare", NEW_PASSWORD).status_code == 302


# --- units and workstations -----------------------------------------------------------

def add_workstation(client, unit, name):
    prefix = f"unit-{unit.id}-"
    page = client.get("/admin/units").text
    return client.post(
        f"/admin/units/{unit.id}/workstations",
        data={prefix + "csrf_token": csrf_token(page), prefix + "name": name},
    )


def test_admin_adds_a_workstation_to_a_unit(client, admin, world):
    added = add_workstation(client, world.passagen, " Veden ")
    assert added.status_code == 302
    veden = db.session.scalar(sa.select(Workstation).where(Workstation.name == "Veden"))
    assert veden.unit == world.passagen and not veden.archived
    assert "Veden" in client.get("/admin/units").text


def test_a_workstation_name_is_unique_within_its_unit(client, admin, world):
    refused = add_workstation(client, world.passagen, "snickeriet")
    assert refused.status_code == 422
    assert "This unit already has a workstation with that name" in refused.text
    assert 'value="snickeriet"' in refused.text
    assert db.session.scalar(sa.select(sa.func.count(Workstation.id))) == 2

    # Another unit may have its own Snickeriet.
    assert add_workstation(client, world.ostervik, "Snickeriet").status_code == 302


def test_archived_workstations_stay_listed_and_can_be_offered_again(client, admin, world):
    post_action(client, f"/admin/workstations/{world.snickeriet.id}/archive")
    assert db.session.get(Workstation, world.snickeriet.id).archived is True
    assert "Archived" in client.get("/admin/units").text
    post_action(client, f"/admin/workstations/{world.snickeriet.id}/unarchive")
    assert db.session.get(Workstation, world.snickeriet.id).archived is False


def test_admin_renames_a_workstation(client, admin, world):
    url = f"/admin/workstations/{world.snickeriet.id}/edit"
    assert post_form(client, url, data={"name": "Snickarverkstaden"}).status_code == 302
    assert db.session.get(Workstation, world.snickeriet.id).name == "Snickarverkstaden"


def test_admin_adds_and_renames_units_with_unique_names(client, admin, world):
    assert post_form(client, "/admin/units", data={"name": "Futuro"}).status_code == 302
    futuro = db.session.scalar(sa.select(Unit).where(Unit.name == "Futuro"))
    assert futuro.organisation == world.org

    refused = post_form(client, f"/admin/units/{futuro.id}/edit", data={"name": "östervik"})
    assert refused.status_code == 422 and "There is already a unit with that name" in refused.text
    assert post_form(client, f"/admin/units/{futuro.id}/edit", data={"name": "Stegen"}).status_code == 302
    assert db.session.get(Unit, futuro.id).name == "Stegen"

    refused = post_form(client, "/admin/units", data={"name": "Passagen"})
    assert refused.status_code == 422 and 'value="Passagen"' in refused.text


# --- ordering units ----------------------------------------------------------------------

def test_admin_adds_and_renames_ordering_units(client, admin, world):
    for name in ("Ekonomihandläggare (försörjningsstöd)", "ANL (alkohol och narkotika)", "Vuxengruppen"):
        assert post_form(client, "/admin/ordering-units", data={"name": name}).status_code == 302
    page = client.get("/admin/ordering-units").text
    assert "ANL (alkohol och narkotika)" in page and "Arbetsförmedlingen" in page

    refused = post_form(client, "/admin/ordering-units", data={"name": "vuxengruppen"})
    assert refused.status_code == 422 and "There is already an ordering unit with that name" in refused.text

    url = f"/admin/ordering-units/{world.af.id}/edit"
    assert post_form(client, url, data={"name": "Arbetsförmedlingen Kristinehamn"}).status_code == 302
    assert db.session.get(OrderingUnit, world.af.id).name == "Arbetsförmedlingen Kristinehamn"
    assert db.session.scalar(sa.select(sa.func.count(OrderingUnit.id))) == 4


# --- who may do it ------------------------------------------------------------------------

def admin_get_urls(world) -> list[str]:
    return [
        "/admin/", "/admin/users", "/admin/users/new", f"/admin/users/{world.supervisor.id}/edit",
        f"/admin/users/{world.supervisor.id}/password", "/admin/units",
        f"/admin/units/{world.passagen.id}/edit", f"/admin/workstations/{world.snickeriet.id}/edit",
        "/admin/ordering-units", f"/admin/ordering-units/{world.af.id}/edit",
    ]


def admin_post_urls(world) -> list[str]:
    return [
        "/admin/users/new", f"/admin/users/{world.supervisor.id}/edit",
        f"/admin/users/{world.supervisor.id}/password",
        f"/admin/users/{world.orderer.id}/deactivate", f"/admin/users/{world.orderer.id}/reactivate",
        "/admin/units", f"/admin/units/{world.passagen.id}/edit",
        f"/admin/units/{world.passagen.id}/workstations",
        f"/admin/workstations/{world.snickeriet.id}/edit",
        f"/admin/workstations/{world.snickeriet.id}/archive",
        f"/admin/workstations/{world.snickeriet.id}/unarchive",
        "/admin/ordering-units", f"/admin/ordering-units/{world.af.id}/edit",
    ]


@pytest.mark.parametrize("username", ["handledare", "handlaggare"])
def test_only_admins_reach_administration(client, auth, world, username):
    auth.login(username)
    for url in admin_get_urls(world):
        assert client.get(url).status_code == 403, url
    for url in admin_post_urls(world):
        assert post_action(client, url, name="Inbrott").status_code == 403, url
    assert audit_rows() == [] and "Administration" not in client.get("/account/password").text


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    assert client.get("/admin/users").status_code == 302


def test_another_organisations_admin_sees_nothing_of_ours(client, auth, world):
    other = Organisation(name="Grannkommunen")
    factories.make_user(other, "granne", Role.ADMIN)
    db.session.commit()
    auth.login("granne")

    assert "Hanna Handledare" not in client.get("/admin/users").text
    assert "Passagen" not in client.get("/admin/units").text
    assert "Arbetsförmedlingen" not in client.get("/admin/ordering-units").text
    for url in admin_get_urls(world)[3:]:
        if url not in ("/admin/units", "/admin/ordering-units"):
            assert client.get(url).status_code == 404, url
    for url in admin_post_urls(world)[1:]:
        if url not in ("/admin/units", "/admin/ordering-units"):
            assert post_action(client, url, name="Inbrott").status_code == 404, url
    # Nor may a form point at our units or ordering units.
    refused = create_user(client, world, role="orderer", units=[], ordering_unit=str(world.af.id))
    assert refused.status_code == 422 and user_named("sara.s") is None
    assert audit_rows() == []


def test_every_admin_page_shows_the_sub_navigation(client, admin, world):
    for url in admin_get_urls(world):
        page = client.get(url).text
        sub_navigation = page[page.index('<nav class="admin-nav"'):]
        sub_navigation = sub_navigation[:sub_navigation.index("</nav>")]
        assert 'aria-label="Administration"' in sub_navigation, url
        assert sub_navigation.count('aria-current="page"') == 1, url
    users = client.get("/admin/users").text
    assert '<a href="/admin/users" aria-current="page">Users</a>' in users


# --- the record of changes ------------------------------------------------------------------

def test_every_change_is_audited_as_the_admin_without_passwords(client, admin, world):
    create_user(client, world)
    sara = user_named("sara.s")
    post_form(client, f"/admin/users/{sara.id}/edit", data={
        "name": "Sara Snickare", "username": "sara", "role": "supervisor",
        "units": [str(world.ostervik.id)], "ordering_unit": "",
    })
    post_form(client, f"/admin/users/{sara.id}/password",
              data={"password": "ett helt nytt lösenord", "confirm": "ett helt nytt lösenord"})
    post_action(client, f"/admin/users/{sara.id}/deactivate")
    post_action(client, f"/admin/users/{sara.id}/reactivate")
    post_form(client, "/admin/units", data={"name": "Futuro"})
    post_form(client, f"/admin/units/{world.ostervik.id}/edit", data={"name": "Östervik gård"})
    add_workstation(client, world.passagen, "Veden")
    post_form(client, f"/admin/workstations/{world.snickeriet.id}/edit", data={"name": "Snickarverkstaden"})
    post_action(client, f"/admin/workstations/{world.snickeriet.id}/archive")
    post_action(client, f"/admin/workstations/{world.snickeriet.id}/unarchive")
    post_form(client, "/admin/ordering-units", data={"name": "Vuxengruppen"})
    post_form(client, f"/admin/ordering-units/{world.af.id}/edit", data={"name": "AF"})

    events = audit_rows()
    assert [event.action for event in events] == [
        "user.created", "user.updated", "user.password_reset", "user.deactivated",
        "user.reactivated", "unit.created", "unit.renamed", "workstation.created",
        "workstation.renamed", "workstation.archived", "workstation.unarchived",
        "ordering_unit.created", "ordering_unit.renamed",
    ]
    assert {event.actor_id for event in events} == {world.admin.id}
    assert events[0].details["role"] == "supervisor" and events[0].subject_id == sara.id
    recorded = json.dumps([event.details for event in events]).lower()
    for secret in (NEW_PASSWORD, "ett helt nytt", "argon2", "password"):
        assert secret not in recorded


def test_the_users_page_costs_the_same_queries_for_many_users(client, admin, world):
    def statements_for(url: str) -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        return count

    few = statements_for("/admin/users"), statements_for("/admin/units")
    for number in range(20):
        factories.make_user(world.org, f"handledare{number}", Role.SUPERVISOR,
                            [world.passagen, world.ostervik])
        db.session.add(Workstation(unit=world.passagen, name=f"Station {number}"))
    db.session.commit()
    assert (statements_for("/admin/users"), statements_for("/admin/units")) == few
