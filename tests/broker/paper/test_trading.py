"""Trading on the paper terminal: fills, deals, money, retcodes, pending orders, SL/TP, swaps."""

from __future__ import annotations

import pytest

from broker.paper import PaperTerminal
from tests.fakes.paper_helpers import Clock, make_terminal, market


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def term(clock: Clock) -> PaperTerminal:
    t = make_terminal(clock)
    t.set_price("EURUSD", 1.10000)  # ask 1.10003 (3-point spread)
    return t


def _net(deals: tuple) -> float:
    return round(sum(d.profit + d.commission + d.swap + d.fee for d in deals), 2)


def _close(term: PaperTerminal, ticket: int, volume: float, **extra: object) -> object:
    pos = term.positions_get(ticket=ticket)[0]
    return market(term, pos.symbol, 1 - pos.type, volume, position=ticket, **extra)


# --- market orders, deals, balance ---------------------------------------------------------


def test_market_buy_opens_a_position_and_an_entry_deal_with_commission(term: PaperTerminal) -> None:
    result = market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0, magic=42, comment="first")
    assert result.retcode == term.TRADE_RETCODE_DONE
    assert result.comment == "Request executed"
    assert result.price == 1.10003
    assert result.volume == 1.0
    assert (result.bid, result.ask) == (1.10000, 1.10003)
    pos = term.positions_get()[0]
    assert pos.ticket == pos.identifier == result.order  # position ticket = opening order
    assert result.deal != result.order
    assert (pos.type, pos.magic, pos.comment, pos.reason) == (
        0,
        42,
        "first",
        term.POSITION_REASON_EXPERT,
    )
    assert pos.price_current == 1.10000
    assert pos.profit == pytest.approx(-3.0)
    deal = term.history_deals_get(position=pos.ticket)[0]
    assert (deal.ticket, deal.order, deal.entry, deal.type) == (result.deal, result.order, 0, 0)
    assert (deal.commission, deal.profit, deal.magic, deal.comment) == (-3.5, 0.0, 42, "first")
    assert term.account_info().balance == 9996.5


def test_partial_then_full_close_by_ticket_books_profit_in_out_deals(term: PaperTerminal) -> None:
    opened = market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0, magic=7)
    term.set_price("EURUSD", 1.10103)
    assert term.positions_get()[0].profit == pytest.approx(100.0)
    part = _close(term, opened.order, 0.4, magic=7)
    assert part.retcode == term.TRADE_RETCODE_DONE
    assert part.price == 1.10103
    assert term.positions_get()[0].volume == pytest.approx(0.6)
    last = _close(term, opened.order, 0.6, magic=7)
    assert last.retcode == term.TRADE_RETCODE_DONE
    assert term.positions_get() == ()
    deals = term.history_deals_get(position=opened.order)
    assert [d.entry for d in deals] == [0, 1, 1]
    assert [d.type for d in deals] == [0, 1, 1]
    assert [d.profit for d in deals] == [0.0, 40.0, 60.0]
    assert [d.commission for d in deals] == [-3.5, -1.4, -2.1]
    assert term.account_info().balance == pytest.approx(10093.0)
    assert _net(term.history_deals_get(0, 2**40)) == term.account_info().balance


def test_opposite_deal_without_position_ticket_opens_a_hedge(term: PaperTerminal) -> None:
    market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.5)
    market(term, "EURUSD", term.ORDER_TYPE_SELL, 0.5)
    assert sorted(p.type for p in term.positions_get(symbol="EURUSD")) == [0, 1]


