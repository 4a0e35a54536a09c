"""Certificates: issue with frozen content, the PDF a person reads, the QR code a phone
scans, the public page an employer sees, revocation, and who may do what."""

from __future__ import annotations

import base64
import hashlib
import json
from contextlib import contextmanager
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp

from movetrack.audit import AuditEvent
from movetrack.certificates import services
from movetrack.certificates.models import Certificate
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.modules.models import ModuleStep, ModuleVersion
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import count_queries, csrf_token, days_ago, post_form, with_dates

# Reading a PDF the way a person (and a phone) does -------------------------------------


def pdf_pages(data: bytes) -> list[pdfium.PdfPage]:
    return list(pdfium.PdfDocument(data))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdf_pages(data))


def qr_urls(data: bytes) -> list[str]:
    """Render every page to an image at 150 dpi and decode the QR codes found on it."""
    found = []
    for page in pdf_pages(data):
        image = page.render(scale=150 / 72).to_pil()
        found += [result.text for result in zxingcpp.read_barcodes(image)]
    return found


def local_path(url: str) -> str:
    """The test client takes a path: drop the scheme and host of an absolute URL."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Issuing through the pages -------------------------------------------------------------


@pytest.fixture
def in_request(app):
    """Services raise messages in the user's language, which needs a request to ask."""
    with app.test_request_context():
        yield


def issue_form_data(page_html: str, assignments, **extra) -> dict:
    return {
        "csrf_token": csrf_token(page_html),
        "period_start": days_ago(30).isoformat(),
        "period_end": local_today().isoformat(),
        "modules": [str(a.id) for a in assignments],
        "language": "en",
        "participant_agreed": "y",
        **extra,
    }


def issue_via_form(client, participant, assignments, button="issue", **extra):
    url = f"/participants/{participant.id}/certificates/new"
    page = client.get(url)
    return client.post(url, data={**issue_form_data(page.text, assignments, **extra), button: "1"})


def certificates() -> list[Certificate]:
    return db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()


def issue_directly(world, assignments=None, participant=None, by=None, **choices) -> Certificate:
    """Issue with the service, for tests about what happens after issue."""
    participant = participant or world.anna
    assignments = assignments or [world.anna_module]
    with unit_of_work():
        return services.issue_certificate(
            by or world.supervisor,
            participant,
            services.IssueChoices(
                period_start=choices.pop("period_start", days_ago(30)),
                period_end=choices.pop("period_end", local_today()),
                assignment_ids=tuple(a.id for a in assignments),
                participant_agreed=choices.pop("participant_agreed", True),
                **choices,
            ),
        )


@pytest.fixture
def rated(world):
    """Anna reached step 4 on "Slipa en stol" a week ago."""
    factories.rate(world.anna_module, 3, world.supervisor, days_ago(30))
    factories.rate(world.anna_module, 4, world.supervisor, days_ago(7))
    db.session.commit()
    return world


def new_wording(module, title_prefix: str) -> ModuleVersion:
    """An edit of the module after the certificate: version 2 with other words."""
    version = ModuleVersion(
        module=module, number=2, title=f"{title_prefix} titel", description="Ändrad."
    )
    for number in range(1, 11):
        version.steps.append(
            ModuleStep(
                number=number,
                title=f"{title_prefix} {number}",
                meaning="Ny betydelse",
                todo="-",
                how="-",
            )
        )
    module.current_version_number = 2
    db.session.add(version)
    db.session.commit()
    return version


# The issue's "Done when", end to end ---------------------------------------------------


