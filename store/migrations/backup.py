"""Copies of SQLite database files, taken before a migration changes one (and by the
operator's backup command). SQLite's online backup API, not a file copy: with WAL the newest
commits live in the -wal file, and the copy must be consistent while the bot runs."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def backup_path(source: Path, label: str, now: datetime) -> Path:
    """`tradechat.sqlite` → `tradechat.before-0002-20261204T013000Z.sqlite`, beside it."""
    return source.with_name(f"{source.stem}.{label}-{now:%Y%m%dT%H%M%SZ}{source.suffix}")


def backup_sqlite(source: Path, destination: Path) -> Path:
    """A consistent copy of `source` at `destination` (never overwritten). Blocking: run it in
    a thread."""
    if destination.exists():
        raise FileExistsError(f"backup not written: {destination} exists")
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return destination
