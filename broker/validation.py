"""Pure checks of prices against the market, shared by `MT5Broker` (before `order_send`) and
the conversation's preview (so the trader sees a bad stop before pressing ✅, not after).

A refusal is a retcode and a `Note` of facts (worded by `handlers/broker_text.py`):
"stop_wrong_side" / "stop_too_close" {symbol, side, label, value, ref, ref_kind, digits,
below | stops_level} and "pending_wrong_side" / "pending_too_close" {symbol, side, kind, price,
ref, digits, below | stops_level}.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from broker.models import Note, PendingKind, Side

# Where stops are measured from: the current bid (a buy closes there), the current ask (a sell
# closes there), or a pending order's own price.
StopsRef = Literal["bid", "ask", "order_price"]


class Refusal(NamedTuple):
    retcode: int
    note: Note


def stops_reference(side: Side, bid: float, ask: float) -> tuple[float, StopsRef]:
    """Where a position's stops are measured from: a buy closes at the bid, a sell at the ask."""
    if side == "buy":
        return bid, "bid"
    return ask, "ask"


def stops_refusal(
    canon: str,
    side: Side,
    ref: float,
    sl: float | None,
    tp: float | None,
    *,
    point: float,
    digits: int,
    stops_level: int,
    ref_kind: StopsRef,
) -> Refusal | None:
    """SL/TP against a reference price (the closing price for a position, the order price for
    a pending order): right side and at least `stops_level` points away. 0/None = no stop."""
    point = point or 1e-9
    gap = stops_level * point - point / 2
    for label, value, below in (("SL", sl, side == "buy"), ("TP", tp, side == "sell")):
        if not value:
            continue
        facts = {
            "symbol": canon,
            "side": side,
            "label": label,
            "value": value,
            "ref": ref,
            "ref_kind": ref_kind,
            "digits": digits,
        }
        if value >= ref if below else value <= ref:
            return Refusal(10016, Note("stop_wrong_side", {**facts, "below": below}))
        if stops_level and abs(ref - value) < gap:
            return Refusal(10016, Note("stop_too_close", {**facts, "stops_level": stops_level}))
    return None


def pending_price_refusal(
    canon: str,
    side: Side,
    kind: PendingKind,
    price: float,
    *,
    bid: float,
    ask: float,
    point: float,
    digits: int,
    stops_level: int,
) -> Refusal | None:
    """Buy limit below the ask, sell limit above the bid, buy stop above the ask, sell stop
    below the bid — each at least `stops_level` points away."""
    point = point or 1e-9
    ref = ask if side == "buy" else bid
    below = (side == "buy") == (kind == "limit")
    facts = {
        "symbol": canon,
        "side": side,
        "kind": kind,
        "price": price,
        "ref": ref,
        "digits": digits,
    }
    if price >= ref if below else price <= ref:
        return Refusal(10015, Note("pending_wrong_side", {**facts, "below": below}))
    if stops_level and abs(price - ref) < stops_level * point - point / 2:
        return Refusal(10015, Note("pending_too_close", {**facts, "stops_level": stops_level}))
    return None
