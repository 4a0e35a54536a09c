"""Intake in the three-party meeting, the action plan, and follow-ups with their meeting pack."""
