"""schedule periods, cancelled follow-ups, consent withdrawal reason, one goal step

A weekly schedule gets validity periods (schedule_days.valid_from, part of the key): every
existing schedule becomes the first period, from the placement's start. A scheduled
follow-up not held when its placement ended is kept and marked cancelled on the end date.
A consent withdrawal keeps its reason. A module's goal step is set in one place, the
assignment (the participant's page): a plan's target step moves there where the module
had no goal yet (the highest, if several goals named one), then the plan's copy goes;
where both were set, the assignment's goal is the one every other page already showed.

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-30 00:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schedule_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
    op.execute(
        "UPDATE schedule_days SET valid_from = (SELECT COALESCE(placements.start_date, "
        "placements.received_on) FROM placements WHERE placements.id = schedule_days.placement_id)"
    )
    with op.batch_alter_table('schedule_days', schema=None, recreate='always') as batch_op:
        batch_op.alter_column('valid_from', existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint('pk_schedule_days', type_='primary')
        batch_op.create_primary_key('pk_schedule_days', ['placement_id', 'valid_from', 'weekday'])

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_on', sa.Date(), nullable=True))
    op.execute(
        "UPDATE follow_ups SET cancelled_on = (SELECT placements.end_date FROM placements "
        "WHERE placements.id = follow_ups.placement_id) "
        "WHERE kind = 'scheduled' AND held_on IS NULL AND placement_id IN "
        "(SELECT id FROM placements WHERE status = 'ended')"
    )

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))

    op.execute(
        "UPDATE assignments SET goal_step = (SELECT MAX(goal_modules.target_step) "
        "FROM goal_modules WHERE goal_modules.assignment_id = assignments.id) "
        "WHERE goal_step IS NULL AND id IN (SELECT assignment_id FROM goal_modules)"
    )
    with op.batch_alter_table('goal_modules', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_goal_modules_target_1_to_10'), type_='check')
        batch_op.drop_column('target_step')


def downgrade():
    with op.batch_alter_table('goal_modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_step', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE goal_modules SET target_step = COALESCE((SELECT assignments.goal_step "
        "FROM assignments WHERE assignments.id = goal_modules.assignment_id), 10)"
    )
    with op.batch_alter_table('goal_modules', schema=None) as batch_op:
        batch_op.alter_column('target_step', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_goal_modules_target_1_to_10'), 'target_step BETWEEN 1 AND 10'
        )

    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_reason')

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('cancelled_on')

    # Only the first period of each schedule fits the old table.
    op.execute(
        "DELETE FROM schedule_days WHERE valid_from > (SELECT MIN(first.valid_from) "
        "FROM schedule_days AS first WHERE first.placement_id = schedule_days.placement_id)"
    )
    with op.batch_alter_table('schedule_days', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint('pk_schedule_days', type_='primary')
        batch_op.create_primary_key('pk_schedule_days', ['placement_id', 'weekday'])
        batch_op.drop_column('valid_from')
