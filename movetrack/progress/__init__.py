"""The supervisor's day view, recording steps, rating history and corrections."""
