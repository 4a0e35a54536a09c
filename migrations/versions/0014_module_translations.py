"""module texts in more languages: one translation per (version, language) and per (step, language)

Revision ID: 0014
Revises: 0016
Create Date: 2026-11-30 04:02:20.417501

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_version_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('checked', sa.Boolean(), nullable=False),
    sa.CheckConstraint("language <> 'sv'", name=op.f('ck_module_version_translations_not_the_source')),
    sa.ForeignKeyConstraint(['version_id'], ['module_versions.id'], name=op.f('fk_module_version_translations_version_id_module_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_version_translations')),
    sa.UniqueConstraint('version_id', 'language', name=op.f('uq_module_version_translations_version_id_language'))
    )
    with op.batch_alter_table('module_version_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_version_translations_version_id'), ['version_id'], unique=False)

    op.create_table('module_step_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('meaning', sa.Text(), nullable=False),
    sa.Column('todo', sa.Text(), nullable=False),
    sa.Column('how', sa.Text(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.CheckConstraint("language <> 'sv'", name=op.f('ck_module_step_translations_not_the_source')),
    sa.ForeignKeyConstraint(['step_id'], ['module_steps.id'], name=op.f('fk_module_step_translations_step_id_module_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_step_translations')),
    sa.UniqueConstraint('step_id', 'language', name=op.f('uq_module_step_translations_step_id_language'))
    )
    with op.batch_alter_table('module_step_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_step_translations_step_id'), ['step_id'], unique=False)



def downgrade():
    with op.batch_alter_table('module_step_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_step_translations_step_id'))

    op.drop_table('module_step_translations')
    with op.batch_alter_table('module_version_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_version_translations_version_id'))

    op.drop_table('module_version_translations')
