"""Issue 13, reads in the audit log: every look at a person's data by someone else leaves one
row (who, whom, which page, when, from where); a list leaves one row per person shown, in
one statement; nothing can change or delete the log; admins filter and export it; the
participant sees who has looked."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import url_for

from movetrack.audit import READ_ACTION, AuditEvent
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import count_queries, days_ago, post_form
from tests.test_certificates import issue_directly
from tests.test_mypages import _issue, _sign_in_with_pin


def _reads() -> list[AuditEvent]:
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == READ_ACTION).order_by(AuditEvent.id)
    ))


@pytest.fixture
def placed(world):
    """Anna's placement, ordered by Arbetsförmedlingen (Olle's ordering unit), started ten days ago."""
    return factories.make_placement(world.anna, world.af, case_worker=world.orderer, start_date=days_ago(10))


@pytest.fixture
def certificate(world):
    factories.rate(world.anna_module, 4, world.supervisor, days_ago(7))
    db.session.commit()
    return issue_directly(world)


# Who reads, what they open, the endpoint that answers. One of each kind: pages, a printable
# page, an htmx fragment, a PDF, forms, a case worker, an admin, and the public check.
SINGLE_READS = [
    ("handledare", "/participants/{anna}", {}, "participants.show"),
    ("admin", "/participants/{anna}/edit", {}, "participants.edit"),
    ("handledare", "/participants/{anna}/modules", {}, "participants.overview"),
    ("handledare", "/day/assignments/{module}", {"HX-Request": "true"}, "progress.assignment"),
    ("handledare", "/certificates/{certificate}/formal.pdf", {}, "certificates.download"),
    ("handledare", "/certificates/{certificate}", {}, "certificates.show"),
    ("handledare", "/placements/{placement}", {}, "placements.show"),
    ("handledare", "/placements/{placement}/attendance", {}, "attendance.placement"),
    ("handledare", "/placements/{placement}/plan", {}, "followups.plan"),
    ("handledare", "/participants/{anna}/consent", {}, "consent.index"),
    ("handledare", "/participants/{anna}/card", {}, "mypages.card"),
    ("handlaggare", "/orders/{placement}", {}, "caseworker.order"),
    (None, "/verify/{code}", {}, "certificates.verify"),
]


@pytest.mark.parametrize(("username", "url", "headers", "endpoint"), SINGLE_READS,
                         ids=[case[3] for case in SINGLE_READS])
def test_each_kind_of_read_leaves_exactly_one_row(client, sign_in, world, placed, certificate,
                                                 username, url, headers, endpoint):
    if username:
        sign_in(username)
    before = len(_reads())  # signing in reads nobody
    response = client.get(url.format(anna=world.anna.id, module=world.anna_module.id, placement=placed.id,
                                     certificate=certificate.id, code=certificate.code), headers=headers)
    assert response.status_code == 200
    [read] = _reads()[before:]
    reader = {None: None, "handledare": world.supervisor, "admin": world.admin, "handlaggare": world.orderer}[username]
    assert read.actor_id == (reader.id if reader else None)
    assert read.participant_id == world.anna.id
    expected = {"page": endpoint, "address": "127.0.0.1"}
    assert read.details == (expected if reader else {**expected, "actor": "public"})
    assert read.at is not None


def test_a_refused_look_and_a_post_are_not_reads(client, sign_in, world):
    sign_in("stallchef")  # Östervik: Anna is not his
    assert client.get(f"/participants/{world.anna.id}").status_code == 404
    sign_in("handledare")
    refused = post_form(client, f"/participants/{world.anna.id}/edit", data={"name": ""})
    assert refused.status_code == 422
    # The form's page was one look; what a POST answers is about a change (audited as one).
    assert [read.details["page"] for read in _reads()] == ["participants.edit"]


def test_a_participant_looking_at_their_own_pages_is_not_logged(client, world, certificate):
    _sign_in_with_pin(client, _issue(world))
    assert client.get("/me/").status_code == 200
    assert client.get(f"/me/modules/{world.anna_module.id}").status_code == 200
    assert client.get(f"/certificates/{certificate.id}/easy-read.pdf").status_code == 200
    assert _reads() == []


def _people(world, count: int) -> list:
    people = [factories.make_participant(world.passagen, f"Person {n:02}") for n in range(count)]
    db.session.commit()
    return people


@pytest.mark.parametrize("url", ["/participants/", "/day/units/{unit}"])
def test_a_list_reads_everyone_it_shows_in_one_statement(client, sign_in, world, url):
    """10 or 50 people on the page: one row each, and the same number of queries."""
    sign_in("handledare")
    url = url.format(unit=world.passagen.id)
    shown = {person.id for person in _people(world, 9)} | {world.anna.id}
    with count_queries() as ten:
        assert client.get(url).status_code == 200
    assert {read.participant_id for read in _reads()} == shown and len(_reads()) == 10
    shown |= {person.id for person in _people(world, 40)}
    with count_queries() as fifty:
        page = client.get(url)
    assert page.status_code == 200 and "Person 39" in page.text
    assert {read.participant_id for read in _reads()[10:]} == shown and len(_reads()) == 10 + 50
    assert ten.count == fifty.count


def test_the_attendance_csv_reads_each_person_in_it(client, sign_in, world, placed):
    carl = factories.make_participant(world.passagen, "Carl Carlsson")
    factories.make_placement(carl, world.af, start_date=days_ago(10))
    sign_in("handledare")
    month = days_ago(0).strftime("%Y-%m")
    response = client.get("/attendance/report.csv", query_string={"month": month})
    assert response.status_code == 200 and "Carl Carlsson" in response.data.decode()
    assert sorted((read.participant_id, read.details["page"]) for read in _reads()) == [
        (world.anna.id, "attendance.report_csv"), (carl.id, "attendance.report_csv")]


def test_nothing_can_change_or_delete_the_audit_log(client, sign_in, world):
    sign_in("handledare")
    client.get(f"/participants/{world.anna.id}")
    assert _reads()
    for statement in ("UPDATE audit_events SET actor_id = NULL", "DELETE FROM audit_events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert len(_reads()) == 1


# --- the admin's page -----------------------------------------------------------------------


def _looks(world):
    """Hanna reads Anna twice, Sten reads Bertil, Ada reads both on the list."""
    with unit_of_work():
        for actor, participant, page in [
            (world.supervisor, world.anna, "participants.show"),
            (world.supervisor, world.anna, "progress.history"),
            (world.other_supervisor, world.bertil, "participants.show"),
        ]:
            db.session.add(AuditEvent(actor_id=actor.id, action=READ_ACTION, subject_type="participants",
                                      subject_id=participant.id, participant_id=participant.id,
                                      details={"page": page, "address": "10.0.0.7"}))


def _log(client, **query) -> str:
    """The log's table (the filters above it name everyone)."""
    page = client.get("/admin/audit", query_string=query)
    assert page.status_code == 200
    return page.text.partition("<table")[2]


