"""The supervisor's flow at the tablet, as a client of a running server: the day view, open
a person, open a module's rating panel, record a step, check someone in. Many run at once.

A request that gets no answer (the connection is cut, a worker dies, the database restarts
under the app: a 5xx) is sent again unchanged, so a recording carries the same request key
the second time; the server must store it once whether or not the first attempt arrived.
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import httpx

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PERSON = re.compile(r'href="/day/participants/(\d+)"')
ASSIGNMENT = re.compile(r'href="/day/assignments/(\d+)"')
CHECK_IN_FORM = re.compile(r'<form class="checkin-form".*?</form>', re.S)
HIDDEN = re.compile(r'name="(placement_id|on_date|version)" type="hidden" value="([^"]*)"')
TODAY = re.compile(r'<option selected value="(\d{4}-\d\d-\d\d)"')
RETRY_DELAYS = (0.1, 0.2, 0.5, 1, 2, 3, 5, 5, 5, 5)  # about 27 s: longer than a database restart


class NoAnswer(Exception):
    """Every attempt failed: the action is lost as far as this client knows."""


@dataclass
class Tally:
    """What all clients did, for the report and for the check against the database."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    retries: int = 0
    retry_causes: Counter[str] = field(default_factory=Counter)  # "ReadError", "HTTP 503"…
    errors: list[str] = field(default_factory=list)
    rating_keys: set[str] = field(default_factory=set)  # answered: saved
    check_ins: dict[int, str] = field(default_factory=dict)  # placement id → request key, answered
    unanswered: list[str] = field(default_factory=list)

    def summary(self, seconds: float) -> dict:
        every = sorted(t for times in self.latencies.values() for t in times)
        return {
            "requests": len(every),
            "throughput_per_second": round(len(every) / seconds, 1),
            "p50_ms": _ms(statistics.median(every)) if every else None,
            "p99_ms": _ms(_percentile(every, 0.99)) if every else None,
            "by_action": {
                action: {"count": len(times), "p50_ms": _ms(statistics.median(times)),
                         "p99_ms": _ms(_percentile(sorted(times), 0.99))}
                for action, times in sorted(self.latencies.items())
            },
            "retries": self.retries,
            "retry_causes": dict(self.retry_causes),
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
            "unanswered": len(self.unanswered),
            "steps_recorded": len(self.rating_keys),
            "check_ins": len(self.check_ins),
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Supervisor:
    """One tablet: its own session (cookie jar) and its own share of the check-ins, so two
    tablets never check in the same person (the second would be told of the first's
    change, correctly, and that is not what this run measures)."""

    def __init__(self, base_url: str, username: str, password: str, seed: int):
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30, follow_redirects=False)
        self.username, self.password = username, password
        self.random = random.Random(seed)
        self.csrf = ""
        self.tally = Tally()
        self.label = ""  # the run's name, in each step's note, so the check finds this run's steps
        self.owns_check_in = lambda placement: False

    async def request(self, action: str, method: str, url: str, ok: tuple[int, ...], **kwargs) -> httpx.Response:
        """Send until answered: a transport failure or 5xx is retried unchanged."""
        cause = None
        for delay in (0, *RETRY_DELAYS):
            if delay:
                self.tally.retries += 1
                self.tally.retry_causes[cause] += 1
                await asyncio.sleep(delay)
            started = time.perf_counter()
            try:
                response = await self.http.request(method, url, **kwargs)
            except httpx.TransportError as error:
                cause = type(error).__name__
                continue
            if response.status_code >= 500:
                cause = f"HTTP {response.status_code}"
                continue
            self.tally.latencies[action].append(time.perf_counter() - started)
            if response.status_code not in ok:
                self.tally.errors.append(f"{action} {url}: {response.status_code} {response.text[:200]!r}")
            return response
        self.tally.unanswered.append(f"{action} {url}")
        raise NoAnswer(url)

    async def sign_in(self, tally: Tally) -> None:
        self.tally = tally
        page = await self.request("sign-in page", "GET", "/login", (200,))
        self.csrf = CSRF.search(page.text).group(1)
        await self.request("sign in", "POST", "/login", (302,), data={
            "csrf_token": self.csrf, "username": self.username, "password": self.password})

    async def run(self, until: float, tally: Tally, label: str, owns_check_in) -> None:
        self.tally, self.label, self.owns_check_in = tally, label, owns_check_in
        while time.monotonic() < until:
            try:
                await self.round()
            except NoAnswer:
                pass  # counted; the next round starts from the day view again

    async def round(self) -> None:
        day = await self.request("day view", "GET", "/day/", (200,), follow_redirects=True)
        self.csrf = CSRF.search(day.text).group(1)
        await self.check_in_one(day.text)
        people = PERSON.findall(day.text)
        if not people:
            return
        person = await self.request("open a person", "GET", f"/day/participants/{self.random.choice(people)}", (200,))
        modules = ASSIGNMENT.findall(person.text)
        if not modules:
            return
        assignment = self.random.choice(modules)
        panel = await self.request("rating panel", "GET", f"/day/assignments/{assignment}", (200,))
        key = str(uuid.uuid4())
        answer = await self.request("record a step", "POST", f"/day/assignments/{assignment}/ratings", (302,), data={
            "csrf_token": self.csrf, "request_key": key, "step": self.random.randint(1, 10),
            "rated_on": TODAY.search(panel.text).group(1), "agreed": "", "note": f"{self.label} {key}",
        })
        if answer.status_code == 302:
            self.tally.rating_keys.add(key)

    async def check_in_one(self, day_html: str) -> None:
        """Check in the first of this tablet's people not yet recorded today."""
        for form in CHECK_IN_FORM.findall(day_html):
            fields = dict(HIDDEN.findall(form))
            placement = int(fields["placement_id"])
            if not self.owns_check_in(placement) or placement in self.tally.check_ins or fields["version"]:
                continue
            key = str(uuid.uuid4())
            answer = await self.request("check in", "POST", "/attendance/check-in", (303,), data={
                "csrf_token": self.csrf, "request_key": key, "status": "present", **fields})
            if answer.status_code == 303:
                self.tally.check_ins[placement] = key
            return
