"""Recording attendance. One function writes: it checks the rules, writes, audits and
flushes (the request commits); nothing is kept when it raises.

A day's record is one row per placement and day. A change to it (a correction) updates the
row under its version check, sets who recorded it now, and leaves an audit event with the
old and the new status; taking a record away ("not recorded") empties the row's status
and leaves an audit event too, so the day's history can always be told. The row stays so
that its version keeps counting: a tap made on a page drawn before the record was taken
away and made again is answered with the change, never mistaken for a fresh start.

Every check-in form carries a request key (movetrack/idempotency.py): a double tap or a
resent form is answered with the day as the first one left it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from movetrack import audit
from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.attendance.queries import STARTED_STATUSES, day_record
from movetrack.attendance.scheduled import hours_on, is_public_holiday
from movetrack.auth.models import User
from movetrack.auth.policy import Kind, may_change
from movetrack.clock import local_today, utcnow
from movetrack.extensions import db
from movetrack.i18n import lazy_text
from movetrack.idempotency import Saved, save_once
from movetrack.placements.models import Placement
from movetrack.rules import RuleViolation

CLEAR = "clear"  # the status that takes a day's record away: "not recorded"
MAX_HOURS = Decimal(12)


@dataclass(frozen=True)
class DayState:
    """What a day says: a status (None: not recorded), hours when partly present, and who
    recorded it when."""

    status: AttendanceStatus | None
    hours: Decimal | None = None
    recorded_by: str | None = None
    recorded_at: dt.datetime | None = None

    @classmethod
    def of(cls, record: Attendance | None) -> DayState:
        if record is None:
            return cls(None)
        return cls(
            record.status,
            record.hours,
            record.recorded_by.name if record.recorded_by else None,
            record.recorded_at,
        )

    def same_as(self, other: DayState) -> bool:
        return (self.status, self.hours) == (other.status, other.hours)


class ChangedMeanwhile(RuleViolation):
    """The day is not as the user saw it: someone else recorded or changed it. Nothing was
    written; `theirs` is what the day says now, `yours` what the user asked for."""

    def __init__(self, theirs: DayState, yours: DayState, saw_a_record: bool):
        super().__init__(
            _l("Someone else changed this while you were editing. Nothing was overwritten: "
               "look at what it says now, then choose again.")
            if saw_a_record else
            _l("This day is already recorded. Nothing was overwritten: look at what it "
               "says, then choose again.")
        )
        self.theirs = theirs
        self.yours = yours


def record_attendance(
    user: User,
    placement: Placement,
    on_date: dt.date,
    status: str | None,
    hours: Decimal | None = None,
    seen_version: int | None = None,
    request_key: uuid.UUID | None = None,
) -> Saved[Attendance | None]:
    """Set the placement's attendance on a day: a status, or CLEAR to take the record away.

    `seen_version` is the version of the day's record the user saw (None: they saw no
    record); if the day changed since, ChangedMeanwhile is raised and nothing is written.
    Returns the day's record (None if it never had one); `already` when this request key
    was saved before. The caller has checked the placement is in the user's scope.
    """
    if not may_change(user, Kind.PARTICIPANT):
        raise RuleViolation(_l("Only staff record attendance."))
    wanted = DayState(_checked_status(status), _checked_hours(status, hours))
    if wanted.status is not None:  # taking a record away is right whatever day it is on
        _check_day(placement, on_date)
    if wanted.status == AttendanceStatus.PARTLY:
        _check_partly_hours(placement, on_date, wanted.hours)

    def write() -> Attendance | None:
        record = day_record(placement, on_date)
        now = DayState.of(record)
        if now.same_as(wanted):
            return record  # already so: nothing to write, whoever did it
        if not _as_seen(record, seen_version):
            raise ChangedMeanwhile(now, wanted, saw_a_record=seen_version is not None)
        return _write(user, placement, on_date, record, wanted, request_key)

    try:
        return save_once(Attendance, request_key, write)
    except (StaleDataError, sa.exc.IntegrityError):
        # Someone else saved the same day between our read and our write (save_once has
        # rolled the unit of work back).
        theirs = DayState.of(day_record(placement, on_date))
        raise ChangedMeanwhile(theirs, wanted, saw_a_record=seen_version is not None) from None


def _as_seen(record: Attendance | None, seen_version: int | None) -> bool:
    """Whether the day is as the user saw it. Having seen no record matches a record taken
    away since (nothing anyone recorded would be overwritten); any other change does not."""
    if record is None or (record.status is None and seen_version is None):
        return seen_version is None
    return record.version == seen_version


def _checked_status(status: str | None) -> AttendanceStatus | None:
    if status == CLEAR:
        return None
    try:
        return AttendanceStatus(status)
    except ValueError:
        raise RuleViolation(_l("Choose one of the listed options."), field="status") from None


def _checked_hours(status: str | None, hours: Decimal | None) -> Decimal | None:
    """Hours belong to a partly present day only; for any other status they are ignored."""
    if status != AttendanceStatus.PARTLY:
        return None
    if hours is None:
        raise RuleViolation(_l("Write how many hours the person was here."), field="hours")
    if not Decimal(0) < hours <= MAX_HOURS:
        raise RuleViolation(_l("Write hours between 0 and 12."), field="hours")
    if hours != hours.quantize(Decimal("0.01")):
        raise RuleViolation(_l("Write the hours with at most two decimals."), field="hours")
    return hours.quantize(Decimal("0.01"))


def _check_day(placement: Placement, on_date: dt.date) -> None:
    if placement.status not in STARTED_STATUSES or not placement.start_date:
        raise RuleViolation(_l("Attendance is recorded once the placement has started."))
    if on_date > local_today():
        raise RuleViolation(_l("Attendance cannot be recorded for a day that has not come."),
                            field="on_date")
    if on_date < placement.start_date:
        raise RuleViolation(
            _l("The placement started on %(date)s. Choose a day from then on.",
               date=format_date(placement.start_date)),
            field="on_date",
        )
    if placement.end_date and on_date > placement.end_date:
        raise RuleViolation(
            _l("The placement ended on %(date)s. Choose a day up to then.",
               date=format_date(placement.end_date)),
            field="on_date",
        )
    if is_public_holiday(on_date):
        raise RuleViolation(
            _l("%(date)s is a public holiday: nobody is scheduled. Nothing was saved.",
               date=format_date(on_date, "full")),
            field="on_date",
        )
    if _scheduled_hours(placement, on_date) is None:
        # An extra day would count as present without being scheduled and push the rate
        # above 100 %: a person who now comes on another day needs a new schedule.
        raise RuleViolation(
            lazy_text("%(name)s is not scheduled on %(weekday)s, and attendance is recorded on "
                      "scheduled days only. Nothing was saved.",
                      name=placement.participant.display_name, weekday=format_date(on_date, "EEEE")),
            field="on_date",
        )


def _check_partly_hours(placement: Placement, on_date: dt.date, hours: Decimal) -> None:
    scheduled = _scheduled_hours(placement, on_date)
    if hours >= scheduled:
        raise RuleViolation(
            _l("Partly present means fewer hours than the %(hours)s scheduled. "
               "Choose “Present” for a whole day.", hours=format_decimal(scheduled)),
            field="hours",
        )


def _scheduled_hours(placement: Placement, on_date: dt.date) -> Decimal | None:
    return hours_on(placement.schedule_periods, on_date)


def _write(user: User, placement: Placement, on_date: dt.date, record: Attendance | None,
           wanted: DayState, request_key: uuid.UUID | None) -> Attendance:
    facts = {"placement_id": placement.id, "on_date": on_date.isoformat()}
    new = {"status": wanted.status and wanted.status.value, "hours": _plain(wanted.hours)}
    if record is None:
        record = Attendance(placement_id=placement.id, on_date=on_date, status=wanted.status,
                            hours=wanted.hours, recorded_by_id=user.id, request_key=request_key)
        db.session.add(record)
        audit.record(user, "attendance.recorded", record, placement.participant_id, **facts, **new)
        return record
    if record.status is None:  # recorded again after it was taken away
        action, old = "attendance.recorded", {}
    elif wanted.status is None:
        action, old = "attendance.cleared", {"old_status": record.status.value,
                                             "old_hours": _plain(record.hours)}
        new = {}
    else:
        action, old = "attendance.corrected", {"old_status": record.status.value,
                                               "old_hours": _plain(record.hours)}
    audit.record(user, action, record, placement.participant_id, **facts, **old, **new)
    record.status, record.hours = wanted.status, wanted.hours
    record.recorded_by_id, record.recorded_at = user.id, utcnow()
    record.request_key = request_key
    return record


def _plain(hours: Decimal | None) -> str | None:
    """Hours as text without trailing zeros: 2.50 → "2.5", 4.00 → "4"."""
    if hours is None:
        return None
    return format(hours.normalize(), "f")
