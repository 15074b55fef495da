"""MT5Broker against the paper terminal: every operation, with the exact order_send request."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest

from broker.base import Broker
from broker.models import TradeResult
from broker.mt5 import MT5Broker
from broker.mt5.convert import deal_of
from broker.paper import PaperTerminal
from handlers.broker_text import note_text
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, Recorder, Struct

XAU_BID, XAU_ASK = 2650.00, 2650.15
EUR_BID, EUR_ASK = 1.08500, 1.08503


def en(result: TradeResult) -> str:
    """The result's note as the user reads it in English (worded by handlers)."""
    return note_text(result.note, "en")


def zh(result: TradeResult) -> str:
    return note_text(result.note, "zh")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0.timestamp())


def _terminal(clock: Clock, suffix: str = "") -> PaperTerminal:
    term = PaperTerminal(None, clock=clock, server_utc_offset_hours=2, suffix=suffix)
    term.set_price("XAUUSD" + suffix, XAU_BID, XAU_ASK)
    term.set_price("EURUSD" + suffix, EUR_BID, EUR_ASK)
    return term


@pytest.fixture
def term(clock: Clock) -> Iterator[PaperTerminal]:
    t = _terminal(clock)
    yield t
    t.close()


@pytest.fixture
def rec(term: PaperTerminal) -> Recorder:
    return Recorder(term)


@pytest.fixture
async def broker(rec: Recorder, clock: Clock) -> AsyncIterator[MT5Broker]:
    b = MT5Broker(rec, magic=MAGIC, clock=clock)  # server offset detected, not given
    await b.connect()
    yield b
    await b.close()


def test_mt5broker_implements_the_broker_protocol() -> None:
    assert isinstance(MT5Broker(None), Broker)


async def test_connect_detects_the_server_offset_from_the_latest_tick(broker: MT5Broker) -> None:
    assert broker.connected
    assert broker.server_utc_offset_hours == 2


async def test_open_market_buy_sends_the_documented_deal_request(
    broker: MT5Broker, rec: Recorder
) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.01, comment="tc:7F3KQ2")
    assert rec.requests == [
        {
            "action": 1,
            "symbol": "XAUUSD",
            "volume": 0.01,
            "type": 0,
            "price": XAU_ASK,
            "deviation": 20,
            "magic": MAGIC,
            "comment": "tc:7F3KQ2",
            "type_time": 0,
            "type_filling": 1,  # XAUUSD allows IOC only (filling_mode mask 2)
        }
    ]
    assert r.ok
    assert r.retcode == 10009
    assert r.request == rec.requests[0]
    assert r.price == XAU_ASK
    assert r.volume == 0.01
    [pos] = await broker.positions()
    assert r.ticket == pos.ticket
    assert en(r) == f"Bought 0.01 XAUUSD at 2650.15 (position #{pos.ticket})"
    assert "已买入 XAUUSD 0.01 手" in zh(r)
    assert (pos.symbol, pos.side, pos.volume, pos.magic, pos.comment) == (
        "XAUUSD",
        "buy",
        0.01,
        MAGIC,
        "tc:7F3KQ2",
    )


async def test_open_market_sell_with_stops_on_a_fok_symbol(
    broker: MT5Broker, rec: Recorder
) -> None:
    r = await broker.open_market("EURUSD", "sell", 0.1, sl=1.087, tp=1.08, magic=7, comment="x")
    assert rec.requests[-1] == {
        "action": 1,
        "symbol": "EURUSD",
        "volume": 0.1,
        "type": 1,
        "price": EUR_BID,
        "sl": 1.087,
        "tp": 1.08,
        "deviation": 20,
        "magic": 7,
        "comment": "x",
        "type_time": 0,
        "type_filling": 0,  # EURUSD allows FOK and IOC: FOK first
    }
    assert r.ok
    [pos] = await broker.positions(symbol="EURUSD")
    assert (pos.side, pos.sl, pos.tp, pos.magic) == ("sell", 1.087, 1.08, 7)


async def test_request_numbers_are_python_floats_and_ints(broker: MT5Broker, rec: Recorder) -> None:
    await broker.open_market("XAUUSD", "buy", 1, sl=2600, tp=2700)
    req = rec.requests[-1]
    for key in ("volume", "price", "sl", "tp"):
        assert type(req[key]) is float
    for key in ("action", "type", "deviation", "magic", "type_time", "type_filling"):
        assert type(req[key]) is int


