"""The organisation: units, their workstations, and the units that order places."""
