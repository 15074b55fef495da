"""Pure checks of prices against the market, shared by `MT5Broker` (before `order_send`) and
the conversation's preview (so the trader sees a bad stop before pressing ✅, not after)."""

from __future__ import annotations

from typing import NamedTuple

from broker.models import PendingKind, Side

KIND_ZH = {
    ("buy", "limit"): "买入限价",
    ("sell", "limit"): "卖出限价",
    ("buy", "stop"): "买入止损",
    ("sell", "stop"): "卖出止损",
}


class Refusal(NamedTuple):
    retcode: int
    message: str
    message_zh: str

    def text(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message


def stops_reference(side: Side, bid: float, ask: float) -> tuple[float, str, str]:
    """Where a position's stops are measured from: a buy closes at the bid, a sell at the ask."""
    if side == "buy":
        return bid, "the current bid", "当前 Bid 价"
    return ask, "the current ask", "当前 Ask 价"


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
    ref_en: str,
    ref_zh: str,
) -> Refusal | None:
    """SL/TP against a reference price (the closing price for a position, the order price for
    a pending order): right side and at least `stops_level` points away. 0/None = no stop."""
    point = point or 1e-9
    gap = stops_level * point - point / 2
    pos_en = "a buy" if side == "buy" else "a sell"
    pos_zh = "多单" if side == "buy" else "空单"
    for label, value, below in (("SL", sl, side == "buy"), ("TP", tp, side == "sell")):
        if not value:
            continue
        label_zh = "止损" if label == "SL" else "止盈"
        v, r = f"{value:.{digits}f}", f"{ref:.{digits}f}"
        if value >= ref if below else value <= ref:
            where_en, where_zh = ("below", "低于") if below else ("above", "高于")
            return Refusal(
                10016,
                f"{label} {v} must be {where_en} {ref_en} {r} for {pos_en} on {canon}",
                f"{canon} {pos_zh}的{label_zh} {v} 必须{where_zh}{ref_zh} {r}",
            )
        if stops_level and abs(ref - value) < gap:
            return Refusal(
                10016,
                f"{label} {v} is too close to {ref_en} {r}: {canon} needs at least {stops_level} points",
                f"{canon} {label_zh} {v} 离{ref_zh} {r} 太近，至少要 {stops_level} 个点",
            )
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
    ref_en = "ask" if side == "buy" else "bid"
    ref_zh = "Ask 价" if side == "buy" else "Bid 价"
    below = (side == "buy") == (kind == "limit")
    p, r = f"{price:.{digits}f}", f"{ref:.{digits}f}"
    if price >= ref if below else price <= ref:
        where_en, where_zh = ("below", "低于") if below else ("above", "高于")
        return Refusal(
            10015,
            f"The price {p} of a {side} {kind} order must be {where_en} the current {ref_en} {r} on {canon}",
            f"{canon} {KIND_ZH[(side, kind)]}单的价格 {p} 必须{where_zh}当前{ref_zh} {r}",
        )
    if stops_level and abs(price - ref) < stops_level * point - point / 2:
        return Refusal(
            10015,
            f"The price {p} is too close to the current {ref_en} {r}: {canon} needs at least {stops_level} points",
            f"{canon} 挂单价 {p} 离当前{ref_zh} {r} 太近，至少要 {stops_level} 个点",
        )
    return None
