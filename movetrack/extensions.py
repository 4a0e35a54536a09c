"""Every Flask extension lives here once, unbound; create_app binds them."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

# Named constraints make migrations reproducible on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite ignores foreign keys unless asked, per connection; PostgreSQL always checks."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# A full date reads "måndag 30 november 2026" and, in the English of Sweden, "Monday 30
# November 2026" (Swedish's own pattern: no comma, day before month). The rest of the date
# style comes from the locale i18n.select_locale picks.
babel = Babel(date_formats={**Babel.default_date_formats, "date.full": "EEEE d MMMM y"})
talisman = Talisman()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def enum_column(enum_class: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum: stored as its value in a VARCHAR, guarded by a named CHECK constraint."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        # Room for the longest value, and at least 20 so short enums can grow a little.
        length=max(20, *(len(member.value) for member in enum_class)),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
