"""card sessions: signing out on a card ends every session of that card

Revision ID: 0017
Revises: 0013
Create Date: 2026-11-30 05:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant_credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    with op.batch_alter_table('participant_credentials', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
