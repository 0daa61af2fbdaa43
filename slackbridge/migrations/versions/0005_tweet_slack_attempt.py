"""tweet.slack_attempted_at: when a post was first sent to Slack, to find it there if the answer was lost

Plain ADD COLUMN (no table rebuild), so 0002's SQLite triggers stay.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tweet", sa.Column("slack_attempted_at", slackbridge.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE tweet DROP COLUMN slack_attempted_at")  # SQLite ≥ 3.35, no rebuild
    else:
        op.drop_column("tweet", "slack_attempted_at")
