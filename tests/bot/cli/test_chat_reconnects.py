"""`tradechat chat` runs under the same terminal supervisor as `tradechat run`: after the
terminal restarts it reconnects, and started while the terminal is down it connects when the
terminal comes up. Meanwhile the console says the terminal is away, never a traceback.

The app is built from settings as the command builds it (`build_app`), with `[broker] kind =
"mt5"` and the MetaTrader5 API of tests/fakes/mt5_module.py: the paper terminal behind a module
that can make every call fail like a terminal that is not running. Only the supervisor's waits
are shortened; the console reads its lines from the test instead of stdin."""

from __future__ import annotations

import asyncio
import io
import logging
import queue
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.build import App, build_app
from bot.cli.chat import chat_until_stopped
from bot.platforms.console import ConsolePlatform
from bot.settings import Settings
from broker.paper import PaperTerminal
from tests.fakes import mt5_module

BALANCE = "10,000.00"
AWAY = "交易终端暂时连不上"


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
        # the supervisor as `build_app` made it, with test-sized waits
        self.app.supervisor.interval_s = 0.05
        self.app.supervisor.backoff_s = (0.05,)
        self.task = asyncio.create_task(chat_until_stopped(self.app, self.platform, self.stop))

    async def say(self, text: str, expect: str) -> str:
        """Type `text`; wait for the answer that contains `expect` and return it."""
        before = len(self.out.getvalue())
        self._lines.put(text)
        await until(lambda: expect in self.out.getvalue()[before:])
        return self.out.getvalue()[before:]

    async def exit(self) -> int:
        self._lines.put(None)  # end of input: the console asks the command to stop
        assert self.task is not None
        return await asyncio.wait_for(self.task, 10)


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        app={"data_dir": tmp_path},
        broker={"kind": "mt5", "api_module": "tests.fakes.mt5_module"},
    )


@pytest.fixture
def terminal() -> Iterator[PaperTerminal]:
    paper = PaperTerminal(None, seed=7)
    mt5_module.use(paper)
    yield paper
    mt5_module.use(None)


@pytest.fixture(autouse=True)
def _log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in caplog.text


async def test_chat_reconnects_after_the_terminal_restarts(
    settings: Settings, terminal: PaperTerminal, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = await build_app(settings)
    assert app.broker.connected
    console = Console(app, tmp_path)
    console.start()
    await console.say("余额", BALANCE)

    mt5_module.away()  # the terminal process stops
    away = await console.say("余额", AWAY)
    assert BALANCE not in away
    await until(lambda: app.supervisor.attempts >= 1)  # the supervisor keeps trying
    assert not app.broker.connected

    mt5_module.back()  # the terminal is running again
    await until(lambda: app.broker.connected)
    await console.say("余额", BALANCE)
    assert await console.exit() == 0
    assert app.broker.closed  # the command closed what it opened
    no_traceback(caplog)


async def test_chat_started_while_the_terminal_is_down_connects_when_it_comes_up(
    settings: Settings, terminal: PaperTerminal, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mt5_module.away()
    app = await build_app(settings)  # does not fail: the supervisor will connect
    assert not app.broker.connected
    console = Console(app, tmp_path)
    console.start()
    await console.say("余额", AWAY)

    mt5_module.back()
    await until(lambda: app.broker.connected)
    await console.say("余额", BALANCE)
    assert await console.exit() == 0
    no_traceback(caplog)
