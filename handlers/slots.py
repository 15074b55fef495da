"""Follow-up questions for missing slots ("下单黄金" → "买还是卖？" → "买" → "多少手？" → "0.02"),
and the side of held positions on a hedged book ("平仓0.02手黄金" → "多单还是空单？" → [多单]:
the same request with `side`, asked by the planner's `SideQuestion`).

A pending question is kept per (platform, chat, user) with an expiry. The answer is read
strictly by `nlp.commands` (a side word, a number of lots, a symbol, a ticket); anything else is
a new message: the question is dropped and the message is handled on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from handlers.messages import Lang
from nlp.aliases import SymbolAliases
from nlp.commands import read_side, read_stop_price, read_symbol, read_target, read_volume
from nlp.intent import Intent

Slot = Literal["symbol", "side", "volume", "sl", "close_target", "cancel_target"]


@dataclass(slots=True)
class PendingQuestion:
    slot: Slot
    intent: Intent  # the partial intent the answer completes
    lang: Lang
    expires_at: float  # Unix seconds


def missing_slot(intent: Intent, *, use_default_volume: bool) -> Slot | None:
    """The first slot a trade intent still needs, or None when it can become a plan."""
    if intent.intent == "open":
        if intent.symbol is None:
            return "symbol"
        if intent.side is None:
            return "side"
        if intent.volume is None and intent.risk_percent is None and not use_default_volume:
            return "volume"  # "按1%风险" sizes the volume itself
        if intent.risk_percent is not None and intent.sl is None:
            return "sl"  # a risk is measured to the stop-loss: no SL, no volume
        return None
    if intent.intent == "close":
        if all(
            getattr(intent, k) is None
            for k in ("symbol", "side", "ticket", "magic", "selector", "volume")
        ):
            return "close_target"
        return None
    if intent.intent == "cancel":
        if all(getattr(intent, k) is None for k in ("symbol", "ticket", "magic", "selector")):
            return "cancel_target"
        return None
    return None


def updated(intent: Intent, **changes: object) -> Intent:
    """`intent` with `changes`, validated again (a filled-in symbol must still be canonical, a
    volume positive). Raises ValueError (pydantic's ValidationError) when it no longer is."""
    return Intent.model_validate({**intent.model_dump(exclude_none=True), **changes})


def _answer(q: PendingQuestion, text: str, aliases: SymbolAliases) -> dict[str, object] | None:
    """What the answer fills in, read by nlp.commands; None when `text` does not answer `q`."""
    if q.slot == "volume":
        volume = read_volume(text)
        return None if volume is None else {"volume": volume}
    if q.slot == "side":
        side = read_side(text)
        return None if side is None else {"side": side}
    if q.slot == "symbol":
        symbol = read_symbol(text, aliases)
        return None if symbol is None else {"symbol": symbol}
    if q.slot == "sl":
        sl = read_stop_price(text)
        return None if sl is None else {"sl": sl}
    target = read_target(text, aliases)
    if target is None:
        return None
    return {k: v for k, v in asdict(target).items() if v is not None}


def fill(q: PendingQuestion, text: str, aliases: SymbolAliases) -> Intent | None:
    """The intent with the answer filled in, or None when `text` does not answer `q` (or the
    filled-in intent is not valid)."""
    changes = _answer(q, text, aliases)
    if changes is None:
        return None
    try:
        return updated(q.intent, **changes)
    except ValueError:
        return None


def question_button(slot: Slot, value: str) -> str:
    """The callback id of a choice button under a question ("买还是卖？" [买入] [卖出])."""
    return f"q:{slot}:{value}"


def read_question_button(data: str) -> tuple[str, str] | None:
    """`q:<slot>:<value>` → (slot, value); None for any other button. Button ids are ours,
    not user text, so they are read here, next to the code that makes them."""
    if not data.startswith("q:"):
        return None
    _, slot, value = [*data.split(":", 2), "", ""][:3]
    return slot, value


QUESTION_KEY: dict[Slot, str] = {
    "symbol": "ask_symbol",
    "side": "ask_side",
    "volume": "ask_volume",
    "sl": "tm_ask_sl",
    "close_target": "ask_close_target",
    "cancel_target": "ask_cancel_target",
}
