"""Equity snapshots taken every few minutes: drawdown and equity curves come from these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, Integer, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database


class SnapshotRow(Base):
    __tablename__ = "equity_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    balance: Mapped[float] = mapped_column(Float)
    equity: Mapped[float] = mapped_column(Float)
    margin_level: Mapped[float | None] = mapped_column(Float, nullable=True)


@dataclass(frozen=True, slots=True)
class Snapshot:
    time: datetime
    balance: float
    equity: float
    margin_level: float | None


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


class SnapshotStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, time: datetime, balance: float, equity: float, margin_level: float | None
    ) -> None:
        row = {"at": _utc(time), "balance": balance, "equity": equity, "margin_level": margin_level}
        await self.db.write(lambda conn: conn.execute(insert(SnapshotRow), row))

    async def between(self, start: datetime, end: datetime) -> list[Snapshot]:
        """Snapshots with start <= time < end, oldest first."""
        q = (
            select(SnapshotRow)
            .where(SnapshotRow.at >= _utc(start), SnapshotRow.at < _utc(end))
            .order_by(SnapshotRow.at)
        )
        async with self.db.session() as s:
            rows = (await s.scalars(q)).all()
        return [Snapshot(_utc(r.at), r.balance, r.equity, r.margin_level) for r in rows]

    async def first_since(self, start: datetime) -> Snapshot | None:
        q = select(SnapshotRow).where(SnapshotRow.at >= _utc(start)).order_by(SnapshotRow.at)
        async with self.db.session() as s:
            r = (await s.scalars(q.limit(1))).first()
        return None if r is None else Snapshot(_utc(r.at), r.balance, r.equity, r.margin_level)

    async def prune(self, before: datetime) -> int:
        """Delete snapshots older than `before`; returns how many."""
        stmt = delete(SnapshotRow).where(SnapshotRow.at < _utc(before))
        return await self.db.write(
            lambda conn: int(getattr(conn.execute(stmt), "rowcount", 0) or 0)
        )
