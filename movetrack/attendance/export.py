"""How attendance is written out: one-letter day codes, and the monthly report as CSV for
Swedish Excel (UTF-8 with a byte order mark so å, ä and ö survive; semicolons between
fields and decimal commas, as Excel expects in a Swedish locale)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from flask_babel import pgettext

from movetrack.attendance.models import AttendanceStatus
from movetrack.attendance.queries import Month
from movetrack.attendance.report import ReportDay, ReportSection

# A cell starting with one of these is a formula to a spreadsheet: a name such as
# "=HYPERLINK(…)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def status_code(status: AttendanceStatus) -> str:
    """The short code of a status in the report's day grid (the legend spells them out)."""
    return {
        AttendanceStatus.PRESENT: pgettext("attendance code", "P"),
        AttendanceStatus.PARTLY: pgettext("attendance code", "Pt"),
        AttendanceStatus.SICK: pgettext("attendance code", "S"),
        AttendanceStatus.VALID_REASON: pgettext("attendance code", "V"),
        AttendanceStatus.UNANNOUNCED: pgettext("attendance code", "U"),
    }[status]


def missing_code() -> str:
    """A scheduled day that has come and has no record."""
    return pgettext("attendance code", "?")


def day_code(day: ReportDay) -> str:
    if day.kind == "recorded":
        return status_code(day.record.status)
    return missing_code() if day.kind == "missing" else ""


def spreadsheet_csv(rows: Iterable[list], swedish: bool = True) -> str:
    """Rows as CSV with a byte order mark: semicolons for Swedish Excel (which reads
    decimal commas), commas otherwise. Callers format decimals and pass names through
    safe_text."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, delimiter=";" if swedish else ",", lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def report_csv(sections: list[ReportSection], month: Month) -> str:
    return spreadsheet_csv(_report_rows(sections, month))


def _report_rows(sections: list[ReportSection], month: Month) -> Iterator[list]:
    yield (
        [
            _("Ordering unit"), _("Unit"), _("Participant"), _("Scheduled days"),
            _("Present, whole day"), _("Partly present, days"), _("Partly present, hours"),
            _("Absent, sick"), _("Absent, valid reason"), _("Absent, unannounced"),
            _("Not recorded"), _("Attendance rate (%)"), _("Consent to share attendance"),
        ]
        + [str(day.day) for day in month.days()]
    )
    for section in sections:
        for row in section.rows:
            figures = row.figures
            yield (
                [
                    safe_text(section.ordering_unit.name),
                    safe_text(row.placement.unit.name),
                    safe_text(row.placement.participant.name),
                    figures.scheduled_days,
                    figures.full_days,
                    figures.partly_days,
                    _decimal(figures.partly_hours),
                    figures.sick_days,
                    figures.valid_reason_days,
                    figures.unannounced_days,
                    figures.unrecorded_days,
                    "" if figures.rate is None else _decimal(100 * figures.rate),
                    _("Yes") if row.consents else _("No"),
                ]
                + [day_code(day) for day in row.days]
            )


def safe_text(value: str) -> str:
    """Text a spreadsheet keeps as text (a leading = + - @ would start a formula)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _decimal(value: float) -> str:
    """One decimal at most, with a decimal comma: 85.714 → "85,7", 4.0 → "4"."""
    return f"{value:.1f}".removesuffix(".0").replace(".", ",")
