"""Every route, every actor: what each URL rule of the app answers to each kind of person.

MATRIX has one line per URL rule and method, the rule exactly as `app.url_map` spells it,
then one answer per actor. test_every_route_has_an_entry fails when a rule of the app has no
line (or a line names a rule the app no longer has), so no route ships unexamined.

TO ADD A ROUTE, add its line to MATRIX beside its room's (test_every_route_has_an_entry
prints the rule to copy):

    GET,POST   /participants/<int:participant_id>/thing        L    D   D    D    A   D    D  D   D   A

  methods  GET, POST, or GET,POST when every actor gets the same from both (else two lines);
           HEAD and OPTIONS are left out.
  answers  one per actor, in the order of the header line:
    A  allowed: the route does its work (anything but 401, 403, 404, a redirect to sign-in or
       a 500). A POST carries a valid CSRF token and no other fields (FORM_DATA adds some
       where a route needs them to find its object), so its form is usually refused with a
       4xx message: that counts as allowed, since the matrix is about who is refused.
    a  allowed, and the answer does not name Anna: a list, a search or a figure that must
       leave her out because she is not in the actor's scope.
    D  denied: 403, or 404 where the object is out of the actor's scope (its id reveals
       nothing); the answer does not name Anna.
    L  sign in first: a redirect to the sign-in page, or 401.
  URL parameters are filled from PARAMETERS: Anna's things, her unit's, her placement's.
  A new kind of parameter needs a line there; QUERIES adds a query string to a list page.
  A rule naming two objects (a goal under a placement) also needs a line in ELSEWHERE: which
  of its ids to take from someone else, which every actor must then be refused.

The actors, each in a world of its own (what one changes cannot change another's answers):
    anon   nobody signed in
    own    the participant, Anna, signed in with her card and PIN
    peer   another participant of Anna's unit, on her own card
    mode   participant mode: Anna's supervisor has handed the tablet to her
    sup    a supervisor of Anna's unit (Passagen)
    sup2   a supervisor of another unit (Östervik)
    cw     the case worker who ordered Anna's placement, with her consent to every part
    cw-    the same case worker after Anna withdrew the consent
    cw2    a case worker of another ordering unit
    admin  a coordinator
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image

from movetrack import create_app
from movetrack.auth.models import Role
from movetrack.certificates import services as certificates
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind, Goal
from movetrack.media import services as media
from movetrack.mypages import services as mypages
from movetrack.mypages.models import ParticipantCredential
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import NeedCategory
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.conftest import IsolatedClient, app_on_empty_database
from tests.helpers import days_ago, post_form

ACTORS = ("anon", "own", "peer", "mode", "sup", "sup2", "cw", "cw-", "cw2", "admin")

MATRIX = """
# Case workers reach people through their orders only: every staff page about a participant is a
# 403 to them, consent or not. 404 answers an id outside the actor's scope; 403 a kind of page
# the actor's role never sees.
# methods  rule                                                                                       anon own peer mode sup sup2 cw cw- cw2 admin
GET        /                                                                                          L    A   a    A    A   a    A  A   a   A

GET,POST   /account/password                                                                          L    D   D    D    A   a    A  A   a   A

GET        /admin/                                                                                    L    D   D    D    D   D    D  D   D   A
GET        /admin/audit                                                                               L    D   D    D    D   D    D  D   D   A
GET        /admin/audit.csv                                                                           L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/ordering-units                                                                      L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/ordering-units/<int:ordering_unit_id>/edit                                          L    D   D    D    D   D    D  D   D   A
GET        /admin/sign-in-throttles                                                                   L    D   D    D    D   D    D  D   D   A
POST       /admin/sign-in-throttles/clear                                                             L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/units                                                                               L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/units/<int:unit_id>/edit                                                            L    D   D    D    D   D    D  D   D   A
POST       /admin/units/<int:unit_id>/workstations                                                    L    D   D    D    D   D    D  D   D   A
GET        /admin/users                                                                               L    D   D    D    D   D    D  D   D   A
POST       /admin/users/<int:user_id>/deactivate                                                      L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/users/<int:user_id>/edit                                                            L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/users/<int:user_id>/password                                                        L    D   D    D    D   D    D  D   D   A
POST       /admin/users/<int:user_id>/reactivate                                                      L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/users/new                                                                           L    D   D    D    D   D    D  D   D   A
POST       /admin/workstations/<int:workstation_id>/archive                                           L    D   D    D    D   D    D  D   D   A
GET,POST   /admin/workstations/<int:workstation_id>/edit                                              L    D   D    D    D   D    D  D   D   A
POST       /admin/workstations/<int:workstation_id>/unarchive                                         L    D   D    D    D   D    D  D   D   A

