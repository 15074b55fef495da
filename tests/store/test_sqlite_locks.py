"""Opening the app database waits for a lock held elsewhere instead of failing: processes
starting at once on a new file (`run` beside a cron `report`) take turns.

The race: switching a new file to WAL reads its header and then upgrades that read to a write,
and SQLite refuses such an upgrade at once, without the busy timeout, while another connection
holds the write lock — as the process that got there first does while it switches."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from store.db import Database, sqlite_url


def _journal_mode(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        con.close()


async def test_a_first_open_waits_while_another_connection_holds_the_new_files_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tradechat.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock on the new, not yet WAL, file
    opening = asyncio.create_task(Database.open(sqlite_url(path)))
    try:
        await asyncio.sleep(0.5)
        assert not opening.done()  # waiting its turn, not failed with "database is locked"
    finally:
        holder.execute("COMMIT")
        holder.close()
    db = await opening
    await db.close()
    assert _journal_mode(path) == "wal"