def test_the_admin_filters_the_log(client, sign_in, world):
    _looks(world)
    sign_in("admin")
    everything = _log(client)
    assert "Anna" in everything and "Bertil Berg" in everything
    by_sten = _log(client, actor_id=world.other_supervisor.id)
    assert "Bertil Berg" in by_sten and "Anna" not in by_sten
    about_anna = _log(client, participant_id=world.anna.id, action=READ_ACTION)
    assert about_anna.count("Hanna Handledare (Work supervisor)") == 2
    assert "Bertil Berg" not in about_anna
    tomorrow = (days_ago(0) + dt.timedelta(days=1)).isoformat()
    nothing = client.get("/admin/audit", query_string={"since": tomorrow})
    assert "Nothing in the audit log matches." in nothing.text
    today = _log(client, since=days_ago(0).isoformat(), until=days_ago(0).isoformat())
    assert "Bertil Berg" in today


def test_only_admins_see_the_log(client, sign_in, world):
    sign_in("handledare")
    assert client.get("/admin/audit").status_code in (403, 404)
    assert client.get("/admin/audit.csv").status_code in (403, 404)


def test_the_log_pages_newest_first_in_the_same_number_of_queries(client, sign_in, world):
    with unit_of_work():
        for n in range(120):
            db.session.add(AuditEvent(actor_id=world.supervisor.id, action=READ_ACTION, subject_type="participants",
                                      subject_id=world.anna.id, participant_id=world.anna.id,
                                      details={"page": f"page.{n:03}"}))
    sign_in("admin")
    with count_queries() as first_count:
        first = client.get("/admin/audit")
    assert "page.119" in first.text and "page.070" in first.text and "page.069" not in first.text
    older = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    with count_queries() as second_count:
        second = client.get(older)
    assert "page.069" in second.text and "page.020" in second.text and "page.070" not in second.text
    assert first_count.count == second_count.count
    third = client.get(second.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&"))
    assert "page.000" in third.text and 'rel="next"' not in third.text


def test_the_admin_exports_the_filtered_log_and_the_export_is_recorded(client, sign_in, world):
    _looks(world)
    sign_in("admin")
    response = client.get("/admin/audit.csv", query_string={"participant_id": world.anna.id})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, *rows = response.data.decode("utf-8").lstrip("\ufeff").splitlines()
    assert header.split(";")[:5] == ["Number", "When", "Who", "What", "About whom"]
    assert [row.split(";")[6] for row in rows] == ["progress.history", "participants.show"]  # newest first
    assert all(row.split(";")[2] == "Hanna Handledare (Work supervisor)" and "Anna" in row.split(";")[4]
               for row in rows)
    [export] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "audit.exported"))
    assert export.actor_id == world.admin.id
    assert export.details == {"rows": 2, "filters": {"participant_id": world.anna.id}}