POST       /attendance/check-in                                                                       L    D   D    D    A   D    D  D   D   A
GET        /attendance/report                                                                         L    D   D    D    A   a    D  D   D   A
GET        /attendance/report.csv                                                                     L    D   D    D    A   a    D  D   D   A

# The card's sign-in page is public: whoever holds the card may try its PIN (rate-limited).
GET,POST   /card/<token>                                                                              a    A   a    A    A   a    A  A   a   A

# A participant (own, mode) gets the PDF of their own certificate, not the staff page about it.
GET        /certificates/<int:certificate_id>                                                         L    D   D    D    A   D    D  D   D   A
GET        /certificates/<int:certificate_id>/<any(formal, 'easy-read'):layout>.pdf                   L    A   D    A    A   D    D  D   D   A
POST       /certificates/<int:certificate_id>/revoke                                                  L    D   D    D    D   D    D  D   D   A

GET        /day/                                                                                      L    D   D    D    A   a    D  D   D   A
GET        /day/assignments/<int:assignment_id>                                                       L    D   D    D    A   D    D  D   D   A
GET        /day/assignments/<int:assignment_id>/history                                               L    D   D    D    A   D    D  D   D   A
POST       /day/assignments/<int:assignment_id>/ratings                                               L    D   D    D    A   D    D  D   D   A
GET,POST   /day/assignments/<int:assignment_id>/ratings/<int:rating_id>/correct                       L    D   D    D    A   D    D  D   D   A
GET,POST   /day/assignments/<int:assignment_id>/ratings/<int:rating_id>/fix                           L    D   D    D    A   D    D  D   D   A
GET        /day/participants/<int:participant_id>                                                     L    D   D    D    A   D    D  D   D   A
GET        /day/units/<int:unit_id>                                                                   L    D   D    D    A   D    D  D   D   A

GET        /favicon.ico                                                                               a    A   a    A    A   a    A  A   a   A

GET        /follow-ups/                                                                               L    D   D    D    A   a    D  D   D   A
GET,POST   /follow-ups/<int:follow_up_id>                                                             L    D   D    D    A   D    D  D   D   A
GET        /follow-ups/<int:follow_up_id>/pack                                                        L    D   D    D    A   D    D  D   D   A

GET        /healthz                                                                                   a    A   a    A    A   a    A  A   a   A
GET        /manifest.webmanifest                                                                      a    A   a    A    A   a    A  A   a   A

POST       /language                                                                                  a    A   a    A    A   a    A  A   a   A

GET        /library/                                                                                  L    D   D    D    A   a    A  A   a   A
GET        /library/<int:module_id>                                                                   L    D   D    D    A   a    A  A   a   A
POST       /library/<int:module_id>/archive                                                           L    D   D    D    D   D    D  D   D   A
POST       /library/<int:module_id>/duplicate                                                         L    D   D    D    D   D    D  D   D   A
GET,POST   /library/<int:module_id>/edit                                                              L    D   D    D    D   D    D  D   D   A
GET        /library/<int:module_id>/sheet                                                             L    D   D    D    A   a    A  A   a   A
GET,POST   /library/<int:module_id>/translation                                                       L    D   D    D    D   D    D  D   D   A
POST       /library/<int:module_id>/unarchive                                                         L    D   D    D    D   D    D  D   D   A
GET        /library/export                                                                            L    D   D    D    D   D    D  D   D   A
GET,POST   /library/import                                                                            L    D   D    D    D   D    D  D   D   A
GET,POST   /library/new                                                                               L    D   D    D    D   D    D  D   D   A

GET,POST   /login                                                                                     a    A   a    A    A   a    A  A   a   A

