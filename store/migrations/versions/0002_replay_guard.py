"""replay guard

The `replay_guard` table of store/replay.py: the message ids and nonces that webhooks accepted,
with the timestamp each carried, so that a replayed callback is refused after a restart too.
Its primary key (source, key) is the unique constraint that makes `first_time` atomic.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 01:56:51
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_guard",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("source", "key"),
    )
    # pruning deletes by timestamp
    op.create_index("ix_replay_guard_ts", "replay_guard", ["ts"])


def downgrade() -> None:
    # only replay bookkeeping is lost: at worst a callback from the last minutes is taken again
    op.drop_index("ix_replay_guard_ts", table_name="replay_guard")
    op.drop_table("replay_guard")
