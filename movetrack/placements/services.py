"""Writing orders: registering and editing one, and what every change of a placement shares
(the version check, the one flush, the checks). What follows the order (before the start,
exit, reopening) is status_services.py; the need-category code list need_category_services.py.
Each public function checks the rules, writes, audits and flushes (the request commits);
nothing is kept when it raises RuleViolation.

The caller has already checked that the placement is in the user's scope
(placements.queries.placement_or_404); ids chosen in a form (participant, ordering unit,
case worker, need category) are checked here, since they come from input.

Concurrency: a form sends the placement's version it was built from. If the row has moved
on since, or moves on between our check and our write (StaleDataError), EditConflict
lists what the other person saved beside what this one sent, and nothing is overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, is_case_worker, may_change, unit_ids_in_scope
from movetrack.conflicts import check_version, saving, shown_value
from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.org.models import OrderingUnit
from movetrack.participants.models import Participant
from movetrack.placements import queries
from movetrack.placements.models import (
    OUTCOME_LABELS,
    PLACEMENT_STATUS_LABELS,
    PURPOSE_LABELS,
    TARGET_GROUP_LABELS,
    NeedCategory,
    Outcome,
    Placement,
    PlacementEvent,
    PlacementStatus,
    Purpose,
    TargetGroup,
)
from movetrack.rules import RuleViolation, clean_text, not_in_future, required_date
from movetrack.unit_of_work import refused_as

TEXT_MAX_LENGTH = 4000
# Recorded on the placement's page before the start; intake, exit and reopening have their own.
BEFORE_START = (PlacementStatus.STUDY_VISIT, PlacementStatus.DECLINED, PlacementStatus.WITHDRAWN)
# An order registered by mistake never started, so it cannot end (an end needs a start):
# it is withdrawn with the outcome that keeps it out of every statistic (queries.counted).
REGISTERED_BY_MISTAKE = Outcome.REGISTERED_BY_MISTAKE.value
ANOTHER_OPEN_PLACEMENT = _l(
    "This person got another open order or placement a moment ago. Look at the list again."
)
REOPENS_TO = {
    PlacementStatus.ENDED: PlacementStatus.ACTIVE,
    PlacementStatus.DECLINED: PlacementStatus.ORDERED,
    PlacementStatus.WITHDRAWN: PlacementStatus.ORDERED,
}
# The order's fields as forms edit them, named as in a conflict's comparison.
ORDER_LABELS = {
    "ordering_unit_id": _l("Ordering unit"),
    "case_worker_id": _l("Case worker"),
    "purpose": _l("Purpose"),
    "received_on": _l("Order received on"),
    "requested_start": _l("Requested start"),
    "requested_end": _l("Requested end"),
    "need_category_id": _l("Need category"),
    "target_groups": _l("Target groups"),
    "order_note": _l("Note"),
}
_NAMED_BY_ID = {
    "ordering_unit_id": OrderingUnit,
    "case_worker_id": User,
    "need_category_id": NeedCategory,
}
_LABELLED = {
    "purpose": PURPOSE_LABELS,
    "exit_outcome": OUTCOME_LABELS,
    "status": PLACEMENT_STATUS_LABELS,
}


# --- conflicts and the one flush -----------------------------------------------------------


def _shown(name: str, value: Any) -> str:
    """A value as a person reads it: ids by their names, codes by their labels."""
    if value is None or value == "" or value == []:
        return shown_value(name, None)
    if name in _NAMED_BY_ID:
        named = db.session.get(_NAMED_BY_ID[name], value)
        return named.name if named else "–"
    if name in _LABELLED:
        return str(_LABELLED[name].get(value, value))
    if name == "target_groups":
        return ", ".join(str(TARGET_GROUP_LABELS.get(group, group)) for group in value)
    return shown_value(name, value)


def check_placement_version(
    placement: Placement, version: Any, labels: Mapping[str, Any], sent: Mapping[str, Any]
) -> None:
    check_version(placement, version, labels, sent, _shown)


@contextmanager
def saving_placement(
    placement: Placement, labels: Mapping[str, Any], sent: Mapping[str, Any]
) -> Iterator[None]:
    """Make the changes inside the block, then flush them. A save by someone else in
    between rolls the whole unit of work back."""
    # The one rule two people can break together: a second open placement for a person.
    with refused_as(partial(RuleViolation, ANOTHER_OPEN_PLACEMENT)), saving(
        placement, labels, sent, _shown
    ):
        yield


# --- small checks -------------------------------------------------------------------------


def require_staff(user: User) -> None:
    if not may_change(user, Kind.PLACEMENT):
        raise RuleViolation(_l("Only staff register and change placements."))


def check_no_open_placement(participant: Participant, except_id: int | None = None) -> None:
    """One open order or placement per person at a time (the database says so too)."""
    open_one = queries.open_placement_of(participant.id, except_id)
    if open_one is not None:
        raise RuleViolation(
            lazy_text(
                "%(name)s already has an open order or placement (%(status)s, received %(date)s). "
                "Continue with that one, or end it first.",
                name=participant.display_name,
                status=PLACEMENT_STATUS_LABELS[open_one.status],
                date=format_date(open_one.received_on),
            ),
            field="participant_id",
        )


# --- orders -------------------------------------------------------------------------------


def _checked_participant(user: User, participant_id: int | None) -> Participant:
    participant = participant_id and db.session.scalar(
        sa.select(Participant).where(
            Participant.id == participant_id, Participant.unit_id.in_(unit_ids_in_scope(user))
        )
    )
    if not participant:
        raise RuleViolation(_l("Choose a participant from your units."), field="participant_id")
    return participant


def _checked_ordering_unit(user: User, ordering_unit_id: int | None) -> OrderingUnit:
    ordering_unit = ordering_unit_id and db.session.get(OrderingUnit, ordering_unit_id)
    if not ordering_unit or ordering_unit.organisation_id != user.organisation_id:
        raise RuleViolation(_l("Choose the ordering unit."), field="ordering_unit_id")
    return ordering_unit


def _checked_case_worker(
    user: User, case_worker_id: int | None, ordering_unit: OrderingUnit, current_id: int | None
) -> int | None:
    """None, or a case worker of the chosen ordering unit (a deactivated one only if the
    order has them already)."""
    if case_worker_id is None:
        return None
    worker = db.session.get(User, case_worker_id)
    if (
        worker is None
        or not is_case_worker(worker)
        or worker.organisation_id != user.organisation_id
        or (not worker.active and worker.id != current_id)
    ):
        raise RuleViolation(
            _l("Choose a case worker from the list, or none."), field="case_worker_id"
        )
    if worker.ordering_unit_id != ordering_unit.id:
        raise RuleViolation(
            lazy_text(
                "%(name)s works at %(theirs)s, not at %(chosen)s. Choose a case worker of the "
                "ordering unit, or none.",
                name=worker.name,
                theirs=worker.ordering_unit.name,
                chosen=ordering_unit.name,
            ),
            field="case_worker_id",
        )
    return worker.id


def _checked_purpose(value: str | None) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        raise RuleViolation(_l("Choose the purpose of the order."), field="purpose") from None


def _checked_requested_end(start: dt.date | None, end: dt.date | None) -> dt.date | None:
    if start and end and end < start:
        raise RuleViolation(
            _l(
                "The requested end comes before the requested start (%(date)s).",
                date=format_date(start),
            ),
            field="requested_end",
        )
    return end


def _checked_need_category(
    user: User, category_id: int | None, current_id: int | None
) -> int | None:
    """None, or one of the organisation's categories (a retired one only if already chosen)."""
    if category_id is None:
        return None
    category = db.session.get(NeedCategory, category_id)
    if (
        category is None
        or category.organisation_id != user.organisation_id
        or (not category.active and category.id != current_id)
    ):
        raise RuleViolation(
            _l("Choose a need category from the list, or none."), field="need_category_id"
        )
    return category.id


