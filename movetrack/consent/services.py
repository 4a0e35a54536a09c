"""Recording consent, withdrawing it, and logging what a case worker was shown under it.

Each function checks the rules, writes, audits and flushes (the request commits); nothing
is kept when it raises RuleViolation. Consents are never edited or deleted: a withdrawal closes the
row, a changed consent is a new row, so the history tells the whole story.

The caller has already checked that the participant is in the user's scope
(auth/policy/); an ordering unit chosen in a form is checked here, since it comes
from input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from movetrack import audit
from movetrack.auth.models import User
from movetrack.auth.policy import SHARE_COLUMNS, Kind, Share, Shared, in_force, may_change
from movetrack.clock import local_today, utcnow
from movetrack.consent.models import Consent
from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.org.models import OrderingUnit
from movetrack.participants.models import Participant
from movetrack.placements.models import Placement
from movetrack.rules import RuleViolation, clean_text

OTHER_PARTY_MAX_LENGTH = 200  # Consent.other_party
WITHDRAWAL_REASON_MAX_LENGTH = 1000


def _require_staff(user: User) -> None:
    if not may_change(user, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff record and withdraw consent."))


def _checked_ordering_unit(user: User, ordering_unit_id: int | None) -> OrderingUnit | None:
    if ordering_unit_id is None:
        return None
    ordering_unit = db.session.get(OrderingUnit, ordering_unit_id)
    if ordering_unit is None or ordering_unit.organisation_id != user.organisation_id:
        raise RuleViolation(_l("Choose one of the listed ordering units."), field="party")
    return ordering_unit


def _checked_other_party(name: str | None) -> str | None:
    name = " ".join((name or "").split())
    if len(name) > OTHER_PARTY_MAX_LENGTH:
        raise RuleViolation(
            _l("Use at most %(count)d characters.", count=OTHER_PARTY_MAX_LENGTH),
            field="other_party",
        )
    return name or None


def _checked_day(day: dt.date | None, field: str, missing, future) -> dt.date:
    if day is None:
        raise RuleViolation(missing, field=field)
    if day > local_today():
        raise RuleViolation(future, field=field)
    return day


def _party_name(ordering_unit: OrderingUnit | None, other_party: str | None) -> str:
    return ordering_unit.name if ordering_unit else other_party


def _refuse_a_second_consent(participant: Participant, ordering_unit, other_party) -> None:
    """One consent in force per party: a change is a withdrawal and a new consent, so the
    history shows exactly what was allowed when."""
    same_party = (
        Consent.ordering_unit_id == ordering_unit.id
        if ordering_unit
        else sa.func.lower(Consent.other_party) == other_party.lower()
    )
    already = db.session.scalar(
        sa.select(sa.exists().where(
            Consent.participant_id == participant.id, same_party, in_force(local_today())
        ))
    )
    if already:
        raise RuleViolation(
            lazy_text(
                "%(party)s already has a consent in force. To change what it may see, "
                "withdraw that consent first and record a new one; the history keeps both.",
                party=_party_name(ordering_unit, other_party),
            ),
            field="party",
        )


def give_consent(
    user: User,
    participant: Participant,
    ordering_unit_id: int | None,
    other_party: str | None,
    shares: Iterable[Share],
    given_on: dt.date | None,
) -> Consent:
    """The participant lets one party (an ordering unit, or another party named in words)
    see the listed parts of their data, from `given_on`."""
    _require_staff(user)
    ordering_unit = _checked_ordering_unit(user, ordering_unit_id)
    other_party = _checked_other_party(other_party)
    if ordering_unit is None and other_party is None:
        raise RuleViolation(
            _l("Choose an ordering unit, or write the name of another party."), field="party"
        )
    if ordering_unit is not None and other_party is not None:
        raise RuleViolation(
            _l("Choose an ordering unit or name another party, not both."), field="other_party"
        )
    shares = set(shares)
    if not shares:
        raise RuleViolation(_l("Tick at least one thing the party may see."), field="shares")
    given_on = _checked_day(
        given_on, "given_on",
        missing=_l("Write the day the consent was given."),
        future=_l("A consent cannot be given on a day that has not come."),
    )
    _refuse_a_second_consent(participant, ordering_unit, other_party)
    consent = Consent(
        participant_id=participant.id,
        ordering_unit_id=ordering_unit.id if ordering_unit else None,
        other_party=other_party,
        given_on=given_on,
        recorded_by_id=user.id,
        **{SHARE_COLUMNS[share].key: share in shares for share in Share},
    )
    db.session.add(consent)
    audit.record(
        user, "consent.given", consent, participant.id,
        ordering_unit_id=consent.ordering_unit_id, other_party=other_party,
        shares=sorted(share.value for share in shares), given_on=given_on.isoformat(),
    )
    db.session.flush()
    return consent


def withdraw_consent(user: User, consent: Consent, withdrawn_on: dt.date | None,
                     reason: str | None = None) -> Consent:
    """Close the consent: from this moment its party sees nothing more under it. The date
    is when the person withdrew, which may be before today but not after; the reason, if
    the person gave one, is kept with it and in the log."""
    _require_staff(user)
    reason = clean_text(reason, "reason", WITHDRAWAL_REASON_MAX_LENGTH)
    if consent.withdrawn_on is not None:
        raise RuleViolation(
            _l("This consent was already withdrawn on %(date)s.",
               date=format_date(consent.withdrawn_on))
        )
    withdrawn_on = _checked_day(
        withdrawn_on, "withdrawn_on",
        missing=_l("Write the day the consent was withdrawn."),
        future=_l("A withdrawal is recorded when the person has withdrawn: the day cannot "
                  "be in the future."),
    )
    if withdrawn_on < consent.given_on:
        raise RuleViolation(
            _l("The consent was given on %(date)s; it cannot be withdrawn before that.",
               date=format_date(consent.given_on)),
            field="withdrawn_on",
        )
    # Conditional, so two people withdrawing at once cannot both succeed.
    withdrawn = db.session.execute(
        sa.update(Consent)
        .where(Consent.id == consent.id, Consent.withdrawn_on.is_(None))
        .values(withdrawn_on=withdrawn_on, withdrawn_by_id=user.id, withdrawn_at=utcnow(),
                withdrawal_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if withdrawn.rowcount != 1:
        raise RuleViolation(_l("Someone withdrew this consent just now. Look at the history."))
    audit.record(
        user, "consent.withdrawn", consent, consent.participant_id,
        withdrawn_on=withdrawn_on.isoformat(), reason=reason,
    )
    db.session.flush()
    db.session.refresh(consent)
    return consent


def record_disclosure(user: User, placement: Placement, shared: Shared) -> None:
    """Log that a case worker was shown a person's details under consent: who, when, which
    parts (confidentiality: every look at a person's data is attributable)."""
    if not shared.anything:
        return
    audit.record(
        user, "consent.details_shown", placement, placement.participant_id,
        ordering_unit_id=placement.ordering_unit_id,
        shares=[share.value for share in shared.shares],
    )
    db.session.flush()
