"""redactions: erasure as one controlled change that the append-only triggers let through

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 04:20:00

A `redactions` row (append-only) names an erased participant. The triggers that freeze
ratings and certificates are remade so that, for such a participant and nothing else,
one change passes:
- ratings: `note` set to NULL and `correction_reason` to '' (it stays non-NULL where the
  rating is a correction); every other column unchanged;
- certificates: `content` replaced by {"redacted": true} and `revocation_reason`, if any,
  by ''; every other column unchanged, the hash included (it proves what was issued and
  names nobody).
Every other UPDATE and every DELETE is refused as before.
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

RATING_FROZEN_COLUMNS = (
    "id", "assignment_id", "module_version_id", "step", "rated_on", "recorded_at",
    "rated_by_id", "source", "approved", "participant_agreed", "corrects_id", "request_key",
    "agrees_with_id",
)
REDACTED_CONTENT = '{"redacted": true}'
RATINGS_MESSAGE = "ratings are append-only: add a correction instead"  # as in 0001


def _migration(filename: str, name: str):
    """An earlier migration's trigger definitions, loaded by path (not importable by name)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(filename))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ratings_0001():
    return _migration("0001_initial_schema.py", "initial_0001")


def _certificates_0002():
    module = _migration("0002_certificates.py", "certificates_0002")
    module.FROZEN_COLUMNS += ("agreement_recorded_at", "agreement_recorded_by_id")  # 0006
    return module


def _unchanged(columns, postgres: bool, cast=lambda column: "") -> str:
    same = "NEW.{0}{1} IS NOT DISTINCT FROM OLD.{0}{1}" if postgres else "NEW.{0} IS OLD.{0}"
    return " AND ".join(same.format(column, cast(column)) for column in columns)


def _erased(participant_id_sql: str) -> str:
    return f"EXISTS (SELECT 1 FROM redactions WHERE redactions.participant_id = {participant_id_sql})"


def _rating_redaction(postgres: bool) -> str:
    owner = "(SELECT participant_id FROM assignments WHERE assignments.id = OLD.assignment_id)"
    return (f"{_erased(owner)} AND {_unchanged(RATING_FROZEN_COLUMNS, postgres)}"
            " AND NEW.note IS NULL AND (NEW.correction_reason IS NULL OR NEW.correction_reason = '')")


def _certificate_redaction(postgres: bool, certificates) -> str:
    kept = [c for c in certificates.FROZEN_COLUMNS if c != "content"] + ["revoked_at", "revoked_by_id"]
    content = (f"NEW.content::jsonb = '{REDACTED_CONTENT}'::jsonb" if postgres
               else f"json(NEW.content) = json('{REDACTED_CONTENT}')")
    return (f"{_erased('OLD.participant_id')} AND {_unchanged(kept, postgres)} AND {content}"
            " AND (NEW.revocation_reason IS NULL OR NEW.revocation_reason = '')")


def _sqlite_statements(certificates) -> list[str]:
    changed = " OR ".join(certificates._sqlite_changed(c) for c in certificates.FROZEN_COLUMNS)
    return [
        "DROP TRIGGER ratings_no_update",
        f"""CREATE TRIGGER ratings_no_update BEFORE UPDATE ON ratings
           WHEN NOT ({_rating_redaction(False)})
           BEGIN SELECT RAISE(ABORT, '{RATINGS_MESSAGE}'); END""",
        "DROP TRIGGER certificates_frozen",
        f"""CREATE TRIGGER certificates_frozen BEFORE UPDATE ON certificates
           WHEN ({changed} OR OLD.revoked_at IS NOT NULL)
                AND NOT ({_certificate_redaction(False, certificates)})
           BEGIN SELECT RAISE(ABORT, '{certificates.FROZEN_MESSAGE}'); END""",
    ]


def _postgres_statements(certificates) -> list[str]:
    changed = " OR ".join(certificates._postgres_changed(c) for c in certificates.FROZEN_COLUMNS)
    return [
        f"""CREATE OR REPLACE FUNCTION ratings_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF TG_OP = 'UPDATE' AND {_rating_redaction(True)} THEN
               RETURN NEW;
             END IF;
             RAISE EXCEPTION '{RATINGS_MESSAGE}';
           END $$""",
        f"""CREATE OR REPLACE FUNCTION certificates_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF TG_OP = 'DELETE' THEN
               RAISE EXCEPTION '{certificates.FROZEN_MESSAGE}';
             END IF;
             IF (OLD.revoked_at IS NOT NULL OR {changed})
                AND NOT ({_certificate_redaction(True, certificates)}) THEN
               RAISE EXCEPTION '{certificates.FROZEN_MESSAGE}';
             END IF;
             RETURN NEW;
           END $$""",
    ]


def upgrade():
    op.create_table('redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redacted_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_redactions_participant_id_participants')),
    sa.ForeignKeyConstraint(['redacted_by_id'], ['users.id'], name=op.f('fk_redactions_redacted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redactions')),
    sa.UniqueConstraint('participant_id', name=op.f('uq_redactions_participant_id'))
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    ratings = _ratings_0001()
    for statement in ratings.POSTGRES_TRIGGERS if postgres else ratings.SQLITE_TRIGGERS:
        op.execute(statement.replace("ratings", "redactions"))  # a redaction is never undone
    certificates = _certificates_0002()
    for statement in (_postgres_statements if postgres else _sqlite_statements)(certificates):
        op.execute(statement)


def downgrade():
    ratings, certificates = _ratings_0001(), _certificates_0002()
    ratings.drop_append_only_triggers()
    ratings.make_ratings_append_only()
    certificates.drop_frozen_triggers()
    certificates.make_certificates_frozen()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS redactions_no_update_or_delete ON redactions")
        op.execute("DROP FUNCTION IF EXISTS redactions_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS redactions_no_update")
        op.execute("DROP TRIGGER IF EXISTS redactions_no_delete")
    op.drop_table('redactions')