POST       /logout                                                                                    L    A   a    A    A   a    A  A   a   A

GET        /me/                                                                                       L    A   a    A    D   D    D  D   D   D
GET        /me/looks                                                                                  L    A   a    A    D   D    D  D   D   D
# Only a tablet in participant mode has something to give back (on a card: 404).
GET,POST   /me/give-back                                                                              L    D   D    A    D   D    D  D   D   D
GET        /me/modules/<int:assignment_id>                                                            L    A   D    A    D   D    D  D   D   D
POST       /me/modules/<int:assignment_id>/ratings                                                    L    A   D    A    D   D    D  D   D   D
GET,POST   /me/questions                                                                              L    A   a    A    D   D    D  D   D   D

GET        /media/modules/<int:module_id>/steps/<int:step_number>/pictures                            L    D   D    D    D   D    D  D   D   A
POST       /media/modules/<int:module_id>/steps/<int:step_number>/pictures/<int:picture_id>/move      L    D   D    D    D   D    D  D   D   A
POST       /media/modules/<int:module_id>/steps/<int:step_number>/pictures/<int:picture_id>/remove    L    D   D    D    D   D    D  D   D   A
POST       /media/modules/<int:module_id>/steps/<int:step_number>/pictures/photo                      L    D   D    D    D   D    D  D   D   A
POST       /media/modules/<int:module_id>/steps/<int:step_number>/pictures/pictogram                  L    D   D    D    D   D    D  D   D   A
GET        /media/pictograms                                                                          L    D   D    D    A   a    D  D   D   A
# Anna's photo: herself and staff of her unit; no case worker, consent or not.
GET        /media/uploads/<int:upload_id>                                                             L    A   D    A    A   D    D  D   D   A
GET        /media/uploads/<int:upload_id>/thumbnail                                                   L    A   D    A    A   D    D  D   D   A

GET        /orders/                                                                                   L    D   D    D    D   D    A  A   a   D
# Without consent the case worker still sees their order itself (status, dates), nothing more.
GET        /orders/<int:placement_id>                                                                 L    D   D    D    D   D    A  A   D   D

GET        /participants/                                                                             L    D   D    D    A   a    D  D   D   A
GET        /participants/<int:participant_id>                                                         L    D   D    D    A   D    D  D   D   A
POST       /participants/<int:participant_id>/assignments                                             L    D   D    D    A   D    D  D   D   A
GET,POST   /participants/<int:participant_id>/assignments/<int:assignment_id>/edit                    L    D   D    D    A   D    D  D   D   A
POST       /participants/<int:participant_id>/assignments/<int:assignment_id>/status                  L    D   D    D    A   D    D  D   D   A
GET,POST   /participants/<int:participant_id>/card                                                    L    D   D    D    A   D    D  D   D   A
POST       /participants/<int:participant_id>/card/stop                                               L    D   D    D    A   D    D  D   D   A
POST       /participants/<int:participant_id>/card/unlock                                             L    D   D    D    A   D    D  D   D   A
GET        /participants/<int:participant_id>/certificates                                            L    D   D    D    A   D    D  D   D   A
GET,POST   /participants/<int:participant_id>/certificates/new                                        L    D   D    D    A   D    D  D   D   A
GET,POST   /participants/<int:participant_id>/consent                                                 L    D   D    D    A   D    D  D   D   A
POST       /participants/<int:participant_id>/consent/<int:consent_id>/withdraw                       L    D   D    D    A   D    D  D   D   A
GET,POST   /participants/<int:participant_id>/edit                                                    L    D   D    D    A   D    D  D   D   A
POST       /participants/<int:participant_id>/hand-over                                               L    D   D    D    A   D    D  D   D   A
GET        /participants/<int:participant_id>/modules                                                 L    D   D    D    A   D    D  D   D   A
GET,POST   /participants/new                                                                          L    D   D    D    A   a    D  D   D   A
GET        /participants/workstation-field                                                            L    D   D    D    A   a    D  D   D   A

