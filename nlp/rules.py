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
from typing import TYPE_CHECKING

from nlp.aliases import SymbolAliases
from nlp.grammar import Grammar, Unknown
from nlp.intent import UNKNOWN, Intent
from nlp.lexicon import INJECTION, ROLLING
from nlp.numbers import normalize
from nlp.tokens import Tok, tokenize

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
}

_SLASH = re.compile(r"^/([a-z_]+)(?:@[\w.]+)?(?=\s|$)(.*)$", re.ASCII | re.DOTALL)
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

    # ------------------------------------------------------------------ grammar
    def _parse(self, text: str, context: ParseContext | None) -> Intent:
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS:
            return UNKNOWN
        t = normalize(text)
        if not t or INJECTION.search(t):
            return UNKNOWN
        if _BARE_QUESTION.fullmatch(t):
            return Intent(intent="help")  # a lone "?" asks what the bot can do
        forced: tuple[str, str | None] | None = None
        m = _SLASH.match(t)
        if m:
            cmd = m.group(1)
            if cmd not in SLASH_COMMANDS:
                return UNKNOWN
            forced = SLASH_COMMANDS[cmd]
            body = m.group(2)
            if cmd in ("daily", "weekly", "monthly", "hedge"):
                body = f"{cmd} {body}"
            toks = self.tokenize(body)
        elif t.startswith("/"):
            return UNKNOWN
        else:
            toks = self.tokenize(t)
        g = Grammar(toks, rolling=ROLLING.search(t) is not None, slash=forced is not None)
        return g.run(forced, context)
