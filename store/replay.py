"""Replay protection that survives a restart: every message id and nonce a webhook accepted,
with the timestamp it carried, in one table.

A platform asks `first_time(source, key, ts)` before acting on a callback: the key is inserted
(through the database's one writer) under a unique (source, key) constraint, so of two identical callbacks — at the same moment, or
one before and one after a restart — exactly one gets True. The platform also refuses any
callback whose timestamp lies outside the window (`within_window`); that is what makes pruning
safe: a row is deleted only once its timestamp has left the window, and a replay of it would
then be refused for its timestamp alone.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Executable, Float, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, Database

DEFAULT_WINDOW_S = 300.0
KEY_MAX = 128  # longer keys are stored as their SHA-256 (same uniqueness, bounded column)


class ReplayRow(Base):
    __tablename__ = "replay_guard"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    ts: Mapped[float] = mapped_column(Float, index=True)  # the callback's own timestamp


def stored_key(key: str) -> str:
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class ReplayGuard:
    """`source` names where the key comes from ("wecom:msg", "wecom:nonce", "telegram:update"),
    so two platforms' ids never collide. `window_s` is how far (either way) a callback's
    timestamp may be from now; `clock` gives unix seconds (tests move it)."""

    def __init__(
        self,
        db: Database,
        *,
        window_s: float = DEFAULT_WINDOW_S,
        clock: Callable[[], float] = time.time,
        prune_every_s: float = 60.0,
    ) -> None:
        if window_s <= 0:
            raise ValueError("the replay window must be positive")
        self.db = db
        self.window_s = float(window_s)
        self._clock = clock
        self._prune_every_s = prune_every_s
        self._pruned_at: float | None = None

    def within_window(self, ts: float) -> bool:
        """The timestamp is at most `window_s` from now, in the past or the future."""
        return abs(self._clock() - ts) <= self.window_s

    async def first_time(self, source: str, key: str, ts: float) -> bool:
        """True exactly once per (source, key) — atomically, across tasks, processes and
        restarts. False for a key already seen, and for a timestamp outside the window (such a
        key may already have been pruned, so it cannot be told apart from a replay)."""
        if not self.within_window(ts):
            return False
        await self._prune_now_and_then()
        row = {"source": source, "key": stored_key(key), "ts": float(ts)}
        stmt = _insert_new(self.db.engine.dialect.name, row)
        # one statement through the one writer: the unique key decides, and a key seen before
        # inserts nothing instead of failing the transaction it shares with other writes
        inserted = await self.db.write(lambda conn: _rowcount(conn.execute(stmt)))
        return inserted == 1

    async def prune(self) -> int:
        """Delete the rows whose timestamp has left the window; returns how many."""
        cutoff = self._clock() - self.window_s
        stmt = delete(ReplayRow).where(ReplayRow.ts < cutoff)
        removed = await self.db.write(lambda conn: _rowcount(conn.execute(stmt)))
        self._pruned_at = self._clock()
        return removed

    async def _prune_now_and_then(self) -> None:
        now = self._clock()
        if self._pruned_at is None or now - self._pruned_at >= self._prune_every_s:
            await self.prune()


def _insert_new(dialect: str, row: dict[str, object]) -> Executable:
    """INSERT … ON CONFLICT DO NOTHING for the databases tradechat runs on."""
    if dialect == "sqlite":
        return sqlite.insert(ReplayRow).values(row).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(ReplayRow).values(row).on_conflict_do_nothing()
    raise NotImplementedError(f"the replay guard needs SQLite or PostgreSQL, not {dialect!r}")


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