async def test_volume_off_the_step_is_rounded_down(broker: MT5Broker, rec: Recorder) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.013)
    assert r.ok
    assert rec.requests[-1]["volume"] == 0.01


async def test_long_comment_is_cut_to_29_characters_and_the_order_goes_through(
    broker: MT5Broker, rec: Recorder
) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.01, comment="tc:" + "A" * 40)
    assert r.ok
    assert rec.requests[-1]["comment"] == "tc:" + "A" * 26


async def test_close_position_sends_opposite_deal_with_position_ticket(
    broker: MT5Broker, rec: Recorder
) -> None:
    opened = await broker.open_market("XAUUSD", "buy", 0.02, magic=4242)
    ticket = opened.ticket
    assert ticket is not None
    r = await broker.close_position(ticket, comment="tc:CLOSE1")
    assert rec.requests[-1] == {
        "action": 1,
        "symbol": "XAUUSD",
        "volume": 0.02,
        "type": 1,
        "position": ticket,
        "price": XAU_BID,
        "deviation": 20,
        "magic": 4242,  # the position's own magic
        "comment": "tc:CLOSE1",
        "type_time": 0,
        "type_filling": 1,
    }
    assert r.ok
    assert r.ticket == ticket
    assert r.volume == 0.02
    assert await broker.positions() == []


async def test_partial_close_leaves_the_rest_open(broker: MT5Broker, rec: Recorder) -> None:
    ticket = (await broker.open_market("EURUSD", "sell", 0.05)).ticket
    assert ticket is not None
    r = await broker.close_position(ticket, volume=0.02)
    req = rec.requests[-1]
    assert (req["type"], req["volume"], req["position"], req["price"]) == (0, 0.02, ticket, EUR_ASK)
    assert r.ok
    assert "0.03 lots remain open" in en(r)
    [pos] = await broker.positions()
    assert pos.ticket == ticket
    assert pos.volume == 0.03


async def test_hedged_positions_close_only_the_named_ticket(broker: MT5Broker) -> None:
    first = (await broker.open_market("XAUUSD", "buy", 0.01)).ticket
    second = (await broker.open_market("XAUUSD", "sell", 0.01)).ticket
    assert first is not None
    assert second is not None
    assert (await broker.close_position(first)).ok
    [left] = await broker.positions()
    assert left.ticket == second
    assert left.side == "sell"


async def test_modify_position_sends_sltp_with_symbol_and_position(
    broker: MT5Broker, rec: Recorder
) -> None:
    ticket = (await broker.open_market("XAUUSD", "buy", 0.01, magic=9)).ticket
    assert ticket is not None
    r = await broker.modify_position(ticket, sl=2640.0, tp=2680.0)
    assert rec.requests[-1] == {
        "action": 6,
        "symbol": "XAUUSD",
        "position": ticket,
        "sl": 2640.0,
        "tp": 2680.0,
        "magic": 9,
    }
    assert r.ok
    assert en(r) == f"Position #{ticket} (XAUUSD): SL 2640.00, TP 2680.00"
    # None keeps the current value, 0.0 removes it
    r = await broker.modify_position(ticket, tp=0.0)
    assert r.ok
    assert rec.requests[-1]["sl"] == 2640.0
    assert rec.requests[-1]["tp"] == 0.0
    [pos] = await broker.positions()
    assert (pos.sl, pos.tp) == (2640.0, None)


async def test_place_pending_buy_limit_sends_the_pending_request(
    broker: MT5Broker, rec: Recorder
) -> None:
    r = await broker.place_pending(
        "XAUUSD", "buy", "limit", 0.02, 2600.0, sl=2590.0, tp=2640.0, comment="tc:PEND"
    )
    assert rec.requests[-1] == {
        "action": 5,
        "symbol": "XAUUSD",
        "volume": 0.02,
        "type": 2,
        "price": 2600.0,
        "sl": 2590.0,
        "tp": 2640.0,
        "magic": MAGIC,
        "comment": "tc:PEND",
        "type_time": 0,
        "type_filling": 1,
    }
    assert r.ok
    assert r.retcode == 10008
    [order] = await broker.pending_orders()
    assert r.ticket == order.ticket
    assert (order.side, order.kind, order.price, order.volume, order.sl, order.tp) == (
        "buy",
        "limit",
        2600.0,
        0.02,
        2590.0,
        2640.0,
    )
    assert order.time == T0


