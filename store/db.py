"""The database: SQLAlchemy 2 (a SQLite file by default, PostgreSQL by URL) and its one writer.

Each store module declares its tables on `Base`; `Database.open()` brings the database to
their schema through the migration scripts (store/migrations, docs/database.md).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
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
# How often a write the database refused for a passing reason (busy, connection lost) is tried
# alone before its caller is told: about 2 s of back-off in all.
_WRITE_ATTEMPTS = 12

log = logging.getLogger(__name__)


class Base(DeclarativeBase):
    pass


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


T = TypeVar("T")
# A write: plain SQLAlchemy Core on a synchronous connection, inside a transaction the writer
# opens and commits. It may run twice (alone, after a shared transaction failed), so it must
# do nothing but database work.
Job = Callable[[Connection], Any]


def then(
    first: Callable[[Connection], T], after: Callable[[T], Job | None]
) -> Callable[[Connection], T]:
    """A job that runs `first` and then, in the same transaction, the job `after` makes of
    its result (none: nothing more) — a write whose companion depends on its outcome."""

    def job(conn: Connection) -> T:
        result = first(conn)
        more = after(result)
        if more is not None:
            more(conn)
        return result

    return job


@dataclass
class DbStats:
    """What the app database was asked, for `make bench`: thread hops (each a hand-over to
    the writer's or a reader's thread), statements, commits."""

    hops: int = 0
    statements: int = 0
    commits: int = 0
    retries: int = 0


class WriteFailedError(Exception):
    """A write the database refused even alone and after retries; the action fails loudly."""


class Database:
    """The engine, and the one writer every store writes through.

    One writer: every write is a `Job` handed to `write`/`submit`; one task runs them, all that
    are waiting in one transaction (a group commit: under 100 chats one commit serves many
    messages), so the app never fights itself for SQLite's write lock — the lock a busy
    handler sleeps for, which is what made 100 concurrent chats reach "database is locked".
    On a SQLite file the writer is a synchronous connection on its own thread: a whole
    transaction is one hand-over to that thread instead of three or four per statement through
    aiosqlite; its transactions begin IMMEDIATE, so the lock is taken before the first
    statement (SQLite never runs the busy handler for a read that upgrades to a write). On
    PostgreSQL (and in-memory SQLite) the same jobs run on the async engine (`run_sync`).

    Reads that a message waits for (`read`) run on a pooled synchronous connection in a
    thread likewise; the async engine (`session`) stays for everything else."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stats = DbStats()
        self._sqlite_file = _sqlite_file(url)
        if url.startswith("sqlite"):
            self.engine: AsyncEngine = create_async_engine(
                url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(url)
        self._count(self.engine.sync_engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer_engine: Engine | None = None
        self._reader_engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if self._sqlite_file is not None:
            self._writer_engine = _sync_sqlite_engine(self._sqlite_file, immediate=True)
            self._reader_engine = _sync_sqlite_engine(self._sqlite_file, immediate=False)
            self._count(self._writer_engine)
            self._count(self._reader_engine)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="tradechat-db-writer")
        self._queue: list[tuple[list[Job], asyncio.Future[list[Any]]]] = []
        self._writer: asyncio.Task[None] | None = None

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

    # -- the one writer ---------------------------------------------------------------------
    async def write(self, job: Callable[[Connection], T]) -> T:
        """Run `job` in a transaction of the one writer and return what it returned; raises
        what it raised when it failed even alone (`WriteFailedError` after the retries of a
        database that was busy or away)."""
        (result,) = await self.submit([job])
        if isinstance(result, BaseException):
            raise result
        return cast(T, result)

    async def submit(self, jobs: Sequence[Job]) -> list[Any]:
        """Run `jobs` together — in one transaction with each other and with whatever else is
        waiting — and return each one's result, or the exception it failed with (not raised:
        the caller decides). When the shared transaction fails, each job runs again alone, so
        one bad job never costs another its write."""
        if not jobs:
            return []
        fut: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._queue.append((list(jobs), fut))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await asyncio.shield(fut)  # a caller that gives up does not undo the write

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            jobs = [job for js, _ in batch for job in js]
            try:
                results = await self._run(jobs)
            except BaseException as exc:  # the loop is going away: nobody waits forever
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(WriteFailedError(f"the writer stopped: {exc!r}"))
                raise
            at = 0
            for js, fut in batch:
                if not fut.done():
                    fut.set_result(results[at : at + len(js)])
                at += len(js)

    async def _run(self, jobs: list[Job]) -> list[Any]:
        """The jobs' results: together in one transaction, each alone when that failed, and
        what failed for a passing reason (busy, a connection lost) again after a pause."""
        results = await self._hop(self._together, jobs)
        pause = _RETRY_FIRST_PAUSE_S
        for _ in range(_WRITE_ATTEMPTS - 1):
            again = [i for i, r in enumerate(results) if _transient(r)]
            if not again:
                return results
            self.stats.retries += len(again)
            log.warning("database write failed (%s), trying again", _kind(results[again[0]]))
            await asyncio.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX_PAUSE_S)
            redone = await self._hop(self._each_alone, [jobs[i] for i in again])
            for i, r in zip(again, redone, strict=True):
                results[i] = r
        return [
            WriteFailedError(f"the database stayed unavailable: {_kind(r)}") if _transient(r) else r
            for r in results
        ]

    async def _hop(
        self, run: Callable[[Connection, list[Job]], list[Any]], jobs: list[Job]
    ) -> list[Any]:
        """One hand-over: to the writer's thread (a SQLite file) or the async engine."""
        self.stats.hops += 1
        if self._thread is not None:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._thread, self._on_writer, run, jobs)
        async with self.engine.connect() as conn:
            return await conn.run_sync(run, jobs)

    def _on_writer(
        self, run: Callable[[Connection, list[Job]], list[Any]], jobs: list[Job]
    ) -> list[Any]:
        assert self._writer_engine is not None  # noqa: S101 - only set up for a SQLite file
        with self._writer_engine.connect() as conn:
            return run(conn, jobs)

    def _together(self, conn: Connection, jobs: list[Job]) -> list[Any]:
        try:
            with conn.begin():
                return [job(conn) for job in jobs]
        except Exception as exc:  # who failed is found alone
            if len(jobs) == 1:
                return [exc]
        return self._each_alone(conn, jobs)

    @staticmethod
    def _each_alone(conn: Connection, jobs: list[Job]) -> list[Any]:
        results: list[Any] = []
        for job in jobs:
            try:
                with conn.begin():
                    results.append(job(conn))
            except Exception as exc:  # the job's caller is told (not raised here)
                results.append(exc)
        return results

    # -- reads a message waits for ----------------------------------------------------------
    async def read(self, job: Callable[[Connection], T]) -> T:
        """Run `job` on a reading connection (no transaction is written) and return its
        result: one hand-over to a thread on a SQLite file."""
        self.stats.hops += 1
        if self._reader_engine is not None:
            return await asyncio.to_thread(self._read_sqlite, job)
        async with self.engine.connect() as conn:
            return await conn.run_sync(job)

    def _read_sqlite(self, job: Callable[[Connection], T]) -> T:
        assert self._reader_engine is not None  # noqa: S101 - only set up for a SQLite file
        with self._reader_engine.connect() as conn:
            return job(conn)

    def _count(self, engine: Engine) -> None:
        stats = self.stats

        def statement(*_: Any) -> None:
            stats.statements += 1

        def commit(*_: Any) -> None:
            stats.commits += 1

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "commit", commit)

    async def close(self) -> None:
        if self._writer is not None and not self._writer.done():
            await self._writer  # every write handed over is written before the end
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        for engine in (self._writer_engine, self._reader_engine):
            if engine is not None:
                engine.dispose()
        await self.engine.dispose()


