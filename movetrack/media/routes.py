"""Pictures: serving stored photos, and the picker that puts pictures beside module steps."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from movetrack.auth.policy import (
    Kind,
    allowed,
    may_change,
)
from movetrack.input import query_int
from movetrack.media import queries, services
from movetrack.media.forms import PhotoForm
from movetrack.media.models import Upload
from movetrack.media.pictograms import (
    categories,
    category_label,
    current_locale,
    pictogram_label,
    search_pictograms,
)
from movetrack.modules.models import (
    STEP_COUNT,
    ModuleStep,
    StepPicture,
)
from movetrack.security import cache_privately
from movetrack.templating import is_htmx
from movetrack.web import catch_refusal, fragment_or_page

bp = Blueprint("media", __name__, url_prefix="/media")
staff_only = allowed("change", Kind.PHOTO)
CACHE_SECONDS = 86400
MOVES = {"earlier": -1, "later": 1}


def library_managers_only(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not may_change(current_user, Kind.LIBRARY):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# --- Serving photos -------------------------------------------------------------------


def _serve(upload_id: int, column, variant: str) -> Response:
    row = queries.visible_upload(current_user, upload_id, column)
    if row is None:
        abort(404)
    response = Response(row.data, mimetype=row.content_type)
    response.set_etag(f"{row.sha256}-{variant}")
    if row.on_a_step:  # library content, shown on every tablet all day; a person's photo is no-store
        cache_privately(response, CACHE_SECONDS)
    return response.make_conditional(request)


@bp.get("/uploads/<int:upload_id>")
@login_required
def photo(upload_id: int):
    return _serve(upload_id, Upload.data, "photo")


@bp.get("/uploads/<int:upload_id>/thumbnail")
@login_required
def thumbnail(upload_id: int):
    return _serve(upload_id, Upload.thumbnail, "thumbnail")


# --- The picker -----------------------------------------------------------------------


def _picture_or_404(step: ModuleStep, picture_id: int) -> StepPicture:
    picture = next((p for p in step.pictures if p.id == picture_id), None)
    return picture or abort(404)


def _search_args() -> tuple[str, str | None]:
    query = request.args.get("q", "").strip()[:80]
    category = request.args.get("category") or None
    return query, category if category in categories() else None


def _results_context(query: str, category: str | None, add_url: str | None) -> dict:
    return {
        "query": query,
        "category": category,
        "categories": [(key, category_label(key)) for key in categories()],
        "results": search_pictograms(query, category),
        "add_url": add_url,
        "locale": current_locale(),
    }


def _step_args(step: ModuleStep) -> dict:
    """The step's URL arguments plus the current search, which every action carries along
    so that without JavaScript the page comes back as it was."""
    query, category = _search_args()
    return {"module_id": step.version.module_id, "step_number": step.number,
            "q": query or None, "category": category}


def _render_picker(step: ModuleStep, *, status: int = 200, error: str | None = None,
                   notice: str | None = None, photo_form: PhotoForm | None = None):
    """The current pictures alone for htmx; otherwise the whole picker page."""
    pictures = sorted(step.pictures, key=lambda picture: (picture.position, picture.id))
    step_args = _step_args(step)
    query, category = _search_args()
    context = {
        "step": step,
        "pictures": pictures,
        "uploads": queries.uploads_of(pictures),
        "error": error,
        "notice": notice,
        "photo_form": photo_form or PhotoForm(formdata=None),
        "module_url": url_for("modules.detail", module_id=step.version.module_id),
        "step_count": STEP_COUNT,
        "step_args": step_args,
        "page_url": url_for("media.step_pictures", module_id=step.version.module_id, step_number=step.number),
        "search_url": url_for("media.pictogram_search", module_id=step.version.module_id, step=step.number),
        **_results_context(query, category, url_for("media.add_pictogram", **step_args)),
    }
    return fragment_or_page("media/_current_pictures.html", "media/step_pictures.html", status,
                            **context)


def _done(step: ModuleStep, message: str):
    """After a change: the fresh fragment for htmx, or back to the page with a message."""
    if is_htmx():
        return _render_picker(step, notice=message)
    flash(message, "success")
    return redirect(url_for("media.step_pictures", **_step_args(step)))


def _picture_label(picture: StepPicture) -> str:
    if picture.pictogram_key:
        return pictogram_label(picture.pictogram_key)
    return queries.uploads_of([picture])[picture.upload_id].description or _("Photo")


@bp.get("/modules/<int:module_id>/steps/<int:step_number>/pictures")
@library_managers_only
def step_pictures(module_id: int, step_number: int):
    return _render_picker(queries.current_step_or_404(module_id, step_number))


@bp.post("/modules/<int:module_id>/steps/<int:step_number>/pictures/pictogram")
@library_managers_only
def add_pictogram(module_id: int, step_number: int):
    step = queries.current_step_or_404(module_id, step_number)
    key = request.form.get("key", "")
    with catch_refusal() as refused:
        services.add_pictogram_to_step(current_user, step, key)
    if refused:
        return _render_picker(step, status=422, error=refused.error)
    return _done(step, _("Added: %(label)s.", label=pictogram_label(key)))


@bp.post("/modules/<int:module_id>/steps/<int:step_number>/pictures/photo")
@library_managers_only
def upload_photo(module_id: int, step_number: int):
    step = queries.current_step_or_404(module_id, step_number)
    form = PhotoForm()
    if not form.validate_on_submit():
        return _render_picker(step, status=422, photo_form=form)
    with catch_refusal(form) as refused:
        services.upload_photo_to_step(current_user, step, form.photo.data, form.description.data)
    if refused:
        return _render_picker(step, status=422, photo_form=form, error=refused.error)
    return _done(step, _("Added: %(label)s.", label=form.description.data.strip()))


@bp.post("/modules/<int:module_id>/steps/<int:step_number>/pictures/<int:picture_id>/remove")
@library_managers_only
def remove_picture(module_id: int, step_number: int, picture_id: int):
    return _change_picture(module_id, step_number, picture_id,
                           lambda picture: services.remove_step_picture(current_user, picture),
                           lambda label: _("Removed: %(label)s.", label=label))


@bp.post("/modules/<int:module_id>/steps/<int:step_number>/pictures/<int:picture_id>/move")
@library_managers_only
def move_picture(module_id: int, step_number: int, picture_id: int):
    direction = MOVES.get(request.form.get("direction"), 0)
    return _change_picture(module_id, step_number, picture_id,
                           lambda picture: services.move_step_picture(current_user, picture, direction),
                           lambda label: _("Moved: %(label)s.", label=label))


def _change_picture(module_id: int, step_number: int, picture_id: int, change, notice):
    """One picture of the current step changed by `change(picture)`; `notice(label)` says
    what happened, with the picture's label as it was before the change."""
    step = queries.current_step_or_404(module_id, step_number)
    picture = _picture_or_404(step, picture_id)
    label = _picture_label(picture)
    with catch_refusal() as refused:
        change(picture)
    if refused:
        return _render_picker(step, status=422, error=refused.error)
    return _done(step, notice(label))


# --- Pictogram search -----------------------------------------------------------------


@bp.get("/pictograms")
@staff_only
def pictogram_search():
    """The results fragment for the picker's live search, or a page to browse the set.

    With module_id and step (the picker's search) each result is an "add" button for
    those who may change the library; a plain GET there goes back to the picker itself.
    """
    query, category = _search_args()
    module_id = query_int("module_id")
    step_number = query_int("step")
    in_picker = module_id is not None and step_number in range(1, STEP_COUNT + 1)
    add_url = None
    if in_picker and may_change(current_user, Kind.LIBRARY):
        step_args = {"module_id": module_id, "step_number": step_number,
                     "q": query or None, "category": category}
        if not is_htmx():
            return redirect(url_for("media.step_pictures", **step_args))
        add_url = url_for("media.add_pictogram", **step_args)
    search_url = url_for("media.pictogram_search")
    return fragment_or_page("media/_pictogram_results.html", "media/pictograms.html",
                            page_url=search_url, search_url=search_url,
                            **_results_context(query, category, add_url))
