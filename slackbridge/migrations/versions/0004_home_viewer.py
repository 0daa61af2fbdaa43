"""homeviewer: who opened the App Home tab, so its refreshes survive a restart

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "homeviewer",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", slackbridge.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("homeviewer")
