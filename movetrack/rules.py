"""The error a service raises when a request breaks a domain rule.

Routes turn it into a clear message in the user's language (status 422), keeping what
the user typed; nothing has been written when it is raised.
"""

import datetime as dt

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from movetrack.clock import local_today


class RuleViolation(Exception):
    def __init__(self, message, field: str | None = None):
        # Kept lazy: the message is translated when shown, in the reader's language, and
        # raising one outside a request (the CLI, the demo loader) must not need a locale.
        super().__init__(message)
        self._message = message
        self.field = field

    @property
    def message(self) -> Markup:
        """Translated and escaped. Escaped because Flask-Babel's lazy strings count as safe
        HTML in Jinja, and a message may quote what a user typed."""
        return escape(str(self._message))

    def __str__(self) -> str:
        return str(self._message)

    def messages_by_field(self) -> dict[str | None, Markup]:
        """Field → message (None for the form as a whole); a violation listing several
        problems at once overrides it."""
        return {self.field: self.message}


# Small checks every service needs, written once.

def clean_text(value: str | None, field: str, max_length: int) -> str | None:
    """Trimmed text, None when empty; a RuleViolation when longer than the column allows."""
    value = (value or "").strip()
    if len(value) > max_length:
        raise RuleViolation(_l("Use at most %(count)d characters.", count=max_length), field=field)
    return value or None


def required_date(value: dt.date | None, field: str, message) -> dt.date:
    if value is None:
        raise RuleViolation(message, field=field)
    return value


def not_in_future(day: dt.date, field: str) -> dt.date:
    if day > local_today():
        raise RuleViolation(_l("The date has not come yet."), field=field)
    return day