GET        /placements/                                                                               L    D   D    D    A   a    D  D   D   A
GET        /placements/<int:placement_id>                                                             L    D   D    D    A   D    D  D   D   A
GET,POST   /placements/<int:placement_id>/attendance                                                  L    D   D    D    A   D    D  D   D   A
GET,POST   /placements/<int:placement_id>/edit                                                        L    D   D    D    A   D    D  D   D   A
GET,POST   /placements/<int:placement_id>/exit                                                        L    D   D    D    A   D    D  D   D   A
GET        /placements/<int:placement_id>/follow-ups                                                  L    D   D    D    A   D    D  D   D   A
GET,POST   /placements/<int:placement_id>/intake                                                      L    D   D    D    A   D    D  D   D   A
GET        /placements/<int:placement_id>/plan                                                        L    D   D    D    A   D    D  D   D   A
GET,POST   /placements/<int:placement_id>/plan/goals/<int:goal_id>/edit                               L    D   D    D    A   D    D  D   D   A
POST       /placements/<int:placement_id>/plan/goals/<int:goal_id>/modules                            L    D   D    D    A   D    D  D   D   A
POST       /placements/<int:placement_id>/plan/goals/<int:goal_id>/modules/<int:assignment_id>/remove L    D   D    D    A   D    D  D   D   A
GET,POST   /placements/<int:placement_id>/plan/goals/new                                              L    D   D    D    A   D    D  D   D   A
POST       /placements/<int:placement_id>/reopen                                                      L    D   D    D    A   D    D  D   D   A
GET,POST   /placements/<int:placement_id>/schedule                                                    L    D   D    D    A   D    D  D   D   A
POST       /placements/<int:placement_id>/status                                                      L    D   D    D    A   D    D  D   D   A
GET        /placements/case-workers                                                                   L    D   D    D    A   a    D  D   D   A
GET,POST   /placements/need-categories                                                                L    D   D    D    D   D    D  D   D   A
GET,POST   /placements/need-categories/<int:category_id>/edit                                         L    D   D    D    D   D    D  D   D   A

# Personal data (GDPR export and erasure): coordinators only.
GET        /privacy/due                                                                               L    D   D    D    D   D    D  D   D   A
GET        /privacy/participants/<int:participant_id>                                                 L    D   D    D    D   D    D  D   D   A
POST       /privacy/participants/<int:participant_id>/erase                                           L    D   D    D    D   D    D  D   D   A
GET        /privacy/participants/<int:participant_id>/export.json                                     L    D   D    D    D   D    D  D   D   A
GET        /privacy/participants/<int:participant_id>/export.pdf                                      L    D   D    D    D   D    D  D   D   A
GET,POST   /placements/new                                                                            L    D   D    D    A   a    D  D   D   A

GET        /statistics/                                                                               L    D   D    D    a   a    a  a   a   a
GET        /statistics/export.csv                                                                     L    D   D    D    a   a    a  a   a   a

# The tablet's service worker script: public, like any static file, and holds no data.
GET        /sw.js                                                                                     a    A   a    A    A   a    A  A   a   A

GET,POST   /units/<int:unit_id>/placement-settings                                                    L    D   D    D    D   D    D  D   D   A
GET        /units/<int:unit_id>/quality                                                               L    D   D    D    D   D    D  D   D   A
GET,POST   /units/<int:unit_id>/quality/questions                                                     L    D   D    D    D   D    D  D   D   A

