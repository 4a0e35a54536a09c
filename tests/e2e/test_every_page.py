"""Every GET page of the app, in Chromium, for the person who would use it: no sideways
scroll, no touch target under 44×44 px, no axe violation and nothing blocked by the
content security policy, at 768×1024 and 1280×800; public pages also on a phone.

The pages come from `app.url_map`, so a new page is checked without being listed here.
The route matrix (tests/test_route_matrix.py) says who may open each rule: the first of
ACTORS_BY_USE allowed to is the one who reads it, and its PARAMETERS and QUERIES fill the
URL with the demo's counterparts of Anna's things (`demo_world`). Answers that are not an
HTML page (a PDF, CSV, JSON, an image, a script) and htmx fragments (HTML without a
<html> element, checked as part of the page that fetches them) are recognised by what the
server answers, before the browser opens them, and left out.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from dataclasses import replace
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from PIL import Image

from movetrack.auth.models import User
from movetrack.certificates import queries as certificate_queries
from movetrack.certificates import services as certificates
from movetrack.certificates.models import Certificate
from movetrack.demo import DEMO_CARDS
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, Goal
from movetrack.media import services as media
from movetrack.participants.models import Assignment, Participant
from movetrack.placements.models import NeedCategory, Placement
from movetrack.privacy import services as privacy
from movetrack.progress.models import Rating
from movetrack.unit_of_work import unit_of_work
from tests.e2e.checks import what_is_wrong
from tests.e2e.conftest import LAPTOP, TABLET, forget_who_signed_in
from tests.test_route_matrix import ENTRIES, QUERIES, routes_of, url_for_rule

# Whoever comes first here among those the matrix lets open a rule reads it: a public page
# as nobody signed in, the participant's own pages as the participant, the workshop's as
# its supervisor, the orders as the case worker, the rest as the coordinator.
ACTORS_BY_USE = ("anon", "own", "mode", "sup", "cw", "admin")
SCREENS = {"768x1024": TABLET, "1280x800": LAPTOP}
PHONES = {"320x640": {"width": 320, "height": 640}, "390x844": {"width": 390, "height": 844}}
(ANNA, ANNA_TOKEN, ANNA_PIN, _) = DEMO_CARDS[0]
# The certificates an employer can meet on the verification page → the verdict shown.
CERTIFICATE_VERDICTS = {"valid": "genuine", "replaced": "replaced", "revoked": "revoked", "erased": "revoked"}
# Pages that fail a check for a reason not fixed yet: rule → why. Empty is the aim.
KNOWN_EXCEPTIONS: dict[str, str] = {}



def _ref(row, **more) -> SimpleNamespace:
    """What a URL needs of a row, readable after its session has closed."""
    return SimpleNamespace(id=row.id, **more)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _first(statement):
    found = db.session.scalars(statement).first()
    assert found is not None, f"the demo has nothing for {statement}"
    return found


def _erased_persons_certificate(admin: User) -> Certificate:
    """A certificate of a demo participant no other browser test uses, who is then erased."""
    person = _first(sa.select(Participant).where(Participant.name == "Ulla Berg"))
    choices = replace(
        certificates.default_choices(person, certificate_queries.rated_assignments(person)),
        participant_agreed=True,
    )
    certificate = certificates.issue_certificate(admin, person, choices)
    privacy.erase_participant(admin, person, "asked to be erased")
    return certificate


def _certificate_codes() -> dict[str, str]:
    """The demo's valid, replaced and revoked certificates (see demo.CERTIFICATE_STORIES)."""
    every = db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
    replaced = {c.replaces_id for c in every if c.replaces_id}
    return {
        "valid": next(c.code for c in every if c.id not in replaced and not c.revoked),
        "replaced": next(c.code for c in every if c.id in replaced),
        "revoked": next(c.code for c in every if c.revoked),
    }


