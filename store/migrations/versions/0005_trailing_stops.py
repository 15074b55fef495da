"""trailing stops

The `trailing_stops` table of store/trailing.py: one row per position ticket that the bot
trails (distance, step and activation in pips, the pip size the preview showed, the owner to
tell when it ends). The ticket is the primary key, so a double ✅ keeps one row.

Revision ID: 0005_trailing_stops
Revises: 0004_price_alerts
Create Date: 2026-12-04 04:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_trailing_stops"
down_revision: str | None = "0004_price_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trailing_stops",
        sa.Column("ticket", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("distance_pips", sa.Float(), nullable=False),
        sa.Column("step_pips", sa.Float(), nullable=False),
        sa.Column("activation_pips", sa.Float(), nullable=True),
        sa.Column("pip", sa.Float(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("cid", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_sl", sa.Float(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ticket"),
    )


def downgrade() -> None:
    # the bot stops trailing those tickets; their stops stay where they were last moved
    op.drop_table("trailing_stops")
