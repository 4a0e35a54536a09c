from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from movetrack.clock import utcnow
from movetrack.extensions import db


class Upload(db.Model):
    """A photo uploaded by staff, already verified and re-encoded.

    The bytes live in the database so that every app server behind a load balancer can
    serve them; they are deferred so listing uploads never drags the images along.
    """

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    description: Mapped[str] = mapped_column(sa.String(200), default="")  # alt text
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    thumbnail: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
