"""A close-all preview names the symbol of every ticket it touches, on every platform: the
console, Telegram (the real python-telegram-bot client against the fake Bot API), QQ (a fake
OneBot implementation on our reverse WebSocket) and WeCom (a signed, encrypted callback and a
fake WeCom API). The conversation is the real one on the paper terminal (conftest's `world`),
with thirteen positions in five symbols, both sides, as in the report that found "平仓 *（13
单…）" with thirteen ticket lines and no symbol.

What is checked on each platform's output as the user sees it:
- every ticket's line names its symbol, side and volume, and the line under it its entry
  price and floating P&L;
- the totals per symbol are there;
- every line about a ticket fits a phone (32 monospace columns, CJK counting double), and so
  does every line Telegram puts in a monospace <pre> block.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.console import USER, ConsolePlatform
from bot.platforms.qq import OneBotPlatform
from bot.platforms.wecom import WeComPlatform
from broker.models import Position
from handlers.auth import UserRule
from handlers.conversation import Conversation
from handlers.format import width
from handlers.plan_text import TICKET_WIDTH
from store.audit import AuditLog
from store.replay import ReplayGuard
from tests.conftest import TRADER, ChatWorld, conv_config
from tests.fakes.fake_onebot import FakeOneBot
from tests.fakes.fake_telegram import FakeTelegram, fast_platform
from tests.fakes.fake_wecom import (
    AES_KEY,
    AGENT_ID,
    CORP_ID,
    SECRET,
    TOKEN,
    CallbackDriver,
    FakeWeCom,
)

QQ_USER, QQ_TOKEN = 20002, "onebot-close-all-token"
WECOM_USER = "alice"
USERS = (
    UserRule("console", USER, "admin", "local"),
    UserRule("telegram", TRADER, "trader", "Tom"),
    UserRule("qq", str(QQ_USER), "trader", "Alice"),
    UserRule("wecom", WECOM_USER, "trader", "Alice"),
)
BOOK = [  # (symbol, side, lots): thirteen positions in five symbols
    ("XAUUSD", "buy", 0.01),
    ("XAUUSD", "sell", 0.02),
    ("EURUSD", "buy", 0.1),
    ("XAUUSD", "buy", 0.03),
    ("GBPUSD", "sell", 0.05),
    ("EURUSD", "sell", 0.2),
    ("USDJPY", "buy", 0.1),
    ("XAUUSD", "sell", 0.01),
    ("BTCUSD", "buy", 0.01),
    ("GBPUSD", "buy", 0.05),
    ("EURUSD", "buy", 0.1),
    ("USDJPY", "sell", 0.3),
    ("XAUUSD", "buy", 0.02),
]
TICKET_LINE = re.compile(r"^#(\d+) ")


@pytest.fixture
async def book(world: ChatWorld) -> list[Position]:
    for symbol, side, lots in BOOK:
        result = await world.broker.open_market(symbol, side, lots)  # type: ignore[arg-type]
        assert result.ok, result
        world.clock.advance(7)
    positions = await world.broker.positions()
    assert len(positions) == len(BOOK)
    return positions


@pytest.fixture
async def conv(world: ChatWorld, book: list[Position]) -> Conversation:
    return await world.make(conv_config(users=USERS))


def assert_names_every_ticket(text: str, positions: list[Position]) -> None:
    lines = text.splitlines()
    heads = {int(m.group(1)): i for i, line in enumerate(lines) if (m := TICKET_LINE.match(line))}
    assert sorted(heads) == sorted(p.ticket for p in positions), text
    for p in positions:
        head = lines[heads[p.ticket]]
        assert head.split()[1] == p.symbol, head
        assert ("买" if p.side == "buy" else "卖") in head.split()[2], head
        assert f"{p.volume:g}" in head, head
        detail = lines[heads[p.ticket] + 1]
        assert detail.startswith("  开仓价 "), detail
        assert "浮动 " in detail, detail
        for line in (head, detail):
            assert width(line) <= TICKET_WIDTH, line
    for symbol in {p.symbol for p in positions}:  # the totals per symbol
        assert any(line.startswith(symbol + " ") for line in lines), symbol
    assert f"合计 {len(positions)} 单" in text


# --------------------------------------------------------------------------- console


async def test_console_close_all_preview_names_the_symbol_of_every_ticket(
    conv: Conversation, book: list[Position], tmp_path: Path
) -> None:
    out = io.StringIO()
    done = asyncio.Event()
    console = ConsolePlatform(
        conv.handle,
        tmp_path / "out",
        request_stop=done.set,
        interactive=False,
        lines=["全部平仓"],
        stream=out,
    )
    await console.start()
    await asyncio.wait_for(done.wait(), 10)
    await console.stop()
    printed = out.getvalue()
    assert "[1] ✅ 确认  [2] ❌ 取消" in printed
    assert_names_every_ticket(printed, book)


# --------------------------------------------------------------------------- Telegram


async def test_telegram_close_all_preview_names_the_symbol_of_every_ticket(
    conv: Conversation, book: list[Position]
) -> None:
    async with FakeTelegram() as tg:
        platform = fast_platform(tg, conv.handle, {TRADER})
        await platform.start()
        try:
            tg.send_text(tg.user(int(TRADER), "Tom"), "全部平仓")
            [preview] = await tg.wait_sent(int(TRADER))
        finally:
            await platform.stop()
    assert_names_every_ticket(preview["text"], book)
    keyboard = preview["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in keyboard for b in row] == ["✅ 确认", "❌ 取消"]
    blocks = re.findall(r"<pre>(.*?)</pre>", preview["html"], re.DOTALL)
    assert blocks, preview["html"]  # the per-symbol totals line up in monospace
    for block in blocks:
        for line in block.splitlines():
            assert width(line) <= TICKET_WIDTH, line


# --------------------------------------------------------------------------- QQ


@pytest.fixture
async def onebot(conv: Conversation, world: ChatWorld) -> AsyncIterator[FakeOneBot]:
    bot = OneBotPlatform(
        conv.handle,
        lambda uid: conv.is_listed("qq", uid),
        listen_port=0,
        access_token=QQ_TOKEN,
        audit=AuditLog(world.db).record,
        min_send_interval_s=0.0,
        send_jitter_s=0.0,
        action_timeout_s=5.0,
    )
    await bot.start()
    fake = FakeOneBot(access_token=QQ_TOKEN)
    await fake.dial(f"ws://127.0.0.1:{bot.bound_port}/onebot/v11/ws")
    assert await bot.wait_connected(5)
    try:
        yield fake
    finally:
        await fake.close()
        await bot.stop()


async def test_qq_close_all_preview_names_the_symbol_of_every_ticket(
    onebot: FakeOneBot, book: list[Position]
) -> None:
    await onebot.private_message(QQ_USER, "全部平仓")
    sends = await onebot.wait_sends(1, timeout=15)
    text = "\n".join(s.text for s in sends)
    assert_names_every_ticket(text, book)
    assert re.search(r"回复「确认 [A-Z0-9]{4}」", text)


# --------------------------------------------------------------------------- WeCom


async def test_wecom_close_all_preview_names_the_symbol_of_every_ticket(
    conv: Conversation, world: ChatWorld, book: list[Position]
) -> None:
    fake = FakeWeCom()
    await fake.start()
    bot = WeComPlatform(
        conv.handle,
        lambda uid: conv.is_listed("wecom", uid),
        corp_id=CORP_ID,
        agent_id=AGENT_ID,
        secret=SECRET,
        token=TOKEN,
        aes_key=AES_KEY,
        replay=ReplayGuard(world.db, window_s=300),
        audit=AuditLog(world.db).record,
        api_base_url=fake.base_url,
        listen_port=0,
        retry_wait_s=0.01,
    )
    await bot.start()
    driver = CallbackDriver(f"http://127.0.0.1:{bot.bound_port}/wecom/callback")
    try:
        await driver.text(WECOM_USER, "全部平仓")
        await bot.idle()
        sent = [c for c in fake.sends() if c.body["touser"] == WECOM_USER]
    finally:
        await driver.close()
        await bot.stop()
        await fake.close()
    texts: list[Any] = [c.text for c in sent if c.msgtype == "text"]
    assert all(len(t.encode()) <= 2048 for t in texts)
    assert_names_every_ticket("\n".join(texts), book)
    cards = [c.body["template_card"] for c in sent if c.msgtype == "template_card"]
    assert [[b["text"] for b in card["button_list"]] for card in cards] == [["✅ 确认", "❌ 取消"]]
