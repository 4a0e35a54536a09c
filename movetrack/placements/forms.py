"""Forms parse and check the shape of input; the rules live in services.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from movetrack.auth.models import User
from movetrack.clock import local_today
from movetrack.forms import NOT_A_CHOICE, MultiCheckboxField, strip
from movetrack.input import optional_int
from movetrack.org.models import OrderingUnit, Unit
from movetrack.participants.models import Participant
from movetrack.placements import flow
from movetrack.placements.models import (
    OUTCOME_LABELS,
    PLACEMENT_STATUS_LABELS,
    PURPOSE_LABELS,
    TARGET_GROUP_LABELS,
    NeedCategory,
    Placement,
    PlacementStatus,
)
from movetrack.placements.queries import EVERY_STATUS, OPEN
from movetrack.placements.services import (
    BEFORE_START,
    ORDER_LABELS,
    REGISTERED_BY_MISTAKE,
)

NOT_A_DATE = _l("Write the date as year-month-day, for example 2025-03-17.")
# What each status button on a placement's page says: what happened.
WHAT_HAPPENED = {
    "study_visit": _l("A study visit is booked or held"),
    "declined": _l("The order is declined (the unit or the person says no)"),
    "withdrawn": _l("The order is withdrawn by the ordering unit"),
    REGISTERED_BY_MISTAKE: _l("The order was registered by mistake (it counts nowhere)"),
}


def version_number(value) -> int | None:
    """The hidden version a form was built from; anything unreadable counts as unknown
    (and so as changed)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _id_select(label, **kwargs) -> SelectField:
    return SelectField(
        label,
        coerce=optional_int,
        validate_choice=False,
        invalid_value_message=NOT_A_CHOICE,
        **kwargs,
    )


def _date(label, **kwargs) -> DateField:
    return DateField(label, validators=[Optional()], invalid_value_message=NOT_A_DATE, **kwargs)


def _text(label) -> TextAreaField:
    return TextAreaField(label, filters=[strip])


class OrderForm(FlaskForm):
    """An order's details; the person is chosen once, on NewOrderForm."""

    ordering_unit_id = _id_select(_l("Ordering unit"))
    case_worker_id = _id_select(_l("Case worker (optional)"))
    purpose = SelectField(
        _l("Purpose"),
        choices=[SelectChoice("", _l("Choose the purpose"))]
        + [SelectChoice(purpose.value, label) for purpose, label in PURPOSE_LABELS.items()],
        validate_choice=False,
    )
    received_on = _date(_l("Order received on"), default=local_today)
    requested_start = _date(_l("Requested start (optional)"))
    requested_end = _date(_l("Requested end (optional)"))
    need_category_id = _id_select(_l("Need category (optional)"))
    target_groups = MultiCheckboxField(
        _l("Target groups (optional)"),
        choices=[SelectChoice(group.value, label) for group, label in TARGET_GROUP_LABELS.items()],
        validate_choice=False,
    )
    order_note = _text(_l("Note (optional)"))
    version = HiddenField(filters=[version_number])

    def offer(
        self,
        ordering_units: list[OrderingUnit],
        case_workers: list[User],
        categories: list[NeedCategory],
    ) -> None:
        self.ordering_unit_id.choices = [SelectChoice("", _l("Choose the ordering unit"))] + [
            SelectChoice(unit.id, unit.name) for unit in ordering_units
        ]
        self.case_worker_id.choices = [SelectChoice("", _l("No case worker named"))] + [
            SelectChoice(worker.id, worker.name, optgroup=worker.ordering_unit.name)
            for worker in case_workers
        ]
        self.need_category_id.choices = [SelectChoice("", _l("No need category"))] + [
            SelectChoice(category.id, category.name) for category in categories
        ]

    def service_data(self) -> dict:
        return {name: self[name].data for name in (*ORDER_LABELS, "participant_id") if name in self}


