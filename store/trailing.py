"""Trailing stops kept by the bot, one row per position ticket (table `trailing_stops`).

A row is written when the owner confirms a trailing plan (handlers/execute.py) and read on
every tick of the trailing job (handlers/trailing.py: `TrailingKeeper`); it lives in the
database, not in memory, so a restart keeps trailing the same tickets at the same distances.

The ticket is the primary key: a second ✅, a replay or a second plan for the same ticket
updates the one row (`put`), never adds a second trailer that could fight the first. The row
is removed with `remove`, whose answer says whether this call removed it — the caller that
removed it is the one that tells the owner, so the owner is told once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Float, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database


class TrailingRow(Base):
    __tablename__ = "trailing_stops"

    ticket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    symbol: Mapped[str] = mapped_column(String(32))  # canonical
    side: Mapped[str] = mapped_column(String(4))  # of the position: buy | sell
    distance_pips: Mapped[float] = mapped_column(Float)
    step_pips: Mapped[float] = mapped_column(Float)
    # profit in pips the position must show before the stop starts to follow; NULL: at once
    activation_pips: Mapped[float | None] = mapped_column(Float, nullable=True)
    pip: Mapped[float] = mapped_column(Float)  # the pip size the preview showed
    platform: Mapped[str] = mapped_column(String(16))  # the owner, told when it ends
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    cid: Mapped[str] = mapped_column(String(32))  # the confirmation that set it
    created_at: Mapped[float] = mapped_column(Float)  # Unix seconds
    last_sl: Mapped[float | None] = mapped_column(Float, nullable=True)  # last SL we set
    failures: Mapped[int] = mapped_column(Integer, default=0)  # refused modifies in a row


@dataclass(frozen=True, slots=True)
class Trailing:
    ticket: int
    symbol: str
    side: str
    distance_pips: float
    step_pips: float
    activation_pips: float | None
    pip: float
    platform: str
    chat_id: str
    user_id: str
    lang: str
    cid: str
    created_at: datetime
    last_sl: float | None = None
    failures: int = 0

    @property
    def distance(self) -> float:
        """The distance in price units."""
        return self.distance_pips * self.pip

    @property
    def step(self) -> float:
        return self.step_pips * self.pip


def _to_model(r: TrailingRow) -> Trailing:
    return Trailing(
        ticket=r.ticket,
        symbol=r.symbol,
        side=r.side,
        distance_pips=r.distance_pips,
        step_pips=r.step_pips,
        activation_pips=r.activation_pips,
        pip=r.pip,
        platform=r.platform,
        chat_id=r.chat_id,
        user_id=r.user_id,
        lang=r.lang,
        cid=r.cid,
        created_at=datetime.fromtimestamp(r.created_at, UTC),
        last_sl=r.last_sl,
        failures=r.failures,
    )


class TrailingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, tr: Trailing) -> bool:
        """Keep trailing `tr.ticket` as `tr` says; True when the row is new, False when the
        ticket's row was updated (one row per ticket, whatever presses it)."""
        async with self.db.session() as s:
            row = await s.get(TrailingRow, tr.ticket)
            new = row is None
            if row is None:
                row = TrailingRow(ticket=tr.ticket)
                s.add(row)
            row.symbol, row.side = tr.symbol, tr.side
            row.distance_pips, row.step_pips = tr.distance_pips, tr.step_pips
            row.activation_pips, row.pip = tr.activation_pips, tr.pip
            row.platform, row.chat_id, row.user_id = tr.platform, tr.chat_id, tr.user_id
            row.lang, row.cid = tr.lang, tr.cid
            row.created_at = tr.created_at.timestamp()
            row.last_sl, row.failures = tr.last_sl, tr.failures
            await s.commit()
            return new

    async def get(self, ticket: int) -> Trailing | None:
        async with self.db.session() as s:
            row = await s.get(TrailingRow, ticket)
            return None if row is None else _to_model(row)

    async def all(self) -> list[Trailing]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(TrailingRow).order_by(TrailingRow.ticket))).all()
            return [_to_model(r) for r in rows]

    async def remove(self, ticket: int) -> bool:
        """Stop trailing `ticket`; True only for the call that removed the row."""
        async with self.db.session() as s:
            res = await s.execute(delete(TrailingRow).where(TrailingRow.ticket == ticket))
            await s.commit()
            return bool(getattr(res, "rowcount", 0))

    async def moved(self, ticket: int, sl: float) -> None:
        """The stop of `ticket` was moved to `sl` (and the failure streak ends)."""
        await self._set(ticket, last_sl=sl, failures=0)

    async def failed(self, ticket: int, failures: int) -> None:
        """The terminal refused a move; `failures` in a row so far."""
        await self._set(ticket, failures=failures)

    async def _set(self, ticket: int, **values: object) -> None:
        async with self.db.session() as s:
            await s.execute(update(TrailingRow).where(TrailingRow.ticket == ticket).values(values))
            await s.commit()