def _checked_target_groups(values: Iterable[str] | None) -> list[str]:
    chosen = set(values or ())
    known = [group.value for group in TargetGroup]
    if not chosen <= set(known):
        raise RuleViolation(_l("Choose target groups from the list."), field="target_groups")
    return [group for group in known if group in chosen]  # a stable order, so edits compare


def _order_values(user: User, data: Mapping[str, Any], current: Placement | None) -> dict[str, Any]:
    """The order's fields (ORDER_LABELS), checked in the order the form shows them."""
    ordering_unit = _checked_ordering_unit(user, data.get("ordering_unit_id"))
    received_on = not_in_future(
        required_date(
            data.get("received_on"), "received_on", _l("Write the date the order came in.")
        ),
        "received_on",
    )
    return {
        "ordering_unit_id": ordering_unit.id,
        "case_worker_id": _checked_case_worker(
            user, data.get("case_worker_id"), ordering_unit, current and current.case_worker_id
        ),
        "purpose": _checked_purpose(data.get("purpose")),
        "received_on": received_on,
        "requested_start": data.get("requested_start"),
        "requested_end": _checked_requested_end(
            data.get("requested_start"), data.get("requested_end")
        ),
        "need_category_id": _checked_need_category(
            user, data.get("need_category_id"), current and current.need_category_id
        ),
        "target_groups": _checked_target_groups(data.get("target_groups")),
        "order_note": clean_text(data.get("order_note"), "order_note", TEXT_MAX_LENGTH),
    }


