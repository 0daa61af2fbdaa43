"""full-text search over tweets and drafts; indexes for /tweetcare lookups and the Home tab

SQLite: FTS5 external-content tables kept in sync by triggers. The tweet table's key is a text id without an
INTEGER PRIMARY KEY, and VACUUM may renumber implicit rowids, so tweet_fts indexes a view that exposes the
(numeric) X id as its rowid instead of the implicit rowid.
PostgreSQL: a stored generated tsvector column with a GIN index (ranking reads the stored vector).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_UP = [
    "CREATE VIEW tweet_fts_source AS SELECT CAST(id AS INTEGER) AS tid, text FROM tweet",
    "CREATE VIRTUAL TABLE tweet_fts USING fts5(text, content='tweet_fts_source', content_rowid='tid', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER tweet_fts_ai AFTER INSERT ON tweet BEGIN "
    "INSERT INTO tweet_fts(rowid, text) VALUES (CAST(new.id AS INTEGER), new.text); END",
    "CREATE TRIGGER tweet_fts_ad AFTER DELETE ON tweet BEGIN "
    "INSERT INTO tweet_fts(tweet_fts, rowid, text) VALUES ('delete', CAST(old.id AS INTEGER), old.text); END",
    "CREATE TRIGGER tweet_fts_au AFTER UPDATE OF text ON tweet BEGIN "
    "INSERT INTO tweet_fts(tweet_fts, rowid, text) VALUES ('delete', CAST(old.id AS INTEGER), old.text); "
    "INSERT INTO tweet_fts(rowid, text) VALUES (CAST(new.id AS INTEGER), new.text); END",
    "CREATE VIRTUAL TABLE draft_fts USING fts5(text, content='draft', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER draft_fts_ai AFTER INSERT ON draft BEGIN "
    "INSERT INTO draft_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER draft_fts_ad AFTER DELETE ON draft BEGIN "
    "INSERT INTO draft_fts(draft_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER draft_fts_au AFTER UPDATE OF text ON draft BEGIN "
    "INSERT INTO draft_fts(draft_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO draft_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO tweet_fts(tweet_fts) VALUES ('rebuild')",
    "INSERT INTO draft_fts(draft_fts) VALUES ('rebuild')",
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS draft_fts_au",
    "DROP TRIGGER IF EXISTS draft_fts_ad",
    "DROP TRIGGER IF EXISTS draft_fts_ai",
    "DROP TABLE IF EXISTS draft_fts",
    "DROP TRIGGER IF EXISTS tweet_fts_au",
    "DROP TRIGGER IF EXISTS tweet_fts_ad",
    "DROP TRIGGER IF EXISTS tweet_fts_ai",
    "DROP TABLE IF EXISTS tweet_fts",
    "DROP VIEW IF EXISTS tweet_fts_source",
]
# 'simple': no stemming and no stop words, like FTS5's unicode61; posts come in every language.
_PG_UP = [
    "ALTER TABLE tweet ADD COLUMN search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED",
    "CREATE INDEX ix_tweet_search_tsv ON tweet USING gin (search_tsv)",
    "ALTER TABLE draft ADD COLUMN search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED",
    "CREATE INDEX ix_draft_search_tsv ON draft USING gin (search_tsv)",
]
_PG_DOWN = [
    "DROP INDEX IF EXISTS ix_draft_search_tsv",
    "ALTER TABLE draft DROP COLUMN IF EXISTS search_tsv",
    "DROP INDEX IF EXISTS ix_tweet_search_tsv",
    "ALTER TABLE tweet DROP COLUMN IF EXISTS search_tsv",
]


def upgrade() -> None:
    # `user @handle` matches handles case-insensitively; the queue filters by status then sorts by age.
    op.create_index("ix_customer_username_lower", "customer", [sa.text("lower(username)")])
    op.create_index("ix_case_status_waiting", "case", ["status", "waiting_since"])
    op.create_index("ix_draft_author_id", "draft", ["author_id"])
    op.create_index("ix_draft_status_created", "draft", ["status", "created_at"])
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": _SQLITE_UP, "postgresql": _PG_UP}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_DOWN, "postgresql": _PG_DOWN}.get(dialect, []):
        op.execute(statement)
    op.drop_index("ix_draft_status_created", table_name="draft")
    op.drop_index("ix_draft_author_id", table_name="draft")
    op.drop_index("ix_case_status_waiting", table_name="case")
    op.drop_index("ix_customer_username_lower", table_name="customer")
