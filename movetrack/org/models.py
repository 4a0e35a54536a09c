from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.extensions import db


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)

    units: Mapped[list[Unit]] = relationship(back_populates="organisation", order_by="Unit.name")


class Unit(db.Model):
    """A workplace such as Passagen or Östervik, with its own supervisors and participants."""

    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))

    organisation: Mapped[Organisation] = relationship(back_populates="units")
    workstations: Mapped[list[Workstation]] = relationship(
        back_populates="unit", order_by="Workstation.name"
    )


class Workstation(db.Model):
    """Snickeriet, Stickeriet, Stallet…: where in a unit a participant works."""

    __tablename__ = "workstations"
    __table_args__ = (sa.UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    archived: Mapped[bool] = mapped_column(default=False)

    unit: Mapped[Unit] = relationship(back_populates="workstations")


class OrderingUnit(db.Model):
    """A unit that orders places: income support, ANL, Arbetsförmedlingen, Vuxengruppen."""

    __tablename__ = "ordering_units"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))

    organisation: Mapped[Organisation] = relationship()
