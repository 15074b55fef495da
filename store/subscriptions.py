"""Report/alert subscriptions per chat, and markers of what was already pushed.

A marker is written after a push succeeded, per (kind, period key, platform, chat): the
scheduled job and the catch-up at start both consult it, so a report is sent once per chat
whatever the order of restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

KINDS: tuple[str, ...] = ("daily", "weekly", "monthly", "hedge", "alerts", "deals")


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "kind", name="uq_subscription"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    lang: Mapped[str] = mapped_column(String(4), default="zh")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SentMarkerRow(Base):
    __tablename__ = "report_sent"
    __table_args__ = (
        UniqueConstraint("kind", "period_key", "platform", "chat_id", name="uq_report_sent"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    period_key: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16), default="")
    chat_id: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, slots=True)
class Subscription:
    platform: str
    chat_id: str
    kind: str
    lang: str


class SubscriptionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, platform: str, chat_id: str, kind: str, lang: str = "zh") -> bool:
        """Subscribe; False when the chat already had it (its language is updated)."""
        if kind not in KINDS:
            raise ValueError(f"unknown subscription kind {kind!r}")
        async with self.db.session() as s:
            row = (
                await s.scalars(
                    select(SubscriptionRow).where(
                        SubscriptionRow.platform == platform,
                        SubscriptionRow.chat_id == chat_id,
                        SubscriptionRow.kind == kind,
                    )
                )
            ).first()
            if row is not None:
                row.lang = lang
                await s.commit()
                return False
            s.add(
                SubscriptionRow(
                    platform=platform,
                    chat_id=chat_id,
                    kind=kind,
                    lang=lang,
                    created_at=datetime.now(UTC),
                )
            )
            try:
                await s.commit()
            except IntegrityError:  # a concurrent add won
                await s.rollback()
                return False
        return True

    async def remove(self, platform: str, chat_id: str, kind: str | None = None) -> int:
        """Unsubscribe one kind (None: all); returns how many were removed."""
        q = delete(SubscriptionRow).where(
            SubscriptionRow.platform == platform, SubscriptionRow.chat_id == chat_id
        )
        if kind is not None:
            q = q.where(SubscriptionRow.kind == kind)
        async with self.db.session() as s:
            res = await s.execute(q)
            await s.commit()
        return int(getattr(res, "rowcount", 0) or 0)

    async def list_for_chat(self, platform: str, chat_id: str) -> list[Subscription]:
        q = (
            select(SubscriptionRow)
            .where(SubscriptionRow.platform == platform, SubscriptionRow.chat_id == chat_id)
            .order_by(SubscriptionRow.id)
        )
        async with self.db.session() as s:
            rows = (await s.scalars(q)).all()
        return [Subscription(r.platform, r.chat_id, r.kind, r.lang) for r in rows]

    async def list_for_kind(self, kind: str) -> list[Subscription]:
        q = select(SubscriptionRow).where(SubscriptionRow.kind == kind).order_by(SubscriptionRow.id)
        async with self.db.session() as s:
            rows = (await s.scalars(q)).all()
        return [Subscription(r.platform, r.chat_id, r.kind, r.lang) for r in rows]

    # -- sent markers -------------------------------------------------------------------
    async def was_sent(
        self, kind: str, period_key: str, platform: str = "", chat_id: str = ""
    ) -> bool:
        q = select(SentMarkerRow.id).where(
            SentMarkerRow.kind == kind,
            SentMarkerRow.period_key == period_key,
            SentMarkerRow.platform == platform,
            SentMarkerRow.chat_id == chat_id,
        )
        async with self.db.session() as s:
            return (await s.scalars(q.limit(1))).first() is not None

    async def mark_sent(
        self, kind: str, period_key: str, platform: str = "", chat_id: str = ""
    ) -> bool:
        """Record a push; False when it was already recorded."""
        async with self.db.session() as s:
            s.add(
                SentMarkerRow(
                    kind=kind,
                    period_key=period_key,
                    platform=platform,
                    chat_id=chat_id,
                    sent_at=datetime.now(UTC),
                )
            )
            try:
                await s.commit()
            except IntegrityError:
                await s.rollback()
                return False
        return True

    async def last_sent_key(self, kind: str) -> str | None:
        """The newest period key pushed for `kind` to any chat."""
        q = (
            select(SentMarkerRow.period_key)
            .where(SentMarkerRow.kind == kind)
            .order_by(SentMarkerRow.sent_at.desc(), SentMarkerRow.id.desc())
            .limit(1)
        )
        async with self.db.session() as s:
            return (await s.scalars(q)).first()
