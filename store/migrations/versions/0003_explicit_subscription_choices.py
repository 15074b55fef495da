"""explicit subscription choices

`subscriptions.wanted`: a row is now a chat's explicit choice for one kind — true after
/subscribe (every existing row, hence the server default), false after /unsubscribe. The false
rows are how an explicit "/unsubscribe alerts" is remembered against the default audience
(admins receive alerts without subscribing; handlers/subscriptions.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 02:15:55
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wanted", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    # a refusal row would read as a subscription without the column: drop those rows first
    # (the older code has no way to remember an unsubscribe; it has no default audience either)
    subscriptions = sa.table("subscriptions", sa.column("wanted", sa.Boolean()))
    op.execute(subscriptions.delete().where(subscriptions.c.wanted.is_(False)))
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("wanted")
