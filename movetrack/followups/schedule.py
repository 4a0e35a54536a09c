"""A unit's follow-up schedule as text ("3w, 2m, 3m, every 3m") and the dates it gives.

Stored canonically in English letters (UnitSettings.follow_up_schedule holds ["3w", "2m",
"3m", "every 3m"]); typed in Swedish too ("3v", "var 3m"), since Swedish is the default
language of the screens. Fixed offsets count from the start date; a repeating one gives
every multiple of its interval, counted from the start, that falls after the last fixed
one, up to a limit (MOVE.md §4: 3 weeks, 2 months, 3 months, then every 3 months).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, pgettext

from movetrack.i18n import lazy_text
from movetrack.rules import RuleViolation

DEFAULT_SCHEDULE = ("3w", "2m", "3m", "every 3m")
MAX_ENTRIES = 20
MAX_AMOUNT = 99
# Typed letter → canonical unit: days, weeks (v = vecka), months (mån = månad).
UNIT_LETTERS = {"d": "d", "w": "w", "v": "w", "m": "m", "mån": "m"}
REPEAT_WORDS = ("every", "var", "varje")
_ENTRY = re.compile(
    rf"^(?:(?P<repeat>{'|'.join(REPEAT_WORDS)})\s*)?(?P<amount>\d+)\s*(?P<unit>mån|[dwvm])$"
)
AFTER_EXIT_MONTHS = 3
AFTER_EXIT_LABEL = "3 months after exit"  # stored; shown translated by label_text()
_LABEL = re.compile(r"^(?P<amount>\d+) (?P<unit>day|week|month)s?(?P<after_exit> after exit)?$")
LABEL_UNITS = {"d": "day", "w": "week", "m": "month"}


@dataclass(frozen=True, order=True)
class Offset:
    amount: int
    unit: str  # "d", "w" or "m"

    @property
    def code(self) -> str:
        return f"{self.amount}{self.unit}"

    def after(self, start: dt.date, times: int = 1) -> dt.date:
        amount = self.amount * times
        if self.unit == "m":
            return add_months(start, amount)
        return start + dt.timedelta(days=amount * (7 if self.unit == "w" else 1))

    @property
    def label(self) -> str:
        """The stored label, in English ("3 weeks"); label_text() translates it."""
        word = LABEL_UNITS[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class Schedule:
    fixed: tuple[Offset, ...]
    every: Offset | None

    @property
    def codes(self) -> list[str]:
        """As stored in UnitSettings.follow_up_schedule."""
        codes = [offset.code for offset in self.fixed]
        return codes + ([f"every {self.every.code}"] if self.every else [])

    def dates(self, start: dt.date, repeat_until: dt.date) -> list[tuple[str, dt.date]]:
        """(label, due date) of every follow-up: the fixed ones always, the repeating ones
        up to `repeat_until` inclusive."""
        due = [(offset.label, offset.after(start)) for offset in self.fixed]
        if self.every:
            last_fixed = due[-1][1] if due else start
            times = 1
            while (day := self.every.after(start, times)) <= repeat_until:
                if day > last_fixed:
                    due.append((Offset(self.every.amount * times, self.every.unit).label, day))
                times += 1
        return due


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or the month's last day (31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def _not_an_entry(entry: str) -> RuleViolation:
    return RuleViolation(
        lazy_text(
            "“%(entry)s” is not a follow-up time. Write a number and d (days), w (weeks) or "
            "m (months), such as 3w or 2m, and “every 3m” for one that repeats.",
            entry=entry,
        ),
        field="follow_up_schedule",
    )


def _parsed_entry(entry: str) -> tuple[bool, Offset]:
    match = _ENTRY.match(entry.lower())
    if not match:
        raise _not_an_entry(entry)
    amount = int(match["amount"])
    if not 1 <= amount <= MAX_AMOUNT:
        raise RuleViolation(
            lazy_text("“%(entry)s”: use a number from 1 to %(max)d.", entry=entry, max=MAX_AMOUNT),
            field="follow_up_schedule",
        )
    return bool(match["repeat"]), Offset(amount, UNIT_LETTERS[match["unit"]])


def _days(offset: Offset) -> float:
    """Roughly how far away, only to check that the entries come in order."""
    return offset.amount * {"d": 1, "w": 7, "m": 30.44}[offset.unit]


def parse(text: str | list[str] | tuple[str, ...]) -> Schedule:
    """The schedule from text ("3w, 2m, 3m, every 3m"; commas, semicolons or new lines
    between entries) or from stored codes. Raises RuleViolation with a message naming
    the entry that is wrong."""
    entries = text if isinstance(text, list | tuple) else re.split(r"[,;\n]+", text or "")
    entries = [entry.strip() for entry in entries if entry.strip()]
    if not entries:
        raise RuleViolation(
            _l("Write at least one follow-up time, such as 3w."), field="follow_up_schedule"
        )
    if len(entries) > MAX_ENTRIES:
        raise RuleViolation(
            _l("Write at most %(count)d follow-up times.", count=MAX_ENTRIES),
            field="follow_up_schedule",
        )
    fixed: list[Offset] = []
    every = None
    for entry in entries:
        repeats, offset = _parsed_entry(entry)
        if every:
            raise RuleViolation(
                _l("Put the repeating follow-up (“%(entry)s”) last.", entry=f"every {every.code}"),
                field="follow_up_schedule",
            )
        if repeats:
            every = offset
        elif fixed and _days(offset) <= _days(fixed[-1]):
            raise RuleViolation(
                lazy_text("Write the follow-up times in order, earliest first: “%(entry)s” comes "
                          "too late.", entry=entry),
                field="follow_up_schedule",
            )
        else:
            fixed.append(offset)
    return Schedule(tuple(fixed), every)


def text_of(codes: list[str] | tuple[str, ...]) -> str:
    """Stored codes as the settings form shows them, in the reader's language ("3v, 2m,
    var 3m" on a Swedish screen); parse() reads either language back."""
    return ", ".join(_code_text(code) for code in codes)


def _code_text(code: str) -> str:
    repeats = code.startswith("every ")
    offset = code.removeprefix("every ")
    amount, unit = offset[:-1], offset[-1]
    letters = {  # written out so the extractor finds each one
        "d": pgettext("follow-up schedule unit", "d"),
        "w": pgettext("follow-up schedule unit", "w"),
        "m": pgettext("follow-up schedule unit", "m"),
    }
    text = amount + letters[unit]
    every = pgettext("follow-up schedule", "every")
    return f"{every} {text}" if repeats else text


def label_text(label: str) -> str:
    """A stored label ("3 weeks", "6 months", "3 months after exit") in the reader's
    language; a label in any other shape is shown as stored."""
    match = _LABEL.match(label or "")
    form = match and _LABEL_FORMS.get((match["unit"], bool(match["after_exit"])))
    return form(int(match["amount"])) if form else label


_LABEL_FORMS = {
    ("day", False): lambda n: ngettext("%(num)d day", "%(num)d days", n),
    ("week", False): lambda n: ngettext("%(num)d week", "%(num)d weeks", n),
    ("month", False): lambda n: ngettext("%(num)d month", "%(num)d months", n),
    ("month", True): lambda n: ngettext(
        "%(num)d month after exit", "%(num)d months after exit", n
    ),
}
