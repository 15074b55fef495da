"""Price alerts: one row per alert, until it fires or its owner removes it.

An alert belongs to its owner (platform + user) and is answered in the chat where it was set,
in the language it was set in. `direction` says which way the price must cross `price`
("above": the bid rises to it; "below": the bid falls to it), decided from the market when
the alert was made.

Firing is at most once: `claim` stamps `fired_at` in one conditional UPDATE, and only the
caller whose UPDATE changed the row sends the push; then `remove` deletes it. Two checkers
(two processes, or a restart in the middle of a check) cannot both win the claim. A row left
claimed by a process that stopped between the claim and the delete is never sent again; the
next check clears it (`clear_fired`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import DateTime, Float, Integer, String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

Direction = Literal["above", "below"]


class PriceAlertRow(Base):
    __tablename__ = "price_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(4))
    symbol: Mapped[str] = mapped_column(String(32), index=True)
    price: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(8))
    digits: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # set by the one checker that won the claim; the row is deleted after the push
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True, slots=True)
class PriceAlert:
    id: int
    platform: str
    user_id: str
    chat_id: str
    lang: str
    symbol: str
    price: float
    direction: Direction
    digits: int
    created_at: datetime

    def crossed(self, bid: float) -> bool:
        """Whether `bid` has reached the alert's price from its side."""
        return bid >= self.price if self.direction == "above" else bid <= self.price


def _aware(when: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time stored here is UTC
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _alert(row: PriceAlertRow) -> PriceAlert:
    direction: Direction = "above" if row.direction == "above" else "below"
    return PriceAlert(
        row.id, row.platform, row.user_id, row.chat_id, row.lang, row.symbol, row.price,
        direction, row.digits, _aware(row.created_at),
    )  # fmt: skip


class AlertStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        *,
        platform: str,
        user_id: str,
        chat_id: str,
        lang: str,
        symbol: str,
        price: float,
        direction: Direction,
        digits: int,
        now: datetime,
        limit: int,
    ) -> PriceAlert | None:
        """Store a new alert; None when the owner already has `limit` alerts (counted in the
        same transaction as the insert)."""
        async with self.db.session() as s, s.begin():
            count = await s.scalar(
                select(func.count())
                .select_from(PriceAlertRow)
                .where(
                    PriceAlertRow.platform == platform,
                    PriceAlertRow.user_id == user_id,
                    PriceAlertRow.fired_at.is_(None),
                )
            )
            if int(count or 0) >= limit:
                return None
            row = PriceAlertRow(
                platform=platform, user_id=user_id, chat_id=chat_id, lang=lang, symbol=symbol,
                price=price, direction=direction, digits=digits, created_at=now,
            )  # fmt: skip
            s.add(row)
            await s.flush()
            return _alert(row)

    async def of_user(self, platform: str, user_id: str) -> list[PriceAlert]:
        """The owner's live alerts, oldest first (the numbers /alerts shows)."""
        async with self.db.session() as s:
            rows = await s.scalars(
                select(PriceAlertRow)
                .where(
                    PriceAlertRow.platform == platform,
                    PriceAlertRow.user_id == user_id,
                    PriceAlertRow.fired_at.is_(None),
                )
                .order_by(PriceAlertRow.created_at, PriceAlertRow.id)
            )
            return [_alert(r) for r in rows]

    async def active(self) -> list[PriceAlert]:
        """Every live alert (the checker's work list)."""
        async with self.db.session() as s:
            rows = await s.scalars(
                select(PriceAlertRow)
                .where(PriceAlertRow.fired_at.is_(None))
                .order_by(PriceAlertRow.id)
            )
            return [_alert(r) for r in rows]

    async def claim(self, alert_id: int, now: datetime) -> bool:
        """Take the alert for firing; True for exactly one caller."""
        async with self.db.session() as s, s.begin():
            result = await s.execute(
                update(PriceAlertRow)
                .where(PriceAlertRow.id == alert_id, PriceAlertRow.fired_at.is_(None))
                .values(fired_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    async def remove(self, alert_id: int, *, platform: str = "", user_id: str = "") -> bool:
        """Delete an alert (only the owner's, when `platform`/`user_id` are given)."""
        stmt = delete(PriceAlertRow).where(PriceAlertRow.id == alert_id)
        if platform or user_id:
            stmt = stmt.where(PriceAlertRow.platform == platform, PriceAlertRow.user_id == user_id)
        async with self.db.session() as s, s.begin():
            result = await s.execute(stmt)
            return bool(getattr(result, "rowcount", 0) == 1)

    async def clear_fired(self) -> int:
        """Delete alerts claimed by a check that stopped before deleting them."""
        async with self.db.session() as s, s.begin():
            result = await s.execute(
                delete(PriceAlertRow).where(PriceAlertRow.fired_at.is_not(None))
            )
            return int(getattr(result, "rowcount", 0) or 0)
