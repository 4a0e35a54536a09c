"""Markup typed into any field is shown as text on every page, never run as HTML.

The demo workplace is loaded, then every text people can type is given a hostile ending
(module titles and steps, names of people, units, workstations, ordering units and need
categories, notes, reasons, goals, follow-ups, consent, certificates …), and every page
each role can reach by following links is read: the markup appears escaped, never raw.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import sqlalchemy as sa

from movetrack.auth.models import User
from movetrack.certificates import services as certificates
from movetrack.certificates.services import IssueChoices
from movetrack.clock import local_today
from movetrack.demo import demo_command
from movetrack.extensions import db
from movetrack.participants.models import Assignment, Participant
from movetrack.progress import services as progress
from tests import factories
from tests.helpers import csrf_token

MARKUP = '"><img src=x onerror=alert(1)>'
RAW = "<img src=x onerror"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"

# Every column people type into (JSON columns of typed text are handled below).
TYPED_TEXT = {
    "organisations": ["name"],
    "units": ["name"],
    "workstations": ["name"],
    "ordering_units": ["name"],
    "need_categories": ["name"],
    "users": ["name", "email"],
    "uploads": ["description"],
    "module_versions": ["title", "description"],
    "module_steps": ["title", "meaning", "todo", "how"],
    "participants": ["name", "preferred_name"],
    "consents": ["other_party"],
    "placements": ["order_note", "intake_attendees"],
    "placement_events": ["note"],
    "follow_ups": ["attendees", "notes", "decisions", "next_step"],
    "goals": ["text", "participant_words", "who", "when", "follow_up_how"],
}
TYPED_JSON = {"unit_settings": ["exit_questions"], "placements": ["exit_interview"]}
LINK = re.compile(r'(href|hx-get)="(/[^"#]*)"')
SKIPPED = ("/static/", "/logout", "/language", "/library/export", ".pdf", ".csv", "badge.json")
PAGES_PER_KIND = 2


def _with_markup(value):
    """The same JSON with MARKUP after every text in it."""
    if isinstance(value, str):
        return value + MARKUP
    if isinstance(value, list):
        return [_with_markup(item) for item in value]
    if isinstance(value, dict):
        return {key: _with_markup(item) for key, item in value.items()}
    return value


def _type_markup_everywhere() -> None:
    tables = db.metadata.tables
    for name, columns in TYPED_TEXT.items():
        table = tables[name]
        for column_name in columns:
            column = table.c[column_name]
            room = (column.type.length or 10_000) - len(MARKUP)
            db.session.execute(
                table.update().where(column.is_not(None))
                .values({column_name: sa.func.substr(column, 1, room) + MARKUP})
            )
    for name, columns in TYPED_JSON.items():
        table = tables[name]
        key = next(iter(table.primary_key.columns))
        for row in db.session.execute(sa.select(key.label("key"), *(table.c[c] for c in columns))).all():
            db.session.execute(table.update().where(key == row.key).values(
                {column: _with_markup(getattr(row, column)) for column in columns}))
    db.session.commit()


def _rate_and_certify_with_markup() -> Participant:
    """Ratings are append-only, so new ones carry the markup; a certificate freezes the titles."""
    assignment = db.session.scalars(
        sa.select(Assignment).join(Assignment.participant).where(Participant.active)
        .order_by(Assignment.id)
    ).first()
    participant = assignment.participant
    admin = db.session.scalar(sa.select(User).where(User.username == "samordnare"))
    rating = progress.record_rating(admin, assignment, 5, note="Bra" + MARKUP).row
    progress.correct_rating(admin, rating, 4, "Fel steg" + MARKUP)
    choices = IssueChoices(local_today().replace(day=1), local_today(), (assignment.id,),
                           participant_agreed=True)
    revoked = certificates.issue_certificate(admin, participant, choices)
    certificates.issue_certificate(admin, participant, choices)
    certificates.revoke_certificate(admin, revoked, "Fel" + MARKUP)
    return participant


def _crawl(client, start: str, per_kind: int = PAGES_PER_KIND, *, answer=None,
           kinds: Counter | None = None, seen: set | None = None) -> dict[str, str]:
    """Every page reachable from `start` by links, and every fragment htmx would fetch,
    a few (`per_kind`) of each kind. `answer` is what `start` already answered (a form's
    answer, read instead of fetched); `kinds` and `seen` carry an earlier crawl's count on."""
    kinds = Counter() if kinds is None else kinds
    seen = set() if seen is None else seen
    seen.add(("href", start))
    pages, queue = {}, [("href", start)]
    while queue:
        attribute, url = queue.pop(0)
        response = answer or client.get(url, headers={"HX-Request": "true"} if attribute == "hx-get" else {})
        answer = None
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        pages[f"{attribute} {url}"] = response.text
        for attribute, link in LINK.findall(response.text):
            link = link.replace("&amp;", "&")
            kind = attribute + re.sub(r"\d+", "N", urlsplit(link).path)
            if (attribute, link) in seen or any(skip in link for skip in SKIPPED) or kinds[kind] >= per_kind:
                continue
            seen.add((attribute, link))
            kinds[kind] += 1
            queue.append((attribute, link))
    return pages


def test_typed_markup_is_escaped_on_every_page_of_every_role(app, client, auth):
    assert app.test_cli_runner().invoke(demo_command).exit_code == 0
    _type_markup_everywhere()
    participant = _rate_and_certify_with_markup()
    db.session.commit()  # services flush; the pages below read in their own sessions

    shown = 0
    for username in ("samordnare", "handledare", "handlaggare"):
        auth.login(username, "movetrack-demo")
        pages = _crawl(client, "/")
        extra = [f"/participants/{participant.id}", f"/participants/{participant.id}/certificates/new",
                 f"/participants/{participant.id}/certificates", "/verify/unknown-code"]
        pages.update({url: client.get(url).text for url in extra})
        for url, html in pages.items():
            assert RAW not in html, f"{username} {url}"
        shown += sum(ESCAPED in html for html in pages.values())
        auth.logout()
    assert shown > 100


def test_the_already_assigned_module_and_the_certificate_choices_escape_the_title(client, auth, world):
    world.module.current_version.title = "Slipa" + MARKUP
    db.session.commit()
    auth.login("admin")
    page = client.get(f"/participants/{world.anna.id}").text
    assert RAW not in page and f"Slipa&#34;&gt;{ESCAPED} (redan tillagd)" in page
    factories.rate(world.anna_module, 3, world.admin, local_today())
    db.session.commit()
    issue = client.get(f"/participants/{world.anna.id}/certificates/new").text
    assert RAW not in issue and f"Slipa&#34;&gt;{ESCAPED} (nu steg 3)" in issue


def test_a_refused_change_quoting_a_name_escapes_it(client, auth, world):
    world.anna.preferred_name = "Anna" + MARKUP
    db.session.commit()
    auth.login("admin")
    page = client.get(f"/participants/{world.anna.id}").text
    refused = client.post(f"/participants/{world.anna.id}/assignments", data={
        "csrf_token": csrf_token(page), "module_id": world.module.id})
    assert refused.status_code == 422
    assert RAW not in refused.text and f"Anna&#34;&gt;{ESCAPED} har redan" in refused.text