@pytest.fixture(scope="module")
def demo_world(live_app):
    """The demo's counterparts of what the route matrix's PARAMETERS name: Anna Karlsson
    for Anna (her card, placement, a rated module, a follow-up, her current certificate),
    her unit, workstation and ordering unit; and what the demo lacks, added here: a goal in
    her action plan, a need category, a photo of her (taken away afterwards, so the other
    browser tests see the demo as it was), and an erased person's certificate."""
    with live_app.app_context(), live_app.test_request_context():
        admin = _first(sa.select(User).where(User.username == "samordnare"))
        anna = _first(sa.select(Participant).where(Participant.name == ANNA))
        placement = _first(sa.select(Placement).where(Placement.participant_id == anna.id))
        rating = _first(sa.select(Rating).join(Assignment).where(Assignment.participant_id == anna.id)
                        .order_by(Rating.id.desc()))
        assignment = db.session.get(Assignment, rating.assignment_id)
        with unit_of_work():
            goal = Goal(placement_id=placement.id, text="Komma i tid", created_by_id=admin.id)
            need = NeedCategory(organisation_id=admin.organisation_id, name="Försörjningsstöd")
            db.session.add_all([goal, need])
            photo = media.save_upload_bytes(_png(), admin, "Anna")
            anna.photo_id = photo.id
            codes = {**_certificate_codes(), "erased": _erased_persons_certificate(admin).code}
        current = _first(sa.select(Certificate).where(Certificate.participant_id == anna.id)
                         .order_by(Certificate.id.desc()))
        world = SimpleNamespace(
            anna=_ref(anna), anna_module=_ref(assignment), rating=_ref(rating),
            placement=_ref(placement), goal=_ref(goal), need_category=_ref(need),
            follow_up=_ref(_first(sa.select(FollowUp).where(  # the next one due: its form to fill in
                FollowUp.placement_id == placement.id, FollowUp.held_on.is_(None)).order_by(FollowUp.due_on))),
            certificate=_ref(current, code=current.code), card_token=ANNA_TOKEN, photo=_ref(photo),
            module=_ref(assignment.module), passagen=_ref(anna.unit), snickeriet=_ref(anna.workstation),
            af=_ref(placement.ordering_unit),
            other_supervisor=_ref(_first(sa.select(User).where(User.username == "stallet"))),
            codes=codes,
        )
        db.session.remove()
    yield world
    with live_app.app_context(), unit_of_work():
        db.session.get(Participant, world.anna.id).photo_id = None


def reader_of(rule: str) -> str:
    """Who reads the rule's page (test_route_matrix.py fails first for a rule it lacks)."""
    answers = ENTRIES[("GET", rule)]
    reader = next((actor for actor in ACTORS_BY_USE if answers[actor] in "Aa"), None)
    assert reader, f"GET {rule}: none of {ACTORS_BY_USE} may open it by the route matrix; sign in another here"
    return reader


def get_rules(app) -> list[str]:
    return sorted(rule for method, rule in routes_of(app) if method == "GET")


def urls_of(rule: str, world) -> dict[str, str]:
    """{name: URL} for a rule: one; one per verdict for the verification page; a list the
    matrix asks with a query (a search, a filter) both as first opened and so asked (a page
    of one thing needs its query: the translation its language)."""
    if rule == "/verify/<code>":
        return {f"/verify/<{kind}>": f"/verify/{world.codes[kind]}" for kind in CERTIFICATE_VERDICTS}
    try:
        url = url_for_rule(rule, world)
        query = QUERIES.get(rule, lambda w: {})(world)
    except AttributeError as missing:
        raise AssertionError(f"{rule}: demo_world has no {missing.name}; add the demo's counterpart") from None
    query_string = "&".join(f"{key}={value}" for key, value in query.items())
    if not query:
        return {rule: url}
    if "<" in rule:
        return {rule: f"{url}?{query_string}"}
    return {rule: url, f"{rule}?{query_string}": f"{url}?{query_string}"}


def pages_by_reader(app, world) -> dict[str, dict[str, str]]:
    """{actor: {name: URL}} for every GET rule of the app."""
    pages = defaultdict(dict)
    for rule in get_rules(app):
        pages[reader_of(rule)].update(urls_of(rule, world))
    return pages


# --- signing in, as each reader -------------------------------------------------------------


def _landed(page, where) -> None:
    """On the page a sign-in leads to, once nothing more is loading: a late answer to the
    page before (the favicon's) would set the session cookie as it was."""
    page.wait_for_url(where)
    page.wait_for_load_state("networkidle")


def _staff(username):
    def sign_in(page, sign_in_as, live_server, world):
        sign_in_as(username)
        _landed(page, lambda url: "/login" not in url)
    return sign_in


