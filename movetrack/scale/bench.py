"""The benchmark behind `flask bench`: every page the budgets name, at a small and a large
scale, timed in-process through the Flask test client (server time: routing, queries,
templates; no network) and with its SQL statements counted.

Budgets (issue 14, docs/performance.md), as ratios within one run:
- every page at most 5× the baseline (a trivial signed-in page) and at most 1.5× slower at
  the large scale than at the small;
- the same number of SQL statements at both scales, and at most 12;
- a year of statistics at the large scale under 1 s and at most 10× its small-scale time;
- a certificate PDF under 0.3 s; a tablet page at most 60 KB.
Only the query-count budgets decide the exit status: times on a shared machine vary, and
the smoke mode (CI) measures no times at all.

The benchmark writes (a rating and a check-in per repetition, audit rows, a sign-in card
for the participant it signs in as), so point it at databases made for it.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import click
import sqlalchemy as sa

from movetrack.scale.counting import count_queries

PASSWORD = "movetrack-demo"  # the demo's, which the generator gives every user it adds
PIN = "2468"
SUPERVISOR, COORDINATOR, CASE_WORKER = "handledare", "samordnare", "handlaggare"
QUERY_BUDGET = 12
BASELINE_FACTOR = 5
SCALE_FACTOR = 1.5
STATS_SECONDS, STATS_FACTOR = 1.0, 10
PDF_SECONDS = 0.3
TABLET_BYTES = 60 * 1024
TABLET_PAGES = ("day_view", "participant_modules", "rating_panel")


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # SUPERVISOR, COORDINATOR, CASE_WORKER or "participant"
    request: Callable[[Subjects], dict]  # the test client's keyword arguments


@dataclass
class Subjects:
    """Whom and what the pages are about, picked once per database: the supervisor's unit,
    its active participant with the most ratings and that person's most rated module."""

    unit_id: int
    participant_id: int
    participant_name: str
    assignment_id: int
    placement_id: int
    certificate_id: int
    card_token: str
    today: dt.date
    ratings: int
    engine: sa.Engine  # for reads between requests, outside any app context


def _check_in(s: Subjects) -> dict:
    """"Here" for the person, with the version of today's row the tablet would have seen."""
    from movetrack.attendance.models import Attendance

    with s.engine.connect() as connection:
        version = connection.scalar(sa.select(Attendance.version).where(
            Attendance.placement_id == s.placement_id, Attendance.on_date == s.today))
    return {"method": "POST", "path": "/attendance/check-in", "headers": {"HX-Request": "true"},
            "data": {"placement_id": s.placement_id, "on_date": s.today.isoformat(), "status": "present",
                     "version": version or "", "request_key": str(uuid.uuid4())}}


def _year(s: Subjects) -> str:
    return f"first={(s.today - dt.timedelta(days=364)).isoformat()}&last={s.today.isoformat()}"


PAGES = (
    Page("baseline", SUPERVISOR, lambda s: {"path": "/account/password"}),
    Page("day_view", SUPERVISOR, lambda s: {"path": f"/day/units/{s.unit_id}"}),
    Page("participant_modules", SUPERVISOR, lambda s: {"path": f"/day/participants/{s.participant_id}"}),
    Page("rating_panel", SUPERVISOR, lambda s: {"path": f"/day/assignments/{s.assignment_id}"}),
    Page("record_step", SUPERVISOR, lambda s: {
        "method": "POST", "path": f"/day/assignments/{s.assignment_id}/ratings",
        "headers": {"HX-Request": "true"},
        "data": {"step": 5, "note": "", "agreed": "", "rated_on": s.today.isoformat(),
                 "request_key": str(uuid.uuid4())}}),
    Page("check_in", SUPERVISOR, _check_in),
    Page("rating_history", SUPERVISOR, lambda s: {"path": f"/day/assignments/{s.assignment_id}/history"}),
    Page("participant_list", COORDINATOR, lambda s: {"path": "/participants/"}),
    Page("participant_search", COORDINATOR,
         lambda s: {"path": "/participants/", "query_string": {"search": s.participant_name.split()[-1]}}),
    Page("own_view", "participant", lambda s: {"path": "/me/"}),
    Page("certificate_pdf", COORDINATOR, lambda s: {"path": f"/certificates/{s.certificate_id}/formal.pdf"}),
    Page("case_worker_orders", CASE_WORKER, lambda s: {"path": "/orders/"}),
    Page("statistics_year", COORDINATOR, lambda s: {"path": f"/statistics/?{_year(s)}"}),
)


