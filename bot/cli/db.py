"""`tradechat db current|upgrade|backup [--out FILE]`: the app database's schema revision, the
upgrade `run` does on start (store/migrations, docs/database.md), and a consistent copy of a
SQLite file while the bot runs.

Exit codes, for scripts: `current` 0 = at the newest revision, 1 = an upgrade is pending (or
there is no database yet); `upgrade` and `backup` 0 = done, 1 = nothing to copy or the database
cannot be reached; 2 = refused (a database newer than this code, `backup` on PostgreSQL)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import Settings
from store.db import Database
from store.migrations import (
    MigrationError,
    backup_path,
    backup_sqlite,
    current_revision,
    head_revision,
    sqlite_file,
)


def _err(command: str, text: str) -> None:
    print(f"tradechat db {command}: {text}", file=sys.stderr)


async def run_db(settings: Settings, command: str, *, out: str | None = None) -> int:
    url = settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    source = sqlite_file(make_url(url))
    if command == "backup":
        return await _backup(source, out)
    if source is not None and command == "current" and not await asyncio.to_thread(source.exists):
        print(f"database: {source} (none yet: `tradechat db upgrade` or `tradechat run` makes it)")
        return 1
    if source is not None:
        source.parent.mkdir(parents=True, exist_ok=True)
    db = Database(url)
    try:
        print(f"database: {source or shown}")
        if command == "current":
            return await _current(db)
        return await _upgrade(db)
    except MigrationError as exc:
        _err(command, f"cannot {command}: {exc}")
        return 2
    except OSError as exc:  # PostgreSQL not reachable, a file that cannot be opened
        _err(command, f"cannot reach the database {shown}: {exc}")
        return 1
    finally:
        await db.close()


async def _current(db: Database) -> int:
    revisions = await current_revision(db.engine)
    head = head_revision()
    at = ", ".join(revisions) or "none (a new database, or one made before migrations existed)"
    print(f"revision: {at}")
    print(f"newest:   {head}")
    if revisions == ((head,) if head else ()):
        print("up to date")
        return 0
    print("`tradechat db upgrade` (or the next `tradechat run`) upgrades it")
    return 1


async def _upgrade(db: Database) -> int:
    result = await db.migrate()
    if result.backup is not None:
        print(f"copied first to {result.backup}")
    if result.adopted_first_build:
        print("a database of the first build: adopted at revision 0001")
    after = ", ".join(result.after) or "none"
    if result.changed:
        print(f"upgraded from {', '.join(result.before) or 'empty'} to {after}")
    else:
        print(f"already at {after}: nothing to do")
    return 0


async def _backup(source: Path | None, out: str | None) -> int:
    if source is None:
        _err(
            "backup",
            "the database is not a SQLite file: copy a PostgreSQL database with pg_dump, e.g. "
            "pg_dump --format=custom --file=tradechat.dump postgresql://user@host:5432/tradechat",
        )
        return 2
    if not await asyncio.to_thread(source.exists):
        _err("backup", f"there is no database at {source} to copy")
        return 1
    destination = Path(out) if out else backup_path(source, "backup", datetime.now(UTC))
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        written = await asyncio.to_thread(backup_sqlite, source, destination)
    except OSError as exc:  # the copy exists already, or its folder cannot be written
        _err("backup", str(exc))
        return 1
    print(f"copied {source} to {written}")
    return 0
