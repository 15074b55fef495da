"""Deterministic text → Intent: the rule parser's front door.

1. `normalize` (NFKC, lower case), then the whole-message checks: injected instructions,
   slash commands.
2. `nlp.tokens.tokenize`: longest match at each position among the lexicon and the symbol
   aliases; numbers become NUM tokens.
3. `nlp.grammar.Grammar`: the intent from which kinds of words are present, then each number's
   role from its neighbours; anything contradictory or not expressible → `unknown`.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, get_args

from nlp.aliases import SymbolAliases
from nlp.explain import Explanation, Trace, rule_of, suggest, token_info
from nlp.grammar import Grammar
from nlp.intent import UNKNOWN, Intent, IntentName
from nlp.lexicon import INJECTION, ROLLING
from nlp.management import OutOfRange
from nlp.numbers import normalize
from nlp.scope import overrule
from nlp.script import to_simplified
from nlp.speech_acts import RULES as SPEECH_ACT_RULES
from nlp.speech_acts import keep_unnegated, not_a_request
from nlp.tokens import Tok, Unknown, tokenize

if TYPE_CHECKING:
    from nlp.parser import ParseContext

log = logging.getLogger(__name__)

MAX_CHARS = 1000  # a trading instruction is short; anything longer is not one

SLASH_COMMANDS: dict[str, tuple[str, str | None]] = {
    "buy": ("open", "buy"),
    "long": ("open", "buy"),
    "sell": ("open", "sell"),
    "short": ("open", "sell"),
    "open": ("open", None),
    "close": ("close", None),
    "flat": ("close", None),
    "modify": ("modify", None),
    "edit": ("modify", None),
    "cancel": ("cancel", None),
    "trail": ("modify", None),
    "positions": ("positions", None),
    "position": ("positions", None),
    "pos": ("positions", None),
    "orders": ("orders", None),
    "pending": ("orders", None),
    "account": ("account", None),
    "balance": ("account", None),
    "bal": ("account", None),
    "equity": ("account", None),
    "quote": ("quote", None),
    "price": ("quote", None),
    "pnl": ("pnl", None),
    "profit": ("pnl", None),
    "report": ("report", None),
    "daily": ("report", None),
    "weekly": ("report", None),
    "monthly": ("report", None),
    "hedge": ("report", None),
    "help": ("help", None),
    "start": ("help", None),
    "commands": ("help", None),
    "menu": ("help", None),
    "chart": ("chart", None),
    "indicator": ("indicator", None),
    "info": ("symbol_info", None),
    "spec": ("symbol_info", None),
    "specs": ("symbol_info", None),
    "history": ("history", None),
    "alert": ("alert", None),
    "levels": ("levels", None),
    "subscribe": ("subscribe", None),
    "unsubscribe": ("unsubscribe", None),
}

# --- slash forms of the market-data commands: /rsi EURUSD H4, /ma EURUSD 20 H1, /levels …
# An indicator's command is its name: the name goes in front of the arguments, so that
# "/rsi EURUSD H4" reads as "rsi eurusd h4" does after /indicator.
INDICATOR_COMMANDS = frozenset({"rsi", "macd", "ma", "ema", "boll", "kdj", "atr"})
SLASH_COMMANDS.update(dict.fromkeys(INDICATOR_COMMANDS, ("indicator", None)))
# /levels needs the `levels` intent (symbol, timeframe; the market-structure work adds it to
# nlp/intent.py): the route is there as soon as the intent is.
if "levels" in get_args(IntentName):
    SLASH_COMMANDS["levels"] = ("levels", None)
    SLASH_COMMANDS["sr"] = ("levels", None)
_INDICATOR_LENGTH = re.compile(r"(?<![\w.])(\d{1,4})(?![\w.])", re.ASCII)


def _indicator_body(cmd: str, body: str) -> str:
    """ "/ma EURUSD 20 H1" → "ma 20 eurusd h1": the length, wherever it was typed, right
    after the indicator's name, where the grammar reads a length."""
    lengths = _INDICATOR_LENGTH.findall(body)
    if len(lengths) != 1:
        return f"{cmd} {body}"  # none, or several numbers: the grammar says what is wrong
    return f"{cmd} {lengths[0]} {_INDICATOR_LENGTH.sub(' ', body, count=1)}"


# a number that is no ticket (#123), no part of another number and has no unit after it
_BARE_DISTANCE = re.compile(r"(?<![#\d.])(\d+(?:\.\d+)?)(?![\d.]|\s*(?:pips?|点|points?))")
_SLASH = re.compile(r"^/([a-z_]+)(?:@[\w.]+)?(?=\s|$)(.*)$", re.ASCII | re.DOTALL)
# JSON or chat-template markup inside a message is data, never an intent
_DATA = re.compile(r"[{\[]\s*\"?[a-z_]+\"?\s*:|\[/?inst\]|<\|?(?:system|im_start|im_end)")
_BARE_QUESTION = re.compile(r"[?]+")


