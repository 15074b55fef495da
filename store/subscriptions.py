"""Report/alert subscriptions per chat, and markers of what was already pushed.

A subscription row is a chat's *explicit* choice for one kind: `wanted` true after
`/subscribe`, false after `/unsubscribe`. Who gets what without a choice (admins get alerts by
default) is decided in handlers/subscriptions.py; a stored false is how an explicit
`/unsubscribe alerts` is remembered and beats that default.

A marker is written after a push succeeded, per (kind, period key, platform, chat): the
scheduled job and the catch-up at start both consult it, so a report is sent once per chat
whatever the order of restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Executable,
    Integer,
    String,
    UniqueConstraint,
    delete,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

KINDS: tuple[str, ...] = ("daily", "weekly", "monthly", "hedge", "alerts", "deals")
# A marker kind that is no push: "this user was told how their notifications work".
_TOLD = "told"


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "kind", name="uq_subscription"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    lang: Mapped[str] = mapped_column(String(4), default="zh")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # False: the chat sent /unsubscribe for this kind (beats a default audience)
    wanted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


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
        return await self._choose(platform, chat_id, kind, lang, wanted=True)

    async def refuse(self, platform: str, chat_id: str, kind: str, lang: str = "zh") -> bool:
        """Remember an explicit unsubscribe of `kind`; False when it was already refused."""
        return await self._choose(platform, chat_id, kind, lang, wanted=False)

    async def _choose(
        self, platform: str, chat_id: str, kind: str, lang: str, *, wanted: bool
    ) -> bool:
        if kind not in KINDS:
            raise ValueError(f"unknown subscription kind {kind!r}")
        where = (
            SubscriptionRow.platform == platform,
            SubscriptionRow.chat_id == chat_id,
            SubscriptionRow.kind == kind,
        )

        def choose(conn: Connection) -> bool:
            before = conn.execute(select(SubscriptionRow.wanted).where(*where)).first()
            if before is not None:
                conn.execute(update(SubscriptionRow).where(*where).values(lang=lang, wanted=wanted))
                return bool(before.wanted) != wanted
            conn.execute(
                insert(SubscriptionRow).values(
                    platform=platform,
                    chat_id=chat_id,
                    kind=kind,
                    lang=lang,
                    wanted=wanted,
                    created_at=datetime.now(UTC),
                )
            )
            return True

        for _ in range(2):  # another process's first write won the insert: update its row
            try:
                return bool(await self.db.write(choose))
            except IntegrityError:
                continue
        return False

    async def remove(self, platform: str, chat_id: str, kind: str | None = None) -> int:
        """Forget the chat's choices for one kind (None: all) — back to the defaults; returns
        how many subscriptions (wanted) were removed."""
        q = delete(SubscriptionRow).where(
            SubscriptionRow.platform == platform, SubscriptionRow.chat_id == chat_id
        )
        if kind is not None:
            q = q.where(SubscriptionRow.kind == kind)

        def remove(conn: Connection) -> int:
            wanted = conn.execute(q.where(SubscriptionRow.wanted.is_(True)))
            conn.execute(q)
            return int(getattr(wanted, "rowcount", 0) or 0)

        return int(await self.db.write(remove))

    async def list_for_chat(self, platform: str, chat_id: str) -> list[Subscription]:
        """The kinds the chat subscribed to."""
        return [s for s, wanted in await self.choices_for_chat(platform, chat_id) if wanted]

    async def choices_for_chat(
        self, platform: str, chat_id: str
    ) -> list[tuple[Subscription, bool]]:
        """Every explicit choice of the chat: (subscription, wanted)."""
        q = (
            select(SubscriptionRow)
            .where(SubscriptionRow.platform == platform, SubscriptionRow.chat_id == chat_id)
            .order_by(SubscriptionRow.id)
        )
        async with self.db.session() as s:
            rows = (await s.scalars(q)).all()
        return [(Subscription(r.platform, r.chat_id, r.kind, r.lang), r.wanted) for r in rows]

    async def list_for_kind(self, kind: str) -> list[Subscription]:
        """The chats subscribed to `kind`."""
        q = (
            select(SubscriptionRow)
            .where(SubscriptionRow.kind == kind, SubscriptionRow.wanted.is_(True))
            .order_by(SubscriptionRow.id)
        )
        async with self.db.session() as s:
            rows = (await s.scalars(q)).all()
        return [Subscription(r.platform, r.chat_id, r.kind, r.lang) for r in rows]

    async def refused(self, kind: str) -> set[tuple[str, str]]:
        """(platform, chat) of every chat that explicitly unsubscribed from `kind`."""
        q = select(SubscriptionRow.platform, SubscriptionRow.chat_id).where(
            SubscriptionRow.kind == kind, SubscriptionRow.wanted.is_(False)
        )
        async with self.db.session() as s:
            rows = (await s.execute(q)).all()
        return {(p, c) for p, c in rows}

    async def first_time_told(self, platform: str, user_id: str) -> bool:
        """True exactly once per user (atomically, also under concurrent messages): the first
        time they are told how their notifications work."""
        return await self.mark_sent(_TOLD, "notifications", platform, user_id)

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
        """Record a push; False when it was already recorded (one INSERT … ON CONFLICT DO
        NOTHING through the one writer: the unique marker decides, and a marker already there
        fails no transaction it shares with other writes)."""
        row = {
            "kind": kind,
            "period_key": period_key,
            "platform": platform,
            "chat_id": chat_id,
            "sent_at": datetime.now(UTC),
        }
        stmt = _insert_new(self.db.engine.dialect.name, row)
        return bool(await self.db.write(lambda conn: _rowcount(conn.execute(stmt)) == 1))

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


def _insert_new(dialect: str, row: dict[str, object]) -> Executable:
    """INSERT … ON CONFLICT DO NOTHING of a sent marker, for the databases tradechat runs on."""
    if dialect == "sqlite":
        return sqlite.insert(SentMarkerRow).values(row).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(SentMarkerRow).values(row).on_conflict_do_nothing()
    raise NotImplementedError(f"sent markers need SQLite or PostgreSQL, not {dialect!r}")


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
