"""What a case worker at an ordering unit may see about a participant: decided here, once,
at the moment they look (MOVE.md §6: consent decides what an ordering unit sees).

The rules:
- A case worker sees their own orders only: placements ordered by their ordering unit
  that name them as the case worker. Colleagues at the same ordering unit do not see each
  other's orders (the least data; a handover is the coordinator changing the case worker
  on the order). Any other placement is a 404, so an id reveals nothing.
- Of their own orders they always see the order's administrative data: status and dates.
- Anything about the person needs a consent in force from the participant to the
  placement's ordering unit, and only the parts it names: progress summary, attendance,
  follow-up notes. Consents to other parties (named outside the system) open nothing here.
- A consent is in force from the day it was given until a withdrawal is recorded. The
  withdrawal takes effect the moment it is recorded, whatever date it carries: that date
  says when the person withdrew (it may lie a few days back, never ahead, see
  consent/services.py), and from the moment staff know of it nothing more is shown.

Staff (coordinators, supervisors) are not governed here: scopes.py gives them their
units' participants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from movetrack.auth.policy.principal import Principal
from movetrack.clock import local_today
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.labels import LabelledEnum
from movetrack.placements.models import Placement


class Share(LabelledEnum):
    """The parts of a person's data a consent may open to an ordering unit."""

    PROGRESS = "progress", _l("Progress summary")
    ATTENDANCE = "attendance", _l("Attendance")
    FOLLOW_UP_NOTES = "follow_up_notes", _l("Follow-up notes")


SHARE_LABELS = Share.labels()
SHARE_COLUMNS = {
    Share.PROGRESS: Consent.share_progress,
    Share.ATTENDANCE: Consent.share_attendance,
    Share.FOLLOW_UP_NOTES: Consent.share_follow_up_notes,
}


@dataclass(frozen=True)
class Shared:
    """Which parts may be shown, for one person and one ordering unit, right now."""

    progress: bool = False
    attendance: bool = False
    follow_up_notes: bool = False

    def __contains__(self, share: Share) -> bool:
        return getattr(self, share.value)

    @property
    def anything(self) -> bool:
        return any(share in self for share in Share)

    @property
    def shares(self) -> list[Share]:
        return [share for share in Share if share in self]


NOTHING = Shared()


def in_force(on_day: dt.date) -> sa.ColumnElement[bool]:
    """Consents that count on the day: given by then, and no withdrawal recorded."""
    return sa.and_(Consent.given_on <= on_day, Consent.withdrawn_on.is_(None))


def consent_exists(
    ordering_unit_id, participant_id, on_day: dt.date, share: Share | None = None
) -> sa.Exists:
    """EXISTS a consent in force from the participant to the ordering unit (naming `share`,
    when given). Both ids may be columns, so the expression correlates in a list query."""
    condition = sa.and_(
        Consent.participant_id == participant_id,
        Consent.ordering_unit_id == ordering_unit_id,
        in_force(on_day),
    )
    if share is not None:
        condition = sa.and_(condition, SHARE_COLUMNS[share].is_(True))
    return sa.exists().where(condition)


def shared_columns(ordering_unit_id, participant_id, on_day: dt.date) -> list[sa.Label]:
    """One boolean column per Share, labelled by its value: add them to a list query and
    read a row back with `shared_from(row)`."""
    return [
        consent_exists(ordering_unit_id, participant_id, on_day, share).label(share.value)
        for share in Share
    ]


def shared_from(row) -> Shared:
    return Shared(**{share.value: bool(getattr(row, share.value)) for share in Share})


def shared_with(ordering_unit_id: int, participant_id: int, on_day: dt.date | None = None) -> Shared:
    """What the ordering unit may see of the participant on the day (today): one query."""
    columns = shared_columns(ordering_unit_id, participant_id, on_day or local_today())
    return shared_from(db.session.execute(sa.select(*columns)).one())


# The case worker's own orders -------------------------------------------------------------


def orders_in_scope(who) -> sa.Select:
    """The placements a case worker ordered: their ordering unit's, naming them. Nobody else
    has orders here (staff reach placements through their units)."""
    principal = Principal.of(who)
    if not principal.is_case_worker:
        return sa.select(Placement).where(sa.false())
    return sa.select(Placement).where(
        Placement.ordering_unit_id == principal.user.ordering_unit_id,
        Placement.case_worker_id == principal.user.id,
    )


def what_orderer_may_see(who, placement: Placement, on_day: dt.date | None = None) -> Shared:
    """For one of the case worker's own orders, what its person has consented to share
    with the ordering unit, now; nothing for anyone or anything else."""
    principal = Principal.of(who)
    own_order = (
        principal.is_case_worker
        and placement.case_worker_id == principal.user.id
        and placement.ordering_unit_id == principal.user.ordering_unit_id
    )
    if not own_order:
        return NOTHING
    return shared_with(placement.ordering_unit_id, placement.participant_id, on_day)