class RuleParser:
    """`parse(text)` → Intent. Fast (microseconds), deterministic, never raises."""

    def __init__(self, aliases: dict[str, str] | None = None, *, safe: bool = True) -> None:
        """`aliases`: the user's own names ([symbols.aliases]). `safe=False` lets an internal
        error propagate instead of answering unknown (for tests)."""
        self.aliases = SymbolAliases(aliases)
        self.safe = safe

    # ------------------------------------------------------------------ public
    def parse(self, text: str, context: ParseContext | None = None) -> Intent:
        try:
            return self._parse(text, context)
        except Unknown:
            return UNKNOWN
        except Exception:  # the grammar must never take the bot down
            if not self.safe:
                raise
            log.exception("rule parser failed on %r", text[:200])
            return UNKNOWN

    def is_injection(self, text: str) -> bool:
        """True when the message tries to change the bot's rules or move money."""
        if not isinstance(text, str) or len(text) > MAX_CHARS:
            return False
        return INJECTION.search(normalize(text)) is not None

    def is_context_reference(self, text: str) -> bool:
        """'再来一单' / 'close it': the answer depends on the conversation, not only the text."""
        if not isinstance(text, str) or len(text) > MAX_CHARS:
            return False
        toks = self.tokenize(normalize(text))
        return any(t.has("REPEAT", "PRONOUN") for t in toks)

    # ------------------------------------------------------------------ tokens
    def tokenize(self, t: str) -> list[Tok]:
        return tokenize(t, self.aliases)

    # ------------------------------------------------------------------ explain
    def explain(self, text: str, context: ParseContext | None = None) -> Explanation:
        """Why `parse(text)` answers what it does: the normalised text, each token with the
        slots it set, and the rule that made the message `unknown` (for `parse --explain`)."""
        trace = Trace()
        rule: str | None = None
        try:
            intent = self._parse(text, context, trace)
        except Unknown as exc:
            intent, rule = UNKNOWN, rule_of(exc)
        except Exception as exc:  # explain must never fail where parse would not
            intent, rule = UNKNOWN, f"internal error: {exc!r}"
        if intent.intent == "unknown" and rule is None:
            rule = trace.rule or "no request words"
        return Explanation(
            engine="rules",
            text=text if isinstance(text, str) else repr(text),
            normalised=trace.normalised,
            tokens=[token_info(tk) for tk in trace.toks],
            intent=intent,
            rule=rule,
        )

    def overrule(self, text: str, intent: Intent) -> str | None:
        """The speech-act or scope rule that refuses `intent` read from `text` by another
        engine (the LLM), or None when it may stand: an LLM that calls a narration a trade, or
        that drops a symbol the text names ("黃金全部平倉" → close everything), is overruled."""
        if intent.intent == "unknown":
            return None
        if not isinstance(text, str) or len(text) > MAX_CHARS:
            return "empty or too long"
        t = normalize(to_simplified(text))
        if INJECTION.search(t) or _DATA.search(t):
            return "injected instructions or data"
        if _SLASH.match(t):
            return None  # a slash command says what it is
        toks = keep_unnegated(self.tokenize(t))
        if toks is None:
            return "negation"
        return not_a_request(toks, intent.intent) or overrule(toks, intent.intent, intent.symbol)

    def trouble(self, text: str) -> OutOfRange | None:
        """Why `parse(text)` is unknown when a management slot was read but is out of range
        ("平掉150%", "按0%风险", "止损上移-5点"), so the answer can say what is allowed;
        None otherwise."""
        try:
            self._parse(text, None)
        except OutOfRange as exc:
            return exc
        except Exception:  # any other reason is answered as "not understood"
            return None
        return None

    def suggest(self, text: str, lang: str) -> str | None:
        """The closest supported phrasing for a message that was not understood — none for a
        message the rules read as talk (reported speech, a question about a word, narration,
        a condition …): offering a trade phrasing there would turn talk into a trade again."""
        if self.explain(text).rule in SPEECH_ACT_RULES:
            return None
        return suggest(text, lang)

    # ------------------------------------------------------------------ grammar
    def _parse(self, text: str, context: ParseContext | None, trace: Trace | None = None) -> Intent:
        trace = trace if trace is not None else Trace()
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS:
            raise Unknown("empty or too long")
        t = normalize(to_simplified(text))
        trace.normalised = t
        if not t or INJECTION.search(t) or _DATA.search(t):
            raise Unknown("injected instructions or data")
        if _BARE_QUESTION.fullmatch(t):
            return Intent(intent="help")  # a lone "?" asks what the bot can do
        forced: tuple[str, str | None] | None = None
        m = _SLASH.match(t)
        if m:
            cmd = m.group(1)
            if cmd not in SLASH_COMMANDS:
                raise Unknown("an unknown slash command")
            forced = SLASH_COMMANDS[cmd]
            body = m.group(2)
            if cmd in ("daily", "weekly", "monthly", "hedge"):
                body = f"{cmd} {body}"
            elif cmd in INDICATOR_COMMANDS:
                body = _indicator_body(cmd, body)
            elif cmd == "trail":  # "/trail xauusd 30": a bare number is the distance in pips
                body = "trailing " + _BARE_DISTANCE.sub(r"\1 pips", body)
            toks = self.tokenize(body)
        elif t.startswith("/"):
            raise Unknown("an unknown slash command")
        else:
            toks = self.tokenize(t)
        trace.toks = toks
        if forced is None:
            kept = keep_unnegated(toks)
            if kept is None:
                raise Unknown("negation")
            toks = kept
        g = Grammar(toks, rolling=ROLLING.search(t) is not None, slash=forced is not None)
        return g.run(forced, context)
