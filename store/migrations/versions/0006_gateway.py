"""gateway: idempotency keys, jobs and proposals

The tables of store/idempotency.py (the `Idempotency-Key` of order requests, per caller), store/jobs.py
(reports run as jobs) and store/proposals.py (orders from programs awaiting the owner's ✅).

Revision ID: 0006_gateway
Revises: 0005_trailing_stops
Create Date: 2026-12-04 03:56:46.032088
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_gateway"
down_revision: str | None = "0005_trailing_stops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_idempotency",
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("confirmation_id", sa.String(length=40), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caller", "key"),
    )
    with op.batch_alter_table("api_idempotency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_idempotency_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "api_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_jobs_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_jobs_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_jobs_status"), ["status"], unique=False)

    op.create_table(
        "api_proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("confirmation_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("owner_platform", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("intent", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_proposals_caller"), ["caller"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_api_proposals_confirmation_id"), ["confirmation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_api_proposals_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    # loses only API bookkeeping: retried keys, finished jobs' results, proposal ids
    with op.batch_alter_table("api_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_proposals_created_at"))
        batch_op.drop_index(batch_op.f("ix_api_proposals_confirmation_id"))
        batch_op.drop_index(batch_op.f("ix_api_proposals_caller"))

    op.drop_table("api_proposals")
    with op.batch_alter_table("api_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_api_jobs_owner"))
        batch_op.drop_index(batch_op.f("ix_api_jobs_created_at"))

    op.drop_table("api_jobs")
    with op.batch_alter_table("api_idempotency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_idempotency_created_at"))

    op.drop_table("api_idempotency")
