"""The module library: browse (everyone signed in), module sheets, and the admin's edits."""

from __future__ import annotations

import json
from itertools import groupby

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from movetrack.auth.policy import Kind, allowed, may_change
from movetrack.clock import local_today
from movetrack.input import query_int
from movetrack.languages import SOURCE_LANGUAGE, TRANSLATION_LANGUAGES
from movetrack.modules import exporting, importing, io, queries, services, translated
from movetrack.modules.forms import (
    ImportForm,
    ModuleForm,
    library_filter_form,
    module_form,
    translation_form,
)
from movetrack.modules.models import Module
from movetrack.web import catch_refusal, fragment_or_page

bp = Blueprint("modules", __name__, url_prefix="/library")
admin_only = allowed("change", Kind.LIBRARY)
readers_only = allowed("see", Kind.LIBRARY)  # staff and case workers, not participants
MAX_WARNINGS_SHOWN = 8


@bp.get("/")
@readers_only
def library():
    filters = library_filter_form(current_user)
    modules = queries.library_modules(filters.to_filter(may_change(current_user, Kind.LIBRARY)))
    context = {
        "filters": filters,
        "groups": [(area, list(members)) for area, members in groupby(modules, key=lambda m: m.area)],
        "covers": queries.cover_pictures(m.current_version.id for m in modules),
        "count": len(modules),
    }
    return fragment_or_page("modules/_library_results.html", "modules/library.html", **context)


@bp.get("/<int:module_id>")
@readers_only
def detail(module_id: int):
    module = queries.module_or_404(module_id)
    return render_template(
        "modules/detail.html",
        module=module,
        version=queries.version_with_steps(module),
        authors=queries.users_by_id(version.created_by_id for version in module.versions),
    )


@bp.get("/<int:module_id>/sheet")
@readers_only
def sheet(module_id: int):
    """The printable modulblad; ?version=N shows the wording an older rating was given under,
    ?lang=ar its texts in Arabic where it has them (each text in Swedish where it has not)."""
    module = queries.module_or_404(module_id)
    version = queries.version_with_steps(module, query_int("version"))
    languages = [words.language for words in translated.translation_words_of(version)]
    language = request.args.get("lang", SOURCE_LANGUAGE)
    if language not in languages:
        language = SOURCE_LANGUAGE
    return render_template("modules/sheet.html", module=module, version=version, languages=languages,
                           texts=translated.in_language(version, language))


def _translation_language() -> str:
    language = request.args.get("lang", "")
    return language if language in TRANSLATION_LANGUAGES else abort(404)


@bp.route("/<int:module_id>/translation", methods=["GET", "POST"])
@admin_only
def translate(module_id: int):
    """One language's texts of the current version, each field beside the Swedish it translates."""
    module = queries.module_or_404(module_id)
    language = _translation_language()
    version = queries.version_with_steps(module)
    form = translation_form(version, language)
    error = None
    if form.validate_on_submit():
        with catch_refusal() as refused:
            services.save_translation(current_user, module, form.to_words(language))
        if not refused:
            flash(_("The translation is saved."), "success")
            return redirect(url_for(".detail", module_id=module.id))
        error = refused.error
    words = next((w for w in translated.translation_words_of(version) if w.language == language), None)
    return render_template(
        "modules/translate.html", module=module, version=version, form=form, language=language,
        error=error, outdated=_outdated_fields(words),
    ), 422 if form.is_submitted() else 200


def _outdated_fields(words) -> set[str]:
    """The form's field names whose translation is of Swedish that has changed since."""
    if words is None:
        return set()
    found = set(words.outdated)
    found.update(f"steps-{step.number - 1}-{name}" for step in words.steps for name in step.outdated)
    return found


def _render_form(form: ModuleForm, module: Module | None, status: int = 200, error=None):
    """The module form; editing also shows the steps' pictures and whether a save makes a new version."""
    context = {"form": form, "module": module, "error": error, "version": None, "has_ratings": False}
    if module is not None:
        context["version"] = queries.version_with_steps(module)
        context["has_ratings"] = bool(queries.rated_version_ids([context["version"].id]))
    return render_template("modules/edit.html", **context), status


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = module_form(current_user)
    if not form.validate_on_submit():
        return _render_form(form, None, 422 if form.is_submitted() else 200)
    with catch_refusal() as refused:
        module = services.create_module(current_user, form.to_data())
    if refused:
        return _render_form(form, None, 422, refused.error)
    flash(_("The module is saved. You can now add pictures to its steps."), "success")
    return redirect(url_for(".edit", module_id=module.id))


@bp.route("/<int:module_id>/edit", methods=["GET", "POST"])
@admin_only
def edit(module_id: int):
    module = queries.module_or_404(module_id)
    form = module_form(current_user, module)
    if not form.validate_on_submit():
        return _render_form(form, module, 422 if form.is_submitted() else 200)
    with catch_refusal() as refused:
        change = services.update_module(current_user, module, form.to_data())
    if refused:
        return _render_form(form, module, 422, refused.error)
    if change is services.Change.NEW_VERSION:
        flash(_("Saved as version %(number)d. Earlier ratings keep the wording they were given under.",
                number=module.current_version_number), "success")
    else:
        flash(_("The module is saved."), "success")
    return redirect(url_for(".detail", module_id=module.id))


@bp.post("/<int:module_id>/duplicate")
@admin_only
def duplicate(module_id: int):
    copy = services.duplicate_module(current_user, queries.module_or_404(module_id))
    flash(_("This is a copy. Change what differs and save it."), "success")
    return redirect(url_for(".edit", module_id=copy.id))


@bp.post("/<int:module_id>/archive")
@admin_only
def archive(module_id: int):
    module = queries.module_or_404(module_id)
    services.archive_module(current_user, module)
    flash(_("%(title)s is archived. Its history is kept.", title=module.title), "success")
    return redirect(url_for(".detail", module_id=module.id))


@bp.post("/<int:module_id>/unarchive")
@admin_only
def unarchive(module_id: int):
    module = queries.module_or_404(module_id)
    services.unarchive_module(current_user, module)
    flash(_("%(title)s is back in the library.", title=module.title), "success")
    return redirect(url_for(".detail", module_id=module.id))


@bp.get("/export")
@admin_only
def export():
    filename = f"movetrack-modules-{local_today().isoformat()}.json"
    return Response(
        json.dumps(exporting.export_library(), ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/import", methods=["GET", "POST"])
@admin_only
def import_library():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("modules/import.html", form=form), 422 if form.is_submitted() else 200
    try:
        result = importing.import_library(current_user, io.parse_library(form.file.data.read()))
    except io.ImportRejected as rejected:
        return render_template("modules/import.html", form=form, rejected=rejected), 422
    flash(_("The library is imported: %(summary)s", summary=result.summary), "success")
    if result.warnings:
        # One message, cut short: flashed messages travel in the session cookie.
        shown = "; ".join(str(warning) for warning in result.warnings[:MAX_WARNINGS_SHOWN])
        more = len(result.warnings) - MAX_WARNINGS_SHOWN
        flash(_("Skipped: %(warnings)s", warnings=shown)
              + (" " + _("(and %(count)d more)", count=more) if more > 0 else ""), "warning")
    return redirect(url_for(".library"))
