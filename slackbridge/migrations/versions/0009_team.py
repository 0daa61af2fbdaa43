"""a team that hands work over: who is writing on a case, saved replies, search in every language

Plain ADD COLUMN on case. Search: SQLite gets FTS5 trigram-tokenizer indexes next to 0002's word indexes
(substrings, so languages without spaces between words are found); PostgreSQL gets pg_trgm GIN indexes,
or none when the extension cannot be created (search then scans with ILIKE).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 13:10:00
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)

_SQLITE_UP = [
    "CREATE VIRTUAL TABLE tweet_trgm USING fts5(text, content='tweet_fts_source', content_rowid='tid', "
    "tokenize='trigram')",
    "CREATE TRIGGER tweet_trgm_ai AFTER INSERT ON tweet BEGIN "
    "INSERT INTO tweet_trgm(rowid, text) VALUES (CAST(new.id AS INTEGER), new.text); END",
    "CREATE TRIGGER tweet_trgm_ad AFTER DELETE ON tweet BEGIN "
    "INSERT INTO tweet_trgm(tweet_trgm, rowid, text) "
    "VALUES ('delete', CAST(old.id AS INTEGER), old.text); END",
    "CREATE TRIGGER tweet_trgm_au AFTER UPDATE OF text ON tweet BEGIN "
    "INSERT INTO tweet_trgm(tweet_trgm, rowid, text) VALUES ('delete', CAST(old.id AS INTEGER), old.text); "
    "INSERT INTO tweet_trgm(rowid, text) VALUES (CAST(new.id AS INTEGER), new.text); END",
    "CREATE VIRTUAL TABLE draft_trgm USING fts5(text, content='draft', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER draft_trgm_ai AFTER INSERT ON draft BEGIN "
    "INSERT INTO draft_trgm(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER draft_trgm_ad AFTER DELETE ON draft BEGIN "
    "INSERT INTO draft_trgm(draft_trgm, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER draft_trgm_au AFTER UPDATE OF text ON draft BEGIN "
    "INSERT INTO draft_trgm(draft_trgm, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO draft_trgm(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO tweet_trgm(tweet_trgm) VALUES ('rebuild')",
    "INSERT INTO draft_trgm(draft_trgm) VALUES ('rebuild')",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS draft_trgm_au",
    "DROP TRIGGER IF EXISTS draft_trgm_ad",
    "DROP TRIGGER IF EXISTS draft_trgm_ai",
    "DROP TABLE IF EXISTS draft_trgm",
    "DROP TRIGGER IF EXISTS tweet_trgm_au",
    "DROP TRIGGER IF EXISTS tweet_trgm_ad",
    "DROP TRIGGER IF EXISTS tweet_trgm_ai",
    "DROP TABLE IF EXISTS tweet_trgm",
]
_PG_UP = [
    "CREATE INDEX IF NOT EXISTS ix_tweet_text_trgm ON tweet USING gin (text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_draft_text_trgm ON draft USING gin (text gin_trgm_ops)",
]
_PG_DOWN = ["DROP INDEX IF EXISTS ix_draft_text_trgm", "DROP INDEX IF EXISTS ix_tweet_text_trgm"]


def _postgres_trigram_indexes() -> None:
    """pg_trgm needs a privileged role on some hosts: without it, search scans instead of failing here."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        logger.warning("migration.pg_trgm_unavailable error=%s search=ilike_scan", type(exc.orig).__name__)
        return
    for statement in _PG_UP:
        op.execute(statement)


def upgrade() -> None:
    op.add_column("case", sa.Column("writing_by", sa.String(length=32), nullable=True))
    op.add_column("case", sa.Column("writing_until", slackbridge.models.UTCDateTime(), nullable=True))
    op.create_index("ix_case_writing_until", "case", ["writing_until"])
    op.create_table(
        "savedreply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", slackbridge.models.UTCDateTime(), nullable=False),
        sa.Column("removed_at", slackbridge.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("title"),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif dialect == "postgresql":
        _postgres_trigram_indexes()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_DOWN, "postgresql": _PG_DOWN}.get(dialect, []):
        op.execute(statement)
    op.drop_table("savedreply")
    op.drop_index("ix_case_writing_until", table_name="case")
    if dialect == "sqlite":
        op.execute('ALTER TABLE "case" DROP COLUMN writing_until')
        op.execute('ALTER TABLE "case" DROP COLUMN writing_by')
    else:
        op.drop_column("case", "writing_until")
        op.drop_column("case", "writing_by")