GET        /verify                                                                                    a    A   a    A    A   a    A  A   a   A
GET        /verify/<code>                                                                             A    A   A    A    A   A    A  A   A   A
GET        /verify/<code>/badge.json                                                                  A    A   A    A    A   A    A  A   A   A
"""  # noqa: E501 (a table as wide as its longest rule)

PIN = "4711"
SUBJECT_NAME = "Anna Andersson"  # what "a", "D" and "L" answers must not show

# What fills each URL parameter: Anna's things, her unit's, her placement's.
PARAMETERS = {
    "participant_id": lambda w: w.anna.id,
    "assignment_id": lambda w: w.anna_module.id,
    "rating_id": lambda w: w.rating.id,
    "placement_id": lambda w: w.placement.id,
    "follow_up_id": lambda w: w.follow_up.id,
    "goal_id": lambda w: w.goal.id,
    "consent_id": lambda w: w.consent.id,
    "certificate_id": lambda w: w.certificate.id,
    "layout": lambda w: "formal",
    "code": lambda w: w.certificate.code,
    "token": lambda w: w.card_token,
    "upload_id": lambda w: w.photo.id,
    "module_id": lambda w: w.module.id,
    "step_number": lambda w: 1,
    "picture_id": lambda w: w.picture.id,
    "unit_id": lambda w: w.passagen.id,
    "user_id": lambda w: w.other_supervisor.id,
    "workstation_id": lambda w: w.snickeriet.id,
    "ordering_unit_id": lambda w: w.af.id,
    "category_id": lambda w: w.need_category.id,
}
# A query string for pages that search or filter: asking for Anna by name or by her
# ordering unit must not find her out of scope.
QUERIES = {
    "/participants/": lambda w: {"search": "Anna"},
    "/placements/": lambda w: {"search": "Anna"},
    "/attendance/report": lambda w: {"ordering_unit": w.af.id},
    "/attendance/report.csv": lambda w: {"ordering_unit": w.af.id},
    "/orders/": lambda w: {"state": "all"},
    "/library/<int:module_id>/translation": lambda w: {"lang": "en"},
}
# Routes that name an object under another (a rating under an assignment, a goal under a
# placement): the parent is Anna's, the child named here Bertil's, or on another step of the
# module. No actor may reach the child through the parent (test_a_child_from_elsewhere_…).
# Every rule with more than one id must be listed (test_every_nested_route_has_an_elsewhere).
ELSEWHERE = {
    "/day/assignments/<int:assignment_id>/ratings/<int:rating_id>/correct": {"rating_id": lambda w: w.bertil_rating.id},
    "/day/assignments/<int:assignment_id>/ratings/<int:rating_id>/fix": {"rating_id": lambda w: w.bertil_rating.id},
    "/participants/<int:participant_id>/assignments/<int:assignment_id>/edit": {
        "assignment_id": lambda w: w.bertil_module.id},
    "/participants/<int:participant_id>/assignments/<int:assignment_id>/status": {
        "assignment_id": lambda w: w.bertil_module.id},
    "/participants/<int:participant_id>/consent/<int:consent_id>/withdraw": {
        "consent_id": lambda w: w.bertil_consent.id},
    "/placements/<int:placement_id>/plan/goals/<int:goal_id>/edit": {"goal_id": lambda w: w.bertil_goal.id},
    "/placements/<int:placement_id>/plan/goals/<int:goal_id>/modules": {"goal_id": lambda w: w.bertil_goal.id},
    # Removing a module that is not on the goal is a no-op whoever's it is; the goal is checked.
    "/placements/<int:placement_id>/plan/goals/<int:goal_id>/modules/<int:assignment_id>/remove": {
        "goal_id": lambda w: w.bertil_goal.id},
    "/media/modules/<int:module_id>/steps/<int:step_number>/pictures/<int:picture_id>/move": {
        "picture_id": lambda w: w.other_step_picture.id},
    "/media/modules/<int:module_id>/steps/<int:step_number>/pictures/<int:picture_id>/remove": {
        "picture_id": lambda w: w.other_step_picture.id},
}
# Fields a POST needs to find its object (the check-in names its placement in the form).
FORM_DATA = {
    "/attendance/check-in": lambda w: {"placement_id": w.placement.id},
}


def parse_matrix(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """{(method, rule): {actor: answer}} from the table."""
    entries = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        words = line.split()  # a rule may hold a space: <any(formal, 'easy-read'):layout>
        methods, rule, answers = words[0], " ".join(words[1:-len(ACTORS)]), words[-len(ACTORS):]
        assert rule.startswith("/") and set(answers) <= set("AaDL"), \
            f"MATRIX line {number} needs one of A, a, D, L for each of {', '.join(ACTORS)}: {line!r}"
        for method in methods.split(","):
            assert (method, rule) not in entries, f"MATRIX lists {method} {rule} twice"
            entries[method, rule] = dict(zip(ACTORS, answers, strict=True))
    return entries


ENTRIES = parse_matrix(MATRIX)


def routes_of(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


# --- the world ----------------------------------------------------------------------------


def build_matrix_world(app: Flask, consent_in_force: bool) -> SimpleNamespace:
    """factories.build_world, and everything a URL can name: Anna's things (see _around_anna);
    Cecilia beside her in Passagen; a case worker at another ordering unit, who ordered
    Bertil's placement (in Östervik), with his goal, rating and consent, for the routes that
    name one thing under another."""
    w = factories.build_world()
    w.fk = OrderingUnit(organisation=w.org, name="Försäkringskassan")
    db.session.add(w.fk)
    w.other_case_worker = factories.make_user(w.org, "fkhandlaggare", Role.ORDERER, ordering_unit=w.fk)
    w.cecilia = factories.make_participant(w.passagen, "Cecilia Carlsson", workstation=w.snickeriet)
    w.need_category = NeedCategory(organisation=w.org, name="Språk")
    db.session.add(w.need_category)
    _around_anna(w, consent_in_force)
    _around_bertil(w)
    with app.test_request_context(), unit_of_work():
        _files_and_cards(w)
    return w


def _around_anna(w: SimpleNamespace, consent_in_force: bool) -> None:
    """Her placement ordered by Olle at Arbetsförmedlingen, her consent to it (withdrawn
    yesterday, for the case worker without consent), a follow-up, a goal and a rating."""
    w.placement = factories.make_placement(w.anna, w.af, case_worker_id=w.orderer.id)
    w.rating = factories.rate(w.anna_module, 3, w.supervisor, days_ago(7))
    w.follow_up = FollowUp(placement=w.placement, kind=FollowUpKind.SCHEDULED, label="3 weeks",
                           due_on=days_ago(0))
    w.goal = Goal(placement=w.placement, text="Komma i tid")
    w.consent = Consent(participant=w.anna, ordering_unit=w.af, given_on=days_ago(30),
                        recorded_by_id=w.supervisor.id, share_progress=True,
                        share_attendance=True, share_follow_up_notes=True)
    if not consent_in_force:
        w.consent.withdrawn_on, w.consent.withdrawn_by_id = days_ago(1), w.supervisor.id
    db.session.add_all([w.follow_up, w.goal, w.consent])
    db.session.commit()


def _around_bertil(w: SimpleNamespace) -> None:
    w.bertil_placement = factories.make_placement(w.bertil, w.fk, case_worker_id=w.other_case_worker.id)
    w.bertil_rating = factories.rate(w.bertil_module, 2, w.other_supervisor, days_ago(7))
    w.bertil_goal = Goal(placement=w.bertil_placement, text="Sköta djuren")
    w.bertil_consent = Consent(participant=w.bertil, ordering_unit=w.fk, given_on=days_ago(30),
                               recorded_by_id=w.other_supervisor.id, share_progress=True)
    db.session.add_all([w.bertil_goal, w.bertil_consent])
    db.session.commit()


def _files_and_cards(w: SimpleNamespace) -> None:
    """Anna's photo, a photo on steps 1 and 2 of the module, cards for Anna and Cecilia, and
    a certificate for Anna: through the services, which make them as the app does."""
    w.photo = media.save_upload_bytes(_png(), w.supervisor)
    w.anna.photo_id = w.photo.id
    step_photo = media.save_upload_bytes(_png(), w.admin, "Slipen")
    w.picture = media.add_photo_to_step(w.admin, w.module.versions[0].steps[0], step_photo)
    w.other_step_picture = media.add_photo_to_step(w.admin, w.module.versions[0].steps[1], step_photo)
    w.card_token = mypages.issue_card(w.supervisor, w.anna, PIN, None)
    w.peer_card_token = mypages.issue_card(w.supervisor, w.cecilia, PIN, None)
    w.certificate = certificates.issue_certificate(w.supervisor, w.anna, certificates.IssueChoices(
        period_start=days_ago(30), period_end=days_ago(0), assignment_ids=(w.anna_module.id,),
        participant_agreed=True))


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


# --- the actors ---------------------------------------------------------------------------

_HX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


@dataclass
class Actor:
    """One actor signed in once; each request then starts from that session's cookie, so
    what a request does to the session (participant mode, signing out) ends with it."""

    name: str
    app: Flask
    world: SimpleNamespace
    cookie: str | None = None
    csrf: str = ""
    signed_in_as: tuple = field(default=())
    may_be_signed_out: bool = True

    def request(self, method: str, url: str, query: dict, form: dict):
        """From a fresh browser holding the actor's session (a POST with its CSRF token);
        signed in again first when a POST (sign-out, a new card, a password reset) may
        have ended it."""
        if self.may_be_signed_out and self.signed_in_as != self._session_generations():
            self._sign_in()
        self.may_be_signed_out = method != "GET"
        client = self.app.test_client()
        if self.cookie:
            client.set_cookie("session", self.cookie, domain="movetrack.test")
        data = {"csrf_token": self.csrf, **form} if method == "POST" else None
        return client.open(url, method=method, query_string=query, data=data)

    def _session_generations(self) -> tuple:
        """What ends a session on the server: a staff user's generation, a card's."""
        w = self.world
        db.session.expire_all()
        credentials = [db.session.get(ParticipantCredential, p.id) for p in (w.anna, w.cecilia)]
        generations = tuple(u.session_generation for u in (w.supervisor, w.other_supervisor, w.orderer,
                                                           w.other_case_worker, w.admin)) + \
            tuple((c.generation, c.session_generation) if c else None for c in credentials)
        db.session.rollback()  # hold no transaction (on PostgreSQL it would hold locks)
        return generations

    def _sign_in(self) -> None:
        client = self.app.test_client()
        SIGN_IN[self.name](client, self.world)
        page = client.get("/", follow_redirects=True)
        assert page.status_code == 200, f"{self.name} could not sign in"
        self.csrf = _HX_TOKEN.search(page.text).group(1)
        self.cookie = client.get_cookie("session", domain="movetrack.test").value
        self.signed_in_as = self._session_generations()


def _staff(username):
    def sign_in(client, world):
        response = post_form(client, "/login", data={"username": username, "password": factories.PASSWORD})
        assert response.status_code == 302, f"{username} could not sign in"
    return sign_in


def _card(token_of):
    def sign_in(client, world):
        response = post_form(client, f"/card/{token_of(world)}", data={"pin": PIN})
        assert response.status_code == 302, "the card did not sign in"
    return sign_in


def _participant_mode(client, world):
    _staff("handledare")(client, world)
    response = post_form(client, f"/participants/{world.anna.id}",
                         f"/participants/{world.anna.id}/hand-over")
    assert response.status_code == 302, "the tablet was not handed over"


SIGN_IN = {
    "anon": lambda client, world: None,
    "own": _card(lambda w: w.card_token),
    "peer": _card(lambda w: w.peer_card_token),
    "mode": _participant_mode,
    "sup": _staff("handledare"),
    "sup2": _staff("stallchef"),
    "cw": _staff("handlaggare"),
    "cw-": _staff("handlaggare"),
    "cw2": _staff("fkhandlaggare"),
    "admin": _staff("admin"),
}


@pytest.fixture(scope="module", params=ACTORS)
def actor(request, database_template, tmp_path_factory):
    """One app, database and world per actor; pytest runs each actor's routes together."""
    name = request.param
    directory = tmp_path_factory.mktemp(f"matrix-{name.replace('-', '_')}")
    # Every actor posts to the card and verification pages, more often than their limits
    # allow; and each request starts from the session as it was at sign-in, so its idle time
    # counts from then: a slow machine must not sign an actor out halfway through.
    limits = {"LOGIN_RATE_LIMIT": "10000 per minute", "VERIFY_RATE_LIMIT": "10000 per minute",
              "SESSION_IDLE_MINUTES": 24 * 60, "PARTICIPANT_MODE_IDLE_MINUTES": 24 * 60}
    with app_on_empty_database(database_template, directory, **limits) as app:
        app.test_client_class = IsolatedClient
        world = build_matrix_world(app, consent_in_force=name != "cw-")
        yield Actor(name, app, world)


