"""The console platform: numbered buttons, lines handled in order through the shared plumbing,
the end of input, and scripted stdin through the real CLI (with `tradechat audit` after it)."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.build import CONSOLE_USER
from bot.platforms.base import PlatformParts
from bot.platforms.console import ConsolePlatform, ConsoleSession, create
from bot.settings import Settings
from handlers.auth import UserRule
from handlers.messages import Incoming, Outgoing
from tests.conftest import ChatWorld, conv_config

ROOT = Path(__file__).resolve().parents[3]
CLI = Path(sys.executable).parent / "tradechat"


async def test_console_shows_buttons_as_numbers_and_a_number_presses_them(
    world: ChatWorld, tmp_path: Path
) -> None:
    world.conv = await world.make(conv_config(users=(CONSOLE_USER,)))
    buf = io.StringIO()
    s = ConsoleSession(world.conv.handle, tmp_path / "out", buf)
    await s.send("下单0.01手黄金")
    assert "[1] 买入  [2] 卖出" in buf.getvalue()
    await s.send("1")
    assert "[1] ✅ 确认  [2] ❌ 取消" in buf.getvalue()
    await s.send("1")
    assert "已成交" in buf.getvalue()
    assert len(await world.broker.positions()) == 1
    # once answered, "1" is ordinary text again, never a second press
    await s.send("1")
    assert len(world.orders_sent()) == 1


async def test_console_number_after_a_question_answers_the_question(
    world: ChatWorld, tmp_path: Path
) -> None:
    world.conv = await world.make(conv_config(users=(UserRule("console", "local", "admin"),)))
    buf = io.StringIO()
    s = ConsoleSession(world.conv.handle, tmp_path / "out", buf)
    preview = await s.send("买0.01手黄金")
    assert preview[0].buttons
    await s.send("买欧美")  # a new request: the old preview's numbers no longer apply
    out = await s.send("1")  # … so "1" answers "多少手？" with 1 lot
    assert "EURUSD 1 手" in out[0].text
    assert world.orders_sent() == []


async def test_console_writes_images_and_prints_their_paths(
    world: ChatWorld, tmp_path: Path
) -> None:
    from handlers.messages import Image, Outgoing

    buf = io.StringIO()
    s = ConsoleSession(world.conv.handle, tmp_path / "out", buf)
    s.show(Outgoing("chart", images=[Image(b"\x89PNG fake", "pnl.png", "P&L")]))
    [png] = list((tmp_path / "out").glob("*.png"))
    assert png.read_bytes() == b"\x89PNG fake"
    assert str(png) in buf.getvalue()


def _run_cli(args: list[str], stdin: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        TRADECHAT_APP__DATA_DIR=str(data_dir),
        TRADECHAT_BROKER__PAPER__DEMO_HISTORY_DAYS="0",
        TRADECHAT_CONFIG=str(ROOT / "settings.toml"),
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.run(
        [str(CLI), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=data_dir.parent,
        timeout=180,
        check=False,
    )


@pytest.mark.skipif(not CLI.exists(), reason="tradechat is not installed in this environment")
def test_scripted_console_chat_trades_and_the_audit_log_shows_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    res = _run_cli(["chat"], "余额\n下单0.01手黄金\n1\n1\n持仓\n", data)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "» 余额" in out
    assert "10,000.00" in out
    assert "[1] 买入  [2] 卖出" in out
    assert "[1] ✅ 确认  [2] ❌ 取消" in out
    assert "已成交" in out
    assert "持仓（1 单）" in out
    assert "Traceback" not in res.stderr
    # the paper terminal and the database were created under the data folder
    assert (data / "tradechat.sqlite").exists()

    audit = _run_cli(["audit", "--since", "1h", "--user", "local"], "", data)
    assert audit.returncode == 0, audit.stderr
    for event in ("message", "intent", "preview", "confirm", "order", "result"):
        assert f" {event}" in audit.stdout, audit.stdout
    bad = _run_cli(["audit", "--since", "yesterday-ish"], "", data)
    assert bad.returncode == 2
    assert "--since" in bad.stderr


async def _console_run(world: ChatWorld, tmp_path: Path, lines: list[str]) -> str:
    """The console platform over `lines` (as if piped into stdin) until it asks to stop."""
    world.conv = await world.make(conv_config(users=(CONSOLE_USER,)))
    stopped = asyncio.Event()
    buf = io.StringIO()
    console = ConsolePlatform(
        world.conv.handle,
        tmp_path / "out",
        request_stop=stopped.set,
        interactive=False,
        lines=lines,
        stream=buf,
    )
    await console.start()
    try:
        await asyncio.wait_for(stopped.wait(), 30)
    finally:
        await console.stop()
    return buf.getvalue()


async def test_console_platform_answers_lines_in_order_and_stops_at_the_end(
    world: ChatWorld, tmp_path: Path
) -> None:
    out = await _console_run(world, tmp_path, ["余额\n", "下单0.01手黄金\n", "1\n", "1\n"])
    # each line is echoed and answered before the next one is read as a button number
    balance, buy = out.index("» 余额"), out.index("» 下单0.01手黄金")
    assert balance < out.index("10,000.00") < buy
    assert out.index("[1] 买入  [2] 卖出") < out.index("[1] ✅ 确认  [2] ❌ 取消")
    assert "已成交" in out
    assert len(world.orders_sent()) == 1


async def test_console_platform_stops_at_exit_after_answering_what_came_before(
    world: ChatWorld, tmp_path: Path
) -> None:
    out = await _console_run(world, tmp_path, ["余额\n", "exit\n", "持仓\n"])
    assert "10,000.00" in out
    assert "持仓" not in out  # nothing after exit is handled


async def test_console_platform_prints_pushes(world: ChatWorld, tmp_path: Path) -> None:
    buf = io.StringIO()
    console = ConsolePlatform(world.conv.handle, tmp_path / "out", stream=buf, lines=[])
    await console.send("local", Outgoing("📊 日报", kind="push"))
    assert "📊 日报" in buf.getvalue()
    assert console.caps.buttons == "native"  # shown as numbers by the console itself


def test_console_is_created_when_asked_or_when_stdin_is_a_terminal(tmp_path: Path) -> None:
    async def handle(inc: Incoming) -> list[Outgoing]:
        return []

    settings = Settings(app={"data_dir": tmp_path})
    parts = PlatformParts(handle=handle, listed=lambda _p, _u: True)
    assert create(replace(parts, console=False), settings) is None
    made = create(replace(parts, console=True), settings)
    assert isinstance(made, ConsolePlatform)
    assert made.name == "console"
