"""What a request brings in, bounded to what the database can hold.

Every id and whole number is stored in an integer column (PostgreSQL's holds up to 2^31-1,
SQLite's up to 2^63-1): a larger number in a URL, a query string or a form is answered
like an unknown id or a wrong number, and never reaches the database driver. NUL bytes are
removed from every form value and query value on the way in: nobody types one, and
PostgreSQL refuses text that contains it.
"""

from __future__ import annotations

from flask import Flask, Request, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms import IntegerField

LARGEST_INT = 2**31 - 1  # PostgreSQL's integer; SQLite's is larger
NUMBER_TOO_LARGE = _l("The number is too large.")


def fits_a_column(number: int) -> bool:
    return -LARGEST_INT <= number <= LARGEST_INT


def optional_int(value) -> int | None:
    """A select's id: "" (nothing chosen) is None; anything but a plausible id is refused."""
    if value in (None, ""):
        return None
    number = int(value)
    if not 0 < number <= LARGEST_INT:
        raise ValueError(value)
    return number


def query_int(name: str, default: int | None = None) -> int | None:
    """A whole number from the query string. Missing or not a number: the default; a number
    no column holds: 404, as for an id that does not exist."""
    number = request.args.get(name, type=int)
    if number is None:
        return default
    if not fits_a_column(number):
        abort(404)
    return number


class BoundedIntegerField(IntegerField):
    """WTForms' IntegerField, refusing (as a field error) a number no column holds."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not fits_a_column(self.data):
            self.data = None
            raise ValueError(str(NUMBER_TOO_LARGE))


class WithoutNulBytes(ImmutableMultiDict):
    """Form fields and query arguments with every NUL byte removed (uploaded files untouched)."""

    def __init__(self, mapping=None):
        super().__init__(mapping)
        for key, values in list(dict.items(self)):
            dict.__setitem__(self, key, [_without_nul(value) for value in values])


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class CleanRequest(Request):
    parameter_storage_class = WithoutNulBytes


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route, bounded to what an id column holds: a huge number in a
    URL is a 404 like any unknown id, not an overflow deep in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_INT)
        super().__init__(url_map, *args, **kwargs)


def init_input(app: Flask) -> None:
    """Before any route is added, so every route gets the bounded converters."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = DatabaseIdConverter
