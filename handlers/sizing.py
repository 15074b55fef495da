"""Lots from a risk in percent of equity ("按1%风险买黄金 止损2630"): the volume whose loss at the
stop-loss is that share of equity, rounded DOWN to the lot step — never up, so the money at risk
never exceeds what was asked.

    volume = risk% × equity ÷ (|entry − SL| × value of a 1.0 price move for one lot)

where the value of a 1.0 move is `tick_value / tick_size` (tick_value is in account currency, so
this holds for JPY-quoted pairs and metals alike)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from broker.models import Side, SymbolSpec
from broker.symbols import normalize_volume
from handlers.format import lots as fmt_lots
from handlers.format import money


@dataclass(frozen=True, slots=True)
class RiskSize:
    volume: float  # lots, rounded down to the step
    money: float  # what hitting the SL loses at `volume`, account currency
    share: float  # `money` in percent of equity
    distance: float  # |entry − SL| in price


@dataclass(frozen=True, slots=True)
class SizingRefusal:
    """Why no volume: an i18n key (handlers/i18n/management.py) and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


def money_per_lot(spec: SymbolSpec, distance: float) -> float:
    """What a move of `distance` in price costs one lot, in account currency."""
    if spec.tick_size <= 0:
        return 0.0
    return distance * spec.tick_value / spec.tick_size


def risk_volume(
    spec: SymbolSpec,
    *,
    side: Side,
    percent: float,
    max_percent: float,
    equity: float,
    entry: float,
    sl: float | None,
) -> RiskSize | SizingRefusal:
    """The volume for `percent` of `equity` at risk between `entry` and `sl`, or why not."""
    if percent > max_percent + 1e-9:
        return SizingRefusal("tm_risk_over_cap", {"pct": f"{percent:g}", "cap": f"{max_percent:g}"})
    if sl is None:
        return SizingRefusal("tm_risk_needs_sl", {"symbol": spec.symbol, "pct": f"{percent:g}"})
    wrong_side = sl >= entry if side == "buy" else sl <= entry
    if wrong_side:
        key = "tm_risk_sl_side_buy" if side == "buy" else "tm_risk_sl_side_sell"
        price = f"{entry:.{spec.digits}f}"
        return SizingRefusal(key, {"sl": f"{sl:.{spec.digits}f}", "price": price})
    distance = abs(entry - sl)
    per_lot = money_per_lot(spec, distance)
    budget = percent / 100 * equity
    if per_lot <= 0 or equity <= 0:
        return SizingRefusal("tm_risk_no_value", {"symbol": spec.symbol})
    vc = normalize_volume(
        spec.symbol, budget / per_lot, spec.volume_min, spec.volume_max, spec.volume_step
    )
    if vc.note is not None:
        above = vc.note.key == "volume_above_max"
        key = "tm_risk_above_max" if above else "tm_risk_below_min"
        return SizingRefusal(
            key,
            {
                "pct": f"{percent:g}",
                "budget": money(budget),
                "per_min": money(per_lot * spec.volume_min),
                "min": fmt_lots(spec.volume_min),
                "max": fmt_lots(spec.volume_max),
                "raw": f"{budget / per_lot:.4f}",
            },
        )
    at_risk = round(vc.volume * per_lot, 2)
    return RiskSize(vc.volume, at_risk, round(at_risk / equity * 100, 2), distance)
