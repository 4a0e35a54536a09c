"""participants' folded name keys for the paged, searchable list

Revision ID: 0016
Revises: 0017
Create Date: 2026-11-30 04:20:00

The participant list is read one page at a time, in the order of `sort_name` then id
(keyset), and searched with "contains" on `search_name`; both are the names folded in
Python (movetrack/names.py: case and accents ignored alike on SQLite and PostgreSQL).
(sort_name, id) is indexed so a page is an index walk that stops after one page; on
PostgreSQL a trigram index (pg_trgm, a trusted extension) serves "contains" searches.
"""
import sqlalchemy as sa
from alembic import op

from movetrack.names import search_name, sort_name

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0017'
branch_labels = None
depends_on = None


def _fill_name_keys() -> None:
    participants = sa.table(
        "participants", sa.column("id", sa.Integer), sa.column("name", sa.String),
        sa.column("preferred_name", sa.String), sa.column("sort_name", sa.Text),
        sa.column("search_name", sa.Text),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(participants.c.id, participants.c.name, participants.c.preferred_name))
    keys = [
        {"row_id": row.id, "sort": sort_name(row.name, row.preferred_name),
         "search": search_name(row.name, row.preferred_name)}
        for row in rows
    ]
    if keys:
        bind.execute(
            participants.update()
            .where(participants.c.id == sa.bindparam("row_id"))
            .values(sort_name=sa.bindparam("sort"), search_name=sa.bindparam("search")),
            keys,
        )


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_name', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('search_name', sa.Text(), nullable=True))
    _fill_name_keys()
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.alter_column('sort_name', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('search_name', existing_type=sa.Text(), nullable=False)
        batch_op.create_index('ix_participants_sort_name_id', ['sort_name', 'id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            'ix_participants_search_name', 'participants', ['search_name'],
            postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'},
        )
    else:
        op.create_index('ix_participants_search_name', 'participants', ['search_name'])


def downgrade():
    op.drop_index('ix_participants_search_name', table_name='participants')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_sort_name_id')
        batch_op.drop_column('search_name')
        batch_op.drop_column('sort_name')
