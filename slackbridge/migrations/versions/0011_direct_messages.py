"""direct messages as cases: the DM conversation, the linked public case, the CSAT rating, no-retry drafts

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ("dm_conversation_id", "linked_case_id", "csat_asked_at", "csat_score", "csat_answered_at")


def upgrade() -> None:
    op.add_column("case", sa.Column("dm_conversation_id", sa.String(length=80), nullable=True))
    op.add_column("case", sa.Column("linked_case_id", sa.Integer(), nullable=True))
    op.add_column("case", sa.Column("csat_asked_at", slackbridge.models.UTCDateTime(), nullable=True))
    op.add_column("case", sa.Column("csat_score", sa.Integer(), nullable=True))
    op.add_column("case", sa.Column("csat_answered_at", slackbridge.models.UTCDateTime(), nullable=True))
    op.add_column("draft", sa.Column("no_retry", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE draft DROP COLUMN no_retry")
    else:
        op.drop_column("draft", "no_retry")
    for column in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "case" DROP COLUMN {column}')  # SQLite ≥ 3.35, no rebuild
        else:
            op.drop_column("case", column)
