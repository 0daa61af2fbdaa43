"""operations: notices posted once across processes (X polling down and back, budget thresholds), and
whether a failed draft may be retried

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-29 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0012"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild), like 0006 on tweet.
    op.add_column("draft", sa.Column("retryable", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "opsnotice",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.Column("changed_at", slackbridge.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("opsnotice")
    with op.batch_alter_table("draft") as batch:
        batch.drop_column("retryable")