def _sqlite_file(url: str) -> str | None:
    """The file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
    u = make_url(url)
    if not u.drivername.startswith("sqlite"):
        return None
    name = u.database or ""
    return None if name in ("", ":memory:") or name.startswith("file:") else name


def _sync_sqlite_engine(path: str, *, immediate: bool) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
    )

    def connect(dbapi_conn: Any, _record: Any) -> None:
        # the driver's own transaction handling off: SQLAlchemy's begin says BEGIN itself
        dbapi_conn.isolation_level = None
        _enable_wal_sync(dbapi_conn)
        for pragma in ("PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"):
            dbapi_conn.execute(pragma).close()

    event.listen(engine, "connect", connect)
    if immediate:

        def begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        event.listen(engine, "begin", begin)
    return engine


def _enable_wal_sync(dbapi_conn: sqlite3.Connection) -> None:
    """`_enable_wal` for the writer's and readers' own connections (on their threads)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    pause = _RETRY_FIRST_PAUSE_S
    while True:
        try:
            dbapi_conn.execute("PRAGMA journal_mode=WAL").close()
            return
        except sqlite3.OperationalError as exc:
            if not _is_sqlite_busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, _RETRY_MAX_PAUSE_S)


def _kind(exc: object) -> str:
    orig = getattr(exc, "orig", exc)
    return f"{type(orig).__name__}: {orig}"[:200]


def _transient(exc: object) -> bool:
    """A failure that trying again can cure: SQLite busy or locked, a connection lost."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.OperationalError):
        return _is_sqlite_busy(orig) or "locked" in str(orig)
    return False


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
