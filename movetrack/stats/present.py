"""How the figures read: titles, row and column labels, and each cell as text (on the page,
in Swedish Excel's CSV, or in plain English CSV), hidden cells included."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import lazy_gettext as _l

from movetrack.modules.models import AREA_LABELS
from movetrack.participants.models import GENDER_LABELS
from movetrack.placements.models import OUTCOME_LABELS
from movetrack.stats.grouping import (
    AGE_NOT_STATED,
    COLUMNS,
    FROM_25,
    UNDER_25,
    Cell,
    Row,
    Table,
)
from movetrack.stats.suppression import COMPLEMENT

AGE_BAND_LABELS = {
    UNDER_25: _l("Under 25"),
    FROM_25: _l("25 and over"),
    AGE_NOT_STATED: _l("Age not stated"),
}
TABLE_TITLES = {
    "flow": _l("Inflow, starts and outflow"),
    "outflow_by_outcome": _l("Ended in the period, by exit outcome"),
    "series_inflow": _l("Orders received per month"),
    "series_outflow": _l("Placements ended per month"),
    "series_active": _l("Active at the end of each month"),
    "lead_time": _l("Lead time: days from order to start, for placements started in the period"),
    "time_in_activity": _l("Time in activity: days from start to end, for placements ended in the period"),
    "moved_up": _l("Moved up at least one step in the last three months"),
    "gain_by_area": _l("Mean step gain per module area"),
    "gain_direction": _l("Modules that increased, stayed the same or decreased"),
    "attendance": _l("Attendance in the period"),
    "after_exit": _l("Three months after exit: what the person is doing, for placements ended in the period"),
}
ROW_LABELS = {
    "inflow": _l("Orders received (inflow)"),
    "starts": _l("Placements started"),
    "outflow": _l("Placements ended (outflow)"),
    "share_to_work_or_studies": _l("Share of those ended who went to work, subsidised employment or studies"),
    "active_at_end": _l("Active on the period's last day"),
    "median": _l("Median"),
    "p90": _l("90th percentile (nearest rank)"),
    "share_moved_up": _l("Share who moved up"),
    "moved_up": _l("Moved up at least one step"),
    "not_moved_up": _l("Did not move up"),
    "with_modules": _l("Active on the last day with at least one module"),
    "increased": _l("Increased"),
    "same": _l("Same"),
    "decreased": _l("Decreased"),
    "rate": _l("Attendance rate"),
    "present_days": _l("Days present, fully or partly"),
    "scheduled_days": _l("Days scheduled"),
    "total": _l("All"),
}


def column_labels() -> list[str]:
    labels = {"total": _l("All")} | {
        str(gender): label for gender, label in GENDER_LABELS.items()
    } | AGE_BAND_LABELS
    return [str(labels[group]) for _, group in COLUMNS]


def table_title(table: Table) -> str:
    return str(TABLE_TITLES[table.key])


def row_label(table: Table, row: Row) -> str:
    if table.key.startswith("series_") and not row.is_total:
        day = dt.date.fromisoformat(row.key)
        return format_date(day, "LLLL yyyy")
    if table.key == "series_inflow" and row.is_total or table.key == "series_outflow" and row.is_total:
        return str(_l("Whole period"))
    if table.key in ("outflow_by_outcome", "after_exit") and not row.is_total:
        return str(OUTCOME_LABELS[row.key])
    if table.key == "gain_by_area":
        return str(AREA_LABELS[row.key])
    return str(ROW_LABELS[row.key])


def hidden_mark(cell: Cell, threshold: int) -> str:
    return "×" if cell.hidden == COMPLEMENT else f"<{threshold}"


def shown(cell: Cell, kind: str, threshold: int) -> str:
    """The cell as the page shows it, in the reader's language."""
    if cell.hidden:
        return hidden_mark(cell, threshold)
    if cell.value is None:
        return "–"
    if kind in ("share", "rate"):
        return format_percent(cell.value, "#,##0.#%")
    if kind in ("days", "mean"):
        return format_decimal(round(cell.value, 1), "#,##0.#")
    return format_decimal(cell.value, "#,##0")


def exported(cell: Cell, kind: str, threshold: int, decimal_comma: bool) -> str:
    """The cell for a spreadsheet: plain numbers (shares as percent), no grouping."""
    if cell.hidden:
        return hidden_mark(cell, threshold)
    if cell.value is None:
        return ""
    value = 100 * cell.value if kind in ("share", "rate") else cell.value
    text = f"{value:.1f}".removesuffix(".0") if isinstance(value, float) else str(value)
    return text.replace(".", ",") if decimal_comma else text
