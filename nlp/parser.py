"""The parser the bot uses: the LLM first (when configured), the rules as the fallback.

A circuit breaker keeps a slow or dead endpoint from making every message wait the full
timeout: after `breaker_failures` endpoint faults in a row (timeouts, transport errors, HTTP
errors, answers that are not JSON) it opens and the rules answer at once for `breaker_cooldown_s`
seconds; then one message is let through as a probe (half-open). A probe that gets an answer
closes the breaker; one that fails opens it for another cool-down. A 429 with Retry-After opens
it at once for that long.

The LLM's answer goes through the same checks as the rules' own: an acting intent (a trade, an
alert, a subscription) for a message that is not a request to the bot now is overruled, and an
answer that drops a symbol the message names (scope widening) is overruled; then the rules
answer. The result says which engine answered and, when the rules stood in, why
(`fallback_reason`: breaker_open, timeout, transport, http_<status>, invalid_json, invalid,
ungrounded, refusal, not_a_request, scope, injection, injected_json, context, empty, error).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from nlp.aliases import SymbolAliases
from nlp.intent import TRADE_INTENTS, UNKNOWN, Intent
from nlp.management import OutOfRange
from nlp.numbers import normalize
from nlp.rules import RuleParser

if TYPE_CHECKING:
    from nlp.llm import LLMParser

log = logging.getLogger(__name__)

Engine = Literal["rules", "llm"]
EngineChoice = Literal["auto", "rules", "llm"]
BreakerState = Literal["closed", "open", "half_open"]
Clock = Callable[[], float]
RequestGate = Callable[[str], bool]
"""`gate(text)` → True when the message is a request to the bot now (not narration, reported
speech, a hypothetical, a question about the market, a later or conditional request …)."""

# The LLM client has its own timeout; this margin only guards against a client that ignores it.
_GUARD_MARGIN_S = 0.25

# Intents that make the bot act or remember something; a non-request must never become one.
ACTING_INTENTS = TRADE_INTENTS | {"alert", "subscribe", "unsubscribe"}

# A JSON object (or a key of one) typed into a message is data: an LLM would be tempted to echo
# it as its answer, so such a message never reaches it, and never becomes an acting intent.
_JSON_IN_TEXT = re.compile(r"""\{\s*["'“”]?[a-z_]+["'“”]?\s*[:：]""", re.IGNORECASE)

# Reasons after which no acting intent may come out, whatever the rule set says.
_MUST_NOT_ACT = frozenset({"not_a_request", "injected_json"})


@dataclass
class ParseContext:
    """What the conversation knows: the user's previous intent and last opened position."""

    last_intent: Intent | None = None
    last_ticket: int | None = None


@dataclass
class ParseResult:
    intent: Intent
    engine: Engine
    fallback_reason: str | None = None
    elapsed_ms: float = 0.0
    breaker: BreakerState = "closed"


class CircuitBreaker:
    """Counts consecutive endpoint faults. `allow()` says whether to ask the LLM now.

    closed → (`failures` faults in a row) → open → (`cooldown_s` later, on the next `allow()`)
    half_open: exactly one probe is let through; others get False until it reports.
    `record_success()` closes; `record_failure()` re-opens for a fresh cool-down; `release()`
    (the probe was cancelled, no verdict) lets the next message probe instead."""

    def __init__(
        self, failures: int = 3, cooldown_s: float = 60.0, clock: Clock = time.monotonic
    ) -> None:
        if failures < 1:
            raise ValueError("failures must be at least 1")
        if cooldown_s < 0:
            raise ValueError("cooldown_s must be >= 0")
        self.failures = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.consecutive_failures = 0
        self.open_until: float | None = None  # set while open or half-open
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self.open_until is None:
            return "closed"
        if self._probing or self.clock() >= self.open_until:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "open" or self._probing:
            return False
        self._probing = True  # half-open: this caller is the probe
        return True

    def record_success(self) -> None:
        if self.open_until is not None:
            log.info("LLM circuit breaker closed: the endpoint answered again")
        self.consecutive_failures = 0
        self.open_until = None
        self._probing = False

    def record_failure(self, hold_s: float | None = None) -> None:
        """One endpoint fault. `hold_s` (a 429's Retry-After) opens the breaker at once for
        at least that long."""
        self.consecutive_failures += 1
        was_probe = self._probing
        self._probing = False
        if hold_s is not None and hold_s > 0:
            self._open(max(hold_s, self.cooldown_s if was_probe else 0.0))
        elif was_probe or self.consecutive_failures >= self.failures:
            self._open(self.cooldown_s)

    def release(self) -> None:
        """The probe ended without a verdict (cancelled): let the next message probe."""
        self._probing = False

    def _open(self, seconds: float) -> None:
        if self.open_until is None:
            log.warning(
                "LLM circuit breaker open after %d failures: rules only for %g s",
                self.consecutive_failures,
                seconds,
            )
        self.open_until = self.clock() + seconds


class IntentParser:
    """`engine="rules"`: rules only. `"auto"`/`"llm"`: the LLM when one is given, with the
    rules on any failure and while the breaker is open. Messages that try to inject
    instructions, or that refer to the conversation ("再来一单", "close it"), are answered by the
    rules, which know the context.

    `is_request` is the speech-act gate the rules use too; with none given, only the rules'
    own checks stand between a narration and a trade."""

    def __init__(
        self,
        rules: RuleParser,
        llm: LLMParser | None = None,
        engine: EngineChoice = "auto",
        *,
        breaker_failures: int = 3,
        breaker_cooldown_s: float = 60.0,
        clock: Clock = time.monotonic,
        is_request: RequestGate | None = None,
    ) -> None:
        self.rules = rules
        self.llm = llm
        self.engine: EngineChoice = engine
        self.breaker = CircuitBreaker(breaker_failures, breaker_cooldown_s, clock)
        self.is_request = is_request
        self._aliases: SymbolAliases = llm.aliases if llm is not None else rules.aliases

    @property
    def uses_llm(self) -> bool:
        return self.llm is not None and self.engine != "rules"

    def parse_rules(self, text: str, context: ParseContext | None = None) -> ParseResult:
        t0 = time.perf_counter()
        intent = self.rules.parse(text, context)
        return ParseResult(intent, "rules", None, (time.perf_counter() - t0) * 1000)

    def trouble(self, text: str) -> OutOfRange | None:
        """The management slot that made `text` unknown by being out of range (the rules
        know); see `RuleParser.trouble`."""
        return self.rules.trouble(text)

    def suggest(self, text: str, lang: str) -> str | None:
        """The closest supported phrasing for a message that was not understood (the rules
        know what they understand; None for talk the rules ruled out as a request)."""
        return self.rules.suggest(text, lang)

    async def parse(self, text: str, context: ParseContext | None = None) -> ParseResult:
        t0 = time.perf_counter()
        if not self.uses_llm or self.llm is None:
            return self.parse_rules(text, context)
        reason = self._rules_first(text)
        if reason is None and not self.breaker.allow():
            reason = "breaker_open"
        if reason is not None:
            return self._rules(text, context, t0, reason)
        intent, reason = await self._ask_llm(self.llm, text, context)
        if intent is None:
            return self._rules(text, context, t0, reason or "error")
        reason = self.overrule_reason(text, intent)
        if reason is not None:
            return self._rules(text, context, t0, reason)
        return ParseResult(intent, "llm", None, self._ms(t0), self.breaker.state)

    def _rules_first(self, text: str) -> str | None:
        """Why the rules answer without asking the LLM, or None."""
        if not isinstance(text, str) or not text.strip():
            return "empty"
        if self.rules.is_injection(text):
            return "injection"
        if _JSON_IN_TEXT.search(normalize(text)):
            return "injected_json"
        if self.rules.is_context_reference(text):
            return "context"
        return None

    async def _ask_llm(
        self, llm: LLMParser, text: str, context: ParseContext | None
    ) -> tuple[Intent | None, str | None]:
        """(intent, None) on an answer, (None, reason) on a failure; the breaker is told."""
        from nlp.llm import LLMFailure

        try:
            intent = await asyncio.wait_for(
                llm.parse(text, context), timeout=llm.timeout_s + _GUARD_MARGIN_S
            )
        except LLMFailure as exc:
            if exc.endpoint_fault:
                self.breaker.record_failure(exc.retry_after_s)
            else:
                self.breaker.record_success()  # it answered; this one answer was unusable
            return None, exc.reason
        except TimeoutError:
            self.breaker.record_failure()
            return None, "timeout"
        except asyncio.CancelledError:
            self.breaker.release()
            raise
        except Exception as exc:  # the LLM path must never take parsing down
            log.warning("LLM parser failed: %s", exc)
            self.breaker.record_failure()
            return None, "error"
        self.breaker.record_success()
        return intent, None

    def overrule_reason(self, text: str, intent: Intent) -> str | None:
        """The checks an LLM answer must pass, as the rules' own answers do: None when it
        stands, else why it is overruled (the rules then answer)."""
        if intent.intent not in ACTING_INTENTS:
            return None
        if self.is_request is not None and not self.is_request(text):
            return "not_a_request"
        if intent.symbol is None and self._aliases.symbols_in(normalize(text)):
            return "scope"  # the message names a symbol the answer dropped: it would widen
        return None

    def _rules(
        self, text: str, context: ParseContext | None, t0: float, reason: str
    ) -> ParseResult:
        intent = self.rules.parse(text, context)
        if reason in _MUST_NOT_ACT and intent.intent in ACTING_INTENTS:
            intent = UNKNOWN  # the check has spoken; a rule set that disagrees must not act
        return ParseResult(intent, "rules", reason, self._ms(t0), self.breaker.state)

    @staticmethod
    def _ms(t0: float) -> float:
        return (time.perf_counter() - t0) * 1000
