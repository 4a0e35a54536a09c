"""Sign-in throttling that slows password guessing without letting anyone lock a user out.

Failed sign-ins are counted in Flask-Limiter's storage (memory, or Redis through
RATELIMIT_STORAGE_URI so every worker sees the same counts), three ways:

- per username *and* address (LOGIN_RATE_LIMIT): that address may not try that username
  again for a while. Another address is not affected, so the real user still gets in.
- per address (LOGIN_ADDRESS_LIMIT): an address trying many usernames is refused.
- per username over all addresses (LOGIN_USERNAME_LIMIT, set above what one address may
  fail): guessing spread over many addresses. The username is then *slowed*, not
  refused: browsers that have never signed in as that user get one try per
  LOGIN_SLOWED_RATE between them, and a browser that has (it holds a signed "known
  device" cookie) is not slowed at all.

A successful sign-in forgets the failures of its username and address. An admin can see
and clear the counts (admin/sign-in throttles).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadData, URLSafeSerializer
from limits import RateLimitItem, parse_many

from movetrack.extensions import limiter

KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_DAYS = 365
KNOWN_USERNAMES_KEPT = 20  # a shared tablet remembers its whole team, not every name ever


class Refusal(enum.Enum):
    ADDRESS = "address"  # this address failed too often (for this username or for any)
    SLOWED = "slowed"  # this username is under attack and this browser is not known


@dataclass(frozen=True)
class Counter:
    """One kind of count: the setting that limits it and what it is keyed by."""

    key: str
    setting: str

    def limits(self) -> list[RateLimitItem]:
        return parse_many(current_app.config[self.setting])

    def exceeded(self, *identifiers: str) -> bool:
        return any(not limiter.limiter.test(item, self.key, *identifiers) for item in self.limits())

    def hit(self, *identifiers: str) -> bool:
        """Count one more; False when that went over a limit."""
        within = [limiter.limiter.hit(item, self.key, *identifiers) for item in self.limits()]
        return all(within)  # every window counts the hit, even after one says no

    def clear(self, *identifiers: str) -> None:
        for item in self.limits():
            limiter.limiter.clear(item, self.key, *identifiers)

    def usage(self, *identifiers: str) -> list[tuple[RateLimitItem, int]]:
        """Per limit, how many have been counted in its current window."""
        return [
            (item, item.amount - limiter.limiter.get_window_stats(item, self.key, *identifiers).remaining)
            for item in self.limits()
        ]


PER_PAIR = Counter("login-pair", "LOGIN_RATE_LIMIT")
PER_ADDRESS = Counter("login-address", "LOGIN_ADDRESS_LIMIT")
PER_USERNAME = Counter("login-username", "LOGIN_USERNAME_LIMIT")
SLOWED_TRIES = Counter("login-slowed", "LOGIN_SLOWED_RATE")


def client_address() -> str:
    """The client's address; behind TRUSTED_PROXIES, the one the proxy saw (ProxyFix)."""
    return get_remote_address()


def refusal(username: str, address: str) -> Refusal | None:
    """Why this attempt may not even be checked, or None when it may."""
    if PER_PAIR.exceeded(username, address) or PER_ADDRESS.exceeded(address):
        return Refusal.ADDRESS
    slowed = PER_USERNAME.exceeded(username) and username not in _known_usernames()
    if slowed and not SLOWED_TRIES.hit(username):
        return Refusal.SLOWED
    return None


def record_failure(username: str, address: str) -> None:
    PER_PAIR.hit(username, address)
    PER_ADDRESS.hit(address)
    PER_USERNAME.hit(username)


def record_success(username: str, address: str, response: Response) -> None:
    PER_PAIR.clear(username, address)
    _remember_device(response, username)


def clear(username: str | None, address: str | None) -> None:
    """What an admin clears: a username's counts, an address's, and the pair if both."""
    if username:
        PER_USERNAME.clear(username)
        SLOWED_TRIES.clear(username)
    if address:
        PER_ADDRESS.clear(address)
    if username and address:
        PER_PAIR.clear(username, address)


@dataclass(frozen=True)
class CountStatus:
    """What an admin sees of one count."""

    counter: Counter
    usage: list[tuple[RateLimitItem, int]]

    @property
    def reached(self) -> bool:
        return any(count >= item.amount for item, count in self.usage)


def status(username: str | None, address: str | None) -> list[CountStatus]:
    """The counts that concern this username and/or address."""
    wanted = []
    if username:
        wanted.append((PER_USERNAME, (username,)))
    if address:
        wanted.append((PER_ADDRESS, (address,)))
    if username and address:
        wanted.append((PER_PAIR, (username, address)))
    return [CountStatus(counter, counter.usage(*identifiers)) for counter, identifiers in wanted]


# --- the known-device cookie ---------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _known_usernames() -> list[str]:
    try:
        usernames = _serializer().loads(request.cookies.get(KNOWN_DEVICE_COOKIE, ""))
    except BadData:  # no cookie, or not one this app signed
        return []
    return usernames if isinstance(usernames, list) else []


def _remember_device(response: Response, username: str) -> None:
    usernames = [username] + [known for known in _known_usernames() if known != username]
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        _serializer().dumps(usernames[:KNOWN_USERNAMES_KEPT]),
        max_age=KNOWN_DEVICE_DAYS * 24 * 3600,
        secure=current_app.config["FORCE_HTTPS"],
        httponly=True,
        samesite="Lax",
    )
