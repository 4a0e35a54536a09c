"""The statistics page, its printable form (print CSS) and its CSV export. Admins,
supervisors and case workers, each within their aggregate scope (auth/policy/statistics.py)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import orm

from movetrack.attendance.export import spreadsheet_csv
from movetrack.auth.policy import Kind, Principal, allowed, hides_small_numbers, units_in_scope
from movetrack.clock import local_today
from movetrack.extensions import db
from movetrack.org.models import OrderingUnit, Unit, Workstation
from movetrack.placements.models import NeedCategory
from movetrack.stats import charts, figures
from movetrack.stats.forms import StatsForm
from movetrack.stats.grouping import Table
from movetrack.stats.period import shortcuts
from movetrack.stats.present import (
    column_labels,
    exported,
    row_label,
    shown,
    table_title,
)
from movetrack.stats.suppression import hide_small_numbers

bp = Blueprint("stats", __name__, url_prefix="/statistics")
stats_roles = allowed("see", Kind.STATISTICS)


def _options(user) -> dict:
    """What the filters offer: the organisation's ordering units (a case worker: their
    own), the units (a supervisor: their own), their workstations, the need categories."""
    org = user.organisation_id
    ordering_units = sa.select(OrderingUnit).where(OrderingUnit.organisation_id == org)
    principal = Principal.of(user)
    if principal.is_case_worker:
        ordering_units = ordering_units.where(OrderingUnit.id == user.ordering_unit_id)
    # Staff filter by their own units; a case worker by any unit their people may be in.
    units = units_in_scope(principal) if principal.is_staff else list(db.session.scalars(
        sa.select(Unit).where(Unit.organisation_id == org).order_by(Unit.name)
    ))
    return {
        "ordering_units": list(db.session.scalars(ordering_units.order_by(OrderingUnit.name))),
        "units": units,
        "workstations": list(db.session.scalars(
            sa.select(Workstation).where(Workstation.unit_id.in_([u.id for u in units]))
            .options(orm.joinedload(Workstation.unit))
            .order_by(Workstation.unit_id, Workstation.name)
        )),
        "need_categories": list(db.session.scalars(
            sa.select(NeedCategory).where(NeedCategory.organisation_id == org)
            .order_by(NeedCategory.name)
        )),
    }


def _chosen():
    today = local_today()
    form = StatsForm(formdata=request.args)
    form.offer(**_options(current_user))
    presets = shortcuts(today)
    return form, form.chosen(today, default=dict(presets)["this_year"]), presets, today


def _report(period, filters, today) -> tuple[figures.Report, int, bool]:
    report = figures.report(current_user, period, filters, today)
    threshold = current_app.config["STATS_MIN_CELL"]
    hidden = hides_small_numbers(current_user)
    if hidden:
        hide_small_numbers(report.tables(), threshold)
    return report, threshold, hidden


@bp.get("/")
@stats_roles
def index():
    form, chosen, presets, today = _chosen()
    context = {"form": form, "presets": presets, "today": today}
    if chosen is None:
        return render_template("stats/index.html", report=None, **context), 422
    report, threshold, hidden = _report(*chosen, today)

    def text(cell, kind="count"):
        return shown(cell, kind, threshold)

    tables = [_table_view(table, text) for table in report.tables()]
    months = [row_label(report.series[0], row) for row in report.series[0].rows
              if not row.is_total]
    return render_template(
        "stats/index.html",
        report=report,
        tables={view["key"]: view for view in tables},
        columns=column_labels(),
        series_chart=charts.series_chart(report.series, months, text),
        flow_chart=charts.flow_chart(_flow_steps(report), text),
        threshold=threshold,
        small_numbers_hidden=hidden,
        csv_args=request.args.to_dict(),
        **context,
    )


def _table_view(table: Table, text) -> dict:
    return {
        "key": table.key,
        "title": table_title(table),
        "rows": [
            {"label": row_label(table, row), "cells": [text(c, row.kind) for c in row.cells],
             "is_total": row.is_total}
            for row in table.rows
        ],
        "meta": table.meta,
    }


def _flow_steps(report: figures.Report) -> list:
    flow = report.flow
    outcomes = [row for row in report.outflow_by_outcome.rows
                if not row.is_total and (row.cells[0].value or row.cells[0].hidden)]
    return [
        (row_label(flow, flow.row("inflow")), flow.row("inflow").cells[0], False),
        (row_label(flow, flow.row("starts")), flow.row("starts").cells[0], False),
        (row_label(flow, flow.row("outflow")), flow.row("outflow").cells[0], False),
    ] + [(row_label(report.outflow_by_outcome, row), row.cells[0], True) for row in outcomes]


@bp.get("/export.csv")
@stats_roles
def export():
    """Every table of the page, one after the other, with the same hidden cells. Swedish
    Excel by default (semicolons, decimal commas); `language=en` for English headings,
    commas and decimal points."""
    form, chosen, presets, today = _chosen()
    if chosen is None:
        return render_template("stats/index.html", report=None, form=form, presets=presets,
                               today=today), 422
    english = request.args.get("language") == "en"
    report, threshold, hidden = _report(*chosen, today)
    with force_locale("en" if english else "sv"):
        rows = list(_csv_rows(report, threshold, hidden, decimal_comma=not english))
    period = chosen[0]
    filename = f"statistics-{period.first}-{period.last}{'-en' if english else ''}.csv"
    return Response(
        spreadsheet_csv(rows, swedish=not english),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_rows(report: figures.Report, threshold: int, hidden: bool, decimal_comma: bool):
    yield [_("Period"), report.period.first.isoformat(), report.period.last.isoformat()]
    if hidden:
        yield [_("Cells describing 1 to %(n)s people show <%(threshold)s; × hides a cell "
                 "that would let a hidden one be worked out.", n=threshold - 1,
                 threshold=threshold)]
    header = [""] + column_labels()
    for table in report.tables():
        yield []
        yield [table_title(table)]
        yield header
        for row in table.rows:
            yield [row_label(table, row)] + [
                exported(cell, row.kind, threshold, decimal_comma) for cell in row.cells
            ]
