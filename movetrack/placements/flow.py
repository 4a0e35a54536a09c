"""The placement's status machine (MOVE.md §4): ordered → study visit → intake → active →
ended, or declined / withdrawn before the start; an ended, declined or withdrawn
placement can be reopened. Every change is a dated, attributed PlacementEvent.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.extensions import db
from movetrack.placements.models import (
    PLACEMENT_STATUS_LABELS,
    Placement,
    PlacementEvent,
)
from movetrack.placements.models import PlacementStatus as S
from movetrack.rules import RuleViolation

ALLOWED = {
    S.ORDERED: {S.STUDY_VISIT, S.INTAKE, S.DECLINED, S.WITHDRAWN},
    S.STUDY_VISIT: {S.INTAKE, S.DECLINED, S.WITHDRAWN},
    S.INTAKE: {S.ACTIVE, S.DECLINED, S.WITHDRAWN},
    S.ACTIVE: {S.ENDED},
    # Reopening: an ended placement goes back to active, a declined or withdrawn order
    # back to ordered. The events keep the whole story.
    S.ENDED: {S.ACTIVE},
    S.DECLINED: {S.ORDERED},
    S.WITHDRAWN: {S.ORDERED},
}


def can_move(placement: Placement, to: S) -> bool:
    return to in ALLOWED[placement.status]


def move(user: User | None, placement: Placement, to: S, on_date: dt.date,
         note: str | None = None) -> PlacementEvent:
    """Change the status and record the event. The caller sets the fields the new status
    needs (start date, end date and outcome…) before calling, and flushes after."""
    if not can_move(placement, to):
        raise RuleViolation(
            _l("A placement that is “%(current)s” cannot become “%(new)s”.",
               current=PLACEMENT_STATUS_LABELS[placement.status], new=PLACEMENT_STATUS_LABELS[to])
        )
    if on_date < placement.received_on:
        raise RuleViolation(_l("The date is before the order was received."), field="on_date")
    event = PlacementEvent(
        placement=placement, from_status=placement.status, to_status=to, on_date=on_date,
        actor_id=getattr(user, "id", None), note=(note or "").strip() or None,
    )
    placement.status = to
    db.session.add(event)
    audit.record(user, f"placement.{to.value}", placement, placement.participant_id,
                 from_status=event.from_status.value)
    return event
