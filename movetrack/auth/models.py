from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.clock import utcnow
from movetrack.extensions import db, enum_column
from movetrack.labels import LabelledEnum
from movetrack.org.models import OrderingUnit, Organisation, Unit


class Role(LabelledEnum):
    ADMIN = "admin", _l("Coordinator / unit manager")  # coordinator / unit manager
    SUPERVISOR = "supervisor", _l("Work supervisor")  # handledare in the workshop
    ORDERER = "orderer", _l("Case worker at an ordering unit")  # case worker at an ordering unit
    PARTICIPANT = "participant", _l("Participant")  # signs in to see their own progress


ROLE_LABELS = Role.labels()


user_units = sa.Table(
    "user_units",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # A case worker always belongs to an ordering unit; nobody else does.
        sa.CheckConstraint(
            "(role = 'orderer') = (ordering_unit_id IS NOT NULL)", name="orderer_has_ordering_unit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    ordering_unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ordering_units.id"), index=True
    )
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Part of the id kept in every session and remember-me cookie of this user: raising it
    # (sign-out, a new password) ends them all, on every device, at their next request.
    session_generation: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

    organisation: Mapped[Organisation] = relationship()
    ordering_unit: Mapped[OrderingUnit | None] = relationship()
    units: Mapped[list[Unit]] = relationship(secondary=user_units, order_by="Unit.name")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What Flask-Login puts into the session and the remember cookie: prefixed, since
        participants sign in too (mypages.session), with the session generation last."""
        return f"u:{self.id}:{self.session_generation}"

    def end_all_sessions(self) -> None:
        self.session_generation += 1

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles
