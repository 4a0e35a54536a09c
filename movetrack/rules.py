"""The error a service raises when a request breaks a domain rule.

Routes turn it into a clear message in the user's language (status 422), keeping what
the user typed; nothing has been written when it is raised.
"""


class RuleViolation(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