def test_issue_print_scan_and_verify_and_later_edits_change_nothing(client, auth, rated):
    world = rated
    auth.login("handledare")
    issued = issue_via_form(client, world.anna, [world.anna_module])
    assert issued.status_code == 302
    certificate = certificates()[0]
    assert issued.headers["Location"].endswith(f"/certificates/{certificate.id}")

    pdf = client.get(f"/certificates/{certificate.id}/formal.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Anna Andersson" in text
    assert "Slipa en stol" in text and "Step 4 of 10" in text
    assert "Slipa en stol steg 4" in text and "Betydelse 4" in text  # the step's wording

    [url] = qr_urls(pdf.data)
    assert url.startswith("http://movetrack.test/verify/")
    assert certificate.code in url
    auth.logout()  # an employer is not signed in
    verified = client.get(local_path(url))
    assert verified.status_code == 200
    assert 'data-verdict="genuine"' in verified.text and "Genuine" in verified.text
    assert "Slipa en stol steg 4" in verified.text
    assert certificate.content_sha256 in verified.text

    # The module is edited and Anna moves on: the certificate says what it said.
    new_wording(world.module, "Omskriven")
    factories.rate(world.anna_module, 7, world.supervisor, local_today())
    db.session.commit()
    again = client.get(local_path(url))
    assert 'data-verdict="genuine"' in again.text
    assert "Slipa en stol steg 4" in again.text and "Omskriven" not in again.text
    assert "Step 7" not in again.text
    db.session.refresh(certificate)
    assert (
        certificate.content_sha256
        == hashlib.sha256(services.canonical_json(certificate.content)).hexdigest()
    )
    assert certificate.content["modules"][0]["step"] == 4


def test_unknown_codes_answer_not_found_never_500(client, world):
    for code in ("x" * 32, "nope", "a" * 500, "åäö-ÅÄÖ-" * 5, "%00", "'; DROP TABLE x;--"):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404, code
        assert 'data-verdict="not-found"' in response.text
    assert client.get("/verify/..%2F..%2Fetc").status_code == 404  # a slash is no code at all
    assert client.get("/verify/" + "x" * 32 + "/badge.json").status_code == 404


def test_the_verify_form_leads_to_the_code_page(client, rated):
    certificate = issue_directly(rated)
    typed = client.get(f"/verify?code=+{certificate.code}+")
    assert typed.status_code == 302 and typed.headers["Location"].endswith(
        f"/verify/{certificate.code}"
    )
    assert client.get("/verify").status_code == 200


def test_a_revoked_certificate_answers_revoked_with_the_date_and_nothing_else(client, auth, rated):
    certificate = issue_directly(rated)
    auth.login("admin")
    response = post_form(
        client,
        f"/certificates/{certificate.id}",
        f"/certificates/{certificate.id}/revoke",
        data={"reason": "Fel period angiven"},
    )
    assert response.status_code == 302
    auth.logout()

    page = client.get(f"/verify/{certificate.code}?lang=en")
    assert page.status_code == 200
    assert 'data-verdict="revoked"' in page.text and "Revoked" in page.text
    assert "Fel period angiven" not in page.text  # the reason is internal
    assert "Slipa en stol" not in page.text  # a revoked paper's details are not repeated
    assert client.get(f"/verify/{certificate.code}/badge.json").status_code == 410

    db.session.refresh(certificate)
    assert certificate.revoked_by_id == rated.admin.id
    assert certificate.revocation_reason == "Fel period angiven"


def test_the_public_page_shows_nothing_beyond_the_paper(client, rated):
    rated.anna.birth_year = 1990
    db.session.commit()
    certificate = issue_directly(rated)
    page = client.get(f"/verify/{certificate.code}").text
    assert f"/participants/{rated.anna.id}" not in page
    assert "1990" not in page and "Anna</" not in page  # no birth year, no preferred name


# Who may do what -----------------------------------------------------------------------


def test_a_supervisor_of_another_unit_gets_404(client, auth, rated):
    certificate = issue_directly(rated)
    auth.login("stallchef")
    for url in (
        f"/participants/{rated.anna.id}/certificates",
        f"/participants/{rated.anna.id}/certificates/new",
        f"/certificates/{certificate.id}",
        f"/certificates/{certificate.id}/formal.pdf",
        f"/certificates/{certificate.id}/easy-read.pdf",
    ):
        assert client.get(url).status_code == 404, url


def test_an_orderer_gets_403(client, auth, rated):
    certificate = issue_directly(rated)
    auth.login("handlaggare")
    for url in (
        f"/participants/{rated.anna.id}/certificates",
        f"/participants/{rated.anna.id}/certificates/new",
        f"/certificates/{certificate.id}",
        f"/certificates/{certificate.id}/formal.pdf",
    ):
        assert client.get(url).status_code == 403, url


def test_only_an_admin_revokes(client, auth, rated, in_request):
    certificate = issue_directly(rated)
    auth.login("handledare")
    page = client.get(f"/certificates/{certificate.id}")
    assert f"/certificates/{certificate.id}/revoke" not in page.text
    token = csrf_token(client.get(f"/participants/{rated.anna.id}/certificates/new").text)
    refused = client.post(
        f"/certificates/{certificate.id}/revoke", data={"csrf_token": token, "reason": "Nej"}
    )
    assert refused.status_code == 403
    db.session.refresh(certificate)
    assert not certificate.revoked
    with pytest.raises(services.RuleViolation):
        services.revoke_certificate(rated.supervisor, certificate, "Nej")


def test_revoking_needs_a_reason_and_happens_once(client, auth, rated, in_request):
    certificate = issue_directly(rated)
    auth.login("admin")
    page = f"/certificates/{certificate.id}"
    blank = post_form(client, page, f"{page}/revoke", data={"reason": "  "})
    assert blank.status_code == 422 and 'aria-invalid="true"' in blank.text
    db.session.refresh(certificate)
    assert not certificate.revoked

    assert post_form(client, page, f"{page}/revoke", data={"reason": "Fel"}).status_code == 302
    with pytest.raises(services.RuleViolation):
        services.revoke_certificate(rated.admin, certificate, "Igen")


def test_issue_and_revoke_are_audited(client, auth, rated):
    certificate = issue_directly(rated)
    with unit_of_work():
        services.revoke_certificate(rated.admin, certificate, "Fel")
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.subject_type == "certificates")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id, e.participant_id) for e in events] == [
        ("certificate.issued", rated.supervisor.id, rated.anna.id),
        ("certificate.revoked", rated.admin.id, rated.anna.id),
    ]
    assert events[1].details["reason"] == "Fel"


