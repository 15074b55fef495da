"""Brings the app database to the newest schema on start, with Alembic on the app's own async
engine (Alembic's "connection sharing" recipe: its commands run inside `run_sync`).

The kinds of database that arrive here:
- empty (a new install): every revision runs from the first;
- made by the first build, which ran `create_all` and knew nothing of Alembic: all of its
  tables are there and there is no `alembic_version` table. It is stamped at the baseline
  revision (its schema is exactly that revision's) and then upgraded like any other, so no row
  is lost;
- stamped by Alembic: upgraded from its revision — unless that revision is unknown to this
  code, i.e. the database was migrated by a newer tradechat. Running old code on a newer schema
  could write rows the newer code misreads, so that refuses to start;
- some of the first build's tables but not all, and no version table: nothing tells what its
  schema is, so that refuses to start too, untouched.

Before revisions run on a SQLite file that already holds a schema, the file is copied beside
itself (store/migrations/backup.py); a new database, a start with nothing to do and the mere
stamping of a first-build database copy nothing.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from store.migrations.backup import backup_path, backup_sqlite, sqlite_file

log = logging.getLogger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent
BASELINE_REVISION = "0001"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key ("tradecha" in ASCII): one migrating process per database
PG_LOCK_KEY = 0x7472616465636861
# The tables the first build's `create_all` made: frozen here, since the models move on.
FIRST_BUILD_TABLES = frozenset(
    {"audit_log", "confirmations", "prefs", "equity_snapshots", "subscriptions", "report_sent"}
)


class MigrationError(RuntimeError):
    """The database cannot be brought to this code's schema; the message says why and what to
    do. Raised before anything was changed."""


class SchemaTooNewError(MigrationError):
    def __init__(self, revision: str, head: str | None) -> None:
        self.revision = revision
        self.head = head
        super().__init__(
            f"the database schema is at revision {revision!r}, which this tradechat does not "
            f"know (its newest is {head!r}): the database was upgraded by a newer tradechat. "
            "Run that version again, or restore the backup taken before its upgrade."
        )


class UnrecognisedSchemaError(MigrationError):
    def __init__(self, missing: frozenset[str]) -> None:
        self.missing = missing
        super().__init__(
            "the database has some of tradechat's tables but not all of them and no "
            f"{VERSION_TABLE} table (missing: {', '.join(sorted(missing))}), so its schema "
            "cannot be told; point [database] url at a new database or restore a backup."
        )


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """What `upgrade_to_head` found and left: revisions before (empty for a new or first-build
    database) and after, whether a first-build database was adopted (stamped), and where the
    database was copied to before revisions ran on it."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    adopted_first_build: bool
    backup: Path | None = None  # the copy of a SQLite file taken before revisions ran on it

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration built in code (no alembic.ini at run time): the scripts next to
    this module; `url` only for commands that open their own engine (the developer's tools)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url is not None:
        # ConfigParser interpolation: a literal % in a password is written %%
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(engine: AsyncEngine) -> tuple[str, ...]:
    """The revisions the database is stamped with (empty: new or first-build database)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_stamped)


async def upgrade_to_head(engine: AsyncEngine) -> MigrationResult:
    """Adopt a first-build database, refuse one newer than this code, then upgrade to the
    newest revision, all in one transaction that holds the database's write lock, so that two
    processes starting at once (`run` and a `report` from cron) migrate one after the other.
    A database already at head is left untouched.

    The few small script files Alembic reads here are read on the event loop: this runs once,
    at start, before any other task exists."""
    # Alembic's `context` and `op` are module globals: two migrations interleaved on one
    # event loop would run in each other's context
    async with _in_process_lock(), engine.connect() as conn:
        await _lock_database(conn)
        plan = await conn.run_sync(_prepare)
        backup = await _backup_before(engine, plan)
        after = await conn.run_sync(_upgrade) if plan.pending else plan.stamped
        await conn.commit()
    result = MigrationResult(
        before=plan.before, after=after, adopted_first_build=plan.adopted, backup=backup
    )
    if result.adopted_first_build:
        log.info("database made by the first build: stamped at revision %s", BASELINE_REVISION)
    if result.backup is not None:
        log.info("database copied to %s before the upgrade", result.backup)
    if result.changed:
        log.info("database schema upgraded from %s to %s", result.before or "empty", result.after)
    return result


async def _backup_before(engine: AsyncEngine, plan: _Plan) -> Path | None:
    """A copy of a SQLite file that holds a schema and is about to be upgraded: a revision that
    turns out wrong must not cost the trader their confirmations and audit log."""
    source = sqlite_file(engine.url)
    if not (plan.pending and plan.stamped) or source is None:
        return None
    head = plan.heads[-1] if plan.heads else "head"
    destination = backup_path(source, f"before-{head}", datetime.now(UTC))
    return await asyncio.to_thread(backup_sqlite, source, destination)


_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _in_process_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _LOCKS.get(loop)
    if lock is None:
        lock = _LOCKS[loop] = asyncio.Lock()
    return lock


async def _lock_database(conn: AsyncConnection) -> None:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        # the driver begins transactions lazily and only before DML; an explicit IMMEDIATE
        # begin takes the write lock now (others wait busy_timeout) and makes the DDL atomic
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def _stamped(conn: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(conn).get_current_heads())


@dataclass(frozen=True, slots=True)
class _Plan:
    before: tuple[str, ...]
    stamped: tuple[str, ...]  # after adopting a first-build database
    heads: tuple[str, ...]
    adopted: bool

    @property
    def pending(self) -> bool:
        return self.stamped != self.heads


def _prepare(conn: Connection) -> _Plan:
    """Refuse an unknown revision; stamp a first-build database at the baseline."""
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    script = ScriptDirectory.from_config(cfg)
    before = _stamped(conn)
    known = {rev.revision for rev in script.walk_revisions()}
    for rev in before:
        if rev not in known:
            raise SchemaTooNewError(rev, script.get_current_head())
    adopted = not before and _is_first_build(conn)
    if adopted:
        command.stamp(cfg, BASELINE_REVISION)
    return _Plan(before, _stamped(conn), tuple(script.get_heads()), adopted)


def _upgrade(conn: Connection) -> tuple[str, ...]:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "heads")
    return _stamped(conn)


def _is_first_build(conn: Connection) -> bool:
    """True for a database made by the first build's `create_all`; False for an empty one (or
    one holding only other programs' tables)."""
    tables = set(inspect(conn).get_table_names())
    present = FIRST_BUILD_TABLES & tables
    if not present:
        return False
    if present != FIRST_BUILD_TABLES:
        raise UnrecognisedSchemaError(FIRST_BUILD_TABLES - present)
    return True
