"""A column's value as JSON and back, chosen by the column's type, so that what comes back
is what was read: dates, times with their zone, JSON, bytes, enums, decimals and UUIDs.

Encoding by the column (not by the value) keeps a JSON column's own objects unambiguous.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

Encoder = Callable[[Any], Any]


def _datetime_out(column: sa.Column) -> Encoder:
    if not column.type.timezone:
        return _isoformat

    def encode(value: dt.datetime) -> str:
        # Written in UTC whatever the server's zone, so SQLite and PostgreSQL agree.
        return _in_utc(value).isoformat()

    return encode


def _in_utc(value: dt.datetime) -> dt.datetime:
    """SQLite keeps no zone: the app stores every instant in UTC, so a naive one is UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _datetime_in(column: sa.Column) -> Encoder:
    def decode(text: str) -> dt.datetime:
        value = dt.datetime.fromisoformat(text)
        return _in_utc(value) if column.type.timezone else value

    return decode


def _enum_out(value: enum.Enum | str) -> str:
    return value.value if isinstance(value, enum.Enum) else value


def _bytes_out(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _isoformat(value) -> str:
    return value.isoformat()


def _identity(value):
    return value


def encoder(column: sa.Column) -> Encoder:
    """Turns the column's Python value into a JSON value (None stays None)."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return _datetime_out(column)
    if isinstance(kind, sa.Date | sa.Time):
        return _isoformat
    if isinstance(kind, sa.Enum):
        return _enum_out
    if isinstance(kind, sa.LargeBinary):
        return _bytes_out
    if isinstance(kind, sa.Numeric) and kind.asdecimal:
        return str
    if isinstance(kind, sa.Uuid):
        return str
    if isinstance(kind, sa.Interval):
        return dt.timedelta.total_seconds
    return _identity


def decoder(column: sa.Column) -> Encoder:
    """The inverse of `encoder`: a JSON value to what the column is given on insert."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return _datetime_in(column)
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat
    if isinstance(kind, sa.Time):
        return dt.time.fromisoformat
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sa.Numeric) and kind.asdecimal:
        return decimal.Decimal
    if isinstance(kind, sa.Uuid):
        return uuid.UUID
    if isinstance(kind, sa.Interval):
        return lambda seconds: dt.timedelta(seconds=seconds)
    return _identity  # an enum takes its stored value as it is


def _none_safe(function: Encoder) -> Encoder:
    return lambda value: None if value is None else function(value)


def row_codec(table: sa.Table) -> tuple[Callable[[sa.Row], dict], Callable[[dict], dict]]:
    """(encode a row read from `table` as a dict of JSON values, decode such a dict)."""
    encoders = {column.name: _none_safe(encoder(column)) for column in table.columns}
    decoders = {column.name: _none_safe(decoder(column)) for column in table.columns}

    def encode(row: sa.Row) -> dict:
        mapping = row._mapping
        return {name: encode_value(mapping[name]) for name, encode_value in encoders.items()}

    def decode(values: dict) -> dict:
        return {name: decoders[name](value) for name, value in values.items()}

    return encode, decode
