"""participants as principals: sign-in cards, PIN or pictures, append-only self-ratings and quality answers

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-30 01:50:00

"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = None


def _ratings_triggers():
    """0001's append-only triggers (one definition of "append-only"), loaded by path:
    migration files are not importable by name."""
    path = Path(__file__).with_name("0001_initial_schema.py")
    spec = importlib.util.spec_from_file_location("initial_0001", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _append_only(table: str) -> None:
    """0001's statements for ratings, aimed at another table (names follow the table)."""
    triggers = _ratings_triggers()
    statements = triggers.SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else triggers.POSTGRES_TRIGGERS
    for statement in statements:
        op.execute(statement.replace("ratings", table))


def _drop_append_only(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_or_delete ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def upgrade():
    op.create_table('participant_credentials',
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('card_token_hash', sa.String(length=64), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('pictures_hash', sa.String(length=255), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('pin_hash IS NOT NULL OR pictures_hash IS NOT NULL', name=op.f('ck_participant_credentials_has_a_secret')),
    sa.CheckConstraint('failed_attempts >= 0', name=op.f('ck_participant_credentials_failed_attempts_not_negative')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_participant_credentials_issued_by_id_users')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_participant_credentials_participant_id_participants')),
    sa.PrimaryKeyConstraint('participant_id', name=op.f('pk_participant_credentials')),
    sa.UniqueConstraint('card_token_hash', name=op.f('uq_participant_credentials_card_token_hash'))
    )
    op.create_table('self_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('module_version_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rated_by_id', sa.Integer(), nullable=False),
    sa.Column('request_key', sa.Uuid(), nullable=False),
    sa.CheckConstraint('step BETWEEN 1 AND 10', name=op.f('ck_self_ratings_step_1_to_10')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_self_ratings_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['module_version_id'], ['module_versions.id'], name=op.f('fk_self_ratings_module_version_id_module_versions')),
    sa.ForeignKeyConstraint(['rated_by_id'], ['participants.id'], name=op.f('fk_self_ratings_rated_by_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_ratings')),
    sa.UniqueConstraint('request_key', name=op.f('uq_self_ratings_request_key'))
    )
    with op.batch_alter_table('self_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_self_ratings_assignment_latest', ['assignment_id', 'rated_on', 'recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_self_ratings_rated_by_id'), ['rated_by_id'], unique=False)
    _append_only("self_ratings")

    op.create_table('quality_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text_sv', sa.String(length=300), nullable=False),
    sa.Column('text_en', sa.String(length=300), nullable=False),
    sa.CheckConstraint('position BETWEEN 1 AND 4', name=op.f('ck_quality_questions_position_1_to_4')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_quality_questions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_questions')),
    sa.UniqueConstraint('unit_id', 'position', name=op.f('uq_quality_questions_unit_id_position'))
    )
    op.create_table('quality_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('answer_1', sa.Integer(), nullable=False),
    sa.Column('answer_2', sa.Integer(), nullable=False),
    sa.Column('answer_3', sa.Integer(), nullable=False),
    sa.Column('answer_4', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('answer_1 BETWEEN 1 AND 3', name=op.f('ck_quality_answers_answer_1_face')),
    sa.CheckConstraint('answer_2 BETWEEN 1 AND 3', name=op.f('ck_quality_answers_answer_2_face')),
    sa.CheckConstraint('answer_3 BETWEEN 1 AND 3', name=op.f('ck_quality_answers_answer_3_face')),
    sa.CheckConstraint('answer_4 BETWEEN 1 AND 3', name=op.f('ck_quality_answers_answer_4_face')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_quality_answers_participant_id_participants')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_quality_answers_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_answers'))
    )
    with op.batch_alter_table('quality_answers', schema=None) as batch_op:
        batch_op.create_index('ix_quality_answers_participant_month', ['participant_id', 'month'], unique=False)
        batch_op.create_index('ix_quality_answers_unit_month', ['unit_id', 'month'], unique=False)
    _append_only("quality_answers")

    # A staff rating may say which self-rating it agrees with. SQLite's batch mode copies
    # the table, losing its triggers: drop them first and make them again after.
    _drop_append_only("ratings")
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agrees_with_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_ratings_agrees_with_id_self_ratings'), 'self_ratings', ['agrees_with_id'], ['id'])
    _ratings_triggers().make_ratings_append_only()


def downgrade():
    _drop_append_only("ratings")
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ratings_agrees_with_id_self_ratings'), type_='foreignkey')
        batch_op.drop_column('agrees_with_id')
    _ratings_triggers().make_ratings_append_only()
    _drop_append_only("quality_answers")
    with op.batch_alter_table('quality_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_quality_answers_unit_month')
        batch_op.drop_index('ix_quality_answers_participant_month')
    op.drop_table('quality_answers')
    op.drop_table('quality_questions')
    _drop_append_only("self_ratings")
    with op.batch_alter_table('self_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_ratings_rated_by_id'))
        batch_op.drop_index('ix_self_ratings_assignment_latest')
    op.drop_table('self_ratings')
    op.drop_table('participant_credentials')
