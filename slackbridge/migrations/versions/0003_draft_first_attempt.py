"""draft.first_attempt_at: when the current text was first sent to X, kept across retries

A retry after an unconfirmed post looks for the reply on X from this moment on; approved_at changes with
every click, so it cannot serve. Plain ADD COLUMN (no table rebuild), so 0002's SQLite triggers stay.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("draft", sa.Column("first_attempt_at", slackbridge.models.UTCDateTime(), nullable=True))
    # Drafts already sending or failed: their approval time is the best estimate of the first attempt.
    op.execute(
        "UPDATE draft SET first_attempt_at = approved_at WHERE status IN ('sending', 'failed', 'sent')"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE draft DROP COLUMN first_attempt_at")  # SQLite ≥ 3.35, no rebuild
    else:
        op.drop_column("draft", "first_attempt_at")
