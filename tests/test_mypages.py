"""The participant's own side: the card, signing in with a PIN or pictures, their own
pages only, their own rating of a step, and what staff see of it."""

from __future__ import annotations

import io
import re
import uuid

import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp

from movetrack.audit import AuditEvent
from movetrack.extensions import db
from movetrack.mypages import services
from movetrack.mypages.models import ParticipantCredential, SelfRating
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import csrf_token, post_form

PIN = "4711"
PICTURES = ["dog", "house", "apple"]


def _issue(world, participant=None, pin=PIN, pictures=None) -> str:
    with unit_of_work():
        return services.issue_card(world.supervisor, participant or world.anna, pin, pictures)


def _sign_in_with_pin(client, token, pin=PIN):
    return post_form(client, f"/card/{token}", data={"pin": pin})


def _sign_in_with_pictures(client, token, pictures):
    first, second, third = pictures
    return post_form(client, f"/card/{token}",
                     data={"first": first, "second": second, "third": third})


def _qr_url(pdf: bytes) -> str:
    page = pypdfium2.PdfDocument(io.BytesIO(pdf))[0]
    (found,) = zxingcpp.read_barcodes(page.render(scale=4).to_pil())
    return found.text


def test_staff_print_an_a6_card_whose_qr_opens_the_participants_sign_in(client, auth, world):
    auth.login("handledare")
    printed = post_form(client, f"/participants/{world.anna.id}/card", data={"pin": PIN})
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    assert printed.headers["Cache-Control"] == "private, no-store"
    document = pypdfium2.PdfDocument(io.BytesIO(printed.data))
    width, height = document[0].get_size()
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (105, 148)  # A6
    url = _qr_url(printed.data)
    token = re.fullmatch(r"http://movetrack\.test/card/([A-Za-z0-9_-]+)", url).group(1)
    assert len(token) >= 43  # 32 random bytes
    credential = db.session.get(ParticipantCredential, world.anna.id)
    assert credential.card_token_hash == services.token_hash(token) and token not in credential.card_token_hash
    assert credential.pin_hash.startswith("$argon2") and PIN not in credential.pin_hash
    auth.logout()
    assert "Hej Anna!" in client.get(f"/card/{token}").text


def test_a_card_needs_a_pin_or_three_pictures(client, auth, world):
    auth.login("handledare")
    refused = post_form(client, f"/participants/{world.anna.id}/card", data={"pin": "12"})
    assert refused.status_code == 422 and "Skriv fyra siffror." in refused.text
    nothing = post_form(client, f"/participants/{world.anna.id}/card", data={})
    assert nothing.status_code == 422 and "Välj en PIN-kod eller tre bilder" in nothing.text
    assert db.session.scalars(sa.select(ParticipantCredential)).all() == []


def test_card_and_pin_open_the_participants_own_steps(client, world):
    token = _issue(world)
    signed_in = _sign_in_with_pin(client, token)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/me/"
    home = client.get("/me/")
    assert home.status_code == 200
    assert "Slipa en stol" in home.text and "Steg 2 av 10" in home.text  # the baseline
    assert "Bertil" not in home.text
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "participant.signed_in")).one()
    assert (event.participant_id, event.details) == (world.anna.id, {"actor": "participant", "method": "pin"})


def test_three_pictures_in_order_sign_in(client, world):
    token = _issue(world, pin=None, pictures=PICTURES)
    page = client.get(f"/card/{token}")
    assert 'name="first"' in page.text and 'name="pin"' not in page.text
    wrong_order = _sign_in_with_pictures(client, token, list(reversed(PICTURES)))
    assert wrong_order.status_code == 200 and "Fel bilder. Försök igen." in wrong_order.text
    assert client.get("/me/").status_code == 302
    assert _sign_in_with_pictures(client, token, PICTURES).headers["Location"] == "/me/"
    assert "Slipa en stol" in client.get("/me/").text


