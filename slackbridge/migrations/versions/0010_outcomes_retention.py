"""outcomes and stats: a case's outcome and time to resolution, its first-response due time and CSAT score;
retention: when a post's or a draft's text was wiped

Plain ADD COLUMN on tweet (no table rebuild), so 0002's SQLite triggers stay.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CASE_COLUMNS = ("outcome", "resolution_seconds")


def upgrade() -> None:
    op.add_column("case", sa.Column("outcome", sa.String(length=20), nullable=True))
    op.add_column("case", sa.Column("resolution_seconds", sa.Integer(), nullable=True))
    op.add_column("tweet", sa.Column("text_wiped_at", slackbridge.models.UTCDateTime(), nullable=True))
    op.add_column("draft", sa.Column("text_wiped_at", slackbridge.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    drops = [("draft", "text_wiped_at"), ("tweet", "text_wiped_at")] + [("case", c) for c in CASE_COLUMNS]
    for table, column in drops:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN {column}')  # SQLite ≥ 3.35, no rebuild
        else:
            op.drop_column(table, column)
