"""The paper terminal's bars: every timeframe is aggregated from M1, closed markets have no
bars, and copy_rates_* refuse bad arguments as the MetaTrader5 package does."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from broker.paper import PaperTerminal
from broker.paper.bars import HISTORY_DAYS
from tests.fakes.paper_helpers import T0, Clock, make_terminal

OFFSET = 2 * 3600  # the paper terminal's default server time, UTC+2


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def term(clock: Clock) -> PaperTerminal:
    return make_terminal(clock)


def _server(dt: datetime) -> int:
    return int(dt.timestamp()) + OFFSET


def _agree(bigger: np.ndarray, smaller: np.ndarray, length: int) -> None:
    """Each bigger bar is open of first, max high, min low, close of last, summed volume of
    the smaller bars inside it."""
    assert len(bigger) > 0
    for bar in bigger:
        inside = smaller[
            (smaller["time"] >= bar["time"]) & (smaller["time"] < bar["time"] + length)
        ]
        assert len(inside) > 0
        assert bar["open"] == inside["open"][0]
        assert bar["high"] == inside["high"].max()
        assert bar["low"] == inside["low"].min()
        assert bar["close"] == inside["close"][-1]
        assert int(bar["tick_volume"]) == int(inside["tick_volume"].sum())


def test_h1_bars_are_built_from_the_m1_bars_they_hold(term: PaperTerminal) -> None:
    h1 = term.copy_rates_from_pos("XAUUSD", term.TIMEFRAME_H1, 0, 6)
    m1 = term.copy_rates_from_pos("XAUUSD", term.TIMEFRAME_M1, 0, 6 * 60)
    assert len(h1) == 6
    _agree(h1[1:], m1, 3600)  # the oldest hour may begin before the M1 window does
    # the current hour too: it ends now, with the current bid
    assert h1["close"][-1] == m1["close"][-1] == term.symbol_info_tick("XAUUSD").bid


def test_d1_agrees_with_h1_and_h4_with_h1(term: PaperTerminal) -> None:
    d1 = term.copy_rates_from_pos("EURUSD", term.TIMEFRAME_D1, 0, 3)
    h1 = term.copy_rates_from_pos("EURUSD", term.TIMEFRAME_H1, 0, 24 * 6)
    h4 = term.copy_rates_from_pos("EURUSD", term.TIMEFRAME_H4, 0, 12)
    _agree(d1[1:], h1, 86_400)
    _agree(h4[1:], h1, 4 * 3600)


def test_m5_bars_agree_with_m1(term: PaperTerminal) -> None:
    m5 = term.copy_rates_from_pos("GBPUSD", term.TIMEFRAME_M5, 0, 12)
    m1 = term.copy_rates_from_pos("GBPUSD", term.TIMEFRAME_M1, 0, 61)
    _agree(m5[1:], m1, 300)


def test_a_range_across_a_weekend_has_no_saturday_or_sunday_bars(term: PaperTerminal) -> None:
    # T0 is Tuesday 10 March 2026; the weekend before it is 7–8 March (server time)
    lo = _server(datetime(2026, 3, 6, 0, 0, tzinfo=UTC)) - OFFSET  # Friday 00:00 server
    hi = _server(datetime(2026, 3, 9, 23, 0, tzinfo=UTC)) - OFFSET  # Monday 23:00 server
    h1 = term.copy_rates_range("EURUSD", term.TIMEFRAME_H1, lo, hi)
    days = {datetime.fromtimestamp(int(t), UTC).strftime("%a") for t in h1["time"]}
    assert days == {"Fri", "Mon"}
    assert len(h1) == 48  # 24 hours on Friday, 24 on Monday (hi is the last bar's open time)
    d1 = term.copy_rates_range("EURUSD", term.TIMEFRAME_D1, lo, hi)
    assert [datetime.fromtimestamp(int(t), UTC).day for t in d1["time"]] == [6, 9]
    # Friday's close stands until Monday: the last Friday bar closes where Monday opens from
    friday = h1[[datetime.fromtimestamp(int(t), UTC).day == 6 for t in h1["time"]]]
    saturday_noon = datetime(2026, 3, 7, 10, 0, tzinfo=UTC).timestamp()
    weekend = make_terminal(Clock(saturday_noon))
    assert weekend.symbol_info_tick("EURUSD").bid == friday["close"][-1]
    assert (
        weekend.copy_rates_from_pos("EURUSD", term.TIMEFRAME_M1, 0, 1)["close"][-1]
        == (friday["close"][-1])
    )
    # crypto trades on weekends
    btc = term.copy_rates_range("BTCUSD", term.TIMEFRAME_D1, lo, hi)
    assert len(btc) == 4


def test_the_gold_day_has_its_hour_of_break_after_midnight(term: PaperTerminal) -> None:
    lo = _server(datetime(2026, 3, 9, 0, 0, tzinfo=UTC)) - OFFSET
    hi = lo + 3 * 3600
    hours = [
        datetime.fromtimestamp(int(t), UTC).hour
        for t in term.copy_rates_range("XAUUSD", term.TIMEFRAME_H1, lo, hi)["time"]
    ]
    assert hours == [1, 2, 3]


def test_bars_reach_back_as_far_as_the_history_and_no_further(term: PaperTerminal) -> None:
    d1 = term.copy_rates_from_pos("BTCUSD", term.TIMEFRAME_D1, 0, HISTORY_DAYS + 50)
    assert HISTORY_DAYS - 1 <= len(d1) <= HISTORY_DAYS + 1
    old = datetime(2025, 9, 1, tzinfo=UTC)  # demo history of a few months reaches here
    assert len(term.copy_rates_from("XAUUSD", term.TIMEFRAME_H1, old, 10)) == 10


def test_the_same_moment_gives_the_same_bars_on_a_fresh_terminal(clock: Clock) -> None:
    a = make_terminal(clock).copy_rates_from_pos("USDJPY", 16385, 1, 48)
    b = make_terminal(clock).copy_rates_from_pos("USDJPY", 16385, 1, 48)
    assert (a == b).all()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("NOPE", 16385, 0, 5), (-1, "Terminal: Call failed")),
        (("EURUSD", 12345, 0, 5), (-2, "Terminal: Invalid params")),
        (("EURUSD", 16385, 0, 0), (-2, "Terminal: Invalid params")),
        (("EURUSD", 16385, -1, 5), (-2, "Terminal: Invalid params")),
        (("EURUSD", 16385, 0, 5.0), (-2, "Invalid arguments")),
        (("EURUSD", "H1", 0, 5), (-2, "Invalid arguments")),
    ],
)
def test_copy_rates_from_pos_refuses_what_the_package_refuses(
    term: PaperTerminal, args: tuple[object, ...], error: tuple[int, str]
) -> None:
    assert term.copy_rates_from_pos(*args) is None
    assert term.last_error() == error


def test_copy_rates_range_refuses_bad_arguments_and_reads_a_reversed_range_as_empty(
    term: PaperTerminal,
) -> None:
    now = int(T0) + OFFSET
    assert term.copy_rates_range("NOPE", 16385, now - 7200, now) is None
    assert term.last_error() == (-1, "Terminal: Call failed")
    assert term.copy_rates_range("EURUSD", 7, now - 7200, now) is None
    assert term.last_error() == (-2, "Terminal: Invalid params")
    assert term.copy_rates_range("EURUSD", 16385, "yesterday", now) is None
    assert term.last_error() == (-2, "Invalid arguments")
    empty = term.copy_rates_range("EURUSD", 16385, now, now - 7200)
    assert empty is not None
    assert len(empty) == 0
    assert term.last_error() == (1, "Success")


def test_margin_of_one_lot_is_the_terminals_own_calculation(term: PaperTerminal) -> None:
    tick = term.symbol_info_tick("XAUUSD")
    margin = term.order_calc_margin(term.ORDER_TYPE_BUY, "XAUUSD", 1.0, tick.ask)
    # gold: 100 oz × price / leverage 100
    assert margin == pytest.approx(100 * tick.ask / 100, rel=1e-9)
    assert term.order_calc_margin(term.ORDER_TYPE_BUY, "XAUUSD", 1, tick.ask) is None
    assert term.last_error() == (-2, "Invalid arguments")
