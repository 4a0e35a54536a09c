"""Counting SQL statements: the benchmark's query budgets and the tests' query-count checks."""

from __future__ import annotations

from sqlalchemy import event


class count_queries:
    """Counts the SQL statements run inside the block: `with count_queries() as q: …; q.count`."""

    def __init__(self, engine=None):
        self._engine = engine  # the app's (db.engine) unless given

    def __enter__(self):
        from movetrack.extensions import db

        self.count = 0
        self._engine = self._engine or db.engine
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, *args):
        self.count += 1

    def __exit__(self, *exc):
        event.remove(self._engine, "before_cursor_execute", self._seen)
