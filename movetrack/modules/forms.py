"""The module form (identity, words and exactly ten steps), the library's filters, and import."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from movetrack.auth.models import User
from movetrack.modules import queries
from movetrack.modules.models import (
    AREA_LABELS,
    KIND_LABELS,
    STEP_COUNT,
    Module,
    ModuleKind,
)
from movetrack.modules.queries import LibraryFilter
from movetrack.modules.services import ModuleData, words_of
from movetrack.modules.translated import (
    STEP_FIELDS,
    StepTranslationWords,
    TranslationWords,
    translation_words_of,
)
from movetrack.modules.wording import (
    DESCRIPTION_MAX_LENGTH,
    STEP_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ModuleWords,
    StepWords,
)

TOO_LONG = _l("Keep it under %(max)d characters.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def one_of_the_choices(message, required: bool = True):
    """WTForms' own choice check, with a message that says what to do. Not required, the
    empty choice ("none") is accepted too."""

    def check(form, field):
        offered = {choice.value for choice in field.choices if choice.value}
        if field.data not in offered and (required or field.data):
            raise StopValidation(message)

    return check


def _required_text(label, message, max_length, field_class=TextAreaField):
    return field_class(
        label, filters=[strip], validators=[DataRequired(message), Length(max=max_length, message=TOO_LONG)]
    )


class StepForm(Form):
    """One of the ten steps (a plain Form: the module form carries the CSRF token)."""

    title = _required_text(_l("Title"), _l("Write a short title for the step."), TITLE_MAX_LENGTH, StringField)
    meaning = _required_text(_l("What the step means"), _l("Write what reaching this step means."),
                             STEP_TEXT_MAX_LENGTH)
    todo = _required_text(_l("What to do"), _l("Write what to do at this step."), STEP_TEXT_MAX_LENGTH)
    how = _required_text(_l("How"), _l("Write how to do it."), STEP_TEXT_MAX_LENGTH)


class ModuleForm(FlaskForm):
    title = _required_text(_l("Title"), _l("Write the module's title."), TITLE_MAX_LENGTH, StringField)
    description = TextAreaField(
        _l("Description"), filters=[strip],
        validators=[Optional(), Length(max=DESCRIPTION_MAX_LENGTH, message=TOO_LONG)],
    )
    area = SelectField(
        _l("Module area"), validate_choice=False, validators=[one_of_the_choices(_l("Choose the module's area."))]
    )
    kind = RadioField(
        _l("Kind of module"),
        choices=[SelectChoice(kind.value, KIND_LABELS[kind]) for kind in ModuleKind],
        validate_choice=False,
        validators=[one_of_the_choices(_l("Choose overview or training module."))],
    )
    parent = SelectField(
        _l("Part of (parent module)"),
        validate_choice=False,
        validators=[one_of_the_choices(
            _l("Choose a module from the list. A module cannot be part of itself or of its own parts."),
            required=False,
        )],
    )
    workstations = SelectMultipleField(_l("Workstations"), coerce=int)
    steps = FieldList(FormField(StepForm), min_entries=STEP_COUNT, max_entries=STEP_COUNT)

    def to_data(self) -> ModuleData:
        return ModuleData(
            area_key=self.area.data,
            kind=ModuleKind(self.kind.data),
            parent_id=int(self.parent.data) if self.parent.data else None,
            workstation_ids=tuple(self.workstations.data or ()),
            words=ModuleWords(
                title=self.title.data,
                description=self.description.data or "",
                steps=tuple(
                    StepWords(number, step.title.data, step.meaning.data, step.todo.data, step.how.data)
                    for number, step in enumerate((entry.form for entry in self.steps), start=1)
                ),
            ),
        )

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id, message) for every error, in page order, for the list at the top."""
        summary = []
        for field in self:
            if field.name == "steps":
                for number, entry in enumerate(self.steps, start=1):
                    for sub in entry.form:
                        summary.extend(
                            (sub.id, _l("Step %(number)d, %(field)s: %(error)s",
                                        number=number, field=sub.label.text, error=error))
                            for error in sub.errors
                        )
            elif field.errors:
                summary.extend((field.id, f"{field.label.text}: {error}") for error in field.errors)
        return summary


def _initial(module: Module | None) -> dict:
    if module is None:
        return {"kind": ModuleKind.TRAINING.value}
    words = words_of(queries.version_with_steps(module))
    return {
        "title": words.title,
        "description": words.description,
        "area": module.area.key,
        "kind": module.kind.value,
        "parent": str(module.parent_id or ""),
        "workstations": [workstation.id for workstation in module.workstations],
        "steps": [
            {"title": s.title, "meaning": s.meaning, "todo": s.todo, "how": s.how} for s in words.steps
        ],
    }


