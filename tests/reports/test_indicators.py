"""Indicator values from TA-Lib checked against tiny independent implementations written here
(the textbook definitions, as TA-Lib seeds them), on the same bars; and the facts read from
them."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from broker.models import Bar
from reports.indicators import IndicatorError, compute, parameters

NAN = math.nan


def walk(n: int, seed: int = 7, start: float = 2000.0) -> list[Bar]:
    """A random walk of OHLC bars (deterministic)."""
    rnd = random.Random(seed)
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    bars, price = [], start
    for i in range(n):
        o = price
        c = o + rnd.gauss(0, 3)
        h = max(o, c) + abs(rnd.gauss(0, 1.5))
        lo = min(o, c) - abs(rnd.gauss(0, 1.5))
        bars.append(Bar(t0 + timedelta(hours=i), o, h, lo, c, rnd.randint(50, 500)))
        price = c
    return bars


def bars_from_closes(closes: list[float]) -> list[Bar]:
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    return [Bar(t0 + timedelta(hours=i), c, c + 1, c - 1, c, 100) for i, c in enumerate(closes)]


# -- independent references ----------------------------------------------------------------
def ref_sma(x: list[float], n: int) -> list[float]:
    return [NAN if i < n - 1 else sum(x[i - n + 1 : i + 1]) / n for i in range(len(x))]


def ref_ema(x: list[float], n: int, first: int = 0) -> list[float]:
    """EMA with k = 2/(n+1), seeded by the simple average of the first n values from `first`."""
    out = [NAN] * len(x)
    k = 2 / (n + 1)
    seed_at = first + n - 1
    out[seed_at] = sum(x[first : seed_at + 1]) / n
    for i in range(seed_at + 1, len(x)):
        out[i] = x[i] * k + out[i - 1] * (1 - k)
    return out


def ref_wilder_rsi(x: list[float], n: int) -> list[float]:
    out = [NAN] * len(x)
    ch = [x[i] - x[i - 1] for i in range(1, len(x))]
    gain = sum(max(c, 0) for c in ch[:n]) / n
    loss = sum(max(-c, 0) for c in ch[:n]) / n
    out[n] = 100 * gain / (gain + loss)
    for i in range(n + 1, len(x)):
        c = ch[i - 1]
        gain = (gain * (n - 1) + max(c, 0)) / n
        loss = (loss * (n - 1) + max(-c, 0)) / n
        out[i] = 100 * gain / (gain + loss)
    return out


def ref_macd(x: list[float], fast: int, slow: int, signal: int) -> tuple[list[float], ...]:
    # both averages start at the slow one's first bar: the fast one is seeded there
    slow_e = ref_ema(x, slow)
    fast_e = ref_ema(x, fast, first=slow - fast)
    macd = [NAN if math.isnan(s) else f - s for f, s in zip(fast_e, slow_e, strict=True)]
    sig = ref_ema(macd, signal, first=slow - 1)
    start = slow - 1 + signal - 1
    macd = [NAN if i < start else v for i, v in enumerate(macd)]
    hist = [m - s for m, s in zip(macd, sig, strict=True)]
    return macd, sig, hist


def ref_boll(x: list[float], n: int, w: float) -> tuple[list[float], ...]:
    mid = ref_sma(x, n)
    up, lo = [NAN] * len(x), [NAN] * len(x)
    for i in range(n - 1, len(x)):
        win = x[i - n + 1 : i + 1]
        sd = math.sqrt(sum((v - mid[i]) ** 2 for v in win) / n)  # population deviation
        up[i], lo[i] = mid[i] + w * sd, mid[i] - w * sd
    return up, mid, lo


def ref_atr(bars: list[Bar], n: int) -> list[float]:
    tr = [NAN] + [
        max(b.high - b.low, abs(b.high - p.close), abs(b.low - p.close))
        for p, b in itertools.pairwise(bars)
    ]
    out = [NAN] * len(bars)
    out[n] = sum(tr[1 : n + 1]) / n
    for i in range(n + 1, len(bars)):
        out[i] = (out[i - 1] * (n - 1) + tr[i]) / n
    return out


def ref_kdj(bars: list[Bar], n: int, k: int, d: int) -> tuple[list[float], ...]:
    raw = [NAN] * len(bars)
    for i in range(n - 1, len(bars)):
        win = bars[i - n + 1 : i + 1]
        hh, ll = max(b.high for b in win), min(b.low for b in win)
        raw[i] = 0.0 if hh == ll else 100 * (bars[i].close - ll) / (hh - ll)
    kk = [NAN] * len(bars)
    for i in range(n - 1 + k - 1, len(bars)):
        kk[i] = sum(raw[i - k + 1 : i + 1]) / k
    dd = [NAN] * len(bars)
    for i in range(n - 1 + k - 1 + d - 1, len(bars)):
        dd[i] = sum(kk[i - d + 1 : i + 1]) / d
    start = n - 1 + k - 1 + d - 1
    kk = [NAN if i < start else v for i, v in enumerate(kk)]
    jj = [3 * a - 2 * b for a, b in zip(kk, dd, strict=True)]
    return kk, dd, jj


def same(got: list[float], want: list[float], tol: float = 1e-8) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if math.isnan(w):
            assert math.isnan(g), f"bar {i}: {g} where the reference has no value"
        else:
            assert g == pytest.approx(w, rel=tol, abs=tol), f"bar {i}"


BARS = walk(300)
CLOSES = [b.close for b in BARS]


def test_ma_and_ema_match_the_textbook_definitions() -> None:
    same(compute("MA", BARS, 20).lines["ma"], ref_sma(CLOSES, 20))
    same(compute("EMA", BARS, 20).lines["ema"], ref_ema(CLOSES, 20))
    same(compute("EMA", BARS, 50).lines["ema"], ref_ema(CLOSES, 50))


def test_rsi_is_wilders_with_a_simple_average_seed() -> None:
    same(compute("RSI", BARS).lines["rsi"], ref_wilder_rsi(CLOSES, 14))
    same(compute("RSI", BARS, 6).lines["rsi"], ref_wilder_rsi(CLOSES, 6))


def test_macd_12_26_9_matches_two_emas_started_together() -> None:
    got = compute("MACD", BARS)
    assert got.params == {"fast": 12, "slow": 26, "signal": 9}
    macd, sig, hist = ref_macd(CLOSES, 12, 26, 9)
    same(got.lines["macd"], macd)
    same(got.lines["signal"], sig)
    same(got.lines["hist"], hist)


def test_bollinger_20_2_is_the_sma_plus_minus_two_population_deviations() -> None:
    got = compute("BOLL", BARS)
    up, mid, lo = ref_boll(CLOSES, 20, 2.0)
    same(got.lines["upper"], up)
    same(got.lines["middle"], mid)
    same(got.lines["lower"], lo)


def test_kdj_9_3_3_is_the_slow_stochastic_and_j_is_3k_minus_2d() -> None:
    got = compute("KDJ", BARS)
    k, d, j = ref_kdj(BARS, 9, 3, 3)
    same(got.lines["k"], k)
    same(got.lines["d"], d)
    same(got.lines["j"], j)


def test_atr_14_is_wilders_average_of_the_true_range() -> None:
    same(compute("ATR", BARS).lines["atr"], ref_atr(BARS, 14))


def test_rsi_above_70_is_read_as_the_overbought_zone() -> None:
    rising = bars_from_closes([100 + i + (0.5 if i % 4 == 0 else 0) for i in range(40)])
    got = compute("RSI", rising)
    keys = [f.key for f in got.facts]
    assert keys[0] == "rsi_overbought"
    assert got.facts[0].values["value"] > 70


def test_macd_histogram_turning_positive_is_read_as_such() -> None:
    closes = [200 - i * 0.8 for i in range(60)] + [152 + i * 2.5 for i in range(1, 30)]
    bars = bars_from_closes(closes)
    for end in range(40, len(bars)):
        got = compute("MACD", bars[:end])
        h = got.lines["hist"]
        if h[-2] <= 0 < h[-1]:
            assert "macd_hist_turned_positive" in [f.key for f in got.facts]
            return
    pytest.fail("the series never turned")


def test_price_above_the_upper_band_is_read_as_above_the_band() -> None:
    closes = [100.0 + (i % 2) * 0.2 for i in range(40)] + [110.0]
    got = compute("BOLL", bars_from_closes(closes))
    assert "boll_above_upper" in [f.key for f in got.facts]


def test_a_label_names_the_indicator_and_its_parameters() -> None:
    assert compute("MACD", BARS).label == "MACD(12,26,9)"
    assert compute("BOLL", BARS).label == "BOLL(20,2)"
    assert compute("ma", BARS, 50).label == "MA(50)"


@pytest.mark.parametrize(
    ("name", "period", "params", "key"),
    [
        ("VWAP", None, {}, "unknown"),
        ("RSI", 1, {}, "bad_param"),
        ("MACD", None, {"fast": 30}, "bad_param"),
        ("BOLL", None, {"width": -1.0}, "bad_param"),
        ("KDJ", None, {"x": 3}, "bad_param"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    name: str, period: int | None, params: dict[str, float], key: str
) -> None:
    with pytest.raises(IndicatorError) as err:
        parameters(name, period, **params)
    assert err.value.key == key


def test_too_few_bars_says_how_many_are_needed() -> None:
    with pytest.raises(IndicatorError) as err:
        compute("MACD", BARS[:20])
    assert err.value.key == "not_enough_bars"
    assert err.value.facts["need"] == 35
    assert err.value.facts["have"] == 20
