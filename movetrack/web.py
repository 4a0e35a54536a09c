"""Route plumbing every room shares: a broken rule shown beside its field, and one
answer that is an htmx fragment or a whole page."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


@dataclass
class Refusal:
    """The rule a `with catch_refusal(...)` block broke, if any (the refusal is true then),
    and `error`: its message for the top of the page (None when it stands beside a field)."""

    violation: RuleViolation | None = None
    error: Markup | str | None = None

    def __bool__(self) -> bool:
        return self.violation is not None


@contextmanager
def catch_refusal(form=None, at_top: Collection[str] = ()) -> Iterator[Refusal]:
    """Run the block (a service call); a RuleViolation it raises ends the block and is shown
    with `show_violation` on `form` (without a form its message is all for the top), so
    the route then answers with the page again:

        with catch_refusal(form) as refused:
            unit = services.create_unit(current_user, form.name.data)
        if refused:
            return render_units(form, error=refused.error)

    The request's unit of work keeps nothing of the block when the page answers 422."""
    refusal = Refusal()
    try:
        yield refusal
    except RuleViolation as violation:
        refusal.violation = violation
        refusal.error = violation.message if form is None else show_violation(form, violation, at_top)


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
