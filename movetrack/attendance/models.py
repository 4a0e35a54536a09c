"""Attendance: one row per placement and day."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.auth.models import User
from movetrack.clock import utcnow
from movetrack.extensions import db, enum_column
from movetrack.labels import LabelledEnum
from movetrack.placements.models import Placement


class AttendanceStatus(LabelledEnum):
    PRESENT = "present", _l("Present")
    PARTLY = "partly", _l("Partly present")  # present part of the day: hours says how long
    SICK = "sick", _l("Absent, sick")
    VALID_REASON = "valid_reason", _l("Absent, valid reason")
    UNANNOUNCED = "unannounced", _l("Absent, unannounced")


ATTENDANCE_LABELS = AttendanceStatus.labels()
PRESENT_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.PARTLY)


class Attendance(db.Model):
    """One row per placement and day. A correction updates the row under its version
    check and leaves an audit event with the old and new status. Taking a record away
    empties its status but keeps the row, so the day's version keeps counting and a tap
    made on a page drawn before is caught, never mistaken for one made after."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("placement_id", "on_date"),
        sa.CheckConstraint(
            "(status = 'partly') = (hours IS NOT NULL)", name="hours_only_when_partly"
        ),
        sa.CheckConstraint("hours IS NULL OR (hours > 0 AND hours <= 12)", name="hours_in_a_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    on_date: Mapped[dt.date] = mapped_column(index=True)
    status: Mapped[AttendanceStatus | None] = mapped_column(  # None: not recorded (cleared)
        enum_column(AttendanceStatus, "attendance_status")
    )
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    # The key of the form that last wrote it (movetrack/idempotency.py).
    request_key: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True, unique=True)

    __mapper_args__ = {"version_id_col": version}

    placement: Mapped[Placement] = relationship()
    recorded_by: Mapped[User | None] = relationship()