@pytest.mark.parametrize(
    ("side", "kind", "price", "order_type"),
    [
        ("sell", "limit", 2700.0, 3),
        ("buy", "stop", 2700.0, 4),
        ("sell", "stop", 2600.0, 5),
    ],
)
async def test_place_pending_uses_the_right_order_type(
    broker: MT5Broker, rec: Recorder, side: Any, kind: Any, price: float, order_type: int
) -> None:
    r = await broker.place_pending("XAUUSD", side, kind, 0.01, price)
    assert r.ok, en(r)
    assert rec.requests[-1]["type"] == order_type
    [order] = await broker.pending_orders(symbol="XAUUSD")
    assert (order.side, order.kind) == (side, kind)


async def test_modify_order_sends_modify_with_order_ticket(
    broker: MT5Broker, rec: Recorder
) -> None:
    ticket = (await broker.place_pending("XAUUSD", "buy", "limit", 0.01, 2600.0, sl=2590.0)).ticket
    assert ticket is not None
    r = await broker.modify_order(ticket, price=2610.0)
    assert rec.requests[-1] == {
        "action": 7,
        "order": ticket,
        "price": 2610.0,
        "sl": 2590.0,
        "tp": 0.0,
        "type_time": 0,
    }
    assert r.ok
    [order] = await broker.pending_orders()
    assert (order.price, order.sl) == (2610.0, 2590.0)


async def test_cancel_order_sends_remove(broker: MT5Broker, rec: Recorder) -> None:
    ticket = (await broker.place_pending("EURUSD", "sell", "limit", 0.1, 1.09)).ticket
    assert ticket is not None
    r = await broker.cancel_order(ticket)
    assert rec.requests[-1] == {"action": 8, "order": ticket}
    assert r.ok
    assert en(r) == f"Order #{ticket} (EURUSD) canceled"
    assert await broker.pending_orders() == []


async def test_suffixed_broker_names_map_to_canonical(clock: Clock) -> None:
    term = _terminal(clock, suffix=".m")
    rec = Recorder(term)
    broker = MT5Broker(rec, magic=MAGIC, clock=clock)
    await broker.connect()
    try:
        r = await broker.open_market("XAUUSD", "buy", 0.01)
        assert r.ok
        assert rec.requests[-1]["symbol"] == "XAUUSD.m"
        [pos] = await broker.positions(symbol="xauusd")
        assert (pos.symbol, pos.broker_symbol) == ("XAUUSD", "XAUUSD.m")
        spec = await broker.symbol_spec("XAUUSD")
        assert (spec.symbol, spec.broker_symbol) == ("XAUUSD", "XAUUSD.m")
        assert await broker.resolve_symbol("XAUUSD.m") == ("XAUUSD", "XAUUSD.m")
        deals = await broker.deals(T0 - timedelta(hours=1), T0 + timedelta(hours=1), "XAUUSD")
        assert [(d.symbol, d.broker_symbol) for d in deals] == [("XAUUSD", "XAUUSD.m")]
    finally:
        await broker.close()
        term.close()


async def test_symbol_map_override_wins_and_hidden_symbol_is_selected_first(clock: Clock) -> None:
    term = _terminal(clock, suffix=".m")
    rec = Recorder(term)
    broker = MT5Broker(rec, magic=MAGIC, clock=clock, symbol_map={"DOW": "US30.m"})
    await broker.connect()
    try:
        q = await broker.quote("DOW")
        assert q.symbol == "DOW"
        assert q.bid > 0
        assert rec.called("symbol_select") == [(("US30.m", True), {})]  # US30 is hidden
        r = await broker.open_market("DOW", "buy", 0.1)
        assert r.ok, en(r)
        assert rec.requests[-1]["symbol"] == "US30.m"
        [pos] = await broker.positions()
        assert (pos.symbol, pos.broker_symbol) == ("DOW", "US30.m")
    finally:
        await broker.close()
        term.close()


async def test_hidden_symbol_is_selected_before_quoting(broker: MT5Broker, rec: Recorder) -> None:
    q = await broker.quote("XAGUSD")
    assert rec.called("symbol_select") == [(("XAGUSD", True), {})]
    assert q.bid > 0
    assert q.ask > q.bid
    await broker.quote("XAGUSD")
    assert len(rec.called("symbol_select")) == 1  # now visible: no second select


async def test_quote_converts_server_time_to_utc(broker: MT5Broker) -> None:
    q = await broker.quote("XAUUSD", with_day_open=True)
    assert (q.symbol, q.bid, q.ask, q.digits, q.point) == ("XAUUSD", XAU_BID, XAU_ASK, 2, 0.01)
    assert q.time == T0
    assert q.spread_points == 15
    assert q.day_open is not None


