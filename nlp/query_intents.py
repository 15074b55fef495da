"""The query intents contract v2 added — chart, indicator, symbol_info, history, alert,
subscribe, unsubscribe, and levels (support/resistance) — decided and filled from a message's tokens.

`decide_query(g)` names one of them when its words are present and no trade verb is
(a trade verb beside an alert word, "到2400提醒我平仓", is two things: not for this module);
`bind_query(g, intent, s)` fills its slots and raises `Unknown` for a part it cannot read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlp.tokens import Tok, Unknown

if TYPE_CHECKING:
    from nlp.grammar import Grammar

MIN_LENGTH = 2
MAX_LENGTH = 1000
NEEDS_SYMBOL = frozenset({"chart", "indicator", "symbol_info", "alert", "levels"})
_NOT_CHART = ("PNL", "ACCOUNT", "ORDERS", "POSNOUN", "REPORT", "QUOTE", "SYMINFO", "HISTORY")


def _trade_words(g: Grammar) -> bool:
    strong_open = any(tk.has("OPEN") and not tk.has("OPENWEAK") for tk in g.toks)
    return strong_open or g.has("CLOSE", "SL", "TP", "BREAKEVEN", "TRAIL") or bool(g.sides_action)


def _subscription(g: Grammar) -> str | None:
    if g.has("UNSUB") or (g.has("SUB") and g.has("CANCEL")):
        return "unsubscribe"
    if g.has("SUB"):
        return "subscribe"
    return None


def decide_query(g: Grammar) -> str | None:
    sub = _subscription(g)
    if sub is not None:
        if _trade_words(g):
            raise Unknown("a subscription and a trade at once")
        return sub
    if g.has("CANCEL") or _trade_words(g):
        if g.has("ALERT"):
            raise Unknown("an alert and a trade at once")
        return None
    if g.has("ALERT"):
        return "alert"
    if g.has("HISTORY") or (g.has("CLOSEDADJ") and g.has("POSNOUN")):
        return "history"
    if g.has("LEVELS"):
        return "levels"  # "黄金支撑阻力", "key levels for gold" (beside a chart word too)
    if g.has("IND"):
        return "indicator"
    if g.has("CHART") or (g.has("TF") and g.symbols and not g.has(*_NOT_CHART)):
        return "chart"
    if g.has("SYMINFO"):
        return "symbol_info"
    return None


def _one(values: list[Any], what: str) -> Any:
    distinct = set(values)
    if len(distinct) > 1:
        raise Unknown(f"two {what}s")
    return next(iter(distinct)) if distinct else None


def _stray_numbers(toks: list[Tok]) -> list[Tok]:
    return [tk for tk in toks if tk.kind == "NUM" and tk.role is None]


def _indicator_slots(g: Grammar, s: dict[str, Any]) -> None:
    s["indicator"] = _one([tk.vals["ind"] for tk in g.toks if tk.has("IND")], "indicator")
    for i, tk in enumerate(g.toks):
        nxt = g.toks[i + 1] if i + 1 < len(g.toks) else None
        if tk.has("IND") and nxt is not None and nxt.kind == "NUM":
            if nxt.dec or not MIN_LENGTH <= nxt.value <= MAX_LENGTH or nxt.neg:
                raise Unknown("not an indicator length")
            nxt.role = "length"
            s["length"] = int(nxt.value)


def _alert_slots(g: Grammar, s: dict[str, Any]) -> None:
    nums = _stray_numbers(g.toks)
    if len(nums) != 1 or nums[0].neg:
        raise Unknown("an alert needs one price")
    nums[0].role = "price"
    s["price"] = round(nums[0].value, 10)


def bind_query(g: Grammar, intent: str, s: dict[str, Any]) -> None:
    """Fill the slots of a v2 query intent (symbol and side are already in `s`)."""
    if intent in ("chart", "indicator", "levels"):
        s["timeframe"] = _one([tk.vals["tf"] for tk in g.toks if tk.has("TF")], "timeframe")
        if intent == "indicator":
            _indicator_slots(g, s)
    elif intent == "alert":
        _alert_slots(g, s)
    elif intent in ("subscribe", "unsubscribe"):
        kinds = [tk.vals["kind"] for tk in g.toks if tk.has("REPKIND") and "kind" in tk.vals]
        s["kind"] = _one(kinds, "report kind")
        return
    if intent in NEEDS_SYMBOL and "symbol" not in s:
        raise Unknown(f"{intent} needs a symbol")
    if intent != "history" and _stray_numbers(g.toks):
        raise Unknown("a number that fits no slot")