# The issue form ------------------------------------------------------------------------


def test_the_form_offers_rated_modules_and_a_preview_writes_nothing(client, auth, rated):
    other = factories.make_module("mata-hastar", "Mata hästar")
    factories.assign(rated.anna, other)  # assigned, never rated
    db.session.commit()
    auth.login("handledare")
    form = client.get(f"/participants/{rated.anna.id}/certificates/new")
    assert "Slipa en stol" in form.text and "Mata hästar" not in form.text

    preview = issue_via_form(client, rated.anna, [rated.anna_module], button="preview")
    assert preview.status_code == 200
    assert "Slipa en stol steg 4" in preview.text and "Betydelse 4" in preview.text
    assert certificates() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"modules": []}, "Choose at least one module."),
        ({"period_start": 0, "period_end": 30}, "The period ends before it starts."),
        ({"period_end": -1}, "cannot end after today"),
        ({"period_end": "igår"}, "Write a date"),
        (
            {"period_start": 60, "period_end": 31},
            "No step was recorded by the end of the period for: Slipa en stol.",
        ),
        ({"language": "de"}, "Not a valid choice"),
    ],
)
def test_a_bad_issue_request_gets_a_message_and_saves_nothing(
    client, auth, rated, changes, message, english
):
    changes = with_dates(changes)
    auth.login("handledare")
    url = f"/participants/{rated.anna.id}/certificates/new"
    page = client.get(url)
    data = {**issue_form_data(page.text, [rated.anna_module]), **changes, "issue": "1"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert message in response.text
    assert certificates() == []


def test_a_module_of_someone_else_cannot_be_put_on_a_certificate(client, auth, rated, in_request):
    factories.rate(rated.bertil_module, 5, rated.other_supervisor, days_ago(7))
    db.session.commit()
    auth.login("handledare")
    response = issue_via_form(client, rated.anna, [rated.bertil_module])
    assert response.status_code == 422 and certificates() == []
    with pytest.raises(services.RuleViolation):
        issue_directly(rated, assignments=[rated.bertil_module])


def test_the_step_is_the_one_reached_by_the_periods_end_in_its_own_wording(rated):
    new_wording(rated.module, "Version två")
    factories.rate(rated.anna_module, 6, rated.supervisor, local_today())  # under version 2
    db.session.commit()
    earlier = issue_directly(rated, period_end=days_ago(7))
    later = issue_directly(rated)
    assert (earlier.content["modules"][0]["step"], earlier.content["modules"][0]["step_title"]) == (
        4,
        "Slipa en stol steg 4",
    )
    assert earlier.content["modules"][0]["title"] == "Slipa en stol"
    assert (later.content["modules"][0]["step"], later.content["modules"][0]["step_title"]) == (
        6,
        "Version två 6",
    )


def test_corrected_and_self_ratings_do_not_count(rated):
    wrong = factories.rate(rated.anna_module, 9, rated.supervisor, local_today())
    db.session.flush()
    factories.rate(
        rated.anna_module,
        5,
        rated.supervisor,
        local_today(),
        corrects_id=wrong.id,
        correction_reason="Fel knapp",
    )
    factories.rate(rated.anna_module, 10, rated.supervisor, local_today(), source="self",
                   approved=False)
    db.session.commit()
    assert issue_directly(rated).content["modules"][0]["step"] == 5


# Codes, hash, immutability -------------------------------------------------------------


def test_codes_are_unique_long_and_random(rated):
    codes = [issue_directly(rated).code for _ in range(5)]
    assert len(set(codes)) == 5
    for code in codes:
        assert len(code) >= 32
        assert len(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))) * 8 >= 128