# --- the tests ----------------------------------------------------------------------------


def unlisted(app: Flask) -> str:
    """What the app's routes and MATRIX disagree on, as instructions; empty when they agree."""
    routes = routes_of(app)
    missing = sorted(routes - ENTRIES.keys(), key=lambda entry: (entry[1], entry[0]))
    stale = sorted(ENTRIES.keys() - routes, key=lambda entry: (entry[1], entry[0]))
    message = ""
    width = max((len(rule) for _, rule in missing), default=0)
    blanks = " ".join("?".ljust(len(actor)) for actor in ACTORS).rstrip()
    if missing:
        message += (
            "These routes have no line in MATRIX in tests/test_route_matrix.py. Add each line "
            "below to it, beside its room's, with each ? replaced by what that actor gets "
            "(A allowed, a allowed without naming Anna, D denied: 403/404, L sign in first; "
            "the top of the file explains):\n"
            + f"    {'# methods':<10} {'rule':<{width}}   {' '.join(ACTORS)}\n"
            + "".join(f"    {method:<10} {rule:<{width}}   {blanks}\n" for method, rule in missing))
    if stale:
        message += "MATRIX has lines for routes the app no longer has; remove them:\n" + "".join(
            f"    {method:<10} {rule}\n" for method, rule in stale)
    return message


