"""The day view: a small room that composes attendance (who is expected today, one-tap
check-in), progress (the way into each person's modules) and the follow-ups due."""