def test_the_hash_is_of_the_canonical_content(rated):
    certificate = issue_directly(rated)
    canonical = json.dumps(
        certificate.content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert certificate.content_sha256 == hashlib.sha256(canonical).hexdigest()
    assert services.content_intact(certificate)


def test_the_database_refuses_to_change_or_delete_an_issued_certificate(rated):
    certificate = issue_directly(rated)
    for statement in (
        "UPDATE certificates SET content_sha256 = 'x'",
        "UPDATE certificates SET participant_id = participant_id + 0, code = code || 'x'",
        "DELETE FROM certificates",
    ):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    with unit_of_work():
        services.revoke_certificate(rated.admin, certificate, "Fel")
    with pytest.raises(sa.exc.DatabaseError):  # a revocation is written once
        db.session.execute(sa.text("UPDATE certificates SET revocation_reason = 'annat'"))
    db.session.rollback()


def test_a_tampered_record_is_not_called_genuine(client, rated):
    certificate = issue_directly(rated)
    tampered = {**certificate.content, "participant": {"name": "Någon Annan"}}
    with triggers_switched_off("certificates", "certificates_frozen"):
        db.session.execute(sa.update(Certificate).values(content=tampered))
        db.session.commit()
    page = client.get(f"/verify/{certificate.code}")
    assert page.status_code == 200
    assert 'data-verdict="unverifiable"' in page.text and "Någon Annan" not in page.text


@contextmanager
def triggers_switched_off(table: str, trigger: str):
    """Around the triggers, as an attacker with database access could. SQLite's copy is this
    test's alone (dropped); PostgreSQL's database is the whole run's, so the trigger is
    switched off and on again, or every later test would find the table unguarded."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text(f"DROP TRIGGER {trigger}"))
        yield
        return
    db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
    try:
        yield
    finally:
        db.session.rollback()
        db.session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))
        db.session.commit()


def test_reissuing_makes_a_new_certificate_pointing_at_the_old(client, auth, rated):
    old = issue_directly(rated)
    factories.rate(rated.anna_module, 6, rated.supervisor, local_today())
    db.session.commit()
    auth.login("handledare")
    form = client.get(f"/participants/{rated.anna.id}/certificates/new?replaces={old.id}")
    assert f'name="replaces" type="hidden" value="{old.id}"' in form.text
    response = client.post(
        f"/participants/{rated.anna.id}/certificates/new",
        data={
            **issue_form_data(form.text, [rated.anna_module]),
            "replaces": str(old.id),
            "issue": "1",
        },
    )
    assert response.status_code == 302
    old_row, new_row = certificates()
    assert new_row.replaces_id == old_row.id and new_row.content["modules"][0]["step"] == 6
    assert old_row.content["modules"][0]["step"] == 4 and not old_row.revoked
    again = client.post(
        f"/participants/{rated.anna.id}/certificates/new",
        data={
            **issue_form_data(form.text, [rated.anna_module]),
            "replaces": str(old.id),
            "issue": "1",
        },
    )
    assert again.status_code == 422 and 'role="alert"' in again.text
    assert len(certificates()) == 2


def test_a_tampered_reissue_request_saves_nothing(client, auth, rated):
    factories.rate(rated.bertil_module, 5, rated.other_supervisor, days_ago(7))
    db.session.commit()
    bertils = issue_directly(
        rated, [rated.bertil_module], participant=rated.bertil, by=rated.other_supervisor
    )
    auth.login("handledare")
    assert (
        issue_via_form(client, rated.anna, [rated.anna_module], replaces="abc").status_code == 422
    )
    assert (
        issue_via_form(
            client, rated.anna, [rated.anna_module], replaces=str(bertils.id)
        ).status_code
        == 404
    )
    assert len(certificates()) == 1


def test_the_list_shows_each_certificate_with_its_status_in_fixed_queries(client, auth, rated):
    kept = issue_directly(rated)
    revoked = issue_directly(rated)
    with unit_of_work():
        services.revoke_certificate(rated.admin, revoked, "Fel")
    auth.login("handledare")
    url = f"/participants/{rated.anna.id}/certificates"
    with count_queries() as few:
        page = client.get(url)
    assert page.status_code == 200
    assert f"/certificates/{kept.id}" in page.text and f"/certificates/{revoked.id}" in page.text
    assert "status-revoked" in page.text and "status-valid" in page.text
    more = [issue_directly(rated, by=rated.admin) for _ in range(4)]
    with count_queries() as many:
        page = client.get(url)
    assert page.status_code == 200
    assert all(f"/certificates/{certificate.id}" in page.text for certificate in more)
    assert many.count == few.count


# The PDF -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Ahmed Al-Sayed أحمد السيد",
        "Łukasz Żółć",
        "Оксана Коваленко",
        "Tesfay ተስፋይ ገብረመድህን",
        "Fatuma Hassan Abdi",
    ],
)
def test_names_in_many_scripts_are_printed(client, auth, world, name):
    person = factories.make_participant(world.passagen, name)
    assignment = factories.assign(person, world.module)
    factories.rate(assignment, 5, world.supervisor, days_ago(7))
    db.session.commit()
    certificate = issue_directly(world, [assignment], participant=person)
    auth.login("handledare")
    for layout in ("formal", "easy-read"):
        text = pdf_text(client.get(f"/certificates/{certificate.id}/{layout}.pdf").data)
        for word in name.split():  # right-to-left words come out in visual order
            assert word in text, (layout, word)


def test_long_content_flows_onto_more_pages_inside_the_margins(client, auth, world):
    long_name = ("Maria-Fernanda Alexandrovna Gebremedhin-Kovalenko Żółć " * 3)[:150].strip()
    person = factories.make_participant(world.passagen, long_name)
    assignments = []
    for number in range(40):
        module = factories.make_module(
            f"modul-{number}", f"Modul nummer {number} med ett långt namn"
        )
        assignment = factories.assign(person, module)
        assignments.append(assignment)
        factories.rate(assignment, 1 + number % 10, world.supervisor, days_ago(7))
    db.session.commit()
    certificate = issue_directly(world, assignments, participant=person, include_pictures=True)
    auth.login("handledare")
    for layout in ("formal", "easy-read"):
        data = client.get(f"/certificates/{certificate.id}/{layout}.pdf?lang=en").data
        pages = pdf_pages(data)
        assert len(pages) > 1, layout
        text = pdf_text(data)
        assert all(f"Modul nummer {n} med" in text for n in range(40)), layout
        assert f"of {len(pages)}" in text  # "page n of N" on every page
        for page in pages:
            assert_text_inside_margins(page)
        assert len(qr_urls(data)) == 1


def assert_text_inside_margins(page) -> None:
    """No character runs off the paper or into the edges (10 mm from each side)."""
    width, height = page.get_size()
    edge = 10 / 25.4 * 72
    text = page.get_textpage()
    for index in range(text.count_chars()):
        left, bottom, right, top = text.get_charbox(index)
        if right - left == 0:  # spaces and line ends have no box
            continue
        assert edge <= left and right <= width - edge and edge <= bottom and top <= height - edge


def test_the_easy_read_version_has_pictures_and_step_meter(client, auth, rated):
    with_pictures = issue_directly(rated, include_pictures=True)
    without = issue_directly(rated)
    assert with_pictures.content["modules"][0]["pictograms"] == ["hammer"]
    assert "pictograms" not in without.content["modules"][0]
    auth.login("handledare")
    drawn = client.get(f"/certificates/{with_pictures.id}/easy-read.pdf?lang=en").data
    plain = client.get(f"/certificates/{without.id}/easy-read.pdf?lang=en").data
    assert "Step 4 of 10" in pdf_text(drawn)
    assert "OpenMoji" in pdf_text(drawn) and "OpenMoji" not in pdf_text(plain)
    assert len(list(pdf_pages(drawn)[0].get_objects())) > len(
        list(pdf_pages(plain)[0].get_objects())
    )


def test_a_picture_that_cannot_be_drawn_is_left_out(client, auth, rated, app, tmp_path):
    certificate = issue_directly(rated, include_pictures=True)
    folder = tmp_path / "pictograms"
    folder.mkdir()
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "pictograms": [
                    {
                        "key": "hammer",
                        "file": "hammer.svg",
                        "category": "tools",
                        "sv": "hammare",
                        "en": "hammer",
                    }
                ]
            }
        )
    )
    (folder / "hammer.svg").write_text("<svg this is not svg")
    app.config["STATIC_ROOT"] = str(tmp_path)
    auth.login("handledare")
    response = client.get(f"/certificates/{certificate.id}/easy-read.pdf?lang=en")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Slipa en stol" in text and "OpenMoji" not in text


def test_swedish_and_english_share_the_content(client, auth, rated):
    certificate = issue_directly(rated, language="sv")
    auth.login("handledare")
    swedish = client.get(f"/certificates/{certificate.id}/formal.pdf")
    english = client.get(f"/certificates/{certificate.id}/formal.pdf?lang=en")
    assert "intyg" in swedish.headers["Content-Disposition"]
    assert "certificate" in english.headers["Content-Disposition"]
    for response in (swedish, english):
        assert "Slipa en stol steg 4" in pdf_text(response.data)
    assert "Certificate of competence development" in pdf_text(english.data)
    [swedish_url] = qr_urls(swedish.data)
    [english_url] = qr_urls(english.data)
    assert "lang=" not in swedish_url and english_url.endswith("?lang=en")


def test_a_revoked_certificate_prints_as_revoked(client, auth, rated):
    certificate = issue_directly(rated)
    with unit_of_work():
        services.revoke_certificate(rated.admin, certificate, "Fel")
    auth.login("handledare")
    text = pdf_text(client.get(f"/certificates/{certificate.id}/formal.pdf?lang=en").data)
    assert "REVOKED" in text


# Verification page limits and the Open Badge -------------------------------------------


def test_the_verification_page_is_rate_limited(client, app, rated):
    certificate = issue_directly(rated)
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get(f"/verify/{certificate.code}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_open_badge_has_a_result_per_module(client, world):
    second = factories.make_module("mata-hastar", "Mata hästar")
    second_assignment = factories.assign(world.anna, second)
    factories.rate(world.anna_module, 4, world.supervisor, days_ago(7))
    factories.rate(second_assignment, 7, world.supervisor, days_ago(7))
    db.session.commit()
    certificate = issue_directly(world, [world.anna_module, second_assignment], language="en")
    response = client.get(f"/verify/{certificate.code}/badge.json")
    assert response.status_code == 200
    badge = response.get_json(force=True)
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://www.w3.org/ns/credentials/v2" in badge["@context"]
    assert badge["credentialSubject"]["identifier"][0]["identityHash"] == "Anna Andersson"
    achievement = badge["credentialSubject"]["achievement"]
    levels = {
        d["name"]: d["rubricCriterionLevel"][0]["name"] for d in achievement["resultDescription"]
    }
    assert levels == {
        "Mata hästar (Work tasks)": "Mata hästar steg 7",
        "Slipa en stol (Work tasks)": "Slipa en stol steg 4",
    }
    results = badge["credentialSubject"]["result"]
    assert sorted(r["value"] for r in results) == ["4", "7"]
    assert badge["id"].endswith(f"/verify/{certificate.code}/badge.json")
