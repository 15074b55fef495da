"""Scope never widens (contract v2): a trade request is answered only when every part of it
was read. A word the lexicon does not know inside a trade ("平掉黄金xyz单", "sell eurousd
0.1") may name an instrument or change the meaning, so the request is `unknown`, never the
request without that part. A trade with nothing but its verb ("买", "sell", "平仓") names no
scope at all and is `unknown` too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nlp.tokens import Tok, Unknown

if TYPE_CHECKING:
    from nlp.grammar import Grammar

TRADE = frozenset({"open", "close", "modify", "cancel"})
# what an open or a close must name besides its verb
_OPEN_SCOPE = frozenset({"symbol", "volume", "risk_percent", "price"})
_CLOSE_SCOPE = frozenset(
    {"symbol", "side", "volume", "fraction", "ticket", "magic", "selector", "count"}
)
# "sell my gold" may mean closing a long: an open never speaks of the user's own positions
_POSSESSIVE = frozenset({"my", "mine", "我的"})
# unread Chinese characters in a trade: this many in a row may be an instrument's or a level's
# name even beside a known symbol ("沪金", "止蝕" before it was known); with no symbol, any
CJK_RUN = 2


def _unread_ascii(g: Grammar) -> str | None:
    for tk in g.toks:
        if tk.kind == "X" and tk.word.isascii() and tk.word.isalpha() and len(tk.word) > 1:
            return tk.word
    return None


def _unread_cjk_run(g: Grammar, longest: int) -> bool:
    run = 0
    for tk in g.toks:
        if tk.kind == "X" and "\u4e00" <= tk.word[:1] <= "\u9fff":
            run += 1
            if run >= longest:
                return True
        else:
            run = 0
    return False


def check_scope(g: Grammar, intent: str, data: dict[str, Any]) -> None:
    if intent not in TRADE:
        return
    word = _unread_ascii(g)
    if word is not None:
        raise Unknown(f"an unread word in a trade: {word!r}")
    if _unread_cjk_run(g, 1 if "symbol" not in data else CJK_RUN):
        raise Unknown("unread words in a trade")
    if intent == "open" and any(tk.word in _POSSESSIVE for tk in g.toks):
        raise Unknown("an open that speaks of the user's positions")  # "sell my gold"
    if intent == "open" and not data.keys() & _OPEN_SCOPE:
        raise Unknown("a bare side or verb")
    if intent == "close" and not data.keys() & _CLOSE_SCOPE:
        raise Unknown("a bare verb")


def overrule(toks: list[Tok], intent: str, symbol: str | None) -> str | None:
    """Scope checks for an intent another engine (the LLM) read from these tokens: the rule
    that refuses it, or None. A trade must name exactly the symbol the text names, and no
    word of a trade may be an instrument outside the table."""
    if intent not in TRADE:
        return None
    if any(tk.has("FOREIGN", "BADPERIOD") for tk in toks):
        return "an instrument or period outside the contract"
    named = {tk.sym for tk in toks if tk.sym}
    if symbol is None and named:
        return "the request names a symbol the answer dropped"
    if symbol is not None and named and symbol not in named:
        return "the answer names another symbol than the text"
    if symbol is not None and not named:
        return "the answer names a symbol the text does not"
    return None
