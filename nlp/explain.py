"""Why the rule parser answered what it did (`tradechat parse --explain`), and the closest
supported phrasing for a message it did not understand (the bot's "not understood" answer).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from nlp.tokens import Tok

if TYPE_CHECKING:
    from nlp.intent import Intent

# token values that are slots ("多单" sets side=buy, "最早" selector=earliest, …)
_SLOT_VALUES = {
    "side": "side",
    "sel": "selector",
    "period": "period",
    "kind": "kind",
    "otype": "order_type",
    "tf": "timeframe",
    "ind": "indicator",
    "frac": "fraction",
    "volume": "volume",
}


@dataclass(frozen=True)
class TokenInfo:
    """One token: its text, its kind (W word, SYM symbol, NUM number, X unread), the word
    classes the lexicon gives it, and the slots it set."""

    text: str
    kind: str
    tags: tuple[str, ...]
    slots: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    engine: Literal["rules"]
    text: str
    normalised: str
    tokens: list[TokenInfo]
    intent: Intent
    rule: str | None  # the rule that made the message `unknown`; None when understood


@dataclass
class Trace:
    """What `RuleParser._parse` saw, filled as it goes."""

    normalised: str = ""
    toks: list[Tok] = field(default_factory=list)
    rule: str | None = None


def token_info(tk: Tok) -> TokenInfo:
    slots: dict[str, object] = {}
    if tk.sym:
        slots["symbol"] = tk.sym
    if tk.kind == "NUM" and tk.role:
        slots[tk.role] = tk.value
    for key, slot in _SLOT_VALUES.items():
        if key in tk.vals:
            slots[slot] = tk.vals[key]
    return TokenInfo(tk.word, tk.kind, tuple(sorted(tk.tags)), slots)


def rule_of(exc: BaseException) -> str:
    """The rule's name when the raise gave one, else where the grammar raised it."""
    if exc.args and isinstance(exc.args[0], str) and exc.args[0]:
        return exc.args[0]
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{last.name} (nlp/{last.filename.rsplit('/', 1)[-1]}:{last.lineno})"


# One supported phrasing per intent (and per common shape), in each language the bot speaks.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "zh": (
        "买入0.01手黄金",
        "卖出欧美0.1手 止损1.0950",
        "黄金2300挂多0.01手",
        "按1%风险做多黄金 止损2290",
        "平掉黄金",
        "全部平仓",
        "黄金多单平一半",
        "平仓单号123456",
        "黄金止损改到2300",
        "黄金保本",
        "黄金止损上移20点",
        "欧美移动止损30点",
        "撤销所有挂单",
        "持仓",
        "挂单列表",
        "今日盈亏",
        "本月盈亏",
        "余额",
        "黄金现在多少",
        "日报",
        "黄金1小时K线图",
        "黄金1小时RSI",
        "欧美点差多少",
        "历史成交",
        "黄金到2700提醒我",
        "黄金4小时支撑阻力",
        "订阅日报",
        "取消订阅",
        "帮助",
    ),
    "en": (
        "buy 0.01 lots gold",
        "sell 0.1 eurusd sl 1.0950",
        "buy limit gold 2300 0.01",
        "buy gold risk 1% sl 2290",
        "close gold",
        "close all",
        "close half of my gold",
        "close ticket 123456",
        "move gold sl to 2300",
        "move sl to break even on gold",
        "move gold sl up 20 pips",
        "trailing stop 30 pips on eurusd",
        "cancel all pending orders",
        "show my positions",
        "pending orders",
        "pnl today",
        "how much did I make this month",
        "balance",
        "gold price",
        "daily report",
        "show gold h1 chart",
        "gold rsi h1",
        "spread on eurusd",
        "closed trades this week",
        "alert me when gold hits 2700",
        "key levels for gold h4",
        "subscribe to the daily report",
        "unsubscribe",
        "help",
    ),
}


def _features(text: str) -> set[str]:
    """Words for ASCII, character pairs for Chinese: enough to rank a dozen phrasings."""
    out: set[str] = set()
    word: list[str] = []
    prev = ""
    for c in text.lower():
        if c.isascii():
            if c.isalpha():
                word.append(c)
                continue
            if word:
                out.add("".join(word))
                word = []
            prev = ""
            continue
        if word:
            out.add("".join(word))
            word = []
        if c.isalnum():
            out.add(c)
            if prev:
                out.add(prev + c)
            prev = c
        else:
            prev = ""
    if word:
        out.add("".join(word))
    return out


_STOP = frozenset("我的了吗呢吧啊呀把帮给你请一下个") | {
    "i",
    "my",
    "me",
    "the",
    "a",
    "to",
    "please",
}


@lru_cache(maxsize=4)
def _table(lang: str) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((p, frozenset(_features(p) - _STOP)) for p in EXAMPLES.get(lang, EXAMPLES["en"]))


@lru_cache(maxsize=4)
def _weights(lang: str) -> dict[str, float]:
    """Rarer features say more: each counts 1 / (how many phrasings have it)."""
    df: dict[str, int] = {}
    for _, feats in _table(lang):
        for f in feats:
            df[f] = df.get(f, 0) + 1
    return {f: 1.0 / n for f, n in df.items()}


def suggest(text: str, lang: str) -> str | None:
    """The supported phrasing closest to `text` (the most, and the rarest, shared words or
    character pairs) in `lang` ("zh" or "en"; anything else is read as "en"), or None when
    nothing is shared."""
    from nlp.script import to_simplified

    if not isinstance(text, str) or not text.strip():
        return None
    lang = lang if lang in EXAMPLES else "en"
    feats = _features(to_simplified(text[:1000])) - _STOP
    weights = _weights(lang)
    best: tuple[float, str] | None = None
    for phrase, pf in _table(lang):
        score = sum(weights[f] for f in feats & pf)
        if score > 0 and (best is None or score > best[0]):
            best = (score, phrase)
    return best[1] if best else None
