"""Bars over a range and contract info through MT5Broker, exactly as with a real terminal: the
paper terminal answers copy_rates_range and order_calc_margin, MT5Broker converts server time
to UTC and refuses what the terminal refuses."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from broker.errors import BrokerError, SymbolNotFound
from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.broker_text import note_text
from tests.fakes.mt5_fakes import MAGIC, Clock, Recorder

TUESDAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
async def world() -> AsyncIterator[tuple[MT5Broker, Recorder, PaperTerminal]]:
    clock = Clock(TUESDAY.timestamp())
    term = PaperTerminal(None, clock=clock, server_utc_offset_hours=2)
    rec = Recorder(term)
    broker = MT5Broker(rec, magic=MAGIC, clock=clock)  # the offset is detected, not given
    await broker.connect()
    yield broker, rec, term
    await broker.close()
    term.close()


async def test_a_range_across_the_weekend_has_friday_and_monday_bars_in_utc(
    world: tuple[MT5Broker, Recorder, PaperTerminal],
) -> None:
    broker, rec, _ = world
    start = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # Friday 14:00 server time
    end = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # Monday 14:00 server time
    bars = await broker.rates_range("EURUSD", "H1", start, end)
    call = [c for c in rec.calls if c[0] == "copy_rates_range"][-1]
    # the window went to the terminal in server-time seconds (UTC + 2 h), never as a naive
    # datetime (which the package would read as the machine's local time)
    assert call[1][2:] == (int(start.timestamp()) + 7200, int(end.timestamp()) + 7200)
    assert bars[0].time == start
    assert bars[-1].time == end
    assert {b.time.astimezone(UTC).strftime("%a") for b in bars} == {"Fri", "Sun", "Mon"}
    # Friday 14:00 … 23:00 server, Monday 00:00 … 14:00 server (Sunday 22:00 UTC onwards)
    assert len(bars) == 10 + 15
    gap = [
        b.time - a.time for a, b in itertools.pairwise(bars) if b.time - a.time > timedelta(hours=1)
    ]
    assert gap == [timedelta(hours=49)]


async def test_rates_range_agrees_with_rates(
    world: tuple[MT5Broker, Recorder, PaperTerminal],
) -> None:
    broker, _, _ = world
    newest = await broker.rates("XAUUSD", "M15", 8)
    ranged = await broker.rates_range("XAUUSD", "M15", newest[0].time, newest[-1].time)
    assert ranged == newest


async def test_bad_arguments_are_refused_with_the_terminals_reason(
    world: tuple[MT5Broker, Recorder, PaperTerminal],
) -> None:
    broker, _, _ = world
    with pytest.raises(SymbolNotFound):
        await broker.rates_range("NOPE", "H1", TUESDAY - timedelta(hours=3), TUESDAY)
    with pytest.raises(BrokerError) as bad_tf:
        await broker.rates_range("EURUSD", "H2", TUESDAY - timedelta(hours=3), TUESDAY)  # type: ignore[arg-type]
    assert "H2" in note_text(bad_tf.value.note, "en")
    with pytest.raises(BrokerError) as zero:
        await broker.rates("EURUSD", "H1", 0)
    assert zero.value.code == -2  # the terminal's own refusal: Terminal: Invalid params
    assert await broker.rates_range("EURUSD", "H1", TUESDAY, TUESDAY - timedelta(hours=3)) == []


async def test_contract_info_has_the_spread_swaps_and_the_terminals_margin(
    world: tuple[MT5Broker, Recorder, PaperTerminal],
) -> None:
    broker, rec, term = world
    term.set_price("XAUUSD", 2650.00, 2650.15)
    info = await broker.contract_info("XAUUSD")
    assert (info.bid, info.ask, info.spread_points) == (2650.00, 2650.15, 15)
    assert (info.swap_long, info.swap_short, info.swap_mode) == (-45.2, 24.8, "points")
    assert info.swap_triple_day == 3  # Wednesday, counted from Sunday as MT5 does
    assert info.trade_mode == "full"
    assert info.spec.contract_size == 100
    assert (info.spec.volume_min, info.spec.volume_step, info.spec.volume_max) == (0.01, 0.01, 50)
    margin_call = [c for c in rec.calls if c[0] == "order_calc_margin"][-1]
    assert margin_call[1] == (0, "XAUUSD", 1.0, 2650.15)  # buy 1 lot at the ask, floats
    assert info.margin_1lot == pytest.approx(2650.15)
    assert info.account_currency == "USD"
    assert info.last_tick == TUESDAY


async def test_a_closed_markets_last_tick_is_its_close(
    world: tuple[MT5Broker, Recorder, PaperTerminal],
) -> None:
    broker, _, term = world
    saturday = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    term.set_clock(lambda: saturday.timestamp())
    info = await broker.contract_info("EURUSD")
    # Friday 23:59:59 server time is 21:59:59 UTC
    assert info.last_tick == datetime(2026, 3, 13, 21, 59, 59, tzinfo=UTC)
    btc = await broker.contract_info("BTCUSD")  # crypto quotes on Saturdays
    assert btc.last_tick == saturday
