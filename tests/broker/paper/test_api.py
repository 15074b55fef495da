"""The paper terminal has the MetaTrader5 module's calling conventions and result shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from broker.paper import PaperTerminal
from tests.fakes.paper_helpers import T0, Clock, make_terminal, market


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def term(clock: Clock) -> PaperTerminal:
    return make_terminal(clock)


def test_every_call_before_initialize_fails_with_no_ipc_connection(clock: Clock) -> None:
    term = PaperTerminal(None, clock=clock)
    assert term.account_info() is None
    assert term.last_error() == (-10004, "No IPC connection")
    assert term.positions_get() is None
    assert term.order_send({"action": 1}) is None
    assert term.last_error() == (-10004, "No IPC connection")
    assert term.initialize() is True
    assert term.account_info() is not None
    assert term.last_error() == (1, "Success")
    term.shutdown()
    assert term.symbol_info_tick("EURUSD") is None
    assert term.last_error()[0] == term.RES_E_INTERNAL_FAIL_CONNECT


def test_initialize_with_another_login_fails_authorization(clock: Clock) -> None:
    term = PaperTerminal(None, clock=clock)
    assert term.initialize(login=1) is False
    assert term.last_error()[0] == term.RES_E_AUTH_FAILED


def test_results_are_struct_sequences_not_namedtuples(term: PaperTerminal) -> None:
    result = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    info = term.account_info()
    pos = term.positions_get()[0]
    deal = term.history_deals_get(position=pos.ticket)[0]
    for struct in (
        result,
        info,
        pos,
        deal,
        term.symbol_info("EURUSD"),
        term.symbol_info_tick("EURUSD"),
    ):
        assert isinstance(struct, tuple)
        assert not hasattr(struct, "_fields")
        assert not hasattr(struct, "_replace")
        assert not hasattr(struct, "_make")
        assert list(struct._asdict().values()) == list(struct)
    assert type(result.request).__name__ == "TradeRequest"
    assert result.request.symbol == "EURUSD"
    assert list(pos._asdict()) == [
        "ticket", "time", "time_msc", "time_update", "time_update_msc", "type", "magic",
        "identifier", "reason", "volume", "price_open", "sl", "tp", "price_current", "swap",
        "profit", "symbol", "comment", "external_id",
    ]  # fmt: skip
    assert list(deal._asdict()) == [
        "ticket", "order", "time", "time_msc", "type", "entry", "magic", "position_id", "reason",
        "volume", "price", "commission", "swap", "profit", "fee", "symbol", "comment",
        "external_id",
    ]  # fmt: skip
    assert list(result._asdict()) == [
        "retcode", "deal", "order", "volume", "price", "bid", "ask", "comment", "request_id",
        "retcode_external", "request",
    ]  # fmt: skip


def test_constants_have_the_metatrader5_values(term: PaperTerminal) -> None:
    assert (term.TRADE_ACTION_DEAL, term.TRADE_ACTION_PENDING, term.TRADE_ACTION_SLTP) == (1, 5, 6)
    assert (term.TRADE_ACTION_MODIFY, term.TRADE_ACTION_REMOVE, term.TRADE_ACTION_CLOSE_BY) == (
        7,
        8,
        10,
    )
    assert (term.ORDER_TYPE_BUY, term.ORDER_TYPE_SELL_STOP) == (0, 5)
    assert (term.ORDER_FILLING_FOK, term.ORDER_FILLING_IOC, term.ORDER_FILLING_RETURN) == (0, 1, 2)
    assert (term.TIMEFRAME_M1, term.TIMEFRAME_H1, term.TIMEFRAME_H4, term.TIMEFRAME_D1) == (
        1,
        16385,
        16388,
        16408,
    )
    assert (term.TIMEFRAME_W1, term.TIMEFRAME_MN1) == (32769, 49153)
    assert (
        term.DEAL_ENTRY_IN,
        term.DEAL_ENTRY_OUT,
        term.DEAL_ENTRY_INOUT,
        term.DEAL_ENTRY_OUT_BY,
    ) == (0, 1, 2, 3)
    assert (term.DEAL_TYPE_BALANCE, term.DEAL_REASON_SL, term.DEAL_REASON_TP) == (2, 4, 5)
    assert (term.ACCOUNT_MARGIN_MODE_RETAIL_HEDGING, term.ACCOUNT_MARGIN_MODE_RETAIL_NETTING) == (
        2,
        0,
    )
    assert term.TRADE_RETCODE_DONE == 10009
    assert term.TRADE_RETCODE_INVALID_FILL == 10030
    assert term.TRADE_RETCODE_INVALID_CLOSE_VOLUME == 10038
    assert term.RES_E_INTERNAL_FAIL_CONNECT == -10004
    assert not hasattr(term, "SYMBOL_FILLING_FOK")


def test_symbol_functions_take_positional_arguments_only(term: PaperTerminal) -> None:
    with pytest.raises(TypeError):
        term.symbol_info(symbol="EURUSD")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        term.symbol_select("EURUSD", enable=True)  # type: ignore[call-arg]
    assert term.symbol_select("EURUSD", True) is True


def test_positions_get_takes_keywords_refuses_none_and_ticket_wins(term: PaperTerminal) -> None:
    buy = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    market(term, "GBPUSD", term.ORDER_TYPE_SELL, 0.1)
    with pytest.raises(TypeError):
        term.positions_get("EURUSD")  # type: ignore[misc]
    with pytest.raises(TypeError):
        term.positions_get(symbol=None)  # type: ignore[arg-type]
    assert [p.symbol for p in term.positions_get(ticket=buy.order, symbol="GBPUSD")] == ["EURUSD"]
    assert [p.symbol for p in term.positions_get(symbol="GBPUSD", group="*EUR*")] == ["GBPUSD"]
    assert term.positions_get(symbol="USDJPY") == ()
    assert len(term.positions_get()) == term.positions_total() == 2


def test_float_and_int_fields_are_type_checked_like_metatrader5(term: PaperTerminal) -> None:
    base = {"action": 1, "symbol": "EURUSD", "volume": 0.1, "type": 0, "type_filling": 0}
    assert term.order_send({**base, "volume": 1}) is None
    assert term.last_error() == (-2, 'Invalid "volume" argument')
    assert term.order_send({**base, "sl": 0}) is None
    assert term.last_error() == (-2, 'Invalid "sl" argument')
    assert term.order_send({**base, "magic": np.int64(5)}) is None
    assert term.last_error() == (-2, 'Invalid "magic" argument')
    assert term.order_send(base, comment="x") is None  # dict and keywords together
    assert term.last_error()[0] == -2
    assert term.positions_total() == 0


def test_comment_longer_than_29_characters_is_refused(term: PaperTerminal) -> None:
    assert market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1, comment="x" * 30) is None
    assert term.last_error() == (-2, 'Invalid "comment" argument')
    ok = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1, comment="y" * 29)
    assert ok.retcode == term.TRADE_RETCODE_DONE
    assert term.positions_get(ticket=ok.order)[0].comment == "y" * 29


def test_missing_fields_are_zero_and_unknown_keys_ignored(term: PaperTerminal) -> None:
    result = term.order_send(
        action=1, symbol="EURUSD", volume=0.1, type=0, nonsense="ignored"
    )  # no type_filling: FOK, which EURUSD allows
    assert result.retcode == term.TRADE_RETCODE_DONE
    assert result.request.type_filling == 0
    assert result.request.sl == 0.0


def test_hidden_symbol_has_no_tick_until_selected(term: PaperTerminal) -> None:
    info = term.symbol_info("XAGUSD")
    assert info.visible is False
    assert info.select is False
    assert info.bid == 0.0
    assert info.ask == 0.0
    assert term.symbol_info_tick("XAGUSD") is None
    assert term.symbol_select("XAGUSD", True)
    tick = term.symbol_info_tick("XAGUSD")
    assert tick is not None
    assert 20 < tick.bid < 45
    assert term.symbol_info("XAGUSD").visible is True


def test_symbols_and_group_masks(term: PaperTerminal) -> None:
    names = [s.name for s in term.symbols_get()]
    for required in ("EURUSD", "GBPUSD", "USDJPY", "AUDUSD", "USDCAD", "XAUUSD", "XAGUSD",
                     "USOIL", "BTCUSD", "NAS100", "US30"):  # fmt: skip
        assert required in names
    assert term.symbols_total() == len(names)
    assert {s.name for s in term.symbols_get(group="*USD*,!*EUR*,!X*")} == {
        "GBPUSD", "USDJPY", "AUDUSD", "USDCAD", "BTCUSD",
    }  # fmt: skip
    assert term.symbols_get(group="!*EUR*") == ()
    assert term.symbols_get(group="eurusd") == ()  # case-sensitive


def test_suffix_is_part_of_every_symbol_name(clock: Clock) -> None:
    term = make_terminal(clock, suffix=".m")
    assert term.symbol_info("XAUUSD") is None
    info = term.symbol_info("XAUUSD.m")
    assert info.name == "XAUUSD.m"
    assert info.currency_base == "XAU"
    result = market(term, "XAUUSD.m", term.ORDER_TYPE_BUY, 0.01)
    assert result.retcode == term.TRADE_RETCODE_DONE
    assert term.positions_get()[0].symbol == "XAUUSD.m"


def test_times_are_server_time_expressed_as_epoch_seconds(term: PaperTerminal) -> None:
    tick = term.symbol_info_tick("EURUSD")
    assert tick.time == int(T0) + 2 * 3600
    assert tick.time_msc == tick.time * 1000
    result = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.1)
    deal = term.history_deals_get(ticket=result.order)[0]
    assert deal.time == int(T0) + 7200
    # a query up to "now in UTC" misses it, as on a real broker
    assert term.history_deals_get(T0 - 3600, datetime.fromtimestamp(T0, UTC), group="EURUSD") == ()
    assert len(term.history_deals_get(T0 - 3600, T0 + 86400, group="EURUSD")) == 1


def test_history_deals_get_forms(term: PaperTerminal) -> None:
    first = market(term, "EURUSD", term.ORDER_TYPE_BUY, 0.2)
    close = market(term, "EURUSD", term.ORDER_TYPE_SELL, 0.2, position=first.order)
    by_position = term.history_deals_get(position=first.order)
    assert [d.entry for d in by_position] == [term.DEAL_ENTRY_IN, term.DEAL_ENTRY_OUT]
    assert [d.ticket for d in term.history_deals_get(ticket=close.order)] == [close.deal]
    # in the date form, ticket=/position= are ignored
    everything = term.history_deals_get(0, T0 + 86400)
    assert term.history_deals_get(0, T0 + 86400, position=first.order) == everything
    assert len(everything) == 3  # deposit + in + out
    assert term.history_deals_total(0, T0 + 86400) == 3
    assert term.history_deals_get() is None
    assert term.last_error()[0] == -2
    assert term.history_deals_get(datetime(2026, 1, 1, tzinfo=UTC).date(), T0) is None
    orders = term.history_orders_get(position=first.order)
    assert [o.state for o in orders] == [term.ORDER_STATE_FILLED] * 2
    assert term.history_orders_total(0, T0 + 86400) == 2


def test_order_check_success_is_retcode_zero_with_done(term: PaperTerminal) -> None:
    check = term.order_check(
        {"action": 1, "symbol": "EURUSD", "volume": 1.0, "type": 0, "type_filling": 0}
    )
    assert check.retcode == 0
    assert check.comment == "Done"
    assert check.margin > 0
    assert check.margin_free < check.equity
    assert term.positions_total() == 0
    bad = term.order_check({"action": 1, "symbol": "EURUSD", "volume": 0.001, "type": 0})
    assert bad.retcode == term.TRADE_RETCODE_INVALID_VOLUME


def test_copy_rates_from_pos_is_an_ascending_structured_array(term: PaperTerminal) -> None:
    rates = term.copy_rates_from_pos("EURUSD", term.TIMEFRAME_H1, 0, 24)
    assert rates.dtype.names == (
        "time", "open", "high", "low", "close", "tick_volume", "spread", "real_volume",
    )  # fmt: skip
    assert len(rates) == 24
    times = [int(t) for t in rates["time"]]
    assert times == sorted(times)
    assert times[1] - times[0] == 3600
    assert times[-1] <= int(T0) + 7200 < times[-1] + 3600  # the last bar is the current one
    assert all(
        r["low"] <= min(r["open"], r["close"]) <= max(r["open"], r["close"]) <= r["high"]
        for r in rates
    )
    assert term.copy_rates_from_pos("NOPE", term.TIMEFRAME_H1, 0, 5) is None
    assert term.copy_rates_from_pos("EURUSD", 12345, 0, 5) is None


def test_prices_move_with_the_clock_and_repeat_for_the_same_seed(clock: Clock) -> None:
    a = make_terminal(clock)
    b = make_terminal(clock)
    first = a.symbol_info_tick("XAUUSD")
    assert first == b.symbol_info_tick("XAUUSD")
    clock.advance(600)
    later = a.symbol_info_tick("XAUUSD")
    assert later.bid != first.bid
    assert round((later.ask - later.bid) / 0.01) == a.symbol_info("XAUUSD").spread
    other = make_terminal(clock, seed=99).symbol_info_tick("XAUUSD")
    assert other.bid != later.bid


def test_realistic_price_levels(term: PaperTerminal) -> None:
    levels = {"EURUSD": (0.9, 1.3), "USDJPY": (120, 180), "XAUUSD": (2000, 3300),
              "BTCUSD": (60_000, 130_000), "NAS100": (15_000, 28_000), "USOIL": (45, 100)}  # fmt: skip
    for name, (lo, hi) in levels.items():
        tick = term.symbol_info_tick(name)
        assert lo < tick.bid < tick.ask < hi, name
    assert term.symbol_info("USDJPY").digits == 3
    assert term.symbol_info("XAUUSD").digits == 2