class NewOrderForm(OrderForm):
    participant_id = _id_select(_l("Participant"))

    def offer_participants(self, participants: Iterable[Participant], several_units: bool) -> None:
        self.participant_id.choices = [SelectChoice("", _l("Choose the participant"))] + [
            SelectChoice(
                participant.id,
                participant.display_name,
                optgroup=participant.unit.name if several_units else None,
            )
            for participant in participants
        ]


class StatusForm(FlaskForm):
    """What happened before the start: the choices the placement's status allows."""

    to = RadioField(_l("What happened?"), choices=[], validate_choice=False)
    on_date = _date(_l("Date"), default=local_today)
    note = _text(_l("Note (optional)"))
    version = HiddenField(filters=[version_number])

    def offer(self, placement: Placement) -> None:
        allowed = [status.value for status in BEFORE_START if flow.can_move(placement, status)]
        if PlacementStatus.WITHDRAWN in allowed:
            allowed.append(REGISTERED_BY_MISTAKE)
        self.to.choices = [SelectChoice(value, WHAT_HAPPENED[value]) for value in allowed]


class ReopenForm(FlaskForm):
    note = _text(_l("Why is it reopened?"))
    version = HiddenField(filters=[version_number])


class ExitForm(FlaskForm):
    """The exit; exit_form() adds one answer box per question of the unit's interview."""

    end_date = _date(_l("Last day"), default=local_today)
    exit_outcome = SelectField(
        _l("Outcome"),
        choices=[SelectChoice("", _l("Choose the outcome"))]
        + [SelectChoice(outcome.value, label) for outcome, label in OUTCOME_LABELS.items()],
        validate_choice=False,
    )
    note = _text(_l("Note (optional)"))
    version = HiddenField(filters=[version_number])
    questions: ClassVar[tuple[str, ...]] = ()  # set per unit by exit_form()

    def answers(self) -> list:
        return [self[_answer_name(number)] for number in range(len(self.questions))]

    def interview(self) -> dict[str, str | None]:
        return {question: field.data for question, field in zip(self.questions, self.answers(), strict=False)}


def _answer_name(number: int) -> str:
    return f"answer_{number}"


def exit_form(
    questions: list[str], earlier: dict[str, str] | None = None, version: int | None = None
) -> ExitForm:
    """An ExitForm asking these questions, each answer box labelled with its question. A
    first visit passes the version and the answers given before a reopening; a submitted
    form reads only what was posted. A field per question (not a FieldList), so an answer
    always stays with its question."""
    fields = {_answer_name(number): _text(question) for number, question in enumerate(questions)}
    form_class = type("UnitExitForm", (ExitForm,), {**fields, "questions": tuple(questions)})
    earlier = earlier or {}
    answers = {
        _answer_name(number): earlier.get(question) for number, question in enumerate(questions)
    }
    return form_class(data={**answers, "version": version})


class PlacementFilterForm(FlaskForm):
    """The list's filters, from the query string (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    search = SearchField(_l("Search by name"), filters=[strip])
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice(OPEN, _l("Open (ordered to active)")),
            *(
                SelectChoice(status.value, label)
                for status, label in PLACEMENT_STATUS_LABELS.items()
            ),
            SelectChoice(EVERY_STATUS, _l("Every status")),
        ],
        default=OPEN,
        invalid_choice_message=NOT_A_CHOICE,
    )
    unit_id = _id_select(_l("Unit"))
    ordering_unit_id = _id_select(_l("Ordering unit"))

    def offer(self, units: list[Unit], ordering_units: list[OrderingUnit]) -> None:
        self.unit_id.choices = [SelectChoice("", _l("All units"))] + [
            SelectChoice(unit.id, unit.name) for unit in units
        ]
        self.ordering_unit_id.choices = [SelectChoice("", _l("All ordering units"))] + [
            SelectChoice(unit.id, unit.name) for unit in ordering_units
        ]

    def filters(self) -> dict:
        """The valid filters; one that could not be read is left out (and shown as an error)."""
        self.validate()
        return {field.name: field.data for field in self if not field.errors and field.data}


class NeedCategoryForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(_l("Write a name."))])


class EditNeedCategoryForm(NeedCategoryForm):
    active = BooleanField(_l("Offered on new orders"))
