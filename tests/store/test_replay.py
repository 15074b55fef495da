"""store/replay.py on real SQLite files: a key is accepted once, by one of many racing callers,
across a restart of the process; stale timestamps are refused; rows leave after the window."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from store.db import Database, sqlite_url
from store.replay import KEY_MAX, ReplayGuard


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _rows(path: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT source, key FROM replay_guard ORDER BY key").fetchall()
    finally:
        con.close()


async def test_a_key_is_new_once_and_a_replay_after_a_restart_is_not(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.sqlite"
    clock = Clock()
    db = await Database.open(sqlite_url(path))
    guard = ReplayGuard(db, window_s=300, clock=clock)
    assert await guard.first_time("wecom:msg", "4561255354251345929", clock.t)
    assert not await guard.first_time("wecom:msg", "4561255354251345929", clock.t)
    # the same id from another source is another key
    assert await guard.first_time("telegram:update", "4561255354251345929", clock.t)
    await db.close()

    clock.t += 120  # a new process on the same file, still inside the window
    again = await Database.open(sqlite_url(path))
    try:
        guard = ReplayGuard(again, window_s=300, clock=clock)
        assert not await guard.first_time("wecom:msg", "4561255354251345929", clock.t - 120)
        assert await guard.first_time("wecom:msg", "4561255354251345930", clock.t)
    finally:
        await again.close()


async def test_of_many_identical_callbacks_at_once_exactly_one_is_new(tmp_path: Path) -> None:
    clock = Clock()
    db = await Database.open(sqlite_url(tmp_path / "tradechat.sqlite"))
    try:
        guards = [ReplayGuard(db, clock=clock) for _ in range(4)]  # as if several workers
        results = await asyncio.gather(
            *(
                guards[n % 4].first_time("wecom:nonce", "1409659589:263014780", clock.t)
                for n in range(40)
            )
        )
        assert results.count(True) == 1
    finally:
        await db.close()


async def test_a_timestamp_outside_the_window_is_never_new(tmp_path: Path) -> None:
    clock = Clock()
    db = await Database.open(sqlite_url(tmp_path / "tradechat.sqlite"))
    try:
        guard = ReplayGuard(db, window_s=300, clock=clock)
        assert guard.within_window(clock.t - 300)
        assert guard.within_window(clock.t + 300)  # clocks disagree a little either way
        assert not guard.within_window(clock.t - 301)
        assert not guard.within_window(clock.t - 3600)  # the hour the old code allowed
        assert not await guard.first_time("wecom:msg", "1", clock.t - 301)
        assert not await guard.first_time("wecom:msg", "2", clock.t + 301)
    finally:
        await db.close()


async def test_rows_are_pruned_once_their_timestamp_has_left_the_window(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.sqlite"
    clock = Clock()
    db = await Database.open(sqlite_url(path))
    try:
        guard = ReplayGuard(db, window_s=300, clock=clock, prune_every_s=60)
        assert await guard.first_time("wecom:msg", "old", clock.t)
        clock.t += 200
        assert await guard.first_time("wecom:msg", "newer", clock.t)
        assert await guard.prune() == 0  # both still inside the window
        clock.t += 101  # "old" is now 301 s old: a replay of it is refused by its timestamp
        assert not await guard.first_time("wecom:msg", "old", clock.t - 301)
        assert await guard.prune() == 1
        assert _rows(path) == [("wecom:msg", "newer")]
        # pruning also happens by itself, at most once a minute, on the way in
        clock.t += 400
        assert await guard.first_time("wecom:msg", "latest", clock.t)
        assert _rows(path) == [("wecom:msg", "latest")]
    finally:
        await db.close()


async def test_a_long_key_is_stored_hashed_and_still_recognised(tmp_path: Path) -> None:
    path = tmp_path / "tradechat.sqlite"
    clock = Clock()
    db = await Database.open(sqlite_url(path))
    try:
        guard = ReplayGuard(db, clock=clock)
        long_key = "ev:alice|1733280000|template_card_event|" + "c:" + "X" * 300
        assert await guard.first_time("wecom:msg", long_key, clock.t)
        assert not await guard.first_time("wecom:msg", long_key, clock.t)
        assert await guard.first_time("wecom:msg", long_key + "Y", clock.t)
        assert all(len(key) <= KEY_MAX for _source, key in _rows(path))
    finally:
        await db.close()


async def test_a_window_must_be_positive(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "unused.sqlite"))
    try:
        with pytest.raises(ValueError, match="window"):
            ReplayGuard(db, window_s=0)
    finally:
        await db.close()