def test_wrong_pins_lock_the_card_until_staff_open_it(client, auth, world):
    token = _issue(world)
    csrf = csrf_token(client.get(f"/card/{token}").text)  # a locked card's page has no form to take it from
    for _attempt in range(services.MAX_FAILED_ATTEMPTS - 1):
        wrong = _sign_in_with_pin(client, token, "0000")
        assert wrong.status_code == 200 and "Fel PIN-kod. Försök igen." in wrong.text
    locked = _sign_in_with_pin(client, token, "0000")
    assert "Ditt kort är låst" in locked.text
    still_locked = client.post(f"/card/{token}", data={"csrf_token": csrf, "pin": PIN})  # even the right PIN
    assert still_locked.status_code == 403 and "Ditt kort är låst" in still_locked.text
    assert client.get("/me/").status_code == 302
    failures = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "participant.sign_in_failed"))
    assert len(failures.all()) == services.MAX_FAILED_ATTEMPTS

    assert "Ditt kort är låst" in client.get(f"/card/{token}").text  # said on the page itself too
    auth.login("handledare")
    card_page = client.get(f"/participants/{world.anna.id}/card")
    assert "Kortet är låst" in card_page.text
    opened = post_form(client, f"/participants/{world.anna.id}/card", f"/participants/{world.anna.id}/card/unlock")
    assert opened.status_code == 302
    auth.logout()
    assert _sign_in_with_pin(client, token).headers["Location"] == "/me/"


def test_a_new_card_ends_the_old_card_and_its_session_at_once(client, world):
    old = _issue(world)
    _sign_in_with_pin(client, old)
    assert client.get("/me/").status_code == 200
    new = _issue(world, pin="1234")
    assert client.get("/me/").status_code == 302  # signed out
    gone = client.get(f"/card/{old}")
    assert gone.status_code == 404 and "Kortet fungerar inte" in gone.text
    assert _sign_in_with_pin(client, new, "1234").headers["Location"] == "/me/"


def test_a_stopped_card_opens_nothing_at_once(client, auth, world):
    token = _issue(world)
    _sign_in_with_pin(client, token)
    assert client.get("/me/").status_code == 200
    with unit_of_work():
        services.stop_card(world.supervisor, world.anna)
    assert client.get("/me/").status_code == 302
    assert client.get(f"/card/{token}").status_code == 404
    auth.login("handledare")
    stopped = post_form(client, f"/participants/{world.anna.id}/card", f"/participants/{world.anna.id}/card/stop")
    assert stopped.status_code == 302
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "participant.card_stopped"))
    assert len(actions.all()) == 2
    no_card = post_form(client, f"/participants/{world.anna.id}/card", f"/participants/{world.bertil.id}/card/stop")
    assert no_card.status_code == 404  # Bertil is not in Hanna's unit


def test_sign_in_attempts_are_limited_per_card_and_per_address(client, world):
    token = _issue(world)
    other = _issue(world, participant=world.bertil)
    csrf = csrf_token(client.get(f"/card/{token}").text)

    def attempt(card, address):
        return client.post(f"/card/{card}", data={"csrf_token": csrf, "pin": "0000"},
                           environ_base={"REMOTE_ADDR": address}).status_code

    # One card from ten addresses: the eleventh try is refused, whatever the address.
    assert 429 not in [attempt(token, f"10.0.0.{n}") for n in range(10)]
    assert attempt(token, "10.0.1.1") == 429
    # One address on other cards: its own limit.
    assert 429 not in [attempt(other, "10.0.2.1") for _ in range(10)]
    assert attempt(other, "10.0.2.1") == 429


@pytest.mark.parametrize("token", ["gissning", "A" * 43, "x" * 500])
def test_a_guessed_card_token_is_a_clear_404(client, world, token):
    _issue(world)
    answer = client.get(f"/card/{token}")
    assert answer.status_code == 404 and "Be din handledare om ett nytt kort." in answer.text
    assert "Anna" not in answer.text


def test_a_participant_reaches_only_their_own_pages(client, world):
    _sign_in_with_pin(client, _issue(world))
    own = client.get(f"/me/modules/{world.anna_module.id}")
    assert own.status_code == 200 and own.text.count('name="step"') == 10
    assert client.get(f"/me/modules/{world.bertil_module.id}").status_code == 404
    for staff_page in (f"/day/participants/{world.anna.id}", f"/day/participants/{world.bertil.id}", "/day/",
                       "/participants/", f"/participants/{world.anna.id}", "/library/",
                       f"/library/{world.module.id}", "/account/password", f"/participants/{world.anna.id}/card"):
        refused = client.get(staff_page)
        assert refused.status_code == 403, staff_page
        assert "Bertil" not in refused.text and "Inte tillåtet" in refused.text
    assert "Modulbibliotek" not in client.get("/me/").text  # no way to the library from the menu


