"""The error a service raises when a request breaks a domain rule.

Routes turn it into a clear message in the user's language (status 422), keeping what
the user typed; nothing has been written when it is raised.
"""

from markupsafe import Markup, escape


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
