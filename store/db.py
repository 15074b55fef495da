"""The database: one async SQLAlchemy engine (SQLite file by default, PostgreSQL by URL).

Each store module declares its tables on `Base`; `Database.open()` brings the database to
their schema through the migration scripts (store/migrations, docs/database.md).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from store.migrations import MigrationResult, upgrade_to_head

# How long a connection waits for another one's lock (SQLite's busy handler) before "database
# is locked". A write holds the lock for milliseconds and a migration for a second or so, but
# processes starting at once on a loaded machine (`run` beside a cron `report`, a CI runner)
# can be descheduled while holding it: they must wait for each other, not fail.
SQLITE_BUSY_TIMEOUT_S = 60.0
# The first pause between tries of a lock SQLite refuses without waiting (`_enable_wal`);
# it doubles up to the cap.
_RETRY_FIRST_PAUSE_S = 0.01
_RETRY_MAX_PAUSE_S = 0.25


class Base(DeclarativeBase):
    pass


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine: AsyncEngine = create_async_engine(
                url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    async def open(cls, url: str) -> Database:
        if url.startswith("sqlite") and ":///" in url:
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        db = cls(url)
        try:
            await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    async def migrate(self) -> MigrationResult:
        """Upgrade to the newest schema (a no-op when already there); a first-build database
        is adopted first. Raises `store.migrations.MigrationError` (a database newer than this
        code, or one that cannot be told) before changing anything."""
        return await upgrade_to_head(self.engine)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as s:
            yield s

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # the pool event is synchronous; the WAL switch may have to pause, and that pause must
    # not block the event loop, so it runs on the driver's own asyncio connection
    dbapi_conn.run_async(_set_pragmas)


async def _set_pragmas(conn: aiosqlite.Connection) -> None:
    await _enable_wal(conn)
    # WAL + NORMAL is durable across process crashes; only power loss can drop the last commit
    await _run(conn, "PRAGMA synchronous=NORMAL")
    await _run(conn, "PRAGMA foreign_keys=ON")


async def _run(conn: aiosqlite.Connection, sql: str) -> None:
    # closed at once: a pragma that answers a row left unread would keep its statement, and
    # with it a read transaction, open on the connection
    async with conn.execute(sql):
        pass


async def _enable_wal(conn: aiosqlite.Connection) -> None:
    """`PRAGMA journal_mode=WAL`, tried again while SQLite refuses it for a lock.

    Switching a new file to WAL reads its header and then upgrades that read to a write
    (sqlite3BtreeSetVersion). SQLite never runs the busy handler for a read that upgrades, so
    of connections switching a new file at the same moment — processes on a first start —
    the losers get SQLITE_BUSY at once, whatever the busy timeout says. A file already in WAL
    mode needs no write, so only the first start ever waits here."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SQLITE_BUSY_TIMEOUT_S
    pause = _RETRY_FIRST_PAUSE_S
    while True:
        try:
            await _run(conn, "PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_sqlite_busy(exc) or loop.time() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, _RETRY_MAX_PAUSE_S)


def _is_sqlite_busy(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY, plain or extended (…_RECOVERY, …_SNAPSHOT, …_TIMEOUT): another connection
    holds the lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
