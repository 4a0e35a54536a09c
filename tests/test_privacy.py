"""GDPR export and erasure (issue 13, items 3 and 4): everything about a person as JSON and
PDF, in a fixed number of queries and audited; erasure as one controlled redaction that
the database triggers permit and nothing else can do, with the statistics unchanged;
retention after exit (page and command); replaced and erased photos deleted."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from movetrack import audit
from movetrack.audit import AuditEvent
from movetrack.certificates.models import Certificate
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.media.models import Upload
from movetrack.media.services import save_upload_bytes
from movetrack.mypages.models import ParticipantCredential, SelfRating
from movetrack.mypages.services import issue_card
from movetrack.participants.models import Participant
from movetrack.placements.models import Outcome
from movetrack.privacy import services
from movetrack.privacy.models import Redaction
from movetrack.progress.models import Rating
from movetrack.quality.models import QualityAnswer
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import count_queries, days_ago, post_form
from tests.test_certificates import issue_directly, pdf_text
from tests.test_participants import png
from tests.test_stats import Q1, q1  # noqa: F401  (the statistics' hand-made quarter)

pytestmark = pytest.mark.usefixtures("english")


def _photo(world) -> Upload:
    return save_upload_bytes(png().getvalue(), world.supervisor, "photo")


@pytest.fixture
def anna(world):
    """Anna with something of every kind: a noted rating, a self-rating, a placement with
    an order note, a consent, a certificate, a quality answer, a card, a photo, a read."""
    w = world
    w.anna.photo = _photo(w)
    factories.rate(w.anna_module, 3, w.supervisor, days_ago(5), note="Anna was tired today")
    placement = factories.make_placement(w.anna, w.af, start_date=days_ago(40),
                                         order_note="Anna lives on Storgatan 1")
    w.anna_module.placement_id = placement.id
    db.session.add(SelfRating(assignment_id=w.anna_module.id, rated_on=days_ago(2), step=4,
                              module_version_id=w.module.versions[-1].id,
                              rated_by_id=w.anna.id, request_key=uuid.uuid4()))
    db.session.add(Consent(participant=w.anna, ordering_unit=w.af, share_progress=True,
                           given_on=days_ago(30)))
    db.session.add(QualityAnswer(participant_id=w.anna.id, unit_id=w.passagen.id,
                                 month=days_ago(0).replace(day=1), answer_1=1, answer_2=2,
                                 answer_3=3, answer_4=2))
    audit.record(w.supervisor, audit.READ_ACTION, w.anna, w.anna.id, page="participants.show")
    db.session.commit()
    with unit_of_work():
        issue_card(w.supervisor, w.anna, "1234", None)
    certificate = issue_directly(w)
    return placement, certificate


def _export(client, world, file_format="json"):
    return client.get(f"/privacy/participants/{world.anna.id}/export.{file_format}")


# --- export -------------------------------------------------------------------------------


def test_the_json_export_holds_everything_about_the_person_and_is_audited(
        client, sign_in, world, anna):
    sign_in("admin")
    response = _export(client, world)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["participant"]["name"] == "Anna Andersson"
    assert data["photo"]["data_base64"]
    [module] = data["modules"]
    assert [(r["step"], r["note"]) for r in module["ratings"]] == [(3, "Anna was tired today")]
    assert [r["step"] for r in module["self_ratings"]] == [4]
    [placement] = data["placements"]
    assert placement["order_note"] == "Anna lives on Storgatan 1" and placement["schedule"]
    assert [c["share_progress"] for c in data["consents"]] == [True]
    assert data["certificates"][0]["content"]["participant"]["name"] == "Anna Andersson"
    assert [a["answer_3"] for a in data["quality_answers"]] == [3]
    assert data["sign_in_card"]["generation"] == 1 and "pin_hash" not in data["sign_in_card"]
    assert [(r["action"], r["by"]) for r in data["reads"]][0] == ("participant.read", "Hanna Handledare")
    assert data["erasure"] is None

    exports = db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.details)
                                 .where(AuditEvent.action == "participant.exported")).all()
    assert [(a, actor, d["format"]) for a, actor, d in exports] == [
        ("participant.exported", world.admin.id, "json")]


def test_the_pdf_export_reads_as_text_and_is_audited(client, sign_in, world, anna):
    sign_in("admin")
    response = _export(client, world, "pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("Personal data: Anna", "Modules and steps", "Anna was tired today",
                     "Anna lives on Storgatan 1", "Who has read or exported the data",
                     "Hanna Handledare"):
        assert expected in text
    assert db.session.scalar(sa.select(sa.func.count()).where(
        AuditEvent.action == "participant.exported", AuditEvent.participant_id == world.anna.id)) == 1


def test_the_export_runs_a_fixed_number_of_queries_however_much_there_is(
        client, sign_in, world, anna):
    sign_in("admin")
    with count_queries() as few:
        assert _export(client, world).status_code == 200
    placement, _certificate = anna
    for day in range(1, 15):
        factories.rate(world.anna_module, 1 + day % 10, world.supervisor, days_ago(day), note=f"n{day}")
        audit.record_read(world.supervisor, world.anna, page="participant")
    second = factories.make_placement(world.anna, world.af, start_date=days_ago(400),
                                      end_date=days_ago(300))
    factories.assign(world.anna, factories.make_module("sopa", "Sopa"), placement=second)
    db.session.commit()
    issue_directly(world)
    with count_queries() as many:
        assert _export(client, world).status_code == 200
    assert many.count == few.count


@pytest.mark.parametrize("username", ["handledare", "handlaggare"])
def test_only_a_coordinator_exports_erases_or_sees_who_is_due(client, sign_in, world, username):
    sign_in(username)
    base = f"/privacy/participants/{world.anna.id}"
    for url in (base, f"{base}/export.json", f"{base}/export.pdf", "/privacy/due"):
        assert client.get(url).status_code == 403
    erase = post_form(client, "/account/password", f"{base}/erase", data={"reason": "x", "confirm": "y"})
    assert erase.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Redaction.id))) == 0


def test_a_participant_out_of_scope_is_not_found(client, sign_in, world):
    sign_in("admin")
    assert client.get("/privacy/participants/999999/export.json").status_code == 404


# --- erasure on request -------------------------------------------------------------------


def _erase(client, world, **data):
    page = f"/privacy/participants/{world.anna.id}"
    return post_form(client, page, f"{page}/erase", data=data)


def test_erasing_on_request_asks_for_a_reason_and_a_confirmation(client, sign_in, world, anna):
    sign_in("admin")
    refused = _erase(client, world, reason="The person asked on 3 March")
    assert refused.status_code == 422 and "Tick the box" in refused.text
    assert "The person asked on 3 March" in refused.text
    refused = _erase(client, world, reason="  ", confirm="y")
    assert refused.status_code == 422
    db.session.expire_all()
    assert world.anna.name == "Anna Andersson"
    assert db.session.scalar(sa.select(sa.func.count(Redaction.id))) == 0


def test_erasure_removes_identity_and_free_texts_and_keeps_the_rest(client, sign_in, world, anna):
    placement, certificate = anna
    photo_id = world.anna.photo_id
    about_anna = sa.select(AuditEvent.id).where(AuditEvent.participant_id == world.anna.id)
    rows_before = set(db.session.scalars(about_anna))
    sign_in("admin")
    done = _erase(client, world, reason="The person asked on 3 March", confirm="y")
    assert done.status_code == 302
    db.session.expire_all()

    anna_now = db.session.get(Participant, world.anna.id)
    assert anna_now.name == f"#{anna_now.id}" and anna_now.preferred_name is None
    assert anna_now.photo_id is None and db.session.get(Upload, photo_id) is None
    assert anna_now.gender == world.anna.gender and not anna_now.active
    assert db.session.get(ParticipantCredential, anna_now.id) is None
    [rating] = db.session.scalars(sa.select(Rating).where(Rating.assignment_id == world.anna_module.id))
    assert (rating.step, rating.note, rating.rated_on) == (3, None, days_ago(5))
    assert placement.order_note is None and placement.start_date == days_ago(40)
    assert db.session.get(Certificate, certificate.id).content == {"redacted": True}

    redaction = db.session.scalar(sa.select(Redaction))
    assert (redaction.participant_id, redaction.redacted_by_id) == (anna_now.id, world.admin.id)
    assert redaction.reason == "The person asked on 3 March"
    erased = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "participant.erased"))
    assert (erased.actor_id, erased.participant_id) == (world.admin.id, anna_now.id)
    # The audit log is not touched: every earlier row is still there, by id; the erasure and
    # the admin's looks at the page are new rows.
    rows_after = set(db.session.scalars(about_anna))
    assert rows_before < rows_after and erased.id in rows_after

    page = client.get(f"/privacy/participants/{anna_now.id}")
    assert "Erased on" in page.text and "Anna Andersson" not in page.text
    exported = json.loads(_export(client, world).data)
    assert "Anna" not in json.dumps(exported["modules"]) + json.dumps(exported["participant"])
    assert exported["erasure"]["reason"] == "The person asked on 3 March"
    again = post_form(client, "/account/password", f"/privacy/participants/{anna_now.id}/erase",
                      data={"reason": "twice", "confirm": "y"})
    assert again.status_code == 422 and "already been erased" in again.text


def test_an_erased_persons_certificate_says_revoked_without_the_name(client, sign_in, world, anna):
    _placement, certificate = anna
    with unit_of_work():
        services.erase_participant(world.admin, world.anna, "asked")
    page = client.get(f"/verify/{certificate.code}")
    assert page.status_code == 200 and 'data-verdict="revoked"' in page.text
    assert "Anna" not in page.text and "no longer valid" in page.text
    assert client.get(f"/verify/{certificate.code}/badge.json").status_code == 410
    sign_in("admin")
    assert client.get(f"/certificates/{certificate.id}").status_code == 404
    assert "Anna" not in client.get(f"/participants/{world.anna.id}/certificates").text


# --- the triggers: a redaction, and nothing else ------------------------------------------


def _refused(statement, **params) -> bool:
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text(statement), params)
    except DatabaseError:
        return True
    return False


def test_the_triggers_let_only_the_redaction_through(world, anna):
    _placement, certificate = anna
    rating = db.session.scalar(sa.select(Rating.id))
    blank_note = "UPDATE ratings SET note = NULL WHERE id = :id"
    blank_content = """UPDATE certificates SET content = '{"redacted": true}' WHERE id = :id"""
    # Without a redaction row, not even the blanking passes.
    assert _refused(blank_note, id=rating)
    assert _refused(blank_content, id=certificate.id)
    db.session.add(Redaction(participant_id=world.anna.id, reason="test"))
    db.session.flush()
    # With it: the blanking passes, anything else is still refused.
    assert not _refused(blank_note, id=rating)
    assert not _refused(blank_content, id=certificate.id)
    assert _refused("UPDATE ratings SET step = 9, note = NULL WHERE id = :id", id=rating)
    assert _refused("UPDATE ratings SET note = 'changed' WHERE id = :id", id=rating)
    assert _refused("UPDATE ratings SET rated_on = :day WHERE id = :id", id=rating, day=days_ago(1))
    assert _refused("DELETE FROM ratings WHERE id = :id", id=rating)
    assert _refused("""UPDATE certificates SET content = '{"redacted": false}' WHERE id = :id""",
                    id=certificate.id)
    assert _refused("UPDATE certificates SET code = :code WHERE id = :id", id=certificate.id,
                    code="x" * 40)
    assert _refused("DELETE FROM certificates WHERE id = :id", id=certificate.id)
    assert _refused("UPDATE redactions SET reason = 'other'")
    assert _refused("DELETE FROM redactions")
    # Bertil has no redaction: his ratings are as frozen as ever.
    factories.rate(world.bertil_module, 2, world.other_supervisor, days_ago(1), note="x")
    db.session.flush()
    bertils = db.session.scalar(sa.select(Rating.id).where(Rating.assignment_id == world.bertil_module.id))
    assert _refused(blank_note, id=bertils)
    db.session.rollback()


# --- statistics are the same before and after ---------------------------------------------


def test_statistics_are_the_same_before_and_after_erasure(client, sign_in, world, q1):  # noqa: F811
    sign_in("admin")
    before = client.get("/statistics/export.csv", query_string=Q1)
    assert before.status_code == 200
    people = list(db.session.scalars(sa.select(Participant)))
    with unit_of_work():
        for person in people:
            services.erase_participant(world.admin, person, "statistics test")
    assert db.session.scalar(sa.select(sa.func.count(Redaction.id))) == len(people) == 8
    after = client.get("/statistics/export.csv", query_string=Q1)
    assert after.data == before.data
    assert client.get("/statistics/", query_string=Q1).status_code == 200


# --- retention ----------------------------------------------------------------------------


@pytest.fixture
def exits(world):
    """Bertil left over three years ago; Anna left long ago too but came back (open now)."""
    long_ago = dt.date(days_ago(0).year - 3, 1, 15)
    factories.make_placement(world.bertil, world.af, start_date=long_ago - dt.timedelta(days=60),
                             end_date=long_ago, exit_outcome=Outcome.WORK)
    factories.make_placement(world.anna, world.af, start_date=long_ago - dt.timedelta(days=60),
                             end_date=long_ago)
    factories.make_placement(world.anna, world.af, start_date=days_ago(10))
    return long_ago


def test_the_due_page_lists_who_has_passed_the_retention_period(client, sign_in, world, exits):
    sign_in("admin")
    page = client.get("/privacy/due")
    assert page.status_code == 200
    assert "Bertil Berg" in page.text and "Anna Andersson" not in page.text
    assert f"/privacy/participants/{world.bertil.id}" in page.text


def test_the_command_lists_and_then_erases_the_people_due(app, world, exits):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["erase-expired"])
    assert listed.exit_code == 0, listed.output
    assert "Bertil Berg" in listed.output and "Anna" not in listed.output
    assert "1 due for erasure" in listed.output
    assert db.session.scalar(sa.select(sa.func.count(Redaction.id))) == 0

    erased = runner.invoke(args=["erase-expired", "--erase"])
    assert erased.exit_code == 0 and "1 erased." in erased.output
    db.session.expire_all()
    assert world.bertil.name == f"#{world.bertil.id}" and world.anna.name == "Anna Andersson"
    redaction = db.session.scalar(sa.select(Redaction))
    assert redaction.redacted_by_id is None and redaction.reason == services.RETENTION_REASON
    assert "0 due" in runner.invoke(args=["erase-expired"]).output


def test_a_shorter_retention_makes_more_people_due(app, world, exits):
    app.config["RETENTION_YEARS_AFTER_EXIT"] = 10
    assert "0 due" in app.test_cli_runner().invoke(args=["erase-expired"]).output


# --- photos -------------------------------------------------------------------------------


def test_a_replaced_photo_is_deleted(client, sign_in, world):
    world.anna.photo = _photo(world)
    db.session.commit()
    old = world.anna.photo_id
    sign_in("handledare")
    edit = f"/participants/{world.anna.id}/edit"
    form = client.get(edit)
    assert form.status_code == 200
    data = {"name": "Anna Andersson", "preferred_name": "Anna", "gender": "not_stated",
            "language": "sv", "unit_id": str(world.passagen.id),
            "workstation_id": str(world.snickeriet.id), "active": "y",
            "photo_file": (png(), "new.png", "image/png")}
    saved = post_form(client, edit, data=data, content_type="multipart/form-data")
    assert saved.status_code == 302
    db.session.expire_all()
    assert world.anna.photo_id not in (None, old)
    assert db.session.get(Upload, old) is None
    assert db.session.scalar(sa.select(sa.func.count(Upload.id))) == 1


def test_a_photo_on_a_step_is_kept_when_a_person_lets_go_of_it(world):
    from movetrack.media.services import add_photo_to_step, discard_unused_upload

    photo = _photo(world)
    world.anna.photo = photo
    db.session.flush()
    add_photo_to_step(world.admin, world.module.versions[-1].steps[0], photo)
    world.anna.photo = None
    discard_unused_upload(photo)
    db.session.flush()
    assert db.session.get(Upload, photo.id) is not None
    db.session.rollback()


def test_the_participant_page_leads_a_coordinator_to_the_personal_data(client, sign_in, world):
    link = f'href="/privacy/participants/{world.anna.id}"'
    sign_in("admin")
    assert link in client.get(f"/participants/{world.anna.id}").text
    sign_in("handledare")
    page = client.get(f"/participants/{world.anna.id}")
    assert page.status_code == 200 and link not in page.text
