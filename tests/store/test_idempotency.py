"""Idempotency keys (store/idempotency.py): one request per (caller, key) proceeds, at once
or after a restart; a repeat gets the stored answer, another request with the key a
conflict."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from store.db import Database, sqlite_url
from store.idempotency import IdempotencyStore, fingerprint

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


async def test_one_of_many_concurrent_requests_with_a_key_proceeds(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    try:
        store = IdempotencyStore(db)
        p = fingerprint({"a": 1})
        states = await asyncio.gather(*(store.begin("c", "k", p, now=NOW) for _ in range(8)))
        assert sorted(s.outcome for s in states) == ["new"] + ["running"] * 7
        await store.attach("c", "k", "cid-1")
        await store.finish("c", "k", {"state": "done"})
        replay = await store.begin("c", "k", p, now=NOW)
        assert (replay.outcome, replay.response, replay.confirmation_id) == (
            "replay",
            {"state": "done"},
            "cid-1",
        )
        assert (await store.begin("c", "k", fingerprint({"a": 2}), now=NOW)).outcome == "conflict"
        assert (await store.begin("other", "k", p, now=NOW)).outcome == "new"
    finally:
        await db.close()


async def test_a_forgotten_key_may_be_used_again_and_old_keys_are_pruned(tmp_path: Path) -> None:
    db = await Database.open(sqlite_url(tmp_path / "t.sqlite"))
    try:
        store = IdempotencyStore(db)
        p = fingerprint("x")
        assert (await store.begin("c", "k", p, now=NOW)).outcome == "new"
        await store.forget("c", "k")
        assert (await store.begin("c", "k", p, now=NOW)).outcome == "new"
        assert await store.prune(now=NOW + timedelta(days=8), keep_days=7) == 1
        assert (await store.begin("c", "k", p, now=NOW)).outcome == "new"
    finally:
        await db.close()


def test_the_fingerprint_ignores_key_order_and_tells_values_apart() -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 1.5})
