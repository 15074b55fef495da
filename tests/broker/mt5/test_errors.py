"""MT5Broker error paths: each retcode the user can meet, bad input, a terminal that goes away.
Every trade failure is a TradeResult whose note handlers word in en/zh — never an exception."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from broker.errors import BrokerError, SymbolNotFound, TemporaryBrokerError
from broker.models import Note, TradeResult
from broker.mt5 import MT5Broker
from broker.paper import PaperTerminal
from handlers.broker_text import note_text
from tests.fakes.mt5_fakes import MAGIC, T0, Clock, FakeOrderSendResult, Recorder, Struct

XAU_BID, XAU_ASK = 2650.00, 2650.15


def en(result: TradeResult) -> str:
    """The result's note as the user reads it in English (worded by handlers)."""
    return note_text(result.note, "en")


def zh(result: TradeResult) -> str:
    return note_text(result.note, "zh")


@pytest.fixture
def clock() -> Clock:
    return Clock(T0.timestamp())


@pytest.fixture
def term(clock: Clock) -> Iterator[PaperTerminal]:
    t = PaperTerminal(None, clock=clock, server_utc_offset_hours=2)
    t.set_price("XAUUSD", XAU_BID, XAU_ASK)
    t.set_price("EURUSD", 1.08500, 1.08503)
    yield t
    t.close()


@pytest.fixture
def rec(term: PaperTerminal) -> Recorder:
    return Recorder(term)


@pytest.fixture
async def broker(rec: Recorder, clock: Clock) -> AsyncIterator[MT5Broker]:
    b = MT5Broker(rec, magic=MAGIC, clock=clock, requote_retries=3)
    await b.connect()
    yield b
    await b.close()


def _symbol_info_with(**changes: Any) -> Any:
    def hook(real: Any, name: str) -> Any:
        info = real(name)
        return None if info is None else Struct(info, **changes)

    return hook


# ---------------------------------------------------------------- requotes


async def test_requote_is_retried_with_a_fresh_price_then_filled(
    broker: MT5Broker, rec: Recorder, term: PaperTerminal
) -> None:
    answers = [10004, 10004]

    def requote_twice(real: Any, request: dict[str, Any]) -> Any:
        if answers:
            new_ask = request["price"] + 1.0  # the market moved a dollar
            term.set_price("XAUUSD", new_ask - 0.15, new_ask)
            return FakeOrderSendResult(answers.pop(0), comment="Requote")
        return real(request)

    rec.hooks["order_send"] = requote_twice
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert [req["price"] for req in rec.requests] == pytest.approx(
        [XAU_ASK, XAU_ASK + 1.0, XAU_ASK + 2.0]
    )
    assert r.ok
    assert r.price == pytest.approx(XAU_ASK + 2.0)
    assert r.request == rec.requests[-1]


@pytest.mark.parametrize(("retcode", "words"), [(10004, "Requote"), (10020, "price changed")])
async def test_requotes_stop_after_the_retry_limit(
    broker: MT5Broker, rec: Recorder, retcode: int, words: str
) -> None:
    rec.hooks["order_send"] = lambda real, request: FakeOrderSendResult(retcode)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert len(rec.requests) == 4  # first try + 3 retries
    assert not r.ok
    assert r.retcode == retcode
    assert words.lower() in en(r).lower()
    assert "tried 4 times" in en(r)
    assert "已重试 4 次" in zh(r)


async def test_no_prices_answer_is_retried(broker: MT5Broker, rec: Recorder) -> None:
    answers = [10021]
    rec.hooks["order_send"] = lambda real, req: (
        FakeOrderSendResult(answers.pop()) if answers else real(req)
    )
    r = await broker.open_market("XAUUSD", "sell", 0.01)
    assert len(rec.requests) == 2
    assert r.ok


async def test_rejections_are_not_retried(broker: MT5Broker, rec: Recorder) -> None:
    rec.hooks["order_send"] = lambda real, req: FakeOrderSendResult(10006, comment="Rejected")
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert len(rec.requests) == 1
    assert not r.ok
    assert r.retcode == 10006
    assert "rejected" in en(r)
    assert "拒绝" in zh(r)


# ---------------------------------------------------------------- retcodes from the server


async def test_10014_invalid_volume_from_the_server(broker: MT5Broker, rec: Recorder) -> None:
    # The terminal claims a 0.001 step; the trade server knows better.
    rec.hooks["symbol_info"] = _symbol_info_with(volume_min=0.001, volume_step=0.001)
    r = await broker.open_market("XAUUSD", "buy", 0.003)
    assert rec.requests[-1]["volume"] == 0.003
    assert not r.ok
    assert r.retcode == 10014
    assert "Invalid volume" in en(r)
    assert "手数无效" in zh(r)


