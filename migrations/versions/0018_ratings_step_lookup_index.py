"""the ratings' step-on-a-day index completes the order (id) and, on PostgreSQL, covers step, approval and source

Revision ID: 0018
Revises: 0014
Create Date: 2026-11-30 08:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_ratings_assignment_latest', table_name='ratings')
    op.create_index('ix_ratings_assignment_latest', 'ratings',
                    ['assignment_id', 'rated_on', 'recorded_at', 'id'],
                    postgresql_include=['step', 'approved', 'source'])


def downgrade():
    op.drop_index('ix_ratings_assignment_latest', table_name='ratings')
    op.create_index('ix_ratings_assignment_latest', 'ratings',
                    ['assignment_id', 'rated_on', 'recorded_at'])
