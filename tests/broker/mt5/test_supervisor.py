"""The supervisor: a terminal that goes away blocks trading, is reconnected with back-off
5 → 10 → 20 → 30 → 60 s, and the scheduler hears about both events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from broker.errors import TemporaryBrokerError
from broker.models import Health, TradeResult
from broker.mt5 import MT5Broker
from broker.mt5.supervisor import Supervisor
from broker.paper import PaperTerminal
from handlers.broker_text import note_text
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, Recorder


def en(result: TradeResult) -> str:
    """The result's note as the user reads it in English (worded by handlers)."""
    return note_text(result.note, "en")


class Outage:
    """Takes the paper terminal away the way a crashed MT5 terminal goes away: every call fails
    with (-10004, 'No IPC connection') and initialize() fails until `back()`."""

    def __init__(self, term: PaperTerminal, rec: Recorder) -> None:
        self.term = term
        self.down = False
        rec.hooks["initialize"] = self._initialize
        rec.hooks["last_error"] = self._last_error

    def _initialize(self, real: Any, *args: Any, **kwargs: Any) -> bool:
        return False if self.down else bool(real(*args, **kwargs))

    def _last_error(self, real: Any) -> tuple[int, str]:
        return (-10004, "No IPC connection") if self.down else real()

    def start(self) -> None:
        self.down = True
        self.term.shutdown()

    def back(self) -> None:
        self.down = False


@pytest.fixture
def clock() -> Clock:
    return Clock(T0.timestamp())


@pytest.fixture
def term(clock: Clock) -> Iterator[PaperTerminal]:
    t = PaperTerminal(None, clock=clock, server_utc_offset_hours=2)
    t.set_price("XAUUSD", 2650.0, 2650.15)
    yield t
    t.close()


@pytest.fixture
def rec(term: PaperTerminal) -> Recorder:
    return Recorder(term)


@pytest.fixture
def outage(term: PaperTerminal, rec: Recorder) -> Outage:
    return Outage(term, rec)


@pytest.fixture
async def broker(rec: Recorder, clock: Clock) -> AsyncIterator[MT5Broker]:
    b = MT5Broker(rec, magic=MAGIC, clock=clock)
    await b.connect()
    yield b
    await b.close()


async def test_healthy_terminal_needs_no_reconnect(broker: MT5Broker) -> None:
    sup = Supervisor(broker, sleep=_no_sleep)
    assert await sup.check()
    assert sup.delays == []


async def _no_sleep(_: float) -> None:
    return None


async def test_outage_blocks_trading_and_reconnects_with_backoff(
    broker: MT5Broker, rec: Recorder, outage: Outage
) -> None:
    alerts: list[tuple[str, Health]] = []
    during: list[TradeResult] = []
    health_during: list[Health] = []

    async def fake_sleep(seconds: float) -> None:
        if len(sup.delays) == 2:  # in the middle of the outage, a user tries to trade
            during.append(await broker.open_market("XAUUSD", "buy", 0.01))
            health_during.append(await broker.health())
        if len(sup.delays) == 7:
            outage.back()

    sup = Supervisor(
        broker,
        sleep=fake_sleep,
        on_disconnect=lambda h: alerts.append(("down", h)),
        on_reconnect=lambda h: alerts.append(("up", h)),
    )
    outage.start()
    assert not await sup.check()
    assert sup.delays == [5, 10, 20, 30, 60, 60, 60]
    assert sup.attempts == 7
    assert [kind for kind, _ in alerts] == ["down", "up"]
    down, up = alerts[0][1], alerts[1][1]
    assert not down.connected
    assert down.note.key == "terminal_lost"
    assert "not connected" in note_text(down.note, "en")
    assert "交易终端未连接" in note_text(down.note, "zh")
    assert up.connected
    assert "connected again" in note_text(up.note, "en")
    assert "重新连接" in note_text(up.note, "zh")
    # while away: refused without sending anything
    [blocked] = during
    assert not blocked.ok
    assert (
        en(blocked) == "The trading terminal is not connected; trading is paused until it is back"
    )
    assert rec.requests == []
    assert not health_during[0].connected
    # back: trading works again
    assert broker.connected
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert r.ok


async def test_a_failed_call_wakes_the_supervisor_at_once(
    broker: MT5Broker, outage: Outage
) -> None:
    reconnected = asyncio.Event()
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        outage.back()

    sup = Supervisor(
        broker, interval_s=3600, sleep=fake_sleep, on_reconnect=lambda h: reconnected.set()
    )
    sup.start()
    await asyncio.sleep(0)
    try:
        outage.start()
        with pytest.raises(TemporaryBrokerError):
            await broker.positions()
        # no hour-long wait for the next ping: the lost call wakes the supervisor
        await asyncio.wait_for(reconnected.wait(), timeout=10)
    finally:
        await sup.stop()
    assert waits == [5]
    assert broker.connected


async def test_lost_trade_server_blocks_trading_until_it_is_back(
    broker: MT5Broker, term: PaperTerminal
) -> None:
    async def fake_sleep(seconds: float) -> None:
        if len(sup.delays) == 3:
            term.set_connected(True)

    sup = Supervisor(broker, sleep=fake_sleep)
    term.set_connected(False)
    assert not await sup.check()
    assert sup.delays == [5, 10, 20]
    assert broker.connected


async def test_a_failing_alert_callback_does_not_stop_reconnection(
    broker: MT5Broker, outage: Outage
) -> None:
    def broken(_: Health) -> None:
        raise RuntimeError("chat platform down")

    async def fake_sleep(seconds: float) -> None:
        outage.back()

    sup = Supervisor(broker, sleep=fake_sleep, on_disconnect=broken, on_reconnect=broken)
    outage.start()
    await sup.check()
    assert broker.connected


async def test_async_callbacks_are_awaited(broker: MT5Broker, outage: Outage) -> None:
    seen: list[bool] = []

    async def on_change(h: Health) -> None:
        seen.append(h.connected)

    async def fake_sleep(seconds: float) -> None:
        outage.back()

    sup = Supervisor(broker, sleep=fake_sleep, on_disconnect=on_change, on_reconnect=on_change)
    outage.start()
    await sup.check()
    assert seen == [False, True]


async def test_closed_broker_is_not_reconnected(broker: MT5Broker) -> None:
    sup = Supervisor(broker, sleep=_no_sleep)
    await broker.close()
    assert not await sup.check()
    assert sup.delays == []


def test_backoff_schedule() -> None:
    sup = Supervisor(MT5Broker(None))
    assert [sup.next_delay(i) for i in range(7)] == [5, 10, 20, 30, 60, 60, 60]
