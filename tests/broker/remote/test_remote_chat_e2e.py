"""End to end: a tradechat built with `[broker] kind = "remote"` (the composition root, as
`tradechat chat` builds it) drives the paper terminal of another tradechat through that one's
gateway. The scripted console chat — balance, an order confirmed with ✅, closing the oldest
gold position, the month's P&L — runs as on a local terminal; stopping the gateway blocks
trading with a message that says why, and the heartbeat brings it back after the restart.
Only the supervisor's waits are shortened; the console reads its lines from the test."""

from __future__ import annotations

import asyncio
import io
import logging
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.build import App, build_app
from bot.cli.chat import chat_until_stopped
from bot.platforms.console import ConsolePlatform
from broker.remote import RemoteBroker
from tests.broker.remote.conftest import Vps, remote_settings, until

BALANCE = "10,000.00"


class Console:
    """The chat command's console, typed into by the test."""

    def __init__(self, app: App, tmp_path: Path) -> None:
        self.app = app
        self.out = io.StringIO()
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.stop = asyncio.Event()
        self.platform = ConsolePlatform(
            app.conversation.handle,
            tmp_path / "out",
            request_stop=self.stop.set,
            interactive=False,
            lines=self._typed(),
            stream=self.out,
        )
        self.task: asyncio.Task[int] | None = None

    def _typed(self) -> Iterator[str]:
        while (line := self._lines.get()) is not None:
            yield line + "\n"

    def start(self) -> None:
        self.app.supervisor.interval_s = 0.05  # the heartbeat, test-sized
        self.app.supervisor.backoff_s = (0.05,)
        self.task = asyncio.create_task(chat_until_stopped(self.app, self.platform, self.stop))

    async def say(self, text: str, expect: str) -> str:
        """Type `text`; wait for the answer that contains `expect` and return it."""
        before = len(self.out.getvalue())
        self._lines.put(text)
        await until(lambda: expect in self.out.getvalue()[before:])
        return self.out.getvalue()[before:]

    async def exit(self) -> int:
        self._lines.put(None)
        assert self.task is not None
        return await asyncio.wait_for(self.task, 15)


@pytest.fixture(autouse=True)
def _log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


async def test_the_scripted_chat_runs_over_the_gateway_and_survives_its_restart(
    vps: Vps, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = await build_app(remote_settings(tmp_path / "linux", vps.port))
    assert isinstance(app.broker, RemoteBroker)
    assert app.broker.connected
    console = Console(app, tmp_path)
    console.start()

    await console.say("余额", BALANCE)
    await console.say("下单0.01手黄金", "[1] 买入  [2] 卖出")
    await console.say("1", "[1] ✅ 确认  [2] ❌ 取消")
    await console.say("1", "已成交")
    await console.say("下单0.02手黄金", "[1] 买入  [2] 卖出")
    await console.say("2", "[1] ✅ 确认")
    await console.say("1", "已成交")
    there = await vps.app.broker.positions(symbol="XAUUSD")
    assert sorted(p.volume for p in there) == [0.01, 0.02]
    oldest = min(there, key=lambda p: (p.time, p.ticket))

    preview = await console.say("对最早的黄金订单平仓", "[1] ✅ 确认")
    assert f"#{oldest.ticket}" in preview
    await console.say("1", "已平仓")
    left = await vps.app.broker.positions(symbol="XAUUSD")
    assert [p.ticket for p in left] == [p.ticket for p in there if p.ticket != oldest.ticket]
    month = await console.say("本月盈亏", "💰 盈亏 · ")
    # the remote terminal's server clock travelled with the answer: its month, its zone
    assert "服务器时间 UTC+2" in month
    assert "本期没有成交" not in month

    # the gateway's service stops: trading is blocked, and the answer says why
    await vps.stop_gateway()
    await until(lambda: not app.broker.connected)
    # the admins' alert (the console user is one) names the gateway that stopped answering
    await until(lambda: "连接中断" in console.out.getvalue())
    assert f"网关 {vps.url} 无应答" in console.out.getvalue()
    away = await console.say("买入0.01手黄金", "网关")
    assert "没有执行任何操作" in away  # nothing was done, and it says so
    assert "已成交" not in away
    blocked = await console.say("余额", "网关")
    assert BALANCE not in blocked
    assert len(await vps.app.broker.positions()) == 1  # nothing was sent meanwhile

    # the service is back: the heartbeat reconnects and trading resumes
    await vps.start_gateway()
    await until(lambda: app.broker.connected)
    await until(lambda: "恢复交易" in console.out.getvalue())
    await console.say("余额", "余额")
    await console.say("下单0.01手黄金", "[1] 买入  [2] 卖出")
    await console.say("1", "[1] ✅ 确认")
    await console.say("1", "已成交")
    assert len(await vps.app.broker.positions()) == 2
    assert await console.exit() == 0
    assert app.broker.closed
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
