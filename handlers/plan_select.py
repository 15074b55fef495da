"""Which positions and orders a close, modify or cancel acts on: side, selector and count over
what the terminal holds, oldest first (docs/INTENTS.md: a close/modify without a selector acts
on every matching position)."""

from __future__ import annotations

from broker.models import PendingOrder, Position
from nlp.intent import Intent


def select_positions(positions: list[Position], intent: Intent) -> list[Position]:
    """Apply side/selector/count; the result is sorted oldest first."""
    ps = sorted(positions, key=lambda p: (p.time, p.ticket))
    if intent.side is not None:
        ps = [p for p in ps if p.side == intent.side]
    sel = intent.selector
    if sel == "profitable":
        ps = [p for p in ps if p.profit + p.swap > 0]
    elif sel == "losing":
        ps = [p for p in ps if p.profit + p.swap < 0]
    if sel == "earliest":
        ps = ps[: intent.count or 1]
    elif sel == "latest":
        ps = ps[-(intent.count or 1) :]
    elif intent.count:
        ps = ps[: intent.count]
    return ps


def select_orders(orders: list[PendingOrder], intent: Intent) -> list[PendingOrder]:
    # contract v2: a side on cancel narrows it ("撤销黄金买单" never touches sell orders)
    os_ = sorted(
        (o for o in orders if intent.side is None or o.side == intent.side),
        key=lambda o: (o.time, o.ticket),
    )
    if intent.selector == "earliest":
        os_ = os_[:1]
    elif intent.selector == "latest":
        os_ = os_[-1:]
    return os_