def test_staff_do_not_get_a_participants_own_pages(client, auth, world):
    auth.login("handledare")
    assert client.get("/me/").status_code == 403
    assert client.get(f"/me/modules/{world.anna_module.id}").status_code == 403


def _self_rate(client, assignment, step, key=None, token_page=None):
    page = token_page or client.get(f"/me/modules/{assignment.id}")
    key = key or re.search(r'name="request_key" type="hidden" value="([^"]+)"', page.text).group(1)
    return client.post(f"/me/modules/{assignment.id}/ratings",
                       data={"csrf_token": csrf_token(page.text), "request_key": key, "step": str(step)})


def test_a_self_rating_posted_twice_with_the_same_key_is_saved_once(client, world):
    _sign_in_with_pin(client, _issue(world))
    page = client.get(f"/me/modules/{world.anna_module.id}")
    first = _self_rate(client, world.anna_module, 5, token_page=page)
    assert first.status_code == 302
    assert "Sparat. Du tycker att du är på steg 5." in client.get(first.headers["Location"]).text
    second = _self_rate(client, world.anna_module, 5, token_page=page)
    assert second.status_code == 302
    assert "Redan sparat." in client.get(second.headers["Location"]).text
    (rating,) = db.session.scalars(sa.select(SelfRating)).all()
    assert (rating.step, rating.rated_by_id, rating.assignment_id) == (5, world.anna.id, world.anna_module.id)


def test_a_self_rating_key_cannot_be_reused_on_another_module_or_forged(client, world):
    other = factories.assign(world.anna, factories.make_module("bara-kaffe", "Koka kaffe"), baseline=1)
    db.session.commit()
    _sign_in_with_pin(client, _issue(world))
    page = client.get(f"/me/modules/{world.anna_module.id}")
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', page.text).group(1)
    _self_rate(client, world.anna_module, 5, key=key, token_page=page)
    reused = _self_rate(client, other, 3, key=key)
    assert reused.status_code == 422 and "Formuläret har redan använts" in reused.text
    forged = _self_rate(client, world.anna_module, 3, key="inte-en-nyckel")
    assert forged.status_code == 422 and "Formuläret hade gått ut" in forged.text
    outside = _self_rate(client, world.anna_module, 11, key=str(uuid.uuid4()))
    assert outside.status_code == 422 and "Välj ett steg från 1 till 10." in outside.text
    assert len(db.session.scalars(sa.select(SelfRating)).all()) == 1


