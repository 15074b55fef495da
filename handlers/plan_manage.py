"""Trade management arithmetic for the planner, on one position at a time: the share of a
partial close by fraction, and the new SL/TP of a break-even or a move in pips. Pure functions
over broker models; the planner (handlers/plans.py) turns their answers into legs, and a
position they refuse into a named skip — never a silent one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from broker.models import PendingOrder, Position, Quote, SymbolSpec
from broker.symbols import normalize_volume
from handlers.format import lots as fmt_lots
from handlers.format import price as fmt_price
from handlers.pips import shifted
from nlp.intent import Intent


@dataclass(frozen=True, slots=True)
class Refused:
    """Why one position gets no leg: an i18n key (handlers/i18n/management.py) and values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Stops:
    """A modify's new levels (None keeps the current one) and how they came about."""

    sl: float | None
    tp: float | None


def fraction_share(p: Position, spec: SymbolSpec, fraction: float) -> float | Refused:
    """`fraction` of the position's volume, rounded DOWN to the lot step; Refused when that is
    below the smallest volume the symbol trades."""
    raw = p.volume * fraction
    vc = normalize_volume(spec.symbol, raw, spec.volume_min, spec.volume_max, spec.volume_step)
    if vc.note is None:
        return vc.volume
    return Refused(
        "tm_skip_fraction_small",
        {"share": f"{raw:.4f}".rstrip("0").rstrip("."), "min": fmt_lots(spec.volume_min)},
    )


def has_stop_work(intent: Intent) -> bool:
    """Whether a modify says anything this module computes or passes on."""
    return any(
        v is not None
        for v in (
            intent.sl,
            intent.tp,
            intent.breakeven,
            intent.sl_shift_pips,
            intent.tp_shift_pips,
        )
    )


def conflicting_levels(intent: Intent) -> bool:
    """Two ways of saying one level ("止损改到2650 并上移20点", break-even and a shift): the
    request is refused rather than one of them picked."""
    sl_ways = sum(v is not None for v in (intent.sl, intent.breakeven, intent.sl_shift_pips))
    tp_ways = sum(v is not None for v in (intent.tp, intent.tp_shift_pips))
    return sl_ways > 1 or tp_ways > 1


def _breakeven(
    p: Position, q: Quote, pip: float, buffer_pips: float, digits: int
) -> float | Refused:
    """SL at entry ± the buffer (buy: above, sell: below); refused while the market has not
    passed that level — the stop would sit on the wrong side of the price (a position in loss)."""
    sign = 1 if p.side == "buy" else -1
    level = shifted(p.price_open, sign * buffer_pips, pip, digits)
    market = q.bid if p.side == "buy" else q.ask
    past = market > level if p.side == "buy" else market < level
    if past:
        return level
    return Refused(
        "tm_skip_be_loss_buy" if p.side == "buy" else "tm_skip_be_loss_sell",
        {"level": fmt_price(level, digits), "market": fmt_price(market, digits)},
    )


def _shift(old: float | None, pips: float, pip: float, digits: int, what: str) -> float | Refused:
    if not old:
        return Refused(f"tm_skip_no_{what}")
    return shifted(old, pips, pip, digits)


def new_stops(
    held: Position | PendingOrder,
    intent: Intent,
    *,
    quote: Quote,
    pip: float,
    buffer_pips: float,
    digits: int,
) -> Stops | Refused:
    """The SL/TP a modify gives `held`: the prices said, entry ± buffer for a break-even, the
    current level moved by the pips said."""
    sl, tp = intent.sl, intent.tp
    if intent.breakeven:
        if not isinstance(held, Position):
            return Refused("tm_skip_be_order")
        be = _breakeven(held, quote, pip, buffer_pips, digits)
        if isinstance(be, Refused):
            return be
        sl = be
    if intent.sl_shift_pips is not None:
        moved = _shift(held.sl, intent.sl_shift_pips, pip, digits, "sl")
        if isinstance(moved, Refused):
            return moved
        sl = moved
    if intent.tp_shift_pips is not None:
        moved = _shift(held.tp, intent.tp_shift_pips, pip, digits, "tp")
        if isinstance(moved, Refused):
            return moved
        tp = moved
    return Stops(sl, tp)
