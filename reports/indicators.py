"""Technical indicators over broker bars, computed by TA-Lib, and the facts they show.

`compute(name, bars, period=None, **params)` → `IndicatorResult`: every line of the indicator
aligned with the bars (NaN where the indicator is not yet defined) and `facts` — what the last
values show, as keys and numbers ("rsi_zone" overbought 72.4 > 70, "macd_hist_turned" up …),
worded by `handlers/` in the user's language. The facts describe; they never advise.

The usual defaults: MA/EMA 20, RSI 14, MACD 12/26/9, BOLL 20/2, KDJ 9/3/3 (TA-Lib's slow
stochastic with simple-average smoothing; J = 3K − 2D), ATR 14.

TA-Lib and numpy are imported inside the functions: start-up never pays for them. Everything
here is blocking (a few milliseconds for 1,000 bars): call it off the event loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from broker.models import Bar

IndicatorName = Literal["MA", "EMA", "RSI", "MACD", "BOLL", "KDJ", "ATR"]
INDICATORS: tuple[IndicatorName, ...] = ("MA", "EMA", "RSI", "MACD", "BOLL", "KDJ", "ATR")
# Drawn over the candles (same price scale) or in a panel of their own below them.
OVERLAYS: frozenset[str] = frozenset({"MA", "EMA", "BOLL"})
PANELS: frozenset[str] = frozenset({"RSI", "MACD", "KDJ", "ATR"})

MIN_PERIOD, MAX_PERIOD = 2, 500
RSI_HIGH, RSI_LOW = 70.0, 30.0
KDJ_HIGH, KDJ_LOW = 80.0, 20.0

# name → its parameters and their defaults; `period` sets the first one (the main window)
DEFAULTS: dict[str, dict[str, float]] = {
    "MA": {"period": 20},
    "EMA": {"period": 20},
    "RSI": {"period": 14},
    "MACD": {"fast": 12, "slow": 26, "signal": 9},
    "BOLL": {"period": 20, "width": 2.0},
    "KDJ": {"n": 9, "k": 3, "d": 3},
    "ATR": {"period": 14},
}


class IndicatorError(ValueError):
    """Input the indicator cannot be computed from: `key` names it for `handlers/` to word
    ("unknown", "bad_param", "not_enough_bars"), `facts` fill it in."""

    def __init__(self, key: str, **facts: Any) -> None:
        super().__init__(f"{key}: {facts}")
        self.key = key
        self.facts = facts


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing the values show: `key` names it (handlers/i18n words it as "mk_fact_<key>"),
    `values` fill it in."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    name: IndicatorName
    params: dict[str, float]
    lines: dict[str, list[float]]  # line name → values aligned with the bars, NaN = undefined
    facts: tuple[Fact, ...]
    close: float  # the last bar's close the facts were read against
    digits: int = 5

    @property
    def label(self) -> str:
        """ "RSI(14)", "MACD(12,26,9)", "BOLL(20,2)"."""
        return f"{self.name}({','.join(f'{v:g}' for v in self.params.values())})"

    def last(self, line: str) -> float:
        """The line's latest value (NaN when it is not defined yet)."""
        values = self.lines[line]
        return values[-1] if values else math.nan


def parameters(name: str, period: int | None = None, **params: float) -> dict[str, float]:
    """The indicator's parameters: its defaults, `period` as the main window, `params` by
    name. Raises `IndicatorError` for an unknown indicator or parameter, or a bad value."""
    key = name.upper()
    if key not in DEFAULTS:
        raise IndicatorError("unknown", name=name, known=", ".join(INDICATORS))
    out = dict(DEFAULTS[key])
    if period is not None:
        out[next(iter(out))] = period
    for pname, value in params.items():
        if pname not in out:
            raise IndicatorError("bad_param", name=key, param=pname)
        out[pname] = value
    for pname, value in out.items():
        if not _valid(pname, value):
            raise IndicatorError("bad_param", name=key, param=pname, value=value)
    if key == "MACD" and out["fast"] >= out["slow"]:
        raise IndicatorError("bad_param", name=key, param="fast", value=out["fast"])
    return out


