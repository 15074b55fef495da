"""Telegram webhook replays: an update carries no signed timestamp, so a captured webhook request
with its secret header could be posted again. Each `update_id` is acted on once — recorded in
the app database (store/replay.py), so a restart forgets none — and a repeat is audited.

The platform is built by `create()` (as `tradechat run` builds it, the guard from
`PlatformParts.db`), with the real python-telegram-bot client against the fake Bot API server
(tests/fakes/fake_telegram.py), which also posts the updates to the webhook."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.base import PlatformParts
from bot.platforms.telegram import REPLAY_SOURCE, REPLAY_WINDOW_S, TelegramPlatform, create
from bot.settings import Settings
from handlers.messages import Incoming, Outgoing
from store.audit import AuditLog
from store.db import Database, sqlite_url
from tests.fakes.fake_telegram import FakeTelegram

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

ALICE = 111
SECRET = "s3cret-token"
WAIT_S = 10.0  # a bound on waiting, never an assertion on time


class Echo:
    """A stand-in conversation: answers every text with itself, and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, inc: Incoming) -> list[Outgoing]:
        self.seen.append(inc.text or "")
        return [Outgoing(f"echo {inc.text}")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tradechat.sqlite"


def webhook_platform(
    tg: FakeTelegram, db: Database, echo: Echo, monkeypatch: pytest.MonkeyPatch
) -> TelegramPlatform:
    monkeypatch.setenv("TG_TEST_TOKEN", tg.token)
    monkeypatch.setenv("TG_TEST_SECRET", SECRET)
    port = _free_port()
    settings = Settings(
        telegram={
            "token_env": "TG_TEST_TOKEN",
            "secret_token_env": "TG_TEST_SECRET",
            "api_base_url": tg.base_url,
            "api_file_url": tg.base_file_url,
            "webhook_url": f"http://127.0.0.1:{port}/tg/hook",
            "listen_host": "127.0.0.1",
            "listen_port": port,
        }
    )
    parts = PlatformParts(
        handle=echo, listed=lambda platform, user: True, audit=AuditLog(db).record, db=db
    )
    platform = create(parts, settings)
    assert isinstance(platform, TelegramPlatform)
    return platform


def captured(tg: FakeTelegram, update_id: int, text: str) -> dict[str, Any]:
    """A webhook request body as it crossed the wire (and could be captured)."""
    user = tg.user(ALICE)
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": tg.private_chat(user),
            "from": user,
            "text": text,
        },
    }


async def replay_rows(db: Database) -> list[dict[str, Any]]:
    entries = await AuditLog(db).entries(limit=100)
    return [json.loads(e.detail) for e in entries if e.event == "replay"]


async def eventually(check: Callable[[], Any]) -> None:
    async def poll() -> None:
        while not await check():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), WAIT_S)


def texts_to_alice(tg: FakeTelegram) -> list[str]:
    return [c.params["text"] for c in tg.calls_of("sendMessage")]


async def test_the_same_update_posted_twice_is_answered_once_and_audited(
    tg: FakeTelegram, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await Database.open(sqlite_url(db_path))
    echo = Echo()
    platform = webhook_platform(tg, db, echo, monkeypatch)
    await platform.start()
    try:
        update = captured(tg, 7001, "余额")
        assert await tg.deliver_raw(update, SECRET) == 200
        await tg.wait_sent(ALICE)
        assert await tg.deliver_raw(update, SECRET) == 200  # the replay

        async def audited() -> bool:
            return len(await replay_rows(db)) == 1

        await eventually(audited)
        [row] = await replay_rows(db)
        assert row == {"reason": "duplicate", "update_id": 7001}
        # a fresh update still goes through, and the replay never reached the conversation
        assert await tg.deliver_raw(captured(tg, 7002, "持仓"), SECRET) == 200
        await tg.wait_sent(ALICE, 2)
        assert echo.seen == ["余额", "持仓"]
        assert texts_to_alice(tg) == ["echo 余额", "echo 持仓"]
    finally:
        await platform.stop()
        await db.close()


async def test_a_replay_after_a_restart_on_the_same_database_is_still_ignored(
    tg: FakeTelegram, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    update = captured(tg, 8001, "/readonly off")
    db = await Database.open(sqlite_url(db_path))
    first = Echo()
    platform = webhook_platform(tg, db, first, monkeypatch)
    await platform.start()
    try:
        assert await tg.deliver_raw(update, SECRET) == 200
        await tg.wait_sent(ALICE)
    finally:
        await platform.stop()
        await db.close()

    db = await Database.open(sqlite_url(db_path))  # the process starts again
    second = Echo()
    platform = webhook_platform(tg, db, second, monkeypatch)
    await platform.start()
    try:
        assert await tg.deliver_raw(update, SECRET) == 200

        async def audited() -> bool:
            return len(await replay_rows(db)) == 1

        await eventually(audited)
        assert await tg.deliver_raw(captured(tg, 8002, "余额"), SECRET) == 200
        await tg.wait_sent(ALICE, 2)
        assert first.seen == ["/readonly off"]
        assert second.seen == ["余额"]  # the replayed command never reached it
        assert texts_to_alice(tg) == ["echo /readonly off", "echo 余额"]
    finally:
        await platform.stop()
        await db.close()


async def test_polling_mode_has_no_replay_guard(
    tg: FakeTelegram, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long polling fetches updates from Telegram itself (nothing to replay into): no guard."""
    monkeypatch.setenv("TG_TEST_TOKEN", tg.token)
    db = await Database.open(sqlite_url(db_path))
    try:
        parts = PlatformParts(handle=Echo(), listed=lambda p, u: True, db=db)
        platform = create(parts, Settings(telegram={"token_env": "TG_TEST_TOKEN"}))
        assert isinstance(platform, TelegramPlatform)
        assert -1 not in platform.app.handlers
    finally:
        await db.close()


def test_the_window_keeps_an_update_id_for_a_day() -> None:
    assert REPLAY_SOURCE == "telegram:update"
    assert REPLAY_WINDOW_S == 24 * 3600
