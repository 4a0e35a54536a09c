"""The MOVE module library: areas, modules, their versions, ten steps each, and step pictures.

A module is an identity (key, area, kind, parent, workstations); its words live in
versions. Ratings point at the version they were given under, so editing a module that
has ratings makes a new version and the old wording stays with the old ratings.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from movetrack.clock import utcnow
from movetrack.extensions import db, enum_column
from movetrack.labels import LabelledEnum
from movetrack.media.models import Upload
from movetrack.org.models import Workstation

STEP_COUNT = 10
STEP_RANGE_SQL = f"BETWEEN 1 AND {STEP_COUNT}"


class ModuleKind(LabelledEnum):
    OVERVIEW = "overview", _l("Overview module")
    TRAINING = "training", _l("Training module")


KIND_LABELS = ModuleKind.labels()

# The eight areas of MOVE (DC-tjänst, Kristinehamn). Keys are stable identifiers used in
# import files; labels are translated.
AREA_LABELS = {
    "fysiskt": _l("Physical"),
    "mentalt": _l("Mental"),
    "aktiviteter": _l("Activities"),
    "socialt": _l("Social"),
    "arbetsmoment": _l("Work tasks"),
    "projekt": _l("Projects"),
    "inlarning": _l("Learning"),
    "kommunikation": _l("Communication"),
}
AREA_KEYS = tuple(AREA_LABELS)


class ModuleArea(db.Model):
    __tablename__ = "module_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    position: Mapped[int]

    @property
    def label(self) -> str:
        return str(AREA_LABELS.get(self.key, self.key))


module_workstations = sa.Table(
    "module_workstations",
    db.metadata,
    sa.Column("module_id", sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "workstation_id", sa.ForeignKey("workstations.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (sa.CheckConstraint("current_version_number >= 1", name="has_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("module_areas.id"), index=True)
    kind: Mapped[ModuleKind] = mapped_column(enum_column(ModuleKind, "module_kind"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    current_version_number: Mapped[int] = mapped_column(default=1)
    archived_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    area: Mapped[ModuleArea] = relationship()
    parent: Mapped[Module | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Module]] = relationship(back_populates="parent")
    workstations: Mapped[list[Workstation]] = relationship(
        secondary=module_workstations, order_by="Workstation.name"
    )
    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module", order_by="ModuleVersion.number", cascade="all, delete-orphan"
    )
    current_version: Mapped[ModuleVersion] = relationship(
        primaryjoin="and_(ModuleVersion.module_id == Module.id, "
        "ModuleVersion.number == Module.current_version_number)",
        viewonly=True,
        uselist=False,
    )

    @property
    def title(self) -> str:
        return self.current_version.title

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class ModuleVersion(db.Model):
    __tablename__ = "module_versions"
    __table_args__ = (sa.UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    module: Mapped[Module] = relationship(back_populates="versions")
    steps: Mapped[list[ModuleStep]] = relationship(
        back_populates="version", order_by="ModuleStep.number", cascade="all, delete-orphan"
    )
    translations: Mapped[list[VersionTranslation]] = relationship(
        back_populates="version", order_by="VersionTranslation.language",
        cascade="all, delete-orphan",
    )


class ModuleStep(db.Model):
    __tablename__ = "module_steps"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "number"),
        sa.CheckConstraint(f"number {STEP_RANGE_SQL}", name="number_1_to_10"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(160))
    meaning: Mapped[str] = mapped_column(sa.Text)  # what reaching this step means
    todo: Mapped[str] = mapped_column(sa.Text)  # what to do
    how: Mapped[str] = mapped_column(sa.Text)  # how to do it

    version: Mapped[ModuleVersion] = relationship(back_populates="steps")
    pictures: Mapped[list[StepPicture]] = relationship(
        back_populates="step", order_by="StepPicture.position", cascade="all, delete-orphan"
    )
    translations: Mapped[list[StepTranslation]] = relationship(
        back_populates="step", order_by="StepTranslation.language", cascade="all, delete-orphan"
    )


class StepPicture(db.Model):
    """A bundled pictogram (by manifest key) or an uploaded photo, shown beside a step."""

    __tablename__ = "step_pictures"
    __table_args__ = (
        sa.CheckConstraint(
            "(pictogram_key IS NULL) <> (upload_id IS NULL)", name="pictogram_or_upload"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("module_steps.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    pictogram_key: Mapped[str | None] = mapped_column(sa.String(80))
    upload_id: Mapped[int | None] = mapped_column(sa.ForeignKey("uploads.id"), index=True)

    step: Mapped[ModuleStep] = relationship(back_populates="pictures")
    upload: Mapped[Upload | None] = relationship()


# --- translations ------------------------------------------------------------------------
# A version's texts in another language than Swedish. A translation belongs to the version
# it translates (copied to a new version, see modules/translated.py) and remembers, per
# text, a fingerprint of the Swedish it was made from: where the Swedish has changed since,
# that text is out of date and the Swedish is shown instead.


class VersionTranslation(db.Model):
    __tablename__ = "module_version_translations"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "language"),
        sa.CheckConstraint("language <> 'sv'", name="not_the_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("module_versions.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(160), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # {text's name: SHA-256 of the Swedish it translates}; "" marks a text as out of date.
    sources: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # False until a person has read the translation through (machine or unchecked drafts).
    checked: Mapped[bool] = mapped_column(default=False)

    version: Mapped[ModuleVersion] = relationship(back_populates="translations")


class StepTranslation(db.Model):
    __tablename__ = "module_step_translations"
    __table_args__ = (
        sa.UniqueConstraint("step_id", "language"),
        sa.CheckConstraint("language <> 'sv'", name="not_the_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(
        sa.ForeignKey("module_steps.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(160), default="")
    meaning: Mapped[str] = mapped_column(sa.Text, default="")
    todo: Mapped[str] = mapped_column(sa.Text, default="")
    how: Mapped[str] = mapped_column(sa.Text, default="")
    sources: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)

    step: Mapped[ModuleStep] = relationship(back_populates="translations")