@dataclass
class Measured:
    status: int
    queries: int
    bytes: int
    seconds: list[float] = field(default_factory=list)  # wall clock: the server time
    cpu_seconds: list[float] = field(default_factory=list)  # this process's CPU time

    def summary(self) -> dict:
        if not self.seconds:
            return {"status": self.status, "queries": self.queries, "bytes": self.bytes}
        ms = sorted(1000 * s for s in self.seconds)
        return {"status": self.status, "queries": self.queries, "bytes": self.bytes,
                "median_ms": round(statistics.median(ms), 1),
                "p95_ms": round(ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)], 1),
                # On a shared machine the wall clock includes waiting for a core; the CPU
                # time (Python's; the database's own work is not in it) shows what is ours.
                "cpu_median_ms": round(1000 * statistics.median(self.cpu_seconds), 1)}


def bench_app(url: str):
    from movetrack import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "TESTING": True, "LOG_LEVEL": "WARNING",
    })


def prepare(url: str, participants: int, years: int, seed: int) -> None:
    """A fresh database at the URL: the migrations, the demo and the synthetic data."""
    from flask_migrate import upgrade

    from movetrack.scale.cli import load

    app = bench_app(url)
    with app.app_context():
        upgrade()
        load(participants, years, seed)


def pick_subjects(app) -> Subjects:
    from movetrack.auth.models import User
    from movetrack.certificates.models import Certificate
    from movetrack.clock import local_today
    from movetrack.extensions import db
    from movetrack.mypages.services import issue_card
    from movetrack.participants.models import Assignment, Participant
    from movetrack.placements.models import Placement, PlacementStatus
    from movetrack.progress.models import Rating
    from movetrack.unit_of_work import unit_of_work

    with app.app_context():
        supervisor = db.session.scalar(sa.select(User).where(User.username == SUPERVISOR))
        unit_id = supervisor.units[0].id
        ratings = sa.func.count(Rating.id)
        assignment_id, placement_id, participant_id, _count = db.session.execute(
            sa.select(Assignment.id, Placement.id, Participant.id, ratings)
            .join(Rating, Rating.assignment_id == Assignment.id)
            .join(Placement, Placement.id == Assignment.placement_id)
            .join(Participant, Participant.id == Assignment.participant_id)
            .where(Placement.status == PlacementStatus.ACTIVE, Participant.unit_id == unit_id,
                   Placement.unit_id == unit_id)
            .group_by(Assignment.id, Placement.id, Participant.id)
            .order_by(ratings.desc(), Assignment.id).limit(1)
        ).one()
        participant = db.session.get(Participant, participant_id)
        certificate_id = db.session.scalar(
            sa.select(Certificate.id).where(Certificate.revoked_at.is_(None)).order_by(Certificate.id.desc())
            .limit(1))
        with unit_of_work():
            admin = db.session.scalar(sa.select(User).where(User.username == COORDINATOR))
            token = issue_card(admin, participant, PIN, None)
        return Subjects(
            unit_id=unit_id, participant_id=participant_id, participant_name=participant.name,
            assignment_id=assignment_id, placement_id=placement_id, certificate_id=certificate_id,
            card_token=token, today=local_today(),
            ratings=db.session.scalar(sa.select(sa.func.count(Rating.id))), engine=db.engine,
        )


def signed_in_clients(app, subjects: Subjects) -> dict:
    clients = {}
    for username in (SUPERVISOR, COORDINATOR, CASE_WORKER):
        client = app.test_client()
        answer = client.post("/login", data={"username": username, "password": PASSWORD})
        assert answer.status_code == 302, f"{username} could not sign in"
        clients[username] = client
    client = app.test_client()
    answer = client.post(f"/card/{subjects.card_token}", data={"pin": PIN})
    assert answer.status_code == 302, "the participant could not sign in"
    clients["participant"] = client
    return clients


