"""Attendance: the group check-in on the tablet, rates, and the monthly report."""