def test_usdjpy_profit_is_converted_from_yen_to_usd(term: PaperTerminal) -> None:
    term.set_price("USDJPY", 150.000)  # ask 150.005
    opened = market(term, "USDJPY", term.ORDER_TYPE_BUY, 1.0)
    term.set_price("USDJPY", 151.000)
    expected = round(0.995 * 100_000 / ((151.000 + 151.005) / 2), 2)
    assert term.positions_get()[0].profit == pytest.approx(expected)
    assert term.order_calc_profit(
        term.ORDER_TYPE_BUY, "USDJPY", 1.0, 150.005, 151.0
    ) == pytest.approx(expected)
    _close(term, opened.order, 1.0)
    out = term.history_deals_get(position=opened.order)[-1]
    assert out.profit == pytest.approx(expected)
    assert 600 < out.profit < 700


def test_margin_free_margin_and_margin_level(term: PaperTerminal) -> None:
    market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0)
    info = term.account_info()
    assert info.margin == pytest.approx(1100.02, abs=0.01)  # 100 000 EUR / 100 at 1.100015
    assert info.equity == pytest.approx(9993.5)
    assert info.margin_free == pytest.approx(info.equity - info.margin)
    assert info.margin_level == pytest.approx(info.equity / info.margin * 100, abs=0.01)
    assert term.order_calc_margin(term.ORDER_TYPE_BUY, "EURUSD", 1.0, 1.2) == pytest.approx(1200.0)
    # a fully hedged pair is charged once (margin_hedged = half the contract per leg)
    market(term, "EURUSD", term.ORDER_TYPE_SELL, 1.0)
    assert term.account_info().margin == pytest.approx(info.margin, abs=0.01)
    assert term.symbol_info("EURUSD").margin_hedged == 50_000.0


def test_stop_out_closes_the_worst_position_with_reason_so(term: PaperTerminal) -> None:
    term.set_price("XAUUSD", 2650.00)
    opened = market(term, "XAUUSD", term.ORDER_TYPE_BUY, 3.0)
    assert opened.retcode == term.TRADE_RETCODE_DONE
    term.set_price("XAUUSD", 2620.00)
    assert term.positions_get() == ()
    out = term.history_deals_get(position=opened.order)[-1]
    assert out.reason == term.DEAL_REASON_SO
    assert out.comment.startswith("[so ")


# --- retcodes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "volume", "expected"),
    [
        ("EURUSD", 0.015, 10014),
        ("EURUSD", 0.0, 10014),
        ("EURUSD", 101.0, 10014),
        ("NAS100", 0.01, 10014),  # index: min 0.1, step 0.1
        ("XAUUSD", 50.0, 10019),  # 50 lots of gold need far more than 10 000 USD
    ],
)
def test_bad_volume_and_no_money_retcodes(
    term: PaperTerminal, symbol: str, volume: float, expected: int
) -> None:
    result = market(term, symbol, term.ORDER_TYPE_BUY, volume)
    assert result.retcode == expected
    assert result.deal == 0
    assert result.order == 0
    assert term.positions_total() == 0
    assert term.last_error() == (1, "Success")


def test_unsupported_filling_mode_is_10030(term: PaperTerminal) -> None:
    assert term.symbol_info("XAUUSD").filling_mode == 2  # IOC only
    result = market(term, "XAUUSD", term.ORDER_TYPE_BUY, 0.01, filling=term.ORDER_FILLING_FOK)
    assert (result.retcode, result.comment) == (10030, "Unsupported filling mode")
    missing = term.order_send({"action": 1, "symbol": "XAUUSD", "volume": 0.01, "type": 0})
    assert missing.retcode == 10030  # no type_filling means FOK
    ret = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1, filling=term.ORDER_FILLING_RETURN)
    assert ret.retcode == 10030  # market execution: RETURN is never allowed
    assert market(term, "XAUUSD", 0, 0.01, filling=term.ORDER_FILLING_IOC).retcode == 10009


def test_price_beyond_deviation_is_a_requote_with_fresh_prices(term: PaperTerminal) -> None:
    result = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1, price=1.09900, deviation=10)
    assert result.retcode == term.TRADE_RETCODE_REQUOTE
    assert (result.bid, result.ask) == (1.10000, 1.10003)
    ok = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1, price=1.10000, deviation=5)
    assert ok.retcode == term.TRADE_RETCODE_DONE
    assert ok.price == 1.10003


