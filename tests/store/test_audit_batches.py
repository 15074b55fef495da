"""The audit log under bad values and a failing database: one row never costs another its
place, and nothing handed to the log is lost (store/audit.py, handlers/audit_trail.py).

Everything runs on a real SQLite file; "the database is away" is the audit table renamed
under the log's feet, so the real driver refuses the real statements."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, make_url, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from handlers.audit_trail import AuditTrail
from store.audit import NOTE_KEY, AuditLog, AuditRow, AuditUnavailableError, storable
from store.db import Database, sqlite_url

LONE_HIGH = "\ud83d"  # the first half of 😀, as a cut QQ nickname carries it
LONE_LOW = "\ude00"
T0 = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(sqlite_url(tmp_path / "audit.sqlite"))
    try:
        yield database
    finally:
        await database.close()


async def count_rows(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditRow)) or 0)


async def take_table_away(db: Database) -> None:
    async with db.session() as s:
        await s.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))
        await s.commit()


async def bring_table_back(db: Database) -> None:
    async with db.session() as s:
        await s.execute(text("ALTER TABLE audit_log_away RENAME TO audit_log"))
        await s.commit()


def event(n: int, **changes: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "event": "message",
        "at": T0,
        "platform": "qq",
        "chat_id": f"group:{n}",
        "user_id": str(1000 + n),
        "detail": {"text": f"余额 {n}"},
    }
    ev.update(changes)
    return ev


# --------------------------------------------------------------------------- storable


def test_storable_replaces_lone_surrogates_and_nul_and_joins_a_surrogate_pair() -> None:
    assert storable(f"名{LONE_HIGH}字") == "名\ufffd字"
    assert storable(f"a{LONE_LOW}") == "a\ufffd"
    assert storable(f"{LONE_HIGH}{LONE_LOW}") == "😀"  # a pair kept apart is one character
    assert storable("a\x00b") == "a\ufffdb"  # PostgreSQL's text refuses NUL
    assert storable("黄金 0.1 手 😀") == "黄金 0.1 手 😀"
    storable(f"x{LONE_HIGH}\x00").encode("utf-8")  # encodable: no UnicodeEncodeError


# --------------------------------------------------------------------------- record_many


async def test_a_batch_with_lone_surrogates_in_every_field_is_stored_whole(db: Database) -> None:
    log = AuditLog(db)
    poisoned = event(
        1,
        user_id=f"u{LONE_HIGH}",
        chat_id=f"c{LONE_LOW}",
        detail={"text": f"余额{LONE_HIGH}", "user_name": f"小明{LONE_HIGH}", "n": 1},
    )
    written = await log.record_many([event(0), poisoned, event(2, detail=f"raw {LONE_LOW}")])
    assert (written.stored, written.repaired, written.unstored) == (3, 0, ())
    rows = await log.entries()
    assert [r.chat_id for r in rows] == ["group:0", "c\ufffd", "group:2"]
    assert rows[1].user_id == "u\ufffd"
    assert json.loads(rows[1].detail) == {"text": "余额\ufffd", "user_name": "小明\ufffd", "n": 1}
    assert rows[2].detail == "raw \ufffd"


async def test_one_row_the_database_refuses_costs_no_other_row_its_place(db: Database) -> None:
    """A time that is no datetime makes the driver refuse the whole transaction: the batch is
    written row by row, and the bad row is stored repaired, with a note saying what and why."""
    log = AuditLog(db)
    events = [event(n) for n in range(5)]
    events[2] = event(2, at="yesterday", duration_ms=float("nan"))
    written = await log.record_many(events)
    assert (written.stored, written.repaired, written.unstored) == (5, 1, ())
    rows = await log.entries()
    assert [r.chat_id for r in rows] == [f"group:{n}" for n in range(5)]
    assert [json.loads(r.detail)["text"] for r in rows] == [f"余额 {n}" for n in range(5)]
    good = [r for n, r in enumerate(rows) if n != 2]
    assert all(r.at == T0 and NOTE_KEY not in json.loads(r.detail) for r in good)
    note = json.loads(rows[2].detail)[NOTE_KEY]
    assert note["replaced"] == {"at": "yesterday", "duration_ms": "nan"}
    assert note["error"].startswith("TypeError")  # SQLite DateTime type only accepts datetime
    assert rows[2].duration_ms is None
    assert rows[2].at != T0  # the time of writing stands in for the unusable one


async def test_a_detail_that_is_no_json_is_kept_as_its_repr_with_a_note(db: Database) -> None:
    log = AuditLog(db)
    cyclic: dict[str, Any] = {"text": "余额"}
    cyclic["self"] = cyclic
    mixed = {1: "one", "two": 2}  # sort_keys cannot order int and str keys
    written = await log.record_many([event(0, detail=cyclic), event(1, detail=mixed)])
    assert written.stored == 2
    first, second = (json.loads(r.detail) for r in await log.entries())
    assert "余额" in first["unencodable"]
    assert first[NOTE_KEY] == "detail is not JSON: ValueError"
    assert second == {"1": "one", "two": 2}


async def test_values_longer_than_their_column_are_cut_and_kept_whole_in_the_note(
    db: Database,
) -> None:
    log = AuditLog(db)
    long_user = "wecom-" + "x" * 100
    await log.record_many([event(0, user_id=long_user, detail={"text": "持仓"})])
    (row,) = await log.entries()
    assert row.user_id == long_user[:64]
    detail = json.loads(row.detail)
    assert detail == {"text": "持仓", NOTE_KEY: {"cut": {"user_id": long_user}}}


async def test_a_database_that_is_away_returns_the_rows_instead_of_raising(db: Database) -> None:
    log = AuditLog(db)
    await take_table_away(db)
    events = [event(n) for n in range(3)]
    written = await log.record_many(events)
    assert written.stored == 0
    assert list(written.unstored) == events
    with pytest.raises(AuditUnavailableError):
        await log.record("push", detail={"kind": "daily"})


# --------------------------------------------------------------------------- the trail


async def test_rows_refused_while_the_database_is_away_are_written_with_the_next_batch(
    db: Database,
) -> None:
    trail = AuditTrail(AuditLog(db))
    await take_table_away(db)
    await trail.write([event(0), event(1)])  # returns, does not raise
    assert trail.waiting == 2
    await bring_table_back(db)
    await trail.write([event(2, user_id=f"u{LONE_HIGH}")])
    assert trail.waiting == 0
    rows = await AuditLog(db).entries()
    assert [r.chat_id for r in rows] == ["group:0", "group:1", "group:2"]
    assert rows[0].at == T0  # kept with the time it happened
    assert rows[2].user_id == "u\ufffd"


async def test_a_poisoned_message_in_a_group_commit_fails_no_other_message(db: Database) -> None:
    """Many messages finishing at once go in one transaction; a message whose rows cannot be
    stored as they are (a bad time here) takes nobody else's rows with it, and no writer
    sees an error."""
    import asyncio

    trail = AuditTrail(AuditLog(db))
    batches = [
        [event(n, detail={"text": f"m{n}{LONE_HIGH}"}), event(n, event="decision")]
        for n in range(40)
    ]
    batches[7][1]["at"] = "not a time"
    await asyncio.gather(*(trail.write(rows) for rows in batches))
    assert await count_rows(db) == 80
    assert trail.waiting == 0


# --------------------------------------------------------------------------- PostgreSQL

PG_URL = os.environ.get("TRADECHAT_TEST_PG_URL", "")


@pytest.fixture
async def pg_db() -> AsyncIterator[Database]:
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


async def test_postgres_stores_nul_surrogates_and_over_long_ids(pg_db: Database) -> None:
    """PostgreSQL refuses NUL in text and values longer than a VARCHAR: both are made
    storable on the way in, and every row of the batch is stored."""
    log = AuditLog(pg_db)
    long_chat = "group:" + "9" * 80
    written = await log.record_many(
        [
            event(0, detail={"text": f"a\x00b{LONE_HIGH}"}),
            event(1, chat_id=long_chat, event="a_very_long_event_name_" + "e" * 20),
            event(2, detail="plain\x00text"),
        ]
    )
    assert (written.stored, written.repaired) == (3, 0)
    rows = await log.entries()
    # in JSON a NUL is the escape \u0000, which PostgreSQL stores: it comes back as it was
    assert json.loads(rows[0].detail) == {"text": "a\x00b\ufffd"}
    assert rows[1].chat_id == long_chat[:64]
    assert len(rows[1].event) == 32
    assert json.loads(rows[1].detail)[NOTE_KEY]["cut"]["chat_id"] == long_chat
    assert rows[2].detail == "plain\ufffdtext"