@pytest.fixture
def routes_only() -> Flask:
    """The app for its URL map alone: no database, so it never waits on an actor's."""
    return create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_every_route_has_an_entry(routes_only):
    assert not unlisted(routes_only), unlisted(routes_only)


def test_a_new_route_without_an_entry_is_named_with_the_line_to_add(routes_only):
    routes_only.add_url_rule("/participants/<int:participant_id>/secrets", "secrets", lambda participant_id: "",
                     methods=["GET", "POST"])
    message = unlisted(routes_only)
    assert "GET        /participants/<int:participant_id>/secrets   ?    ?   ?    ?    ?   ?    ?  ?   ?   ?" in message
    assert "POST       /participants/<int:participant_id>/secrets" in message
    assert "/participants/<int:participant_id>/card" not in message


def url_for_rule(rule: str, world, elsewhere: dict | None = None) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in PARAMETERS, f"no value for <{name}> in {rule}: add one to PARAMETERS"
        return str({**PARAMETERS, **(elsewhere or {})}[name](world))

    return re.sub(r"<([^>]+)>", value, rule)


def answer_of(response) -> str:
    location = urlsplit(response.headers.get("Location", ""))
    if response.status_code == 401 or (
        response.status_code == 302 and location.path == "/login" and "next=" in location.query
    ):
        return "L"
    if response.status_code in (403, 404):
        return "D"
    return "A"


