"""Placements from order to exit: orders, consent, intake, action plan, follow-ups,
attendance and outcomes (MOVE.md §4)."""