def measure_scale(url: str, repeat: int, label: str, timed: bool = True) -> dict:
    """Every page `repeat` times after one warm-up, the queries counted in the last run.
    No app context is held around the requests: each request pushes its own, as in
    production (a shared one would keep `g`, the signed-in user and the session)."""
    app = bench_app(url)
    subjects = pick_subjects(app)
    clients = signed_in_clients(app, subjects)
    pages: dict[str, dict] = {}
    with click.progressbar(PAGES, label=f"{label}: pages", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else "") as bar:
        for page in bar:
            pages[page.name] = _measure(clients[page.who], page, subjects, repeat if timed else 0).summary()
    return {"ratings": subjects.ratings, "pages": pages}


def _measure(client, page: Page, subjects: Subjects, repeat: int) -> Measured:
    runs = []
    for _run in range(repeat + 1):
        request = page.request(subjects)
        with count_queries(subjects.engine) as counted:
            began, cpu = time.perf_counter(), time.process_time()
            answer = client.open(**request)
            seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        runs.append((answer.status_code, counted.count, len(answer.get_data()), seconds, cpu))
    status, queries, size, *_ = runs[-1]
    # The first run is the warm-up (templates compiled, caches filled): not timed.
    return Measured(status, queries, size, [run[3] for run in runs[1:]], [run[4] for run in runs[1:]])


def budgets(small: dict, large: dict | None) -> list[dict]:
    """Every budget, with what was measured and whether it was met. `large` is None in the
    smoke mode: then only the small scale's answers and query counts are checked."""
    checks = []

    def check(page, budget, value, limit, ok, decides=False):
        checks.append({"page": page, "budget": budget, "value": value, "limit": limit, "ok": bool(ok),
                       "decides_exit": decides})

    for name, page in small["pages"].items():
        check(name, "answers 200", page["status"], 200, page["status"] == 200, decides=True)
        check(name, "queries at small scale", page["queries"], QUERY_BUDGET,
              page["queries"] <= QUERY_BUDGET, decides=True)
    if large is None:
        return checks
    base = large["pages"]["baseline"]["median_ms"]
    for name, page in large["pages"].items():
        before = small["pages"][name]
        check(name, "answers 200 at large scale", page["status"], 200, page["status"] == 200, decides=True)
        check(name, "queries at large scale", page["queries"], QUERY_BUDGET,
              page["queries"] <= QUERY_BUDGET, decides=True)
        check(name, "same queries at both scales", page["queries"], before["queries"],
              page["queries"] == before["queries"], decides=True)
        if name == "baseline":
            continue
        to_base = page["median_ms"] / base
        check(name, "× baseline (large)", round(to_base, 2), BASELINE_FACTOR, to_base <= BASELINE_FACTOR)
        growth = page["median_ms"] / before["median_ms"]
        limit = STATS_FACTOR if name == "statistics_year" else SCALE_FACTOR
        check(name, "large ÷ small", round(growth, 2), limit, growth <= limit)
        if name in TABLET_PAGES:
            check(name, "bytes (tablet)", page["bytes"], TABLET_BYTES, page["bytes"] <= TABLET_BYTES)
    stats_s = large["pages"]["statistics_year"]["median_ms"] / 1000
    check("statistics_year", "seconds (large)", stats_s, STATS_SECONDS, stats_s < STATS_SECONDS)
    pdf_s = large["pages"]["certificate_pdf"]["median_ms"] / 1000
    check("certificate_pdf", "seconds (large)", pdf_s, PDF_SECONDS, pdf_s < PDF_SECONDS)
    return checks


def ratios(small: dict, large: dict) -> dict:
    """Per page: its large-scale time over the baseline's, and over its own small-scale time."""
    base = large["pages"]["baseline"]["median_ms"]
    return {
        name: {"x_baseline": round(page["median_ms"] / base, 2),
               "large_over_small": round(page["median_ms"] / small["pages"][name]["median_ms"], 2)}
        for name, page in large["pages"].items()
    }
