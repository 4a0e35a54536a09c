"""Every error as a page in the user's language (or a fragment for htmx), never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from movetrack.extensions import db
from movetrack.templating import is_htmx

MESSAGES = {
    400: (_l("Something in the request was wrong"), _l("Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account may not see or change this.")),
    404: (_l("Not found"), _l("The page does not exist, or you may not see it.")),
    405: (_l("Not allowed"), _l("That action is not possible here.")),
    413: (_l("The file is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many attempts"), _l("Wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("Nothing was saved. Try again, or tell your coordinator.")),
}
CSRF_MESSAGE = (
    _l("The form had expired"),
    _l("Reload the page and try again. Nothing was saved."),
)


def render_error(code: int, title, message):
    template = "errors/fragment.html" if is_htmx() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, *CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        title, message = MESSAGES.get(error.code, (error.name, error.description))
        return render_error(error.code or 500, title, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()  # nothing half-saved
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, *MESSAGES[500])