async def test_a_quote_reads_the_day_bar_only_when_the_day_change_is_wanted(
    broker: MT5Broker, rec: Recorder
) -> None:
    plain = await broker.quote("XAUUSD")
    assert plain.day_open is None
    assert plain.day_change is None
    assert rec.called("copy_rates_from_pos") == []
    with_day = await broker.quote("XAUUSD", with_day_open=True)
    assert len(rec.called("copy_rates_from_pos")) == 1
    assert with_day.day_open is not None
    assert with_day.day_change is not None


async def test_position_and_deal_times_are_utc(broker: MT5Broker, clock: Clock) -> None:
    ticket = (await broker.open_market("XAUUSD", "buy", 0.01)).ticket
    assert ticket is not None
    [pos] = await broker.positions()
    assert pos.time == T0
    clock.advance(90 * 60)
    assert (await broker.close_position(ticket)).ok
    deals = await broker.deals(T0 - timedelta(hours=1), T0 + timedelta(hours=2), "XAUUSD")
    assert [(d.entry, d.time) for d in deals] == [
        ("in", T0),
        ("out", T0 + timedelta(minutes=90)),
    ]
    assert deals[0].position_id == deals[1].position_id == ticket


async def test_deals_window_is_exact_in_utc(broker: MT5Broker, clock: Clock) -> None:
    await broker.open_market("EURUSD", "buy", 0.01)  # at T0 (server time T0 + 2 h)
    clock.advance(3600)
    await broker.open_market("EURUSD", "buy", 0.01)  # at T0 + 1 h
    hour = timedelta(hours=1)
    got = await broker.deals(T0, T0 + hour, "EURUSD")  # end is exclusive
    assert [d.time for d in got] == [T0]
    got = await broker.deals(T0 + timedelta(seconds=1), T0 + 2 * hour, "EURUSD")
    assert [d.time for d in got] == [T0 + hour]
    # a window that ends "now" in UTC still sees the last trade although server time is ahead
    got = await broker.deals(T0 - hour, T0 + hour + timedelta(seconds=1))
    assert [d.type for d in got] == ["balance", "buy", "buy"]
    assert got[0].symbol == ""


async def test_explicit_offset_is_used_without_detection(rec: Recorder, clock: Clock) -> None:
    broker = MT5Broker(rec, server_utc_offset_hours=2, clock=lambda: 0.0)
    await broker.connect()
    try:
        q = await broker.quote("XAUUSD")
        assert q.time == T0
    finally:
        await broker.close()


async def test_rates_are_bars_with_utc_times(broker: MT5Broker) -> None:
    bars = await broker.rates("XAUUSD", "H1", 5)
    assert len(bars) == 5
    for a, b in itertools.pairwise(bars):
        assert b.time - a.time == timedelta(hours=1)
    assert bars[-1].time == T0  # the bar that opened at 14:00 server time = 12:00 UTC
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)


async def test_account_and_symbols(broker: MT5Broker) -> None:
    acc = await broker.account()
    assert acc.balance == 10_000.0
    assert acc.hedging
    assert acc.demo
    assert acc.margin_level is None
    await broker.open_market("XAUUSD", "buy", 0.1)
    acc = await broker.account()
    assert acc.margin > 0
    assert acc.margin_level is not None
    specs = {s.symbol: s for s in await broker.symbols()}
    xau = specs["XAUUSD"]
    assert (xau.volume_min, xau.volume_step, xau.stops_level, xau.filling_mode) == (
        0.01,
        0.01,
        50,
        2,
    )
    assert specs["NAS100"].volume_step == 0.1


async def test_positions_filter_by_magic_and_side(broker: MT5Broker) -> None:
    await broker.open_market("XAUUSD", "buy", 0.01, magic=1)
    await broker.open_market("XAUUSD", "sell", 0.01, magic=2)
    await broker.open_market("EURUSD", "buy", 0.01, magic=1)
    assert len(await broker.positions(magic=1)) == 2
    assert [p.symbol for p in await broker.positions(side="sell")] == ["XAUUSD"]
    assert len(await broker.positions(symbol="EURUSD", magic=1, side="buy")) == 1


async def test_health_reports_the_connection(broker: MT5Broker) -> None:
    h = await broker.health()
    assert h.connected
    assert h.trade_allowed
    assert h.ping_ms is not None
    assert "Connected to TradeChat-Paper" in note_text(h.note, "en")
    assert "已连接" in note_text(h.note, "zh")


