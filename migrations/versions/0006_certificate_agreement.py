"""certificates record the participant's agreement to what they show

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-30 00:45:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None

AGREEMENT_COLUMNS = ("agreement_recorded_at", "agreement_recorded_by_id")


def _frozen_triggers():
    """0002's trigger builder (one definition of what "frozen" means), loaded by path:
    migration files are not importable by name."""
    path = Path(__file__).with_name("0002_certificates.py")
    spec = importlib.util.spec_from_file_location("certificates_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _remake_triggers(frozen_columns):
    triggers = _frozen_triggers()
    triggers.FROZEN_COLUMNS = frozen_columns
    triggers.make_certificates_frozen()


def upgrade():
    triggers = _frozen_triggers()
    # SQLite's batch mode copies the table, and the triggers would refuse nothing new:
    # drop them, add the columns, and freeze the agreement along with everything else.
    triggers.drop_frozen_triggers()
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('agreement_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificates_agreement_recorded_by_id_users'), 'users', ['agreement_recorded_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_certificates_agreement_complete'), '(agreement_recorded_at IS NULL) = (agreement_recorded_by_id IS NULL)')
    _remake_triggers(triggers.FROZEN_COLUMNS + AGREEMENT_COLUMNS)


def downgrade():
    triggers = _frozen_triggers()
    triggers.drop_frozen_triggers()
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_certificates_agreement_complete'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_certificates_agreement_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('agreement_recorded_by_id')
        batch_op.drop_column('agreement_recorded_at')
    triggers.make_certificates_frozen()
