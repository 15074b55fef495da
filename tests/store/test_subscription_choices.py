"""Explicit subscription choices (store/subscriptions.py, migration 0003): a chat's
/subscribe and /unsubscribe per kind, the atomic "told once" marker, and the revision that
added `subscriptions.wanted` — rows of an older database stay subscriptions, and a downgrade
drops the refusals instead of turning them into subscriptions."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import Connection

from store.db import Database, sqlite_url
from store.migrations import alembic_config
from store.subscriptions import SubscriptionStore


async def test_a_refusal_is_a_choice_that_a_subscribe_turns_back(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    store = SubscriptionStore(db)
    try:
        assert await store.refuse("telegram", "42", "alerts")
        assert not await store.refuse("telegram", "42", "alerts")  # already refused
        assert await store.list_for_kind("alerts") == []
        assert await store.refused("alerts") == {("telegram", "42")}
        assert await store.add("telegram", "42", "alerts", "en")  # a change: True
        assert not await store.add("telegram", "42", "alerts", "en")
        assert await store.refused("alerts") == set()
        [(sub, wanted)] = await store.choices_for_chat("telegram", "42")
        assert (sub.kind, sub.lang, wanted) == ("alerts", "en", True)
        # remove forgets the choice (back to the defaults) and counts only subscriptions
        await store.refuse("telegram", "42", "daily")
        assert await store.remove("telegram", "42") == 1
        assert await store.choices_for_chat("telegram", "42") == []
    finally:
        await db.close()


async def test_concurrent_first_choices_of_one_kind_do_not_fail(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    store = SubscriptionStore(db)
    try:
        await asyncio.gather(*(store.refuse("qq", "private:7", "alerts") for _ in range(4)))
        assert await store.refused("alerts") == {("qq", "private:7")}
    finally:
        await db.close()


async def test_a_user_is_told_once_even_when_their_messages_race(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    store = SubscriptionStore(db)
    try:
        told = await asyncio.gather(*(store.first_time_told("telegram", "42") for _ in range(4)))
        assert sorted(told) == [False, False, False, True]
        assert await store.first_time_told("qq", "42")  # per platform
        assert await store.last_sent_key("daily") is None  # no report marker was written
    finally:
        await db.close()


async def test_downgrade_below_0003_drops_refusals_and_keeps_subscriptions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tradechat.sqlite"
    db = await Database.open(sqlite_url(path))
    store = SubscriptionStore(db)
    try:
        await store.add("telegram", "42", "daily")
        await store.refuse("telegram", "42", "alerts")
        async with db.engine.begin() as conn:
            cfg = alembic_config()

            def downgrade(c: Connection) -> None:
                cfg.attributes["connection"] = c
                command.downgrade(cfg, "0002")

            await conn.run_sync(downgrade)
    finally:
        await db.close()
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT chat_id, kind FROM subscriptions").fetchall()
        columns = [r[1] for r in con.execute("PRAGMA table_info(subscriptions)")]
    finally:
        con.close()
    assert rows == [("42", "daily")]
    assert "wanted" not in columns
    # and up again: the subscription is still one
    db = await Database.open(sqlite_url(path))
    try:
        subs = await SubscriptionStore(db).list_for_kind("daily")
        assert [(s.chat_id, s.kind) for s in subs] == [("42", "daily")]
    finally:
        await db.close()
