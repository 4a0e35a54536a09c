"""The statistics page's choices, read from the query string (a GET form: no CSRF)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from movetrack.attendance.forms import NOT_A_CHOICE, optional_int
from movetrack.org.models import OrderingUnit, Unit, Workstation
from movetrack.participants.models import GENDER_LABELS
from movetrack.placements.models import TARGET_GROUP_LABELS, NeedCategory
from movetrack.stats.grouping import AGE_BANDS
from movetrack.stats.period import MAX_YEARS, Filters, Period
from movetrack.stats.present import AGE_BAND_LABELS

ANY = _l("Any")


def _choice(label) -> SelectField:
    return SelectField(label, coerce=optional_int, invalid_value_message=NOT_A_CHOICE,
                       invalid_choice_message=NOT_A_CHOICE)


def _optional_code(value) -> str:
    return value or ""


def _code_choice(label) -> SelectField:
    return SelectField(label, coerce=_optional_code, default="",
                       invalid_choice_message=NOT_A_CHOICE)


class StatsForm(FlaskForm):
    class Meta:
        csrf = False

    first = DateField(_l("First day"), validators=[Optional()],
                      render_kw={"autocomplete": "off"})
    last = DateField(_l("Last day"), validators=[Optional()],
                     render_kw={"autocomplete": "off"})
    ordering_unit = _choice(_l("Ordering unit"))
    unit = _choice(_l("Unit"))
    workstation = _choice(_l("Workstation"))
    gender = _code_choice(_l("Gender"))
    age_band = _code_choice(_l("Age band"))
    need_category = _choice(_l("Need category"))
    target_group = _code_choice(_l("Target group"))

    def offer(self, ordering_units: list[OrderingUnit], units: list[Unit],
              workstations: list[Workstation], need_categories: list[NeedCategory]) -> None:
        def ids(rows, label=lambda row: row.name):
            return [SelectChoice("", ANY)] + [SelectChoice(row.id, label(row)) for row in rows]

        def codes(labels):
            return [SelectChoice("", ANY)] + [
                SelectChoice(str(code), label) for code, label in labels.items()
            ]

        self.ordering_unit.choices = ids(ordering_units)
        self.unit.choices = ids(units)
        self.workstation.choices = ids(workstations, lambda w: f"{w.name} ({w.unit.name})")
        self.need_category.choices = ids(need_categories)
        self.gender.choices = codes(GENDER_LABELS)
        self.age_band.choices = codes({band: AGE_BAND_LABELS[band] for band in AGE_BANDS})
        self.target_group.choices = codes(TARGET_GROUP_LABELS)

    def chosen(self, today: dt.date, default: Period) -> tuple[Period, Filters] | None:
        """(period, filters), or None with the errors set. No dates: `default`."""
        if not self.validate():
            return None
        first = self.first.data or default.first
        last = self.last.data or (default.last if not self.first.data else today)
        if last > today:
            self.last.errors = [_l("The period cannot end after today.")]
        elif first > last:
            self.last.errors = [_l("The last day cannot be before the first day.")]
        elif last.year - first.year > MAX_YEARS:
            self.last.errors = [_l("Choose a period of at most %(years)s years.", years=MAX_YEARS)]
        if self.last.errors:
            return None
        self.first.data, self.last.data = first, last  # the form shows the period shown
        return Period(first, last), Filters(
            ordering_unit_id=self.ordering_unit.data,
            unit_id=self.unit.data,
            workstation_id=self.workstation.data,
            gender=self.gender.data or None,
            age_band=self.age_band.data or None,
            need_category_id=self.need_category.data,
            target_group=self.target_group.data or None,
        )