@pytest.mark.parametrize(
    ("sl", "tp"),
    [
        (1.09995, 0.0),  # inside the 10-point stops level
        (1.10100, 0.0),  # stop loss above the price of a buy
        (0.0, 1.09950),  # take profit below
        (1.099999, 0.0),  # not a multiple of the tick size
    ],
)
def test_invalid_stops_are_10016(term: PaperTerminal, sl: float, tp: float) -> None:
    assert market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1, sl=sl, tp=tp).retcode == 10016


def test_sltp_modification_checks_stops_and_changes(term: PaperTerminal) -> None:
    opened = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    req = {"action": term.TRADE_ACTION_SLTP, "symbol": "EURUSD", "position": opened.order}
    assert term.order_send({**req, "sl": 1.09900, "tp": 1.10005}).retcode == 10016
    assert term.order_send({**req, "sl": 1.09900, "tp": 1.10200}).retcode == 10009
    pos = term.positions_get()[0]
    assert (pos.sl, pos.tp) == (1.09900, 1.10200)
    assert term.order_send({**req, "sl": 1.09900, "tp": 1.10200}).retcode == 10025
    assert term.order_send({"action": term.TRADE_ACTION_SLTP, "sl": 1.099}).retcode == 10013


def test_close_volume_closed_and_unknown_positions(term: PaperTerminal) -> None:
    opened = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    assert _close(term, opened.order, 0.2).retcode == 10038
    assert _close(term, opened.order, 0.1).retcode == 10009
    again = market(term, "EURUSD", term.ORDER_TYPE_SELL, 0.1, position=opened.order)
    assert again.retcode == term.TRADE_RETCODE_POSITION_CLOSED
    unknown = market(term, "EURUSD", term.ORDER_TYPE_SELL, 0.1, position=123)
    assert unknown.retcode == term.TRADE_RETCODE_INVALID
    same_side = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    assert market(term, "EURUSD", 0, 0.1, position=same_side.order).retcode == 10013


def test_closed_market_disabled_algo_trading_lost_server_and_hidden_symbol(
    term: PaperTerminal,
) -> None:
    term.set_market_closed("EURUSD")
    assert market(term, "EURUSD", 0, 0.1).retcode == term.TRADE_RETCODE_MARKET_CLOSED
    term.set_market_closed("EURUSD", False)
    term.set_algo_trading(False)
    assert market(term, "EURUSD", 0, 0.1).retcode == term.TRADE_RETCODE_CLIENT_DISABLES_AT
    assert term.terminal_info().trade_allowed is False
    term.set_algo_trading(True)
    term.set_connected(False)
    assert market(term, "EURUSD", 0, 0.1).retcode == term.TRADE_RETCODE_CONNECTION
    assert term.terminal_info().connected is False
    term.set_connected(True)
    hidden = market(term, "XAGUSD", 0, 0.01, filling=term.ORDER_FILLING_IOC)
    assert hidden.retcode == term.TRADE_RETCODE_PRICE_OFF
    term.symbol_select("XAGUSD", True)
    assert market(term, "XAGUSD", 0, 0.01, filling=term.ORDER_FILLING_IOC).retcode == 10009
    assert term.symbol_select("XAGUSD", False) is False  # not while a position is open


# --- pending orders ------------------------------------------------------------------------


def _pending(term: PaperTerminal, otype: int, price: float, **extra: object) -> object:
    return term.order_send(
        {"action": term.TRADE_ACTION_PENDING, "symbol": "EURUSD", "volume": 0.1, "type": otype,
         "price": price, "type_filling": term.ORDER_FILLING_RETURN, "magic": 9, **extra}
    )  # fmt: skip