def _valid(pname: str, value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    if pname == "width":  # standard deviations of the bands
        return 0 < value <= 10
    return float(value).is_integer() and MIN_PERIOD <= value <= MAX_PERIOD


def lookback(name: str, params: dict[str, float]) -> int:
    """How many bars precede the indicator's first defined value."""
    p = {k: int(v) for k, v in params.items() if k != "width"}
    key = name.upper()
    if key == "MACD":
        return p["slow"] - 1 + p["signal"] - 1
    if key == "KDJ":
        return p["n"] - 1 + p["k"] - 1 + p["d"] - 1
    if key in ("RSI", "ATR"):
        return p["period"]
    return p["period"] - 1


def compute(
    name: str, bars: Sequence[Bar], period: int | None = None, digits: int = 5, **params: float
) -> IndicatorResult:
    """The indicator over `bars` (oldest first) and the facts its last values show. At least
    two defined values are needed (a turn needs a before); fewer bars → `IndicatorError`."""
    key: IndicatorName = name.upper()  # type: ignore[assignment]
    p = parameters(key, period, **params)
    need = lookback(key, p) + 2
    if len(bars) < need:
        raise IndicatorError("not_enough_bars", name=key, need=need, have=len(bars))
    lines = _lines(key, p, bars)
    close = bars[-1].close
    return IndicatorResult(key, p, lines, tuple(_FACTS[key](lines, close, p)), close, digits)


# -- TA-Lib ------------------------------------------------------------------------------------
def _arrays(bars: Sequence[Bar]) -> tuple[Any, Any, Any]:
    import numpy as np

    high = np.fromiter((b.high for b in bars), dtype=np.float64, count=len(bars))
    low = np.fromiter((b.low for b in bars), dtype=np.float64, count=len(bars))
    close = np.fromiter((b.close for b in bars), dtype=np.float64, count=len(bars))
    return high, low, close


def _lines(key: str, p: dict[str, float], bars: Sequence[Bar]) -> dict[str, list[float]]:
    import talib
    from talib._ta_lib import MA_Type  # the stubs declare it there, not in talib

    high, low, close = _arrays(bars)
    i = {k: int(v) for k, v in p.items() if k != "width"}
    if key == "MA":
        out = {"ma": talib.SMA(close, timeperiod=i["period"])}
    elif key == "EMA":
        out = {"ema": talib.EMA(close, timeperiod=i["period"])}
    elif key == "RSI":
        out = {"rsi": talib.RSI(close, timeperiod=i["period"])}
    elif key == "MACD":
        macd, signal, hist = talib.MACD(
            close, fastperiod=i["fast"], slowperiod=i["slow"], signalperiod=i["signal"]
        )
        out = {"macd": macd, "signal": signal, "hist": hist}
    elif key == "BOLL":
        w = float(p["width"])
        upper, middle, lower = talib.BBANDS(
            close, timeperiod=i["period"], nbdevup=w, nbdevdn=w, matype=MA_Type.SMA
        )
        out = {"upper": upper, "middle": middle, "lower": lower}
    elif key == "KDJ":
        k, d = talib.STOCH(
            high, low, close, fastk_period=i["n"], slowk_period=i["k"], slowk_matype=MA_Type.SMA,
            slowd_period=i["d"], slowd_matype=MA_Type.SMA,
        )  # fmt: skip
        out = {"k": k, "d": d, "j": 3 * k - 2 * d}
    else:
        out = {"atr": talib.ATR(high, low, close, timeperiod=i["period"])}
    return {name: [float(v) for v in values] for name, values in out.items()}


# -- facts -------------------------------------------------------------------------------------
def _two(values: list[float]) -> tuple[float, float]:
    return values[-2], values[-1]


def _cross(a: list[float], b: list[float]) -> str | None:
    """ "up" when `a` went from below `b` to above it on the last bar, "down" the other way."""
    (a0, a1), (b0, b1) = _two(a), _two(b)
    if a0 <= b0 and a1 > b1:
        return "up"
    if a0 >= b0 and a1 < b1:
        return "down"
    return None


FactsOf = Callable[[dict[str, list[float]], float, dict[str, float]], list[Fact]]


def _average_facts(line: str) -> FactsOf:
    def facts(lines: dict[str, list[float]], close: float, p: dict[str, float]) -> list[Fact]:
        prev, value = _two(lines[line])
        out = [Fact("value", {"value": value})]
        where = "above" if close > value else "below" if close < value else "at"
        out.append(Fact(f"price_{where}_line", {"pct": (close - value) / value * 100}))
        out.append(Fact("slope_up" if value > prev else "slope_down" if value < prev else "flat"))
        return out

    return facts


def _rsi_facts(lines: dict[str, list[float]], close: float, p: dict[str, float]) -> list[Fact]:
    prev, value = _two(lines["rsi"])
    if value > RSI_HIGH:
        zone = Fact("rsi_overbought", {"value": value, "level": RSI_HIGH})
    elif value < RSI_LOW:
        zone = Fact("rsi_oversold", {"value": value, "level": RSI_LOW})
    else:
        zone = Fact("rsi_neutral", {"value": value, "low": RSI_LOW, "high": RSI_HIGH})
    out = [zone]
    for level in (RSI_HIGH, 50.0, RSI_LOW):
        if prev <= level < value:
            out.append(Fact("rsi_crossed_up", {"level": level}))
        elif prev >= level > value:
            out.append(Fact("rsi_crossed_down", {"level": level}))
    return out


def _macd_facts(lines: dict[str, list[float]], close: float, p: dict[str, float]) -> list[Fact]:
    macd, signal, hist = lines["macd"][-1], lines["signal"][-1], lines["hist"][-1]
    out = [Fact("macd_values", {"macd": macd, "signal": signal, "hist": hist})]
    h0, h1 = _two(lines["hist"])
    if h0 <= 0 < h1:
        out.append(Fact("macd_hist_turned_positive"))
    elif h0 >= 0 > h1:
        out.append(Fact("macd_hist_turned_negative"))
    else:
        side = "positive" if h1 > 0 else "negative" if h1 < 0 else "zero"
        grow = "growing" if abs(h1) > abs(h0) else "shrinking"
        out.append(Fact(f"macd_hist_{side}_{grow}" if side != "zero" else "macd_hist_zero"))
    out.append(Fact("macd_above_zero" if macd > 0 else "macd_below_zero"))
    return out


def _boll_facts(lines: dict[str, list[float]], close: float, p: dict[str, float]) -> list[Fact]:
    upper, middle, lower = lines["upper"][-1], lines["middle"][-1], lines["lower"][-1]
    out = [Fact("boll_values", {"upper": upper, "middle": middle, "lower": lower})]
    if close > upper:
        out.append(Fact("boll_above_upper"))
    elif close < lower:
        out.append(Fact("boll_below_lower"))
    else:
        pos = (close - lower) / (upper - lower) * 100 if upper > lower else 50.0
        out.append(Fact("boll_inside", {"pct": pos}))
    width = (upper - lower) / middle * 100 if middle else 0.0
    u0, l0, m0 = lines["upper"][-2], lines["lower"][-2], lines["middle"][-2]
    width0 = (u0 - l0) / m0 * 100 if m0 else 0.0
    out.append(Fact("boll_width_wider" if width > width0 else "boll_width_narrower",
                    {"width": width}))  # fmt: skip
    return out


def _kdj_facts(lines: dict[str, list[float]], close: float, p: dict[str, float]) -> list[Fact]:
    k, d, j = lines["k"][-1], lines["d"][-1], lines["j"][-1]
    out = [Fact("kdj_values", {"k": k, "d": d, "j": j})]
    if k > KDJ_HIGH:
        out.append(Fact("kdj_high_zone", {"level": KDJ_HIGH}))
    elif k < KDJ_LOW:
        out.append(Fact("kdj_low_zone", {"level": KDJ_LOW}))
    cross = _cross(lines["k"], lines["d"])
    if cross is not None:
        out.append(Fact(f"kdj_k_crossed_{cross}"))
    return out


def _atr_facts(lines: dict[str, list[float]], close: float, p: dict[str, float]) -> list[Fact]:
    prev, value = _two(lines["atr"])
    out = [Fact("atr_value", {"value": value, "pct": value / close * 100 if close else 0.0})]
    out.append(Fact("atr_rising" if value > prev else "atr_falling" if value < prev else "flat"))
    return out


_FACTS: dict[str, FactsOf] = {
    "MA": _average_facts("ma"),
    "EMA": _average_facts("ema"),
    "RSI": _rsi_facts,
    "MACD": _macd_facts,
    "BOLL": _boll_facts,
    "KDJ": _kdj_facts,
    "ATR": _atr_facts,
}
