"""Coordinator's administration: users, units, workstations, ordering units."""
