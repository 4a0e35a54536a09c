"""the audit log is immutable: triggers refuse UPDATE and DELETE on audit_events

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 04:20:00

"""
import importlib.util
from pathlib import Path

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _migration(filename: str):
    """Another migration's module, loaded by path: migration files are not importable by name."""
    path = Path(__file__).with_name(filename)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# 0011's append-only triggers (0001's, aimed at a table by name): one definition of
# "append-only" for ratings, self-ratings, quality answers and now the audit log. Who read
# or changed what stays told: nothing in the app, nor a stray UPDATE, can rewrite it.
_APPEND_ONLY = _migration("0011_participant_sign_in.py")


def upgrade():
    _APPEND_ONLY._append_only("audit_events")


def downgrade():
    _APPEND_ONLY._drop_append_only("audit_events")
