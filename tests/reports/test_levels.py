"""Support/resistance from swing points, the volume profile (POC, value area) and the order
book summary, on bars built here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broker.models import Bar, BookLevel
from reports.levels import (
    LevelsError,
    book_summary,
    find_levels,
    swing_levels,
    swing_points,
    volume_profile,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def bar(i: int, low: float, high: float, volume: int = 100, close: float | None = None) -> Bar:
    c = (low + high) / 2 if close is None else close
    return Bar(T0 + timedelta(hours=i), c, high, low, c, volume)


def zigzag(peaks: list[tuple[float, float]], base: float = 105.0) -> list[Bar]:
    """For each (high, low): two bars rising to the high, two falling to the low."""
    out: list[Bar] = []
    for high, low in peaks:
        for lo, hi in ((base - 1, base + 1), (high - 1.5, high - 0.5), (high - 1, high),
                       (high - 1.5, high - 0.5), (base - 1, base + 1),
                       (low + 0.5, low + 1.5), (low, low + 1), (low + 0.5, low + 1.5)):  # fmt: skip
            out.append(bar(len(out), lo, hi))
    out.append(bar(len(out), base - 1, base + 1, close=base))
    return out


def test_a_fractal_pivot_is_the_extreme_of_two_bars_each_side() -> None:
    bars = [bar(0, 1, 2), bar(1, 2, 3), bar(2, 3, 9), bar(3, 2, 3), bar(4, 1, 2)]
    assert swing_points(bars) == [("high", 2, 9)]


def test_equal_highs_side_by_side_are_one_pivot_not_two() -> None:
    bars = [bar(0, 1, 2), bar(1, 2, 3), bar(2, 3, 9), bar(3, 3, 9), bar(4, 1, 2), bar(5, 0, 1)]
    assert [p for p in swing_points(bars) if p[0] == "high"] == [("high", 2, 9)]


def test_pivots_at_nearly_the_same_price_are_one_level_with_their_touches() -> None:
    bars = zigzag([(110.0, 100.0), (110.2, 100.1), (109.9, 99.9), (115.0, 95.0)])
    supports, resistances = swing_levels(bars, 105.0, tolerance=0.5)
    assert resistances[0].touches == 3
    assert resistances[0].price == pytest.approx((110.0 + 110.2 + 109.9) / 3)
    assert (resistances[0].low, resistances[0].high) == (109.9, 110.2)
    assert supports[0].touches == 3
    assert supports[0].price == pytest.approx((100.0 + 100.1 + 99.9) / 3)
    # the single far pivots are weaker levels, further out
    assert [lv.touches for lv in resistances] == [3, 1]
    assert resistances[1].price == 115.0
    assert supports[1].price == 95.0
    assert all(lv.kind == "support" for lv in supports)
    assert all(lv.kind == "resistance" for lv in resistances)


def test_only_the_strongest_levels_are_kept_nearest_first() -> None:
    bars = zigzag([(110.0, 100.0), (111.0, 99.0), (110.0, 100.0), (112.0, 98.0)])
    _, resistances = swing_levels(bars, 105.0, tolerance=0.3, max_each=2)
    assert [lv.price for lv in resistances] == [110.0, 111.0]  # 110 (2 touches) and a tie


def test_the_point_of_control_is_the_bin_with_the_most_volume() -> None:
    volumes = [1, 2, 3, 10, 30, 50, 20, 5, 4, 1]  # bar k covers exactly the price slice k
    bars = [bar(k, 100.0 + k, 101.0 + k, v) for k, v in enumerate(volumes)]
    prof = volume_profile(bars, bins=10)
    assert prof is not None
    assert prof.total == pytest.approx(126)
    assert prof.poc == pytest.approx(105.5)
    # 70 % of 126 = 88.2: 50 (POC), then 30 below (fuller than 20 above), then 20 above = 100
    assert (prof.value_low, prof.value_high) == (pytest.approx(104.0), pytest.approx(107.0))
    assert prof.value_share == pytest.approx(100 / 126)


def test_a_bar_spreads_its_volume_over_the_prices_it_covers() -> None:
    bars = [bar(0, 100.0, 110.0, 100), bar(1, 104.0, 105.0, 30)]
    prof = volume_profile(bars, bins=10)
    assert prof is not None
    assert [round(b.volume, 9) for b in prof.bins] == [10, 10, 10, 10, 40, 10, 10, 10, 10, 10]
    assert prof.poc == pytest.approx(104.5)


def test_no_volume_or_no_range_gives_no_profile() -> None:
    assert volume_profile([bar(0, 100.0, 100.0, 5)]) is None
    assert volume_profile([bar(0, 100.0, 101.0, 0), bar(1, 100.5, 102.0, 0)]) is None


def test_the_book_summary_names_the_biggest_bid_and_ask() -> None:
    book = [
        BookLevel(2650.4, 3.0, "sell"),
        BookLevel(2650.2, 1.5, "sell"),
        BookLevel(2650.0, 2.0, "buy"),
        BookLevel(2649.8, 6.5, "buy"),
    ]
    s = book_summary(book)
    assert s is not None
    assert (s.bid_volume, s.ask_volume) == (8.5, 4.5)
    assert s.top_bid == BookLevel(2649.8, 6.5, "buy")
    assert s.top_ask == BookLevel(2650.4, 3.0, "sell")
    assert book_summary(None) is None
    assert book_summary([]) is None


def test_find_levels_sorts_around_the_last_close_and_refuses_too_few_bars() -> None:
    bars = zigzag([(110.0, 100.0), (110.1, 100.1)])
    lv = find_levels("XAUUSD", "H4", bars, digits=2)
    assert lv.price == 105.0
    assert lv.supports[0].price < 105.0 < lv.resistances[0].price
    assert lv.profile is not None
    assert lv.book is None
    assert (lv.bars, lv.start, lv.end) == (len(bars), bars[0].time, bars[-1].time)
    with pytest.raises(LevelsError) as err:
        find_levels("XAUUSD", "H4", bars[:3])
    assert err.value.key == "not_enough_bars"
