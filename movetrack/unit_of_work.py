"""One unit of work per request or command: services flush, this module commits.

Services add, change and audit rows and flush them (so ids exist and the database checks
its constraints), but never commit: a route or command may then combine several services
in one transaction. The request commits once when its response is a success (any status
below 400) and rolls back otherwise: a RuleViolation shown beside its field (422), an
edit conflict (409), a 403/404 or an unexpected error (500) leave nothing half-saved.
The reads a request noted (audit.record_read) are written just before its commit.
A CLI command, or anything else outside a request, wraps its work in `unit_of_work()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, Response

from movetrack import audit
from movetrack.extensions import db
from movetrack.rules import RuleViolation


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Everything written inside the block is committed when it ends, or rolled back when
    it raises (a RuleViolation included)."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def init_app(app: Flask) -> None:
    @app.after_request
    def commit_or_roll_back(response: Response) -> Response:
        if response.status_code < 400:
            audit.write_reads()
            db.session.commit()
        else:
            db.session.rollback()
        return response


@contextmanager
def refused_as(refusal: Callable[[], RuleViolation], errors: tuple[type[Exception], ...] = (sa.exc.IntegrityError,)
               ) -> Iterator[None]:
    """Flush what the block wrote. If the database refuses it (a unique key or a row's
    version: someone saved the same thing a moment ago), the unit of work is rolled back,
    since the database has abandoned it, and `refusal()` is raised instead: e.g.
    `partial(RuleViolation, message, "name")`, or a function that reads what is stored now."""
    try:
        yield
        db.session.flush()
    except errors:
        db.session.rollback()
        raise refusal() from None