async def test_10015_invalid_price_from_the_server(broker: MT5Broker, rec: Recorder) -> None:
    def stale_tick(real: Any, name: str) -> Any:
        tick = real(name)
        return Struct(tick, bid=2699.85, ask=2700.0)

    rec.hooks["symbol_info_tick"] = stale_tick
    r = await broker.place_pending("XAUUSD", "buy", "limit", 0.01, 2660.0)  # above the real ask
    assert len(rec.requests) == 1
    assert not r.ok
    assert r.retcode == 10015
    assert "Invalid price" in en(r)


async def test_10016_invalid_stops_from_the_server(broker: MT5Broker, rec: Recorder) -> None:
    rec.hooks["symbol_info"] = _symbol_info_with(trade_stops_level=0)
    r = await broker.open_market("XAUUSD", "buy", 0.01, sl=2649.9)  # 10 points; server wants 50
    assert len(rec.requests) == 1
    assert not r.ok
    assert r.retcode == 10016
    assert "Invalid stops" in en(r)
    assert "止损/止盈无效" in zh(r)


async def test_10019_not_enough_money(broker: MT5Broker) -> None:
    r = await broker.open_market("XAUUSD", "buy", 40.0)
    assert not r.ok
    assert r.retcode == 10019
    assert "Not enough free margin" in en(r)
    assert "保证金不足" in zh(r)


async def test_10030_wrong_filling_mode(broker: MT5Broker, rec: Recorder) -> None:
    # A terminal reporting FOK for a symbol whose server only fills IOC.
    rec.hooks["symbol_info"] = _symbol_info_with(filling_mode=1)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert rec.requests[-1]["type_filling"] == 0
    assert not r.ok
    assert r.retcode == 10030
    assert "filling mode" in en(r)
    assert "成交方式" in zh(r)


async def test_10018_market_closed(broker: MT5Broker, term: PaperTerminal) -> None:
    term.set_market_closed("XAUUSD")
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert not r.ok
    assert r.retcode == 10018
    assert "market is closed" in en(r)
    assert "休市" in zh(r)


async def test_10027_autotrading_disabled(broker: MT5Broker, term: PaperTerminal) -> None:
    term.set_algo_trading(False)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert r.retcode == 10027
    assert "Algo Trading" in en(r)
    h = await broker.health()
    assert not h.trade_allowed
    assert "AutoTrading is off" in note_text(h.note, "en")


async def test_10031_no_connection_to_the_trade_server(
    broker: MT5Broker, term: PaperTerminal
) -> None:
    term.set_connected(False)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert not r.ok
    assert r.retcode == 10031
    assert "no connection to the trade server" in en(r)
    assert not await broker.ping()


async def test_10036_close_of_a_ticket_that_is_gone(broker: MT5Broker, rec: Recorder) -> None:
    ticket = (await broker.open_market("XAUUSD", "buy", 0.01)).ticket
    assert ticket is not None
    assert (await broker.close_position(ticket)).ok
    sent = len(rec.requests)
    r = await broker.close_position(ticket)
    assert len(rec.requests) == sent  # nothing sent
    assert not r.ok
    assert r.retcode == 10036
    assert en(r) == (
        f"Position #{ticket} was not found: it is already closed or the ticket is wrong"
    )
    assert zh(r) == f"未找到持仓 #{ticket}：可能已平仓或单号有误"


async def test_close_of_a_pending_order_ticket_says_to_cancel_it(broker: MT5Broker) -> None:
    ticket = (await broker.place_pending("XAUUSD", "buy", "limit", 0.01, 2600.0)).ticket
    assert ticket is not None
    r = await broker.close_position(ticket)
    assert not r.ok
    assert "cancel it instead" in en(r)


async def test_close_more_than_the_position_holds_is_refused(
    broker: MT5Broker, rec: Recorder
) -> None:
    ticket = (await broker.open_market("XAUUSD", "buy", 0.02)).ticket
    assert ticket is not None
    sent = len(rec.requests)
    r = await broker.close_position(ticket, volume=0.05)
    assert len(rec.requests) == sent
    assert r.retcode == 10038
    assert "holds only 0.02" in en(r)


