"""What the day view asks the service worker to keep for the day: its own page and the
step pickers of the people scheduled today, under one key per user, unit, language and
day, so a tablet never keeps another unit's or another day's pages."""

from __future__ import annotations

import datetime as dt

from flask import url_for

from movetrack.attendance.roster import DayRoster
from movetrack.media.pictograms import current_locale
from movetrack.org.models import Unit
from movetrack.progress.queries import active_assignment_ids


def day_key(user_id: int, unit: Unit, day: dt.date) -> str:
    """Ends with the day (the worker shows only today's); the language is in it so that
    switching language keeps the pages again in the new one."""
    return f"u{user_id}-unit{unit.id}-{current_locale()}-{day.isoformat()}"


def pages_for_the_day(unit: Unit, roster: DayRoster) -> list[str]:
    """The day view, and for each person scheduled today their modules and step pickers."""
    people = [entry.participant.id for entry in roster.scheduled]
    assignments = active_assignment_ids(people)
    urls = [url_for("day.unit_day", unit_id=unit.id)]
    for participant_id in people:
        urls.append(url_for("progress.participant_modules", participant_id=participant_id))
        urls += [url_for("progress.assignment", assignment_id=assignment_id)
                 for assignment_id in assignments.get(participant_id, [])]
    return urls
