"""The day view itself, rendered for the day room's pages and for the check-in that
answers with it (attendance/routes.py), so no route imports another room's route."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from movetrack import audit
from movetrack.attendance.models import ATTENDANCE_LABELS
from movetrack.attendance.roster import day_roster
from movetrack.auth.policy import units_in_scope
from movetrack.clock import local_today
from movetrack.followups.queries import due_for_unit
from movetrack.input import query_int
from movetrack.mypages.queries import participants_with_a_gap
from movetrack.offline.pages import day_key, pages_for_the_day
from movetrack.org.models import Unit
from movetrack.placements.models import PLACEMENT_STATUS_LABELS


def render_unit_day(unit: Unit, feedback: dict | None = None, status: int = 200):
    """The day view: who is expected today, with a one-tap check-in each, then everyone
    else in the unit. `feedback` ({placement id: (problem, form)}) shows a check-in that
    could not be saved beside its person, with what was typed (when JavaScript is off)."""
    today = local_today()
    roster = day_roster(current_user, unit, today)
    feedback = feedback or {}
    people = [entry.participant.id for entry in roster.scheduled] + [other.participant.id for other in roster.others]
    due_follow_ups = due_for_unit(current_user, unit)
    audit.record_read(current_user, people + [due.participant.id for due in due_follow_ups])
    return render_template(
        "day/day.html",
        unit=unit,
        units=units_in_scope(current_user),
        roster=roster,
        today=today,
        feedback=feedback,
        # The tile whose "Other…" was followed without JavaScript: drawn with its menu open.
        open_tile=query_int("other"),
        # A tap refused for someone no longer expected today (their schedule changed
        # meanwhile) has no tile to show its message beside: it goes at the top.
        unplaced_problems=[
            problem for placement_id, (problem, _form) in feedback.items()
            if roster.entry(placement_id) is None
        ],
        due_follow_ups=due_follow_ups,
        # Own rating and staff's apart: flagged for the next conversation.
        gaps=participants_with_a_gap(people),
        offline_day=day_key(current_user.id, unit, today),
        offline_pages=pages_for_the_day(unit, roster),
        ATTENDANCE_LABELS=ATTENDANCE_LABELS,
        PLACEMENT_STATUS_LABELS=PLACEMENT_STATUS_LABELS,
    ), status