def test_self_ratings_are_append_only_in_the_database(client, world):
    _sign_in_with_pin(client, _issue(world))
    _self_rate(client, world.anna_module, 5)
    for statement in ("UPDATE self_ratings SET step = 9", "DELETE FROM self_ratings"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()


def test_staff_see_both_ratings_and_a_gap_of_two_flagged(client, auth, world):
    _sign_in_with_pin(client, _issue(world))
    _self_rate(client, world.anna_module, 5)  # staff: baseline 2
    client.post("/logout", data={"csrf_token": csrf_token(client.get(f"/me/modules/{world.anna_module.id}").text)})
    auth.login("handledare")
    module_page = client.get(f"/day/participants/{world.anna.id}")
    assert "Egen bedömning" in module_page.text and "Egen bedömning skiljer sig: prata om det" in module_page.text
    steps_page = client.get(f"/day/assignments/{world.anna_module.id}")
    assert "Anna tycker: steg 5. Personalens senaste: steg 2." in steps_page.text
    assert "Egen bedömning skiljer sig" in steps_page.text
    day = client.get(f"/day/units/{world.passagen.id}")
    assert "Egen bedömning skiljer sig: prata om det" in day.text
    # Staff rate step 4: one step apart is no longer flagged, and the self-rating never counts.
    factories.rate(world.anna_module, 4, world.supervisor, world.anna_module.assigned_on)
    db.session.commit()
    assert "Egen bedömning skiljer sig" not in client.get(f"/day/participants/{world.anna.id}").text


def test_the_demo_gives_three_participants_a_card_once(app, client):
    from movetrack.demo import DEMO_CARDS, demo_command

    runner = app.test_cli_runner()
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    assert "Sign-in cards: 3 new." in first.output and "/card/demo-card-anna-karlsson" in first.output
    second = runner.invoke(demo_command)
    assert "Sign-in cards: 0 new." in second.output
    assert len(db.session.scalars(sa.select(ParticipantCredential)).all()) == 3
    (anna_name, anna_token, anna_pin, _none), (jonas_name, jonas_token, _no_pin, jonas_pictures) = DEMO_CARDS[:2]
    assert _sign_in_with_pin(client, anna_token, anna_pin).headers["Location"] == "/me/"
    assert "Mina steg" in client.get("/me/").text
    # Anna's certificate as easy-read PDF; somebody else's is not found.
    from movetrack.certificates.models import Certificate

    home = client.get("/me/").text
    own_pdf = re.search(r'href="(/certificates/(\d+)/easy-read\.pdf)"', home)
    pdf = client.get(own_pdf.group(1))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    others = db.session.scalars(sa.select(Certificate.id).where(Certificate.participant_id != anna_id(anna_name)))
    assert all(client.get(f"/certificates/{other}/easy-read.pdf").status_code == 404 for other in others)
    assert client.get(f"/certificates/{own_pdf.group(2)}").status_code == 403  # the staff page
    client.post("/logout", data={"csrf_token": csrf_token(client.get(f"/card/{jonas_token}").text)})
    assert _sign_in_with_pictures(client, jonas_token, jonas_pictures).headers["Location"] == "/me/"


def anna_id(name):
    from movetrack.participants.models import Participant

    return db.session.scalar(sa.select(Participant.id).where(Participant.name == name))


def _hand_over(client, auth, world):
    auth.login("handledare")
    page = f"/day/assignments/{world.anna_module.id}"  # any staff page's form gives the CSRF token
    return post_form(client, page, f"/participants/{world.anna.id}/hand-over")


def test_participant_mode_shows_only_the_participants_pages_until_the_supervisors_password(client, auth, world):
    handed = _hand_over(client, auth, world)
    assert handed.status_code == 302 and handed.headers["Location"] == "/me/"
    home = client.get("/me/")
    assert home.status_code == 200 and "Slipa en stol" in home.text and "Lämna tillbaka surfplattan" in home.text
    assert "Logga ut" not in home.text
    for staff_page in (f"/day/participants/{world.anna.id}", "/day/", "/library/", "/account/password"):
        assert client.get(staff_page).status_code == 403, staff_page
    assert client.get(f"/me/modules/{world.bertil_module.id}").status_code == 404

    wrong = post_form(client, "/me/give-back", data={"password": "gissat"})
    assert wrong.status_code == 422 and "Det är inte handledarens lösenord." in wrong.text
    assert client.get("/day/").status_code == 403  # still the participant's tablet
    back = post_form(client, "/me/give-back", data={"password": factories.PASSWORD})
    assert back.status_code == 302 and back.headers["Location"] == f"/day/participants/{world.anna.id}"
    assert client.get(f"/day/participants/{world.anna.id}").status_code == 200
    assert client.get("/me/").status_code == 403  # staff again
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("participant_mode.%")))
    assert sorted(actions) == ["participant_mode.ended", "participant_mode.started"]


def test_participant_mode_left_idle_signs_out_altogether(app, client, auth, world):
    from movetrack.clock import utcnow
    from movetrack.mypages.session import LAST_SEEN

    _hand_over(client, auth, world)
    assert client.get("/me/").status_code == 200
    idle = app.config["PARTICIPANT_MODE_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[LAST_SEEN] = utcnow().timestamp() - idle - 1
    signed_out = client.get("/me/")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].startswith("/login")
    assert client.get("/day/").status_code == 302  # not back to the supervisor's account


def test_a_participant_on_their_own_card_has_no_tablet_to_give_back(client, world):
    _sign_in_with_pin(client, _issue(world))
    assert client.get("/me/give-back").status_code == 404


