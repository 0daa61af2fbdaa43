"""service levels: due times on cases, what the card shows of them, reminder claims, snooze

Plain ADD COLUMN on case (no table rebuild).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMES = (
    "first_due_at",
    "due_at",
    "due_soon_at",
    "sla_reminded_at",
    "sla_escalated_at",
    "snoozed_until",
)
INDEXED = ("due_at", "due_soon_at")


def upgrade() -> None:
    for column in TIMES:
        op.add_column("case", sa.Column(column, slackbridge.models.UTCDateTime(), nullable=True))
    op.add_column("case", sa.Column("sla_state", sa.String(length=20), nullable=True))
    op.add_column("case", sa.Column("snoozed_by", sa.String(length=32), nullable=True))
    for column in INDEXED:
        op.create_index(f"ix_case_{column}", "case", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(f"ix_case_{column}", table_name="case")
    for column in (*TIMES, "sla_state", "snoozed_by"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "case" DROP COLUMN {column}')  # SQLite ≥ 3.35, no rebuild
        else:
            op.drop_column("case", column)