# --- the participant's page -----------------------------------------------------------------


def test_the_participant_sees_who_looked_at_their_data_and_no_one_elses(client, world):
    _looks(world)
    _sign_in_with_pin(client, _issue(world))
    page = client.get("/me/looks")
    assert page.status_code == 200
    assert "Vem har tittat på mina uppgifter" in page.text
    assert page.text.count('class="timeline-what"') == 2 and "Hanna Handledare (Handledare)" in page.text
    assert "Sten Stall" not in page.text and "Bertil" not in page.text
    assert "Din sida" in page.text and "Dina moduler och steg" in page.text
    assert "/me/looks" in client.get("/me/").text  # reached from their start page


# Every GET route about one person, by the ids in its path: a new one that forgets to record
# its read fails here. Routes that need more than these ids are tested above by name.
PERSON_IDS = {"participant_id", "placement_id", "assignment_id", "certificate_id", "follow_up_id", "layout"}
NOT_THE_ADMINS = {"caseworker.order"}  # a case worker's page (tested above with Olle)


def test_every_page_about_one_person_records_its_read(app, client, sign_in, world, placed, certificate):
    follow_up = FollowUp(placement=placed, kind=FollowUpKind.SCHEDULED, label="3 veckor", due_on=days_ago(0))
    db.session.add(follow_up)
    db.session.commit()
    ids = {"participant_id": world.anna.id, "placement_id": placed.id, "assignment_id": world.anna_module.id,
           "certificate_id": certificate.id, "follow_up_id": follow_up.id, "layout": "formal"}
    rules = [rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.arguments and rule.arguments <= PERSON_IDS
             and not rule.rule.startswith("/me/")]
    assert len(rules) > 20
    sign_in("admin")
    for rule in rules:
        before = len(_reads())
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
        response = client.get(url)
        if rule.endpoint in NOT_THE_ADMINS:
            assert response.status_code == 403, url
            continue
        assert response.status_code == 200, url
        reads = _reads()[before:]
        assert [(read.participant_id, read.details["page"]) for read in reads] == [(world.anna.id, rule.endpoint)], url
