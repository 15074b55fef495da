"""Follow-up questions for missing slots ("下单黄金" → "买还是卖？" → "买" → "多少手？" → "0.02").

A pending question is kept per (platform, chat, user) with an expiry. The answer is read
strictly (a side word, a number of lots, a symbol, a ticket); anything else is a new message:
the question is dropped and the message is handled on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from handlers.messages import Lang
from nlp.aliases import SymbolAliases
from nlp.intent import Intent
from nlp.numbers import normalize, parse_arabic, parse_chinese

Slot = Literal["symbol", "side", "volume", "close_target", "cancel_target"]

_SIDE_WORDS = {
    "buy": "buy",
    "long": "buy",
    "b": "buy",
    "买": "buy",
    "买入": "buy",
    "买进": "buy",
    "多": "buy",
    "做多": "buy",
    "开多": "buy",
    "多单": "buy",
    "买涨": "buy",
    "sell": "sell",
    "short": "sell",
    "s": "sell",
    "卖": "sell",
    "卖出": "sell",
    "空": "sell",
    "做空": "sell",
    "开空": "sell",
    "空单": "sell",
    "买跌": "sell",
}
_ALL_WORDS = {"all", "全部", "所有", "全部平仓", "全平", "一键", "清仓", "everything"}
_VOLUME = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)\s*(?:手|lots?|lot)?$")
_CN_VOLUME = re.compile(r"^([零〇一二两三四五六七八九十百点半]+)\s*手?$")
_TICKET = re.compile(r"^#?(\d{3,20})$")


@dataclass(slots=True)
class PendingQuestion:
    slot: Slot
    intent: dict[str, Any]  # the partial intent (to_json_dict)
    lang: Lang
    expires_at: float  # Unix seconds


def missing_slot(intent: Intent, *, use_default_volume: bool) -> Slot | None:
    """The first slot a trade intent still needs, or None when it can become a plan."""
    if intent.intent == "open":
        if intent.symbol is None:
            return "symbol"
        if intent.side is None:
            return "side"
        if intent.volume is None and not use_default_volume:
            return "volume"
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


def read_volume(text: str) -> float | None:
    s = normalize(text)
    m = _VOLUME.match(s)
    v: float | None = None
    if m:
        v = parse_arabic(m.group(1))
    else:
        m2 = _CN_VOLUME.match(s)
        if m2:
            v = parse_chinese(m2.group(1))
    return v if v is not None and v > 0 else None


def read_side(text: str) -> str | None:
    return _SIDE_WORDS.get(normalize(text).rstrip("!！。."))


def read_symbol(text: str, aliases: SymbolAliases) -> str | None:
    s = normalize(text).strip()
    found = aliases.find(s)
    if len(found) == 1:
        start, end, sym = found[0]
        rest = (s[:start] + s[end:]).strip()
        if len(rest) <= 2:  # "黄金", "gold", "黄金的"
            return sym
    return None


def fill(q: PendingQuestion, text: str, aliases: SymbolAliases) -> dict[str, Any] | None:
    """The intent with the answer filled in, or None when `text` does not answer `q`."""
    d = dict(q.intent)
    if q.slot == "volume":
        v = read_volume(text)
        if v is None:
            return None
        d["volume"] = v
        return d
    if q.slot == "side":
        side = read_side(text)
        if side is None:
            return None
        d["side"] = side
        return d
    if q.slot == "symbol":
        sym = read_symbol(text, aliases)
        if sym is None:
            return None
        d["symbol"] = sym
        return d
    s = normalize(text)
    if s in _ALL_WORDS:
        d["selector"] = "all"
        return d
    m = _TICKET.match(s)
    if m:
        d["ticket"] = int(m.group(1))
        return d
    sym = read_symbol(text, aliases)
    if sym is not None:
        d["symbol"] = sym
        return d
    return None


QUESTION_KEY: dict[Slot, str] = {
    "symbol": "ask_symbol",
    "side": "ask_side",
    "volume": "ask_volume",
    "close_target": "ask_close_target",
    "cancel_target": "ask_cancel_target",
}