@pytest.mark.parametrize("method,rule", sorted(ENTRIES, key=lambda entry: (entry[1], entry[0])),
                         ids=lambda value: value)
def test_every_actor_gets_what_the_matrix_says(actor, method, rule):
    expected = ENTRIES[method, rule][actor.name]
    world = actor.world
    url = url_for_rule(rule, world)
    query = QUERIES.get(rule, lambda w: {})(world)
    form = FORM_DATA.get(rule, lambda w: {})(world)
    response = actor.request(method, url, query, form)
    assert response.status_code < 500, f"{actor.name} {method} {url}: {response.status_code}"
    got = answer_of(response)
    assert got == expected.upper(), (
        f"{actor.name} {method} {url}: the matrix says {expected}, the app answered "
        f"{response.status_code} {response.headers.get('Location', '')}")
    if expected != "A":
        assert SUBJECT_NAME.encode() not in response.data, f"{actor.name} {method} {url} names Anna"


def test_every_nested_route_has_an_elsewhere(routes_only):
    nested = {rule for _, rule in routes_of(routes_only) if rule.count("_id>") > 1}
    assert not nested - ELSEWHERE.keys(), (
        "Routes naming one object under another need a line in ELSEWHERE (which id to take "
        f"from elsewhere): {sorted(nested - ELSEWHERE.keys())}")


@pytest.mark.parametrize("method,rule", sorted((m, r) for m, r in ENTRIES if r in ELSEWHERE), ids=lambda value: value)
def test_a_child_from_elsewhere_is_refused_under_a_parent_in_scope(actor, method, rule):
    url = url_for_rule(rule, actor.world, ELSEWHERE[rule])
    response = actor.request(method, url, {}, {})
    assert response.status_code < 500, f"{actor.name} {method} {url}: {response.status_code}"
    assert answer_of(response) in ("D", "L"), (
        f"{actor.name} {method} {url} took another's object under Anna's: {response.status_code}")
