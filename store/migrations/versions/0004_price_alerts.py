"""price alerts

The `price_alerts` table of store/alerts.py: one row per live alert (owner, chat, language,
symbol, price, the direction it must cross, the symbol's digits, when it was made), and
`fired_at`, stamped by the one checker that wins the claim before it sends the push.

Revision ID: 0004_price_alerts
Revises: 0003
Create Date: 2026-12-04 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_price_alerts"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "price_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=4), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("digits", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    # the checker reads every live alert of a symbol
    op.create_index("ix_price_alerts_symbol", "price_alerts", ["symbol"])


def downgrade() -> None:
    # the users' alerts are lost: they would have to set them again
    op.drop_index("ix_price_alerts_symbol", table_name="price_alerts")
    op.drop_table("price_alerts")
