"""The database's one writer (store/db.py): writes waiting together share one transaction, a
job that fails costs no other job its write, a database busy with another process is waited
for instead of failing, a write refused for good fails loudly — on a SQLite file and, when a
server is named, on PostgreSQL; and a confirmation is still claimed exactly once."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, insert, make_url, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from store.audit import AuditLog, AuditRow
from store.confirmations import ConfirmationStore
from store.db import Database, sqlite_url
from store.prefs import PrefRow

PG_URL = os.environ.get("TRADECHAT_TEST_PG_URL", "")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
OWNER = {"platform": "telegram", "chat_id": "c1", "user_id": "u1"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = await Database.open(sqlite_url(tmp_path / "w.sqlite"))
        try:
            yield database
        finally:
            await database.close()
        return
    if not PG_URL:
        pytest.skip("TRADECHAT_TEST_PG_URL not set: no PostgreSQL server to test against")
    pytest.importorskip("asyncpg")
    name = f"tradechat_test_{secrets.token_hex(4)}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        database = await Database.open(url)
        try:
            yield database
        finally:
            await database.close()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def put(key: str) -> Callable[[Connection], str]:
    def job(conn: Connection) -> str:
        conn.execute(insert(PrefRow).values(key=key, value="v", updated_at=""))
        return key

    return job


async def keys(db: Database) -> list[str]:
    async with db.session() as s:
        return sorted((await s.scalars(select(PrefRow.key))).all())


async def test_writes_waiting_together_share_one_commit(db: Database) -> None:
    before = db.stats.commits
    done = await asyncio.gather(*(db.write(put(f"k{n}")) for n in range(50)))
    assert done == [f"k{n}" for n in range(50)]
    assert await keys(db) == sorted(f"k{n}" for n in range(50))
    assert db.stats.commits - before < 50  # group-committed


async def test_a_failing_job_costs_no_other_job_its_write(db: Database) -> None:
    await db.write(put("taken"))
    results = await db.submit([put("a"), put("taken"), put("b")])  # the middle one clashes
    assert results[0] == "a"
    assert isinstance(results[1], IntegrityError)
    assert results[2] == "b"
    assert await keys(db) == ["a", "b", "taken"]
    with pytest.raises(IntegrityError):  # `write` raises what its job raised: loudly
        await db.write(put("taken"))


async def test_a_claim_goes_to_exactly_one_of_many_presses(db: Database) -> None:
    store = ConfirmationStore(db)
    conf = await store.create(**OWNER, lang="zh", plan={"legs": []}, ttl_s=60, now=NOW)
    claims = await asyncio.gather(*(store.claim(conf.id, **OWNER, now=NOW) for _ in range(20)))
    assert sorted(status for status, _ in claims).count("ok") == 1
    assert {status for status, _ in claims} == {"ok", "used"}
    assert await store.finish(conf.id, "done", {"legs": []}, now=NOW)
    again = await store.get(conf.id)
    assert again is not None
    assert again.state == "done"


async def test_a_preview_row_and_its_audit_rows_are_one_transaction(db: Database) -> None:
    store = ConfirmationStore(db)
    conf, job = store.create_job(**OWNER, lang="en", plan={"legs": []}, ttl_s=60, now=NOW)
    before = db.stats.commits
    written, (stored,) = await AuditLog(db).write(
        [{"event": "preview", "detail": {"cid": conf.id}}, {"event": "decision"}], [job]
    )
    assert written.stored == 2
    assert stored == conf
    assert db.stats.commits - before == 1
    assert (await store.get(conf.id)) == conf


async def test_a_sqlite_file_locked_by_another_process_is_waited_for(tmp_path: Path) -> None:
    """Another process (a cron `report`) holds the write lock: the writer waits for it — the
    busy handler, then the writer's own retries — and the write goes through."""
    path = tmp_path / "busy.sqlite"
    db = await Database.open(sqlite_url(path))
    try:
        other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
        release.start()
        try:
            assert await db.write(put("after")) == "after"
        finally:
            release.join()
            other.close()
        assert await keys(db) == ["after"]
    finally:
        await db.close()


async def test_audit_rows_go_in_by_executemany_without_returning(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "a.sqlite"))
    try:
        seen: list[str] = []
        from sqlalchemy import event

        assert db._writer_engine is not None
        event.listen(
            db._writer_engine,
            "before_cursor_execute",
            lambda _c, _cur, statement, _p, _ctx, many: seen.append(f"{many}:{statement}"),
        )
        await AuditLog(db).record_many([{"event": "message"} for _ in range(30)])
        inserts = [s for s in seen if "INSERT INTO audit_log" in s]
        assert len(inserts) == 1
        assert inserts[0].startswith("True:")
        assert "RETURNING" not in inserts[0]
        async with db.session() as s:
            assert await s.scalar(select(func.count()).select_from(AuditRow)) == 30
    finally:
        await db.close()
