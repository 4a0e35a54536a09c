"""The statistics room: flow figures for ordering units and managers (MOVE.md §5),
computed in the database, scoped by role, with small numbers hidden from case workers."""