def test_staff_agree_with_a_self_rating_by_recording_their_own_that_points_at_it(client, auth, world):
    from movetrack.progress.models import Rating

    _sign_in_with_pin(client, _issue(world))
    _self_rate(client, world.anna_module, 5)
    own = db.session.scalars(sa.select(SelfRating)).one()
    client.post("/logout", data={"csrf_token": csrf_token(client.get(f"/me/modules/{world.anna_module.id}").text)})
    auth.login("handledare")
    page = f"/day/assignments/{world.anna_module.id}"
    assert "Håll med: registrera steg 5" in client.get(page).text
    mismatched = post_form(client, page, f"/day/assignments/{world.anna_module.id}/ratings",
                           data={"step": "6", "agrees_with": str(own.id)})
    assert mismatched.status_code == 422 and "Att hålla med deltagaren registrerar steget hen valde." in mismatched.text
    elsewhere = post_form(client, page, f"/day/assignments/{world.bertil_module.id}/ratings",
                          data={"step": "5", "agrees_with": str(own.id)})
    assert elsewhere.status_code == 404
    agreed = post_form(client, page, f"/day/assignments/{world.anna_module.id}/ratings",
                       data={"step": "5", "agrees_with": str(own.id)})
    assert agreed.status_code == 302
    rating = db.session.scalars(sa.select(Rating)).one()
    assert (rating.step, rating.agrees_with_id, rating.rated_by_id) == (5, own.id, world.supervisor.id)
    assert db.session.scalars(sa.select(SelfRating)).one().step == 5  # the self-rating itself is untouched
    assert "Håll med: registrera steg" not in client.get(page).text  # staff and own agree now


def test_the_own_page_reads_the_same_number_of_times_for_one_module_or_four(client, world):
    from tests.helpers import count_queries

    _sign_in_with_pin(client, _issue(world))
    with count_queries() as one:
        assert client.get("/me/").status_code == 200
    for n in range(3):
        more = factories.assign(world.anna, factories.make_module(f"modul-{n}", f"Modul {n}"), baseline=3)
        factories.rate(more, 4, world.supervisor, more.assigned_on)
    db.session.commit()
    with count_queries() as four:
        page = client.get("/me/")
    assert page.text.count('class="panel own-module"') == 4
    assert four.count == one.count


@pytest.mark.parametrize(("stored", "signed_in"), [
    ("u:{id}:{generation}", True), ("u:{id}:{ended}", False), ("u:{id}", False), ("{id}", False),
    ("p:{id}", False), ("x:{id}:{generation}", False), ("u:", False), ("", False),
])
def test_sessions_name_staff_with_a_prefix_and_the_session_generation(client, world, stored, signed_in):
    """A staff session is "u:<id>:<generation>"; an ended generation, a plain id from before
    generations existed and anything malformed are nobody."""
    supervisor = world.supervisor
    with client.session_transaction() as session:
        session["_user_id"] = stored.format(id=supervisor.id, generation=supervisor.session_generation,
                                            ended=supervisor.session_generation - 1)
        session["_fresh"] = True
    answer = client.get("/participants/")
    assert (answer.status_code == 200 and "Anna" in answer.text) is signed_in
    assert answer.headers.get("Location", "").startswith("/login") is not signed_in


def test_signing_out_on_a_card_ends_a_copy_of_its_session_too(app, client, world):
    """The card's session cookie, copied before sign-out (a shared tablet's browser profile,
    a stolen cookie), opens nothing afterwards: the server ends the card's sessions."""
    token = _issue(world)
    _sign_in_with_pin(client, token)
    copy = _copy_of_session(app, client)
    assert copy.get("/me/").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token(client.get(f"/me/modules/{world.anna_module.id}").text)})

    assert copy.get("/me/").status_code == 302  # to sign-in, not Anna's page
    again = _sign_in_with_pin(client, token)  # the card itself still works
    assert again.headers["Location"] == "/me/" and client.get("/me/").status_code == 200


def _copy_of_session(app, client):
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session", domain="movetrack.test").value,
                    domain="movetrack.test")
    return copy


def test_signing_out_in_participant_mode_ends_the_supervisors_sessions(app, client, auth, world):
    _hand_over(client, auth, world)
    copy = _copy_of_session(app, client)
    assert copy.get("/me/").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token(client.get(f"/me/modules/{world.anna_module.id}").text)})

    assert copy.get("/me/").status_code == 302
    assert copy.get("/day/").status_code == 302  # nor the supervisor's own pages
