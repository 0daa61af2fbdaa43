"""approval turns: a draft's turn, follow-ups, requested changes, reminders; owed notices

Plain ADD COLUMN on draft (no table rebuild), and a new notice table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DRAFT_COLUMNS = ("turn_tweet_id", "followup", "changes_requested_by", "changes_reason", "reminded_at")


def upgrade() -> None:
    op.add_column("draft", sa.Column("turn_tweet_id", sa.String(length=32), nullable=True))
    op.add_column("draft", sa.Column("followup", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("draft", sa.Column("changes_requested_by", sa.String(length=32), nullable=True))
    op.add_column("draft", sa.Column("changes_reason", sa.String(length=500), nullable=True))
    op.add_column("draft", sa.Column("reminded_at", slackbridge.models.UTCDateTime(), nullable=True))
    op.execute("UPDATE draft SET turn_tweet_id = in_reply_to_tweet_id")  # the best turn known for old drafts
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", slackbridge.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", slackbridge.models.UTCDateTime(), nullable=False),
        sa.Column("sent_at", slackbridge.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_notice_status", "notice", ["status"])


def downgrade() -> None:
    op.drop_index("ix_notice_status", table_name="notice")
    op.drop_table("notice")
    for column in reversed(DRAFT_COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE draft DROP COLUMN {column}")  # SQLite ≥ 3.35, no rebuild
        else:
            op.drop_column("draft", column)
