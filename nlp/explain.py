"""Why the rule parser answered what it did (`tradechat parse --explain`), and the closest
supported phrasing for a message it did not understand (the bot's "not understood" answer).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
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
