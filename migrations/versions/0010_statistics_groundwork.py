"""statistics groundwork: target groups as rows, assignments per placement, period indexes

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-30 00:50:00

- Target groups: a code list (`target_groups`) and the association
  `placement_target_groups`, filled from each placement's JSON list without loss (a code
  not in the list is added to the list), then the JSON column goes.
- An assignment knows the placement it was assigned in (`assignments.placement_id`):
  each existing row is linked to the participant's placement whose order was received on
  or before the day it was assigned and that had not ended before it (the latest such,
  declined and withdrawn orders aside); a row outside every placement keeps NULL, with
  its ratings. The unique (participant_id, module_id) becomes "one active assignment of a
  module per placement" (and one outside any placement), so a returning person gets a new
  assignment with a new baseline.
- Indexes for the statistics' period scans, each justified:
  * ix_placements_received_on: inflow counts orders received in a period.
  * placements.start_date / end_date are indexed since 0003 (starts, lead time, outflow,
    time in activity, "active on a day").
  * ix_follow_ups_kind_due_on: the due lists and the after-exit outcome scan follow-ups
    of one kind by date.
  * ix_placement_target_groups_code: the target-group filter looks placements up by code.
  * ix_assignments_placement_id: gains and "moved up" read a placement's assignments.
  * Ratings by date: step on a day is one seek per assignment on the existing
    ix_ratings_assignment_latest (assignment_id, rated_on, recorded_at); no statistic
    scans ratings by date alone, so no new ratings index.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None

TARGET_GROUPS = (
    'income_support', 'long_term_unemployed', 'substance_use', 'mental_health',
    'disability', 'newly_arrived', 'young_adult',
)
ACTIVE = "status = 'active'"
LINK_TO_PLACEMENT = """
UPDATE assignments SET placement_id = (
    SELECT p.id FROM placements p
    WHERE p.participant_id = assignments.participant_id
      AND p.received_on <= assignments.assigned_on
      AND (p.end_date IS NULL OR p.end_date >= assignments.assigned_on)
      AND p.status NOT IN ('declined', 'withdrawn')
    ORDER BY p.received_on DESC, p.id DESC
    LIMIT 1
)
"""


def _target_groups_to_rows(bind):
    codes = sa.table('target_groups', sa.column('code', sa.String), sa.column('position', sa.Integer))
    links = sa.table('placement_target_groups', sa.column('placement_id', sa.Integer),
                     sa.column('code', sa.String))
    known = list(TARGET_GROUPS)
    rows = []
    for placement_id, groups in bind.execute(sa.text('SELECT id, target_groups FROM placements')):
        groups = json.loads(groups) if isinstance(groups, str) else (groups or [])
        for code in dict.fromkeys(groups):
            if code not in known:
                known.append(code)  # nothing is lost: an unknown code joins the list
            rows.append({'placement_id': placement_id, 'code': code})
    op.bulk_insert(codes, [{'code': code, 'position': i} for i, code in enumerate(known)])
    if rows:
        op.bulk_insert(links, rows)


def upgrade():
    bind = op.get_bind()
    op.create_table('target_groups',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_target_groups'))
    )
    op.create_table('placement_target_groups',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['code'], ['target_groups.code'], name=op.f('fk_placement_target_groups_code_target_groups')),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_placement_target_groups_placement_id_placements')),
    sa.PrimaryKeyConstraint('placement_id', 'code', name=op.f('pk_placement_target_groups'))
    )
    with op.batch_alter_table('placement_target_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_target_groups_code'), ['code'], unique=False)
    _target_groups_to_rows(bind)

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('target_groups')
        batch_op.create_index(batch_op.f('ix_placements_received_on'), ['received_on'], unique=False)

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assignments_placement_id_placements'), 'placements', ['placement_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_assignments_placement_id'), ['placement_id'], unique=False)
        batch_op.drop_constraint('uq_assignments_participant_id_module_id', type_='unique')
    op.execute(LINK_TO_PLACEMENT)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('uq_assignments_one_active_per_placement', ['placement_id', 'module_id'], unique=True, sqlite_where=sa.text(f'placement_id IS NOT NULL AND {ACTIVE}'), postgresql_where=sa.text(f'placement_id IS NOT NULL AND {ACTIVE}'))
        batch_op.create_index('uq_assignments_one_active_outside_placement', ['participant_id', 'module_id'], unique=True, sqlite_where=sa.text(f'placement_id IS NULL AND {ACTIVE}'), postgresql_where=sa.text(f'placement_id IS NULL AND {ACTIVE}'))

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_kind_due_on', ['kind', 'due_on'], unique=False)


def downgrade():
    """Back to 0003. Refused by the database when a returning person has the same module in
    two placements (the old unique rule cannot hold that history)."""
    bind = op.get_bind()
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_ups_kind_due_on')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_one_active_outside_placement')
        batch_op.drop_index('uq_assignments_one_active_per_placement')
        batch_op.create_unique_constraint('uq_assignments_participant_id_module_id', ['participant_id', 'module_id'])
        batch_op.drop_index(batch_op.f('ix_assignments_placement_id'))
        batch_op.drop_constraint(batch_op.f('fk_assignments_placement_id_placements'), type_='foreignkey')
        batch_op.drop_column('placement_id')

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placements_received_on'))
        batch_op.add_column(sa.Column('target_groups', sa.JSON(), nullable=False, server_default='[]'))
    groups: dict[int, list[str]] = {}
    for placement_id, code in bind.execute(sa.text(
        'SELECT l.placement_id, l.code FROM placement_target_groups l '
        'JOIN target_groups t ON t.code = l.code ORDER BY l.placement_id, t.position'
    )):
        groups.setdefault(placement_id, []).append(code)
    for placement_id, codes in groups.items():
        bind.execute(sa.text('UPDATE placements SET target_groups = :codes WHERE id = :id'),
                     {'codes': json.dumps(codes), 'id': placement_id})
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.alter_column('target_groups', server_default=None)
    op.drop_table('placement_target_groups')
    op.drop_table('target_groups')