def _card(page, sign_in_as, live_server, world):
    page.goto(f"{live_server}/card/{world.card_token}")
    page.get_by_role("textbox", name="Din PIN-kod").fill(ANNA_PIN)
    page.get_by_role("button", name="Logga in", exact=True).tap()
    _landed(page, lambda url: "/me/" in url)


def _participant_mode(page, sign_in_as, live_server, world):
    _staff("handledare")(page, sign_in_as, live_server, world)
    page.goto(f"{live_server}/day/participants/{world.anna.id}", wait_until="networkidle")
    page.locator("form.hand-over button").tap()
    _landed(page, lambda url: "/me/" in url)


SIGN_IN = {
    "anon": lambda *args: None,
    "own": _card,
    "mode": _participant_mode,
    "sup": _staff("handledare"),
    "cw": _staff("handlaggare"),
    "admin": _staff("samordnare"),
}


# --- the checks -----------------------------------------------------------------------------


def open_as_page(page, url: str) -> str | None:
    """Opens the URL in the tab when the answer is an HTML page under a content security
    policy that lets only our own scripts run; else says what the answer is."""
    answer = page.request.get(url)
    assert answer.ok, f"{url}: {answer.status}"
    assert urlsplit(answer.url).path != "/login" or urlsplit(url).path == "/login", f"{url}: sent to sign in"
    kind = answer.headers.get("content-type", "").split(";")[0]
    if kind != "text/html":
        return kind
    if "<html" not in answer.text()[:500].lower():
        return "an htmx fragment"
    policy = answer.headers.get("content-security-policy", "")
    scripts = next((d.split()[1:] for d in policy.split(";") if d.split()[:1] == ["script-src"]), [])
    assert scripts[:1] == ["'self'"] and not any("unsafe" in s for s in scripts), f"{url}: CSP {policy!r}"
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    return None


def the_right_verdict(page, name: str) -> None:
    """A verification page of the demo's certificates says what became of each."""
    kind = name.removeprefix("/verify/<").removesuffix(">")
    if kind in CERTIFICATE_VERDICTS:
        assert page.locator(".verdict").get_attribute("data-verdict") == CERTIFICATE_VERDICTS[kind], name


@pytest.mark.parametrize("reader", ACTORS_BY_USE)
def test_every_page_fits_touch_and_passes_axe(page, sign_in, live_app, live_server, demo_world, reader):
    forget_who_signed_in(page)
    pages = pages_by_reader(live_app, demo_world)[reader]
    assert pages, f"no page is read first by {reader}"
    SIGN_IN[reader](page, sign_in, live_server, demo_world)
    blocked = []
    page.on("console", lambda message: blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    screens = {**SCREENS, **(PHONES if reader == "anon" else {})}
    problems, left_out, seen = [], [], set()
    started = time.monotonic()
    for name, url in pages.items():
        if name in KNOWN_EXCEPTIONS:
            left_out.append(f"{name} (known exception: {KNOWN_EXCEPTIONS[name]})")
            continue
        page.set_viewport_size(TABLET)
        not_a_page = open_as_page(page, live_server + url)
        if not_a_page:
            left_out.append(f"{name} ({not_a_page})")
            continue
        if page.url in seen:  # a redirect to a page already checked ("/" to the day view)
            continue
        seen.add(page.url)
        the_right_verdict(page, name)
        for screen, size in screens.items():
            page.set_viewport_size(size)
            problems += [f"{reader} {name} at {screen}: {wrong}" for wrong in what_is_wrong(page)]
    print(f"\n{reader}: {len(seen)} pages in {time.monotonic() - started:.1f} s; "
          f"left out: {', '.join(left_out) or 'none'}")
    assert not problems, "\n".join(problems)
    assert not blocked, blocked


def test_the_checks_name_what_is_wrong(page):
    """The checks above can fail: a page too wide, with a small button and an unnamed
    field, is told off for each."""
    page.set_viewport_size(TABLET)
    page.set_content('<html lang="sv"><title>Fel</title><main><h1>Fel</h1>'
                     '<div style="width: 900px">bred</div><button>x</button><input type="text"></main></html>')
    wrong = what_is_wrong(page)
    assert len(wrong) == 3, wrong
    assert wrong[0].startswith("scrolls sideways (")
    assert wrong[1].startswith('touch targets under 44×44: [\'BUTTON "x"')
    assert "label" in wrong[2]