def module_form(user: User, module: Module | None = None) -> ModuleForm:
    """The form with its choices; filled from the module, or from what was posted."""
    form = ModuleForm(data=None if request.method == "POST" else _initial(module))
    form.area.choices = [SelectChoice("", _l("Choose an area"))] + [
        SelectChoice(area.key, AREA_LABELS[area.key]) for area in queries.areas()
    ]
    form.parent.choices = [SelectChoice("", _l("None: a module of its own"))] + [
        SelectChoice(str(candidate.id), candidate.title, optgroup=candidate.area.label)
        for candidate in queries.parent_candidates(module)
    ]
    linked = [workstation.id for workstation in module.workstations] if module else []
    form.workstations.choices = [
        SelectChoice(workstation.id, workstation.name, optgroup=workstation.unit.name)
        for workstation in queries.workstations(user.organisation_id, also=linked)
    ]
    return form


class LibraryFilterForm(Form):
    """The library's search and filters: a GET form, so links to a filtered library work."""

    # A search longer than any title could be matches nothing, and SQLite refuses a LIKE
    # pattern past 50,000 bytes: it is named as too long instead (the fuzz test sent 100 kB).
    q = SearchField(_l("Search by title"), filters=[strip], validators=[Length(max=TITLE_MAX_LENGTH, message=TOO_LONG)])
    area = SelectField(_l("Area"), default="")
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("All kinds"))]
        + [SelectChoice(kind.value, KIND_LABELS[kind]) for kind in ModuleKind],
        default="",
    )
    workstation = SelectField(_l("Workstation"), default="")
    archived = BooleanField(_l("Show archived modules"))

    def to_filter(self, may_see_archived: bool) -> LibraryFilter:
        """The filter to apply; a value that is not one of the choices is ignored."""
        self.validate()

        def valid(field):
            return None if field.errors or not field.data else field.data

        kind, workstation = valid(self.kind), valid(self.workstation)
        return LibraryFilter(
            text=valid(self.q) or "",
            area_key=valid(self.area),
            kind=ModuleKind(kind) if kind else None,
            workstation_id=int(workstation) if workstation else None,
            include_archived=may_see_archived and bool(self.archived.data),
        )


def library_filter_form(user: User) -> LibraryFilterForm:
    form = LibraryFilterForm(request.args)
    form.area.choices = [SelectChoice("", _l("All areas"))] + [
        SelectChoice(area.key, AREA_LABELS[area.key]) for area in queries.areas()
    ]
    form.workstation.choices = [SelectChoice("", _l("All workstations"))] + [
        SelectChoice(str(workstation.id), workstation.name, optgroup=workstation.unit.name)
        for workstation in queries.workstations(user.organisation_id)
    ]
    return form


class ImportForm(FlaskForm):
    file = FileField(_l("Library file (JSON)"), validators=[FileRequired(_l("Choose a file to import."))])


# --- translations ------------------------------------------------------------------------


def _optional_text(label, max_length, field_class=TextAreaField):
    """A translated text: may be left empty (readers then get the Swedish)."""
    return field_class(label, filters=[strip],
                       validators=[Optional(), Length(max=max_length, message=TOO_LONG)])


class StepTranslationForm(Form):
    title = _optional_text(_l("Title"), TITLE_MAX_LENGTH, StringField)
    meaning = _optional_text(_l("What the step means"), STEP_TEXT_MAX_LENGTH)
    todo = _optional_text(_l("What to do"), STEP_TEXT_MAX_LENGTH)
    how = _optional_text(_l("How"), STEP_TEXT_MAX_LENGTH)


class TranslationForm(FlaskForm):
    title = _optional_text(_l("Title"), TITLE_MAX_LENGTH, StringField)
    description = _optional_text(_l("Description"), DESCRIPTION_MAX_LENGTH)
    checked = BooleanField(_l("Someone who reads the language well has checked this translation"))
    steps = FieldList(FormField(StepTranslationForm), min_entries=STEP_COUNT, max_entries=STEP_COUNT)

    def to_words(self, language: str) -> TranslationWords:
        return TranslationWords(
            language=language,
            title=self.title.data or "",
            description=self.description.data or "",
            checked=bool(self.checked.data),
            steps=tuple(
                StepTranslationWords(number, **{name: entry.form[name].data or "" for name in STEP_FIELDS})
                for number, entry in enumerate(self.steps, start=1)
            ),
        )

    error_summary = ModuleForm.error_summary


def translation_form(version, language: str) -> TranslationForm:
    """The form for one language of the version, filled from it, or from what was posted."""
    if request.method == "POST":
        return TranslationForm()
    words = next((w for w in translation_words_of(version) if w.language == language), None)
    steps = {step.number: step for step in words.steps} if words else {}
    return TranslationForm(data={
        "title": words.title if words else "",
        "description": words.description if words else "",
        "checked": words.checked if words else False,
        "steps": [
            {name: getattr(steps[number], name) if number in steps else "" for name in STEP_FIELDS}
            for number in range(1, STEP_COUNT + 1)
        ],
    })