async def test_every_api_call_runs_on_one_worker_thread(broker: MT5Broker, rec: Recorder) -> None:
    await asyncio.gather(
        broker.quote("XAUUSD"),
        broker.positions(),
        broker.open_market("EURUSD", "buy", 0.01),
        broker.account(),
    )
    assert len(rec.threads) == 1
    assert threading.get_ident() not in rec.threads


class SlowTerminal(PaperTerminal):
    """A terminal whose positions_get blocks like a slow IPC round trip."""

    def positions_get(self, **kwargs: Any) -> Any:
        time.sleep(0.5)
        return super().positions_get(**kwargs)


async def test_a_blocking_api_call_does_not_stall_the_event_loop(clock: Clock) -> None:
    term = SlowTerminal(None, clock=clock)
    broker = MT5Broker(term, clock=clock)
    await broker.connect()
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    try:
        await broker.positions()
        ticks_during_call = ticks
    finally:
        done.set()
        await task
        await broker.close()
        term.close()
    # A blocked loop would not have ticked at all while positions_get slept.
    assert ticks_during_call >= 5


@pytest.mark.parametrize("offset", [-5, 0, 3])
async def test_detected_offset_follows_the_server(clock: Clock, offset: int) -> None:
    term = PaperTerminal(None, clock=clock, server_utc_offset_hours=offset)
    broker = MT5Broker(term, clock=clock)
    await broker.connect()
    try:
        assert broker.server_utc_offset_hours == offset
        assert (await broker.quote("EURUSD")).time == T0
        ticket = (await broker.open_market("EURUSD", "buy", 0.01)).ticket
        [pos] = await broker.positions()
        assert pos.ticket == ticket
        assert pos.time == T0
    finally:
        await broker.close()
        term.close()


async def test_offset_is_rechecked_hourly_but_not_from_a_stale_quote(
    rec: Recorder, clock: Clock
) -> None:
    broker = MT5Broker(rec, clock=clock)
    await broker.connect()
    window = (T0 - timedelta(days=1), T0 + timedelta(days=1))
    try:
        # The market closes: the newest quote stays at T0 while our clock runs 5 h 30 s on.
        frozen = int(T0.timestamp()) + 2 * 3600
        rec.hooks["symbols_get"] = lambda real, *a: [Struct(s, time=frozen) for s in real(*a)]
        clock.advance(5 * 3600 + 30)
        looks = len(rec.called("symbols_get"))
        await broker.deals(*window)
        assert len(rec.called("symbols_get")) == looks + 1  # it did look again …
        assert broker.server_utc_offset_hours == 2  # … and kept the offset
        # Quotes flow again after a DST change: the server is now UTC+3.
        rec.hooks["symbols_get"] = lambda real, *a: [
            Struct(s, time=int(clock.t) + 3 * 3600) for s in real(*a)
        ]
        clock.advance(3600)
        await broker.deals(*window)
        assert broker.server_utc_offset_hours == 3
    finally:
        await broker.close()


async def test_netting_account_closes_by_ticket_too(clock: Clock) -> None:
    term = PaperTerminal(None, clock=clock, hedging=False)
    term.set_price("EURUSD", EUR_BID, EUR_ASK)
    broker = MT5Broker(term, clock=clock)
    await broker.connect()
    try:
        assert not (await broker.account()).hedging
        assert (await broker.open_market("EURUSD", "buy", 0.03)).ok
        assert (await broker.open_market("EURUSD", "buy", 0.02)).ok  # adds to the one position
        [pos] = await broker.positions()
        assert pos.volume == 0.05
        r = await broker.close_position(pos.ticket, volume=0.01)
        assert r.ok, en(r)
        [pos] = await broker.positions()
        assert pos.volume == 0.04
    finally:
        await broker.close()
        term.close()


async def test_deal_rows_unpacked_directly_match_the_attribute_path(
    broker: MT5Broker, term: PaperTerminal, clock: Clock
) -> None:
    await broker.open_market("XAUUSD", "buy", 0.02, comment="a")
    opened = await broker.positions()
    await broker.close_position(opened[0].ticket, 0.01)
    await broker.open_market("USDJPY", "sell", 0.1)
    rows = term.history_deals_get(0, int(clock()) + 10 * 86400)
    assert rows
    fast = broker.session.deals_from_rows(rows, None)
    slow = [deal_of(d, broker.session.canonical, broker.session.offset()) for d in rows]
    assert fast == slow
    assert broker.session.deals_from_rows(rows, "USDJPY") == [
        d for d in slow if d.symbol == "USDJPY"
    ]
