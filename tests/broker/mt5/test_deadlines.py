"""Deadlines and lanes: one hung terminal call frees its caller, blocks nothing but trading, is
never called past, and the terminal comes back when the stuck call returns.

The hang is injected at the remote-API boundary (`Hang` in tests/fakes/mt5_fakes.py blocks
inside the paper terminal's `order_send` until released). Assertions are on the order of
events — "answered while the order was still blocked" — never on seconds; the deadlines are
small so the suite stays quick, and every wait has a generous safety timeout."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from broker.errors import TemporaryBrokerError
from broker.models import Health, TradeResult
from broker.mt5 import MT5Broker
from broker.mt5.snapshot import accept_snapshots
from broker.mt5.supervisor import Supervisor
from broker.mt5.worker import CallAbandoned, CallNotStarted, TerminalStuck, Worker
from broker.paper import PaperTerminal
from handlers.broker_text import note_text
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, Hang, Recorder

SAFETY_S = 20.0  # only ever reached when the behaviour under test is broken


def en(result: TradeResult) -> str:
    return note_text(result.note, "en")


async def until(event: threading.Event) -> None:
    """Wait (off the loop) for a thread-side event."""
    assert await asyncio.to_thread(event.wait, SAFETY_S), "the event never happened"


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
async def broker(rec: Recorder, clock: Clock) -> AsyncIterator[MT5Broker]:
    b = MT5Broker(
        rec,
        magic=MAGIC,
        clock=clock,
        trade_deadline_s=0.3,
        query_deadline_s=0.3,
        snapshot_wait_s=0.05,
    )
    await b.connect()
    yield b
    await b.close()


@pytest.fixture
def hang(rec: Recorder) -> Iterator[Hang]:
    h = Hang(rec)
    yield h
    h.release()  # never leave a thread blocked behind a failed test


# --------------------------------------------------------------------------- the caller is freed


async def test_a_trade_past_its_deadline_answers_unknown_while_the_call_is_still_stuck(
    broker: MT5Broker, hang: Hang
) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.01, comment="tc:HUNG01")
    assert not hang.returned.is_set()  # the caller was freed; the terminal call is still in
    assert r.state == "unknown"
    assert r.retcode == -10005
    assert en(r).startswith("The terminal did not answer in time")
    assert "may or may not have been executed" in en(r)
    assert note_text(r.note, "zh").endswith("订单可能已执行也可能未执行，请查看持仓和挂单")


async def test_a_stuck_call_makes_the_terminal_away_and_nothing_else_calls_it(
    broker: MT5Broker, rec: Recorder, hang: Hang
) -> None:
    await broker.open_market("XAUUSD", "buy", 0.01)
    assert broker.stuck
    assert not broker.connected
    assert broker.connection_lost.is_set()  # the supervisor is woken at once
    calls_before = len(rec.calls)
    second = await broker.open_market("XAUUSD", "buy", 0.02)
    with pytest.raises(TemporaryBrokerError) as err:
        await broker.positions()
    health = await broker.health()
    assert not await broker.ping()
    assert not await broker.reconnect()
    assert len(rec.calls) == calls_before  # not one call reached the terminal meanwhile
    assert second.state == "refused"
    assert en(second) == (
        "The trading terminal is not connected; trading is paused until it is back"
    )
    assert "did not return within 0.3 s" in note_text(err.value.note, "en")
    assert "0.3 秒未返回" in note_text(err.value.note, "zh")
    assert not health.connected
    assert len(rec.requests) == 1


async def test_a_trade_queued_behind_a_stuck_one_is_refused_and_never_sent(
    broker: MT5Broker, rec: Recorder, hang: Hang
) -> None:
    first = asyncio.create_task(broker.open_market("XAUUSD", "buy", 0.01, comment="tc:FIRST"))
    await until(hang.entered)
    second = await broker.open_market("XAUUSD", "buy", 0.02, comment="tc:SECOND")
    assert not hang.returned.is_set()  # refused when the first was abandoned, not later
    assert second.state == "refused"
    assert (await first).state == "unknown"
    hang.release()
    await asyncio.wait_for(broker.call_returned.wait(), SAFETY_S)
    assert [r["comment"] for r in rec.requests] == ["tc:FIRST"]


async def test_when_the_stuck_call_returns_the_next_call_runs_on_a_fresh_thread(
    broker: MT5Broker, rec: Recorder, hang: Hang, term: PaperTerminal
) -> None:
    await broker.account()
    first_threads = set(rec.thread_names)
    await broker.open_market("XAUUSD", "buy", 0.01, comment="tc:LATE01")
    hang.release()
    await asyncio.wait_for(broker.call_returned.wait(), SAFETY_S)
    assert not broker.stuck
    assert await broker.reconnect()
    assert broker.connected
    rec.thread_names.clear()
    await broker.account()
    assert rec.thread_names  # it ran …
    assert rec.thread_names.isdisjoint(first_threads)  # … on a new worker thread
    # the released order executed late — once: nothing was sent again
    assert len(rec.requests) == 1
    [pos] = term.positions_get()
    assert pos.comment == "tc:LATE01"


async def test_the_late_outcome_of_an_abandoned_trade_is_logged(
    broker: MT5Broker, hang: Hang, caplog: pytest.LogCaptureFixture
) -> None:
    await broker.open_market("XAUUSD", "buy", 0.01, comment="tc:LOG01")
    hang.release()
    await asyncio.wait_for(broker.call_returned.wait(), SAFETY_S)
    [late] = [r.getMessage() for r in caplog.records if "returned late" in r.getMessage()]
    assert "done" in late
    assert "tc:LOG01" in late


# --------------------------------------------------------------------------- queries keep answering


async def test_a_query_that_accepts_snapshots_answers_while_a_trade_is_blocked(
    broker: MT5Broker, hang: Hang, clock: Clock, rec: Recorder
) -> None:
    fresh = await broker.account()
    clock.advance(12)
    trade = asyncio.create_task(broker.open_market("XAUUSD", "buy", 0.01))
    await until(hang.entered)
    with accept_snapshots() as use:
        answer = await broker.account()
    assert not trade.done()  # answered before the trade's caller was even freed
    assert not hang.returned.is_set()
    assert answer == fresh
    assert use.age_s == 12
    assert (await trade).state == "unknown"
    with accept_snapshots() as use:  # and after the deadline, while the call is still stuck
        assert await broker.account() == fresh
    assert use.age_s == 12


async def test_a_query_that_needs_fresh_figures_is_refused_rather_than_answered_old(
    broker: MT5Broker, hang: Hang
) -> None:
    await broker.account()
    trade = asyncio.create_task(broker.open_market("XAUUSD", "buy", 0.01))
    await until(hang.entered)
    with pytest.raises(TemporaryBrokerError) as err:
        await broker.account()  # e.g. the risk re-check at ✅
    assert "busy" in note_text(err.value.note, "en") or "did not return" in note_text(
        err.value.note, "en"
    )
    await trade


async def test_a_snapshot_older_than_its_limit_is_not_used(
    rec: Recorder, clock: Clock, hang: Hang
) -> None:
    broker = MT5Broker(
        rec, clock=clock, trade_deadline_s=0.2, query_deadline_s=0.2, snapshot_max_age_s=60
    )
    await broker.connect()
    try:
        await broker.account()
        clock.advance(61)
        await broker.open_market("XAUUSD", "buy", 0.01)
        with accept_snapshots() as use, pytest.raises(TemporaryBrokerError):
            await broker.account()
        assert use.age_s is None
    finally:
        hang.release()
        await broker.close()


async def test_a_good_ping_refreshes_the_account_and_positions_snapshot(
    broker: MT5Broker, hang: Hang, clock: Clock
) -> None:
    assert await broker.ping()
    clock.advance(5)
    await broker.open_market("XAUUSD", "buy", 0.01)
    with accept_snapshots() as use:
        acc = await broker.account()
        positions = await broker.positions()
    assert acc.balance == 10_000.0
    assert positions == []
    assert use.age_s == 5


async def test_a_hung_query_is_abandoned_like_a_hung_trade(
    broker: MT5Broker, rec: Recorder
) -> None:
    hung = Hang(rec, "positions_get")
    try:
        with pytest.raises(TemporaryBrokerError) as err:
            await broker.positions()
        assert not hung.returned.is_set()
        assert err.value.code == -10005
        assert broker.stuck
        r = await broker.open_market("XAUUSD", "buy", 0.01)
        assert r.state == "refused"
        assert rec.requests == []
    finally:
        hung.release()


# --------------------------------------------------------------------------- the supervisor


async def test_the_supervisor_alerts_a_stuck_call_as_a_lost_terminal_and_recovers_when_it_returns(
    broker: MT5Broker, hang: Hang
) -> None:
    alerts: list[tuple[str, Health]] = []
    down, up = asyncio.Event(), asyncio.Event()
    never = asyncio.Event()

    async def back_off_forever(_: float) -> None:
        await never.wait()  # recovery must come from the stuck call returning, not a timer

    def on_down(h: Health) -> None:
        alerts.append(("down", h))
        down.set()

    def on_up(h: Health) -> None:
        alerts.append(("up", h))
        up.set()

    sup = Supervisor(
        broker, interval_s=3600, sleep=back_off_forever, on_disconnect=on_down, on_reconnect=on_up
    )
    sup.start()
    try:
        r = await broker.open_market("XAUUSD", "buy", 0.01)
        await asyncio.wait_for(down.wait(), SAFETY_S)
        assert not up.is_set()
        hang.release()
        await asyncio.wait_for(up.wait(), SAFETY_S)
    finally:
        await sup.stop()
    assert r.state == "unknown"
    assert [kind for kind, _ in alerts] == ["down", "up"]
    assert "did not return within 0.3 s" in note_text(alerts[0][1].note, "en")
    assert "交易终端未连接" in note_text(alerts[0][1].note, "zh")
    assert "trading resumed" in note_text(alerts[1][1].note, "en")
    assert broker.connected
    assert (await broker.open_market("XAUUSD", "buy", 0.01)).ok


# --------------------------------------------------------------------------- the worker itself


async def test_a_call_queued_behind_a_stuck_one_never_runs() -> None:
    worker = Worker()
    release, ran = threading.Event(), threading.Event()
    first = asyncio.create_task(worker.call(release.wait, SAFETY_S, deadline_s=0.2))
    await asyncio.sleep(0)
    try:
        with pytest.raises(TerminalStuck):
            await worker.call(ran.set, deadline_s=5)
        with pytest.raises(CallAbandoned):
            await first
        with pytest.raises(TerminalStuck):  # bounded: while it is stuck, nothing starts
            await worker.call(ran.set, deadline_s=5)
        assert worker.abandoned_running == 1
    finally:
        release.set()
    assert not ran.is_set()


async def test_a_caller_with_a_queue_wait_gives_up_without_running() -> None:
    worker = Worker()
    release, ran = threading.Event(), threading.Event()
    busy = asyncio.create_task(worker.call(release.wait, SAFETY_S, deadline_s=SAFETY_S))
    await asyncio.sleep(0)
    try:
        with pytest.raises(CallNotStarted):
            await worker.call(ran.set, deadline_s=SAFETY_S, queue_wait_s=0.05)
        assert not worker.stuck  # a call that never started does not make the terminal away
    finally:
        release.set()
    assert await busy is True
    assert await worker.call(lambda: "after", deadline_s=SAFETY_S) == "after"
    assert not ran.is_set()
    worker.shutdown()


async def test_errors_from_the_call_reach_the_caller() -> None:
    worker = Worker()

    def boom() -> None:
        raise ValueError("terminal says no")

    with pytest.raises(ValueError, match="terminal says no"):
        await worker.call(boom, deadline_s=SAFETY_S)
    assert worker.on_worker_thread() is False
    assert await worker.call(worker.on_worker_thread, deadline_s=SAFETY_S) is True
    worker.shutdown()
