"""Route plumbing every room shares: a broken rule shown beside its field, and one
answer that is an htmx fragment or a whole page."""

from __future__ import annotations

from collections.abc import Collection

from flask import make_response, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from movetrack.conflicts import EditConflict
from movetrack.rules import RuleViolation
from movetrack.templating import is_htmx


def show_violation(form, violation: RuleViolation, at_top: Collection[str] = ()) -> Markup | None:
    """Put each message of the violation beside its field (a field the form has marked
    already keeps its own); return the one that belongs to no field of the form, or to a
    field in `at_top`, for the top of the page. A conflict also hands the form the version
    it now compares against, so saving again is a deliberate choice to keep one's own values."""
    if isinstance(violation, EditConflict) and "version" in form:
        form.version.data = violation.version
    return mark_fields(form, violation.messages_by_field(), at_top)


def mark_fields(form, messages: dict, at_top: Collection[str] = ()) -> Markup | None:
    """`show_violation` for messages by field (None: the form as a whole)."""
    general = None
    for field, message in messages.items():
        if field and field in form and field not in at_top:
            if not form[field].errors:
                form[field].errors = [message]
        else:
            general = message
    return general


def form_status(form, error=None) -> int:
    """422 for a form sent back with its problems (or a page with an error), else 200."""
    return 422 if form.is_submitted() or error else 200


def fragment_or_page(fragment: str, page: str, status: int = 200, **context) -> ResponseReturnValue:
    """The fragment template for htmx, the whole page for a browser (and for htmx restoring
    history after Back): every action also works as a plain form post."""
    wants_fragment = is_htmx() and not request.headers.get("HX-History-Restore-Request")
    # is_htmx() marked the response `Vary: HX-Request` (security.py): one URL, two answers.
    return make_response(render_template(fragment if wants_fragment else page, **context), status)
