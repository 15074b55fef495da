"""The parser the bot uses: the LLM first (when configured), the rules as the fallback.

The result says which engine answered and, when the rules stood in, why (timeout, transport
error, HTTP status, refusal, malformed or out-of-contract output, …).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from nlp.intent import Intent
from nlp.rules import RuleParser

if TYPE_CHECKING:
    from nlp.llm import LLMParser

log = logging.getLogger(__name__)

Engine = Literal["rules", "llm"]
EngineChoice = Literal["auto", "rules", "llm"]

# The LLM client has its own timeout; this margin only guards against a client that ignores it.
_GUARD_MARGIN_S = 0.25


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


class IntentParser:
    """`engine="rules"`: rules only. `"auto"`/`"llm"`: the LLM when one is given, with the
    rules on any failure. Messages that try to inject instructions, or that refer to the
    conversation ("再来一单", "close it"), are answered by the rules, which know the context."""

    def __init__(
        self,
        rules: RuleParser,
        llm: LLMParser | None = None,
        engine: EngineChoice = "auto",
    ) -> None:
        self.rules = rules
        self.llm = llm
        self.engine: EngineChoice = engine

    @property
    def uses_llm(self) -> bool:
        return self.llm is not None and self.engine != "rules"

    def parse_rules(self, text: str, context: ParseContext | None = None) -> ParseResult:
        t0 = time.perf_counter()
        intent = self.rules.parse(text, context)
        return ParseResult(intent, "rules", None, (time.perf_counter() - t0) * 1000)

    async def parse(self, text: str, context: ParseContext | None = None) -> ParseResult:
        t0 = time.perf_counter()
        if not self.uses_llm or self.llm is None:
            return self.parse_rules(text, context)
        if not isinstance(text, str) or not text.strip():
            return self._rules(text, context, t0, "empty")
        if self.rules.is_injection(text):
            return self._rules(text, context, t0, "injection")
        if self.rules.is_context_reference(text):
            return self._rules(text, context, t0, "context")
        from nlp.llm import LLMFailure

        try:
            intent = await asyncio.wait_for(
                self.llm.parse(text, context), timeout=self.llm.timeout_s + _GUARD_MARGIN_S
            )
        except LLMFailure as exc:
            return self._rules(text, context, t0, exc.reason)
        except TimeoutError:
            return self._rules(text, context, t0, "timeout")
        except Exception as exc:  # the LLM path must never take parsing down
            log.warning("LLM parser failed: %s", exc)
            return self._rules(text, context, t0, "error")
        return ParseResult(intent, "llm", None, (time.perf_counter() - t0) * 1000)

    def _rules(
        self, text: str, context: ParseContext | None, t0: float, reason: str
    ) -> ParseResult:
        intent = self.rules.parse(text, context)
        return ParseResult(intent, "rules", reason, (time.perf_counter() - t0) * 1000)