def test_pending_prices_on_the_wrong_side_are_10015(term: PaperTerminal) -> None:
    assert _pending(term, term.ORDER_TYPE_BUY_LIMIT, 1.10010).retcode == 10015
    assert _pending(term, term.ORDER_TYPE_BUY_STOP, 1.09000).retcode == 10015
    assert _pending(term, term.ORDER_TYPE_SELL_LIMIT, 1.09990).retcode == 10015
    assert _pending(term, term.ORDER_TYPE_SELL_STOP, 1.10500).retcode == 10015
    assert _pending(term, term.ORDER_TYPE_BUY_LIMIT, 1.09995).retcode == 10015  # < stops level
    assert term.orders_total() == 0


def test_buy_limit_fills_when_the_ask_crosses_its_price(term: PaperTerminal) -> None:
    placed = _pending(term, term.ORDER_TYPE_BUY_LIMIT, 1.09900, sl=1.09500)
    assert placed.retcode == term.TRADE_RETCODE_PLACED
    order = term.orders_get()[0]
    assert (order.ticket, order.state, order.price_open, order.volume_current) == (
        placed.order,
        1,
        1.099,
        0.1,
    )
    term.set_price("EURUSD", 1.09950)  # ask 1.09953: not yet
    assert term.orders_total() == 1
    assert term.positions_total() == 0
    term.set_price("EURUSD", 1.09890)  # ask 1.09893
    assert term.orders_get() == ()
    pos = term.positions_get()[0]
    assert (pos.ticket, pos.price_open, pos.sl, pos.magic) == (placed.order, 1.09893, 1.095, 9)
    hist = term.history_orders_get(ticket=placed.order)[0]
    assert hist.state == term.ORDER_STATE_FILLED
    assert hist.position_id == pos.ticket
    assert term.history_deals_get(ticket=placed.order)[0].entry == term.DEAL_ENTRY_IN


def test_sell_stop_fills_at_the_bid_when_price_falls(term: PaperTerminal) -> None:
    placed = _pending(term, term.ORDER_TYPE_SELL_STOP, 1.09800)
    term.set_price("EURUSD", 1.09790)
    pos = term.positions_get(ticket=placed.order)[0]
    assert (pos.type, pos.price_open) == (term.POSITION_TYPE_SELL, 1.09790)


def test_pending_order_modify_remove_and_expiry(term: PaperTerminal, clock: Clock) -> None:
    placed = _pending(term, term.ORDER_TYPE_BUY_LIMIT, 1.09900)
    modify = {"action": term.TRADE_ACTION_MODIFY, "order": placed.order, "price": 1.09800}
    assert term.order_send(modify).retcode == 10009
    assert term.orders_get(ticket=placed.order)[0].price_open == 1.098
    assert term.order_send(modify).retcode == 10025
    assert term.order_send({**modify, "price": 1.20000}).retcode == 10015
    removed = term.order_send({"action": term.TRADE_ACTION_REMOVE, "order": placed.order})
    assert removed.retcode == 10009
    assert term.orders_total() == 0
    assert term.history_orders_get(ticket=placed.order)[0].state == term.ORDER_STATE_CANCELED
    server_now = term.symbol_info_tick("EURUSD").time
    timed = _pending(term, term.ORDER_TYPE_BUY_LIMIT, 1.09900,
                     type_time=term.ORDER_TIME_SPECIFIED, expiration=server_now + 3600)  # fmt: skip
    assert timed.retcode == term.TRADE_RETCODE_PLACED
    assert _pending(term, 2, 1.09900, type_time=2, expiration=server_now - 1).retcode == 10022
    clock.advance(7200)
    assert term.orders_total() == 0
    assert term.history_orders_get(ticket=timed.order)[0].state == term.ORDER_STATE_EXPIRED


# --- SL / TP -------------------------------------------------------------------------------