async def test_unknown_pending_order_is_a_clear_message(broker: MT5Broker) -> None:
    r = await broker.cancel_order(123456)
    assert not r.ok
    assert r.retcode == 10013
    assert "Pending order #123456 was not found" in en(r)
    r = await broker.modify_order(123456, price=1.0)
    assert "Pending order #123456 was not found" in en(r)


async def test_modify_with_nothing_to_change(broker: MT5Broker, rec: Recorder) -> None:
    ticket = (await broker.open_market("XAUUSD", "buy", 0.01, sl=2640.0)).ticket
    assert ticket is not None
    sent = len(rec.requests)
    r = await broker.modify_position(ticket, sl=2640.0)
    assert len(rec.requests) == sent
    assert r.retcode == 10025
    assert "Nothing to change" in en(r)


async def test_disabled_symbol_is_refused_before_sending(broker: MT5Broker, rec: Recorder) -> None:
    rec.hooks["symbol_info"] = _symbol_info_with(trade_mode=0)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert rec.requests == []
    assert r.retcode == 10017
    assert en(r) == "Trading is disabled for XAUUSD"


# ---------------------------------------------------------------- bad input from the user


async def test_unknown_symbol_is_a_message_naming_it(broker: MT5Broker, rec: Recorder) -> None:
    r = await broker.open_market("XAUUSX", "buy", 0.01)
    assert rec.requests == []
    assert not r.ok
    assert en(r) == ("Unknown symbol XAUUSX: the terminal has no such symbol; did you mean XAUUSD?")
    assert "未找到品种 XAUUSX" in zh(r)


async def test_volume_below_the_step_minimum_is_a_message(broker: MT5Broker, rec: Recorder) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.003)
    assert rec.requests == []
    assert not r.ok
    assert r.retcode == 10014
    assert en(r) == "Volume 0.003 is below the minimum 0.01 for XAUUSD"
    assert zh(r) == "XAUUSD 最小手数为 0.01，0.003 手无法下单"


async def test_volume_above_the_maximum_is_a_message(broker: MT5Broker, rec: Recorder) -> None:
    r = await broker.open_market("XAUUSD", "buy", 80)
    assert rec.requests == []
    assert en(r) == "Volume 80 is above the maximum 50 for XAUUSD"


async def test_sl_on_the_wrong_side_is_a_message(broker: MT5Broker, rec: Recorder) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.01, sl=2660.0)
    assert rec.requests == []
    assert r.retcode == 10016
    assert en(r) == "SL 2660.00 must be below the current bid 2650.00 for a buy on XAUUSD"
    assert zh(r) == "XAUUSD 多单的止损 2660.00 必须低于当前 Bid 价 2650.00"
    r = await broker.open_market("XAUUSD", "sell", 0.01, tp=2660.0)
    assert en(r) == "TP 2660.00 must be below the current ask 2650.15 for a sell on XAUUSD"


async def test_sl_inside_the_stops_level_is_a_message(broker: MT5Broker, rec: Recorder) -> None:
    r = await broker.open_market("XAUUSD", "buy", 0.01, sl=2649.8)
    assert rec.requests == []
    assert r.retcode == 10016
    assert "XAUUSD needs at least 50 points" in en(r)
    assert "至少要 50 个点" in zh(r)


async def test_modify_sl_on_the_wrong_side_is_a_message(broker: MT5Broker, rec: Recorder) -> None:
    ticket = (await broker.open_market("XAUUSD", "sell", 0.01)).ticket
    assert ticket is not None
    r = await broker.modify_position(ticket, sl=2600.0)
    assert len(rec.requests) == 1
    assert en(r) == "SL 2600.00 must be above the current ask 2650.15 for a sell on XAUUSD"


async def test_pending_price_on_the_wrong_side_is_a_message(
    broker: MT5Broker, rec: Recorder
) -> None:
    r = await broker.place_pending("XAUUSD", "buy", "limit", 0.01, 2700.0)
    assert rec.requests == []
    assert r.retcode == 10015
    assert en(r) == (
        "The price 2700.00 of a buy limit order must be below the current ask 2650.15 on XAUUSD"
    )
    r = await broker.place_pending("XAUUSD", "sell", "stop", 0.01, 2650.10)
    assert r.retcode == 10015


async def test_pending_sl_is_measured_from_the_order_price(broker: MT5Broker) -> None:
    r = await broker.place_pending("XAUUSD", "buy", "limit", 0.01, 2600.0, sl=2610.0)
    assert r.retcode == 10016
    assert "below the order price 2600.00" in en(r)