def create_order(user: User, data: Mapping[str, Any]) -> Placement:
    """Register an order (status ordered) for a participant in the user's units. `data`
    holds participant_id and the fields of ORDER_LABELS, as the form parses them. The
    placement's unit is the participant's."""
    require_staff(user)
    participant = _checked_participant(user, data.get("participant_id"))
    check_no_open_placement(participant)
    values = _order_values(user, data, current=None)
    placement = Placement(
        participant_id=participant.id,
        unit_id=participant.unit_id,
        status=PlacementStatus.ORDERED,
        created_by_id=user.id,
        **values,
    )
    with saving_placement(placement, {}, {}):
        db.session.add(placement)
        given = [name for name, value in values.items() if value not in (None, "", [])]
        audit.record(user, "placement.ordered", placement, participant.id, fields=given)
    return placement


def _check_received_before_what_followed(placement: Placement, received_on: dt.date) -> None:
    """An order is received before anything happens to it (the database holds the start
    to this; the dated events are checked here)."""
    first_event = db.session.scalar(
        sa.select(sa.func.min(PlacementEvent.on_date)).where(
            PlacementEvent.placement_id == placement.id
        )
    )
    later = [day for day in (first_event, placement.study_visit_on, placement.start_date) if day]
    if later and received_on > min(later):
        raise RuleViolation(
            _l(
                "The order cannot be received after %(date)s: the placement's history already "
                "has that date.",
                date=format_date(min(later)),
            ),
            field="received_on",
        )


def update_order(
    user: User, placement: Placement, data: Mapping[str, Any], version: Any
) -> list[str]:
    """Change the order's details (any status; the person stays the same). Returns the
    names of the fields that changed; the audit lists those names, not their values."""
    require_staff(user)
    check_placement_version(placement, version, ORDER_LABELS, data)
    values = _order_values(user, data, current=placement)
    _check_received_before_what_followed(placement, values["received_on"])
    changed = [name for name, value in values.items() if getattr(placement, name) != value]
    if changed:
        with saving_placement(placement, ORDER_LABELS, values):
            for name in changed:
                setattr(placement, name, values[name])
            audit.record(
                user, "placement.order_changed", placement, placement.participant_id, fields=changed
            )
    return changed
