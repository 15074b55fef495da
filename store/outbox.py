"""Messages waiting to be delivered by the process that runs the chat platforms.

A second tradechat process (`tradechat mcp` started by a desktop assistant, `tradechat api`
alone) may build a preview for a trader's ✅ — but only `tradechat run` holds the Telegram poll,
the QQ socket and the WeCom callback, and two pollers of one bot token would fight. So such a
process writes the preview here, and the running bot delivers it (`handlers/outbox.py`); the ✅
then reaches the running bot, which finds the confirmation in the same database.

Each row is delivered at most once in the normal course: it is claimed (queued → sending) by
one conditional UPDATE before the send, so two couriers never both send it; a row a crashed
courier left `sending` is given back after `stale_after` and may then arrive twice, which is
harmless for a preview (its confirmation is single-use) and better than losing it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import DateTime, Integer, String, Text, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

OutboxState = Literal["queued", "sending", "sent", "failed"]


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)  # the Outgoing as JSON (handlers/outbox.py)
    source: Mapped[str] = mapped_column(String(64), default="")  # who queued it (audit)
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: str
    platform: str
    chat_id: str
    payload: dict[str, Any]
    source: str
    state: OutboxState
    attempts: int
    created_at: datetime


def _item(r: OutboxRow) -> OutboxItem:
    return OutboxItem(
        id=r.id,
        platform=r.platform,
        chat_id=r.chat_id,
        payload=json.loads(r.payload),
        source=r.source,
        state=r.state,  # type: ignore[arg-type]
        attempts=r.attempts,
        # SQLite gives naive datetimes back; every time here is UTC
        created_at=r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC),
    )


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(
        self, platform: str, chat_id: str, payload: dict[str, Any], *, source: str, now: datetime
    ) -> str:
        row = OutboxRow(
            id=secrets.token_urlsafe(12),
            platform=platform,
            chat_id=chat_id,
            payload=json.dumps(payload, ensure_ascii=False),
            source=source,
            state="queued",
            attempts=0,
            created_at=now,
        )
        async with self.db.session() as s:
            s.add(row)
            await s.commit()
        return row.id

    async def get(self, item_id: str) -> OutboxItem | None:
        async with self.db.session() as s:
            row = await s.get(OutboxRow, item_id)
            return None if row is None else _item(row)

    async def claim_due(
        self, *, now: datetime, limit: int = 20, stale_after: timedelta = timedelta(minutes=5)
    ) -> list[OutboxItem]:
        """Rows to deliver now, each claimed for this caller (oldest first)."""
        async with self.db.session() as s:
            await s.execute(  # a courier that died mid-send gives its rows back
                update(OutboxRow)
                .where(OutboxRow.state == "sending", OutboxRow.claimed_at < now - stale_after)
                .values(state="queued")
            )
            ids = (
                await s.scalars(
                    select(OutboxRow.id)
                    .where(OutboxRow.state == "queued")
                    .order_by(OutboxRow.created_at)
                    .limit(limit)
                )
            ).all()
            claimed: list[OutboxItem] = []
            for item_id in ids:
                res = await s.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == item_id, OutboxRow.state == "queued")
                    .values(state="sending", claimed_at=now, attempts=OutboxRow.attempts + 1)
                )
                if getattr(res, "rowcount", 0) == 1:
                    row = await s.get(OutboxRow, item_id, populate_existing=True)
                    if row is not None:
                        claimed.append(_item(row))
            await s.commit()
            return claimed

    async def finish(self, item_id: str, *, now: datetime) -> None:
        await self._set(item_id, "sent", now=now, error="")

    async def fail(self, item_id: str, error: str, *, now: datetime) -> None:
        await self._set(item_id, "failed", now=now, error=error)

    async def release(self, item_id: str, error: str) -> None:
        """Back to the queue after a temporary failure (the next round tries again)."""
        async with self.db.session() as s:
            await s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id, OutboxRow.state == "sending")
                .values(state="queued", error=error)
            )
            await s.commit()

    async def _set(self, item_id: str, state: OutboxState, *, now: datetime, error: str) -> None:
        async with self.db.session() as s:
            await s.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id)
                .values(state=state, done_at=now, error=error)
            )
            await s.commit()

    async def prune(self, *, now: datetime, keep: timedelta) -> int:
        async with self.db.session() as s:
            res = await s.execute(
                delete(OutboxRow).where(
                    OutboxRow.state.in_(("sent", "failed")), OutboxRow.created_at < now - keep
                )
            )
            await s.commit()
            return int(getattr(res, "rowcount", 0) or 0)
