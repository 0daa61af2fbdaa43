"""many processes, one store: per-post delivery claims, Slack surfaces with versions, the Slack inbox

Plain ADD COLUMN on tweet (no table rebuild), so 0002's SQLite triggers stay.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import slackbridge.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TWEET_COLUMNS = ("claimed_by", "claimed_until", "delivery_failures", "parked_at")


def upgrade() -> None:
    op.add_column("tweet", sa.Column("claimed_by", sa.String(length=32), nullable=True))
    op.add_column("tweet", sa.Column("claimed_until", slackbridge.models.UTCDateTime(), nullable=True))
    op.add_column("tweet", sa.Column("delivery_failures", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("tweet", sa.Column("parked_at", slackbridge.models.UTCDateTime(), nullable=True))
    op.create_table(
        "slacksurface",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rendered", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", slackbridge.models.UTCDateTime(), nullable=True),
        sa.Column("updated_at", slackbridge.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_slacksurface_updated_at", "slacksurface", ["updated_at"])
    op.create_table(
        "slackinbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", slackbridge.models.UTCDateTime(), nullable=True),
        sa.Column("received_at", slackbridge.models.UTCDateTime(), nullable=False),
        sa.Column("done_at", slackbridge.models.UTCDateTime(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_slackinbox_status", "slackinbox", ["status"])


def downgrade() -> None:
    op.drop_index("ix_slackinbox_status", table_name="slackinbox")
    op.drop_table("slackinbox")
    op.drop_index("ix_slacksurface_updated_at", table_name="slacksurface")
    op.drop_table("slacksurface")
    for column in TWEET_COLUMNS:
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE tweet DROP COLUMN {column}")  # SQLite ≥ 3.35, no rebuild
        else:
            op.drop_column("tweet", column)