async def test_lookups_raise_broker_errors_with_both_languages(broker: MT5Broker) -> None:
    with pytest.raises(SymbolNotFound) as err:
        await broker.quote("NOPE")
    assert err.value.note.key == "unknown_symbol"  # facts; handlers word them
    assert "Unknown symbol NOPE" in note_text(err.value.note, "en")
    assert "未找到品种 NOPE" in note_text(err.value.note, "zh")


# ---------------------------------------------------------------- the terminal goes away


async def test_not_connected_broker_sends_nothing(rec: Recorder) -> None:
    broker = MT5Broker(rec)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert not r.ok
    assert r.retcode == -10004
    assert zh(r) == "交易终端未连接，恢复连接前暂停交易"
    assert rec.calls == []
    with pytest.raises(TemporaryBrokerError):
        await broker.account()


async def test_terminal_shut_down_behind_our_back_is_minus_10004(
    broker: MT5Broker, rec: Recorder, term: PaperTerminal
) -> None:
    term.shutdown()
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert not r.ok
    assert r.retcode == -10004
    assert "No connection to the MT5 terminal" in en(r)
    assert not broker.connected
    assert broker.connection_lost.is_set()
    calls = len(rec.calls)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert r.retcode == -10004
    assert len(rec.calls) == calls  # blocked without touching the terminal
    h = await broker.health()
    assert not h.connected


async def test_lost_reply_says_the_outcome_is_unknown(broker: MT5Broker, rec: Recorder) -> None:
    def connection_dies(real: Any, request: dict[str, Any]) -> Any:
        raise EOFError("connection closed by peer")

    rec.hooks["order_send"] = connection_dies
    r = await broker.open_market("XAUUSD", "buy", 0.01, comment="tc:LOST01")
    assert not r.ok
    assert "may or may not have been executed" in en(r)
    assert "可能已执行也可能未执行" in zh(r)
    assert r.request["comment"] == "tc:LOST01"
    assert not broker.connected


async def test_terminal_timeout_answer_says_the_outcome_is_unknown(
    broker: MT5Broker, rec: Recorder
) -> None:
    rec.hooks["order_send"] = lambda real, req: FakeOrderSendResult(10012)
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert r.retcode == 10012
    assert "may or may not have been executed" in en(r)


async def test_client_side_refusal_quotes_last_error(broker: MT5Broker, rec: Recorder) -> None:
    def refuse(real: Any, request: dict[str, Any]) -> Any:
        return real({**request, "volume": 1})  # an int volume: the package refuses it

    rec.hooks["order_send"] = refuse
    r = await broker.open_market("XAUUSD", "buy", 0.01)
    assert r.retcode == -2
    assert 'Invalid "volume" argument' in en(r)


async def test_wrong_login_is_a_clear_error(rec: Recorder) -> None:
    broker = MT5Broker(rec, login=1, password="x")
    with pytest.raises(BrokerError) as err:
        await broker.connect()
    assert "Login failed" in note_text(err.value.note, "en")  # what the user reads
    assert "Authorization failed" in str(err.value)  # the log line keeps the terminal's text
    assert not broker.connected


async def test_a_hung_terminal_call_times_out_with_an_unknown_outcome(
    rec: Recorder, clock: Clock
) -> None:
    import threading

    release = threading.Event()

    def hang(real: Any, request: dict[str, Any]) -> Any:
        release.wait(timeout=30)
        return real(request)

    broker = MT5Broker(rec, clock=clock, trade_deadline_s=0.2)
    await broker.connect()
    rec.hooks["order_send"] = hang
    try:
        r = await broker.open_market("XAUUSD", "buy", 0.01)
    finally:
        release.set()
        await broker.close()
    assert not r.ok
    assert r.retcode == -10005
    assert "did not answer in time" in en(r)
    assert "may or may not have been executed" in en(r)
    assert not broker.connected


async def test_a_failed_lookup_names_the_lookup_and_the_code_as_facts(
    broker: MT5Broker, term: PaperTerminal
) -> None:
    term.shutdown()
    with pytest.raises(TemporaryBrokerError) as err:
        await broker.account()
    assert err.value.code == -10004
    note = err.value.note
    assert note.key == "lookup_failed"
    assert note.facts["what"] == Note("read_account")
    assert note.facts["reason"].key == "last_error"
    assert note.facts["reason"].facts["code"] == -10004
    assert note_text(note, "en").startswith(
        "Could not read the account: No connection to the MT5 terminal"
    )
    assert note_text(note, "zh").startswith("无法读取账户信息：未连接到 MT5 交易终端")
    health = await broker.health()
    assert health.note.key == "not_connected"
    assert health.note.facts["reason"].key == "last_error"
