"""Reading the organisation's shared lists."""

from __future__ import annotations

import sqlalchemy as sa

from movetrack.auth.models import User
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit


def ordering_units_of(user: User) -> list[OrderingUnit]:
    """The ordering units of the user's organisation, by name."""
    return list(
        db.session.scalars(
            sa.select(OrderingUnit)
            .where(OrderingUnit.organisation_id == user.organisation_id)
            .order_by(OrderingUnit.name)
        )
    )