def test_stop_loss_closes_the_position_with_reason_sl(term: PaperTerminal) -> None:
    opened = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1, sl=1.09900, tp=1.10200, magic=5)
    term.set_price("EURUSD", 1.09890)
    assert term.positions_get() == ()
    out = term.history_deals_get(position=opened.order)[-1]
    assert (out.entry, out.reason, out.comment) == (1, term.DEAL_REASON_SL, "[sl 1.09900]")
    assert out.price == 1.09890
    assert out.profit == pytest.approx(-11.3)
    assert out.magic == 5
    order = term.history_orders_get(ticket=out.order)[0]
    assert order.reason == term.ORDER_REASON_SL


def test_take_profit_closes_a_sell_at_the_ask_with_reason_tp(term: PaperTerminal) -> None:
    opened = market(term, "EURUSD", term.ORDER_TYPE_SELL, 0.1, tp=1.09800)
    term.set_price("EURUSD", 1.09790)  # ask 1.09793
    out = term.history_deals_get(position=opened.order)[-1]
    assert (out.reason, out.comment, out.price) == (term.DEAL_REASON_TP, "[tp 1.09800]", 1.09793)
    assert out.profit == pytest.approx(20.7)


# --- swaps ---------------------------------------------------------------------------------


def test_swap_is_charged_at_server_midnight_and_tripled_on_wednesday(
    term: PaperTerminal, clock: Clock
) -> None:
    opened = market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0)  # Tuesday 14:00 server time
    clock.advance(9 * 3600)  # 23:00 server: no rollover yet
    assert term.positions_get()[0].swap == 0.0
    clock.advance(3600 + 60)  # past Wednesday 00:00 server: Tuesday night, -7.2 points x 1 lot
    assert term.positions_get()[0].swap == pytest.approx(-7.2)
    clock.advance(86_400)  # Wednesday night: triple swap
    assert term.positions_get()[0].swap == pytest.approx(-28.8)
    balance = term.account_info().balance
    assert term.account_info().equity == pytest.approx(
        balance + term.positions_get()[0].profit - 28.8
    )
    _close(term, opened.order, 0.5)
    out = term.history_deals_get(position=opened.order)[-1]
    assert out.swap == pytest.approx(-14.4)
    assert term.positions_get()[0].swap == pytest.approx(-14.4)


# --- netting and close-by ------------------------------------------------------------------


def test_netting_account_keeps_one_position_per_symbol(clock: Clock) -> None:
    term = make_terminal(clock, hedging=False)
    term.set_price("EURUSD", 1.10000)
    assert term.account_info().margin_mode == term.ACCOUNT_MARGIN_MODE_RETAIL_NETTING
    first = market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0)
    term.set_price("EURUSD", 1.10100)
    market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0)
    (pos,) = term.positions_get()
    assert pos.ticket == first.order
    assert pos.volume == 2.0
    assert pos.price_open == pytest.approx(1.10053)
    market(term, "EURUSD", term.ORDER_TYPE_SELL, 3.0)  # reverses
    (pos,) = term.positions_get()
    assert (pos.type, pos.volume, pos.price_open) == (term.POSITION_TYPE_SELL, 1.0, 1.10100)
    deals = term.history_deals_get(position=first.order)
    assert [d.entry for d in deals] == [0, 0, term.DEAL_ENTRY_INOUT]
    assert deals[-1].profit == pytest.approx(94.0)


def test_close_by_nets_two_opposite_positions(term: PaperTerminal) -> None:
    buy = market(term, "EURUSD", term.ORDER_TYPE_BUY, 1.0)
    term.set_price("EURUSD", 1.10200)
    sell = market(term, "EURUSD", term.ORDER_TYPE_SELL, 1.0)
    result = term.order_send(
        {"action": term.TRADE_ACTION_CLOSE_BY, "position": buy.order, "position_by": sell.order}
    )
    assert result.retcode == 10009
    assert term.positions_get() == ()
    closing = [d for d in term.history_deals_get(0, 2**40) if d.entry == term.DEAL_ENTRY_OUT_BY]
    assert len(closing) == 2
    assert sum(d.profit for d in closing) == pytest.approx(197.0)
